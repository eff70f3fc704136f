"""Scales freeze with the questions that use them; an opened round keeps its questionnaire.

- `Scale.frozen_at`, set when a round opens that uses the scale; scales already
  used by frozen questions are frozen here.
- PostgreSQL triggers refuse changes to frozen scales and their points, and a
  swap of the questionnaire of a round that has left the draft status.
- The child triggers of migration 0002 looked only at the new parent of a row,
  so an UPDATE could move an option, matrix item, section or item out of frozen
  content; they now look at the old parent too.

SQLite (the embedded default) has only the model-level guards.
"""

import importlib

from django.db import migrations, models
from django.db.models import Min

FUNCTIONS = """
CREATE OR REPLACE FUNCTION surveys_refuse_child_of_frozen_scale() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM surveys_scale WHERE frozen_at IS NOT NULL AND id IN (
      CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.scale_id END,
      CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.scale_id END
    )
  ) THEN
    RAISE EXCEPTION 'frozen: % belongs to a frozen scale', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_refuse_child_of_frozen_question() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM surveys_question WHERE frozen_at IS NOT NULL AND id IN (
      CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.question_id END,
      CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.question_id END
    )
  ) THEN
    RAISE EXCEPTION 'frozen: % belongs to a frozen question', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_refuse_child_of_frozen_questionnaire() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM surveys_questionnaire WHERE frozen_at IS NOT NULL AND id IN (
      CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.questionnaire_id END,
      CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.questionnaire_id END
    )
  ) THEN
    RAISE EXCEPTION 'frozen: % belongs to a frozen questionnaire', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_refuse_questionnaire_swap() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND NEW.questionnaire_id IS DISTINCT FROM OLD.questionnaire_id THEN
    RAISE EXCEPTION 'frozen: survey round % has been opened and keeps its questionnaire', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = [
    ("surveys_scale_frozen", "surveys_scale", "UPDATE OR DELETE", "surveys_refuse_frozen_row()"),
    (
        "surveys_scalepoint_frozen",
        "surveys_scalepoint",
        "INSERT OR UPDATE OR DELETE",
        "surveys_refuse_child_of_frozen_scale()",
    ),
    (
        "surveys_survey_questionnaire_kept",
        "surveys_survey",
        "UPDATE OF questionnaire_id",
        "surveys_refuse_questionnaire_swap()",
    ),
]


def freeze_scales_of_frozen_questions(apps, schema_editor):
    Scale = apps.get_model("surveys", "Scale")
    used = Scale.objects.filter(frozen_at__isnull=True, questions__frozen_at__isnull=False)
    for scale in used.annotate(first_frozen=Min("questions__frozen_at")).distinct():
        Scale.objects.filter(pk=scale.pk).update(frozen_at=scale.first_frozen)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)
    for name, table, events, function in TRIGGERS:
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, _events, _function in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS surveys_refuse_child_of_frozen_scale(), surveys_refuse_questionnaire_swap()"
    )
    # Back to the child functions of 0002.
    schema_editor.execute(importlib.import_module("surveys.migrations.0002_freeze_triggers").FUNCTIONS, params=None)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_analytics")]

    operations = [
        migrations.AddField(
            model_name="scale",
            name="frozen_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="frozen"),
        ),
        migrations.RunPython(freeze_scales_of_frozen_questions, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
