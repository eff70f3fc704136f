"""Frozen questionnaire content cannot change, whatever writes to the table.

The models and querysets refuse too; these PostgreSQL triggers also stop raw
SQL, bulk operations and anything else that bypasses them. SQLite (the
embedded default) has only the model-level guard.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION surveys_refuse_frozen_row() RETURNS trigger AS $$
BEGIN
  IF OLD.frozen_at IS NOT NULL THEN
    RAISE EXCEPTION 'frozen: % % belongs to an opened survey round and cannot change', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_refuse_child_of_frozen_question() RETURNS trigger AS $$
DECLARE
  row_question_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.question_id ELSE NEW.question_id END;
BEGIN
  IF EXISTS (SELECT 1 FROM surveys_question WHERE id = row_question_id AND frozen_at IS NOT NULL) THEN
    RAISE EXCEPTION 'frozen: % belongs to a frozen question', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_refuse_child_of_frozen_questionnaire() RETURNS trigger AS $$
DECLARE
  row_questionnaire_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.questionnaire_id ELSE NEW.questionnaire_id END;
BEGIN
  IF EXISTS (SELECT 1 FROM surveys_questionnaire WHERE id = row_questionnaire_id AND frozen_at IS NOT NULL) THEN
    RAISE EXCEPTION 'frozen: % belongs to a frozen questionnaire', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = [
    ("surveys_question", "surveys_refuse_frozen_row()", "UPDATE OR DELETE"),
    ("surveys_questionnaire", "surveys_refuse_frozen_row()", "UPDATE OR DELETE"),
    ("surveys_questionoption", "surveys_refuse_child_of_frozen_question()", "INSERT OR UPDATE OR DELETE"),
    ("surveys_matrixitem", "surveys_refuse_child_of_frozen_question()", "INSERT OR UPDATE OR DELETE"),
    ("surveys_section", "surveys_refuse_child_of_frozen_questionnaire()", "INSERT OR UPDATE OR DELETE"),
    ("surveys_item", "surveys_refuse_child_of_frozen_questionnaire()", "INSERT OR UPDATE OR DELETE"),
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)
    for table, function, events in TRIGGERS:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_frozen BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _function, _events in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS surveys_refuse_frozen_row(), surveys_refuse_child_of_frozen_question(), "
        "surveys_refuse_child_of_frozen_questionnaire()"
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
