"""Puts the resume of stalled report and export builds on beat's schedule (held in the database), every five minutes.

Kept for the history only: the schedule is now defined in code (CELERY_BEAT_SCHEDULE in
config/settings.py), and beat writes it into its tables when it starts."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_analysis_export"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
