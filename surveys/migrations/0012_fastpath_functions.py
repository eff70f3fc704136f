"""The fast path's database functions, made from their files in surveys/fastpath/sql/, where
they live beside the rest of the fast path's SQL: the link rule's SQL form
(`surveys_link_may_change`) and one answer's save (`surveys_answer_save`). Earlier migrations
wrote the save's text into themselves; 0009 and 0010 now leave it to this one.

A change to one of those files needs a new migration that runs `functions_create` again
(tests/surveys/test_link_rule.py fails while the database's text differs from the file's).
Only PostgreSQL has them: SQLite, the embedded default, takes the plain way.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "fastpath" / "sql"
FUNCTIONS = ("link_may_change", "answer_save")  # in this order: the save asks the link rule


def functions_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in FUNCTIONS:
            schema_editor.execute((SQL / f"{name}.sql").read_text(encoding="utf-8"))


def functions_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS surveys_answer_save(bigint, bigint, bigint, jsonb, text, integer, bigint, integer,"
            " varchar, timestamptz)"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS surveys_link_may_change(bigint, bigint, bigint, timestamptz)")


class Migration(migrations.Migration):
    dependencies = [("surveys", "0011_analysis_jobs_share_one_base")]

    operations = [migrations.RunPython(functions_create, functions_drop, elidable=False)]
