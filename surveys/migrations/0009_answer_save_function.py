"""One answer's save as a PostgreSQL function, so that an autosave is one round trip.

The function's text is no longer kept here: it lives in surveys/fastpath/sql/answer_save.sql, and
migration 0012 makes it from there (this step did, and now does nothing). What remains is that
the audit trail's own index on the answer goes: the unique (answer, version) index begins with
the answer and serves the same lookups, and every save writes a row to both.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("surveys", "0008_beat_analysis_jobs_resume")]

    operations = [
        # The function itself is made from surveys/fastpath/sql/ by migration 0012.
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="answerchange",
            name="answer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="changes",
                to="surveys.answer",
                verbose_name="answer",
            ),
        ),
    ]
