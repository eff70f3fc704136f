"""The outbox also holds every receipt until beat queues it (written with its submission), so
beat empties it every OUTBOX_RESEND_SECONDS (ten) instead of every minute. The schedule itself
is now in code (CELERY_BEAT_SCHEDULE in config/settings.py); this migration keeps the model's
names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("operations", "0002_beat_outbox_resend")]

    operations = [
        migrations.AlterModelOptions(
            name="outboxtask",
            options={
                "ordering": ["created_at", "pk"],
                "verbose_name": "task waiting to be queued",
                "verbose_name_plural": "tasks waiting to be queued",
            },
        ),
    ]
