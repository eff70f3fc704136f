"""The outbox also holds every receipt until beat queues it (written with its submission), so
beat empties it every OUTBOX_RESEND_SECONDS (ten) instead of every minute."""

from django.db import migrations

OLD_NAME = "Queue the tasks kept while the broker was away"
NAME = "Queue the tasks waiting in the outbox (receipts; calls the broker could not take)"


def schedule(apps, schema_editor, *, every: int, period: str, name: str, old_name: str):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _created = IntervalSchedule.objects.get_or_create(every=every, period=period)
    PeriodicTask.objects.filter(name=old_name).delete()
    PeriodicTask.objects.update_or_create(
        name=name, defaults={"task": "operations.outbox_resend", "interval": interval, "enabled": True}
    )


def every_ten_seconds(apps, schema_editor):
    schedule(apps, schema_editor, every=10, period="seconds", name=NAME, old_name=OLD_NAME)


def every_minute(apps, schema_editor):
    schedule(apps, schema_editor, every=1, period="minutes", name=OLD_NAME, old_name=NAME)


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
        migrations.RunPython(every_ten_seconds, every_minute),
    ]
