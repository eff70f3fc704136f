"""Puts the retention rule on beat's schedule (held in the database): every night at 03:15, Oslo time.

Kept for the history only: the schedule is now defined in code (CELERY_BEAT_SCHEDULE in
config/settings.py), and beat writes it into its tables when it starts."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_personal_data_log"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
