"""Puts the outbox resend on beat's schedule (held in the database), every minute.

Kept for the history only: the schedule is now defined in code (CELERY_BEAT_SCHEDULE in
config/settings.py), and beat writes it into its tables when it starts."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
