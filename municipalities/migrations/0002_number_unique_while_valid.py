"""A number may be reused, but never by two units valid on the same day.

PostgreSQL holds this as an exclusion constraint over the validity range.
SQLite (the embedded default) cannot; there the importer and the model's
checks are the guard.
"""

from django.db import migrations

TABLES = ["municipalities_municipality", "municipalities_county"]


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_number_unique_while_valid "
            "EXCLUDE USING gist (number WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_number_unique_while_valid")


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0001_initial")]

    operations = [migrations.RunPython(add_constraints, drop_constraints)]
