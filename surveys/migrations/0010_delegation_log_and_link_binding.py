"""The delegation log, and a save through a link bound to what the link is for.

`surveys_answer_save` (migration 0009) checked that a link may still save; it now also checks,
whatever the caller passes, that the response is the link's round's and municipality's, that the
section is of the round's questionnaire and one the link opens, and that the question is in the
section (surveys.services.responses._link_may_save asks the same on SQLite). A forged or
mistaken ticket cannot write into another municipality's response.
"""

import django.db.models.deletion
from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION surveys_answer_save(
  p_response bigint, p_section bigint, p_question bigint, p_value jsonb, p_comment text,
  p_expected integer, p_invitation bigint, p_user integer, p_actor varchar, p_now timestamptz,
  OUT o_outcome text, OUT o_id bigint, OUT o_value jsonb, OUT o_comment text, OUT o_version integer,
  OUT o_updated_at timestamptz
) AS $$
DECLARE
  v_status varchar;
BEGIN
  IF p_invitation IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM surveys_invitation i
      JOIN surveys_survey s ON s.id = i.survey_id
      LEFT JOIN surveys_invitation g ON g.id = i.delegated_by_id
      JOIN surveys_response r ON r.id = p_response AND r.survey_id = i.survey_id AND r.municipality_id = i.municipality_id
      JOIN surveys_section sec ON sec.id = p_section AND sec.questionnaire_id = s.questionnaire_id
     WHERE i.id = p_invitation AND i.revoked_at IS NULL AND g.revoked_at IS NULL AND s.status = 'open'
       AND p_now < s.closes_at + make_interval(days => s.invitation_grace_days)
       AND (i.section_id = sec.id
            OR (i.section_id IS NULL AND (i.role IN ('chief_executive', 'district_director') OR sec.role = i.role)))
       AND EXISTS (SELECT 1 FROM surveys_item it WHERE it.section_id = sec.id AND it.question_id = p_question)
  ) THEN
    o_outcome := 'link';
    RETURN;
  END IF;
  SELECT status INTO v_status FROM surveys_sectionprogress
   WHERE response_id = p_response AND section_id = p_section FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO surveys_sectionprogress (response_id, section_id, status, last_worked_by, submitted_by, created_at, updated_at)
    VALUES (p_response, p_section, 'not_started', '', '', p_now, p_now)
    ON CONFLICT (response_id, section_id) DO NOTHING;
    SELECT status INTO v_status FROM surveys_sectionprogress
     WHERE response_id = p_response AND section_id = p_section FOR UPDATE;
  END IF;
  IF v_status = 'submitted' THEN
    o_outcome := 'submitted';
    RETURN;
  END IF;

  SELECT id, value, comment, version, updated_at INTO o_id, o_value, o_comment, o_version, o_updated_at
    FROM surveys_answer WHERE response_id = p_response AND question_id = p_question FOR UPDATE;
  IF NOT FOUND THEN
    IF p_expected <> 0 THEN
      o_outcome := 'gone';
      RETURN;
    END IF;
    IF p_value IS NULL AND p_comment = '' THEN
      -- Nothing typed over nothing stored: no row, as if it had been rolled back.
      o_outcome := 'unchanged'; o_comment := ''; o_version := 0; o_updated_at := p_now;
      RETURN;
    END IF;
    INSERT INTO surveys_answer (response_id, question_id, value, comment, version, created_at, updated_at)
    VALUES (p_response, p_question, p_value, p_comment, 1, p_now, p_now)
    ON CONFLICT (response_id, question_id) DO NOTHING
    RETURNING id INTO o_id;
    IF FOUND THEN
      INSERT INTO surveys_answerchange
        (answer_id, invitation_id, user_id, actor_name, old_value, new_value, old_comment, new_comment, version, created_at)
      VALUES (o_id, p_invitation, p_user, p_actor, NULL, p_value, '', p_comment, 1, p_now);
      UPDATE surveys_sectionprogress
         SET status = 'in_progress', last_worked_by = p_actor, last_worked_at = p_now, updated_at = p_now
       WHERE response_id = p_response AND section_id = p_section;
      o_outcome := 'saved'; o_value := p_value; o_comment := p_comment; o_version := 1; o_updated_at := p_now;
      RETURN;
    END IF;
    -- Made by another save in between: from here on as an answer that was there.
    SELECT id, value, comment, version, updated_at INTO o_id, o_value, o_comment, o_version, o_updated_at
      FROM surveys_answer WHERE response_id = p_response AND question_id = p_question FOR UPDATE;
  END IF;

  IF o_value IS NOT DISTINCT FROM p_value AND o_comment = p_comment THEN
    o_outcome := 'unchanged';
    RETURN;
  END IF;
  IF o_version <> p_expected THEN
    o_outcome := 'stale';
    RETURN;
  END IF;

  INSERT INTO surveys_answerchange
    (answer_id, invitation_id, user_id, actor_name, old_value, new_value, old_comment, new_comment, version, created_at)
  VALUES (o_id, p_invitation, p_user, p_actor, o_value, p_value, o_comment, p_comment, o_version + 1, p_now);
  UPDATE surveys_answer SET value = p_value, comment = p_comment, version = o_version + 1, updated_at = p_now
   WHERE id = o_id;
  UPDATE surveys_sectionprogress
     SET status = 'in_progress', last_worked_by = p_actor, last_worked_at = p_now, updated_at = p_now
   WHERE response_id = p_response AND section_id = p_section;
  o_outcome := 'saved'; o_value := p_value; o_comment := p_comment; o_version := o_version + 1; o_updated_at := p_now;
END $$ LANGUAGE plpgsql;
"""


def function_replace(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def function_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        import importlib

        previous = importlib.import_module("surveys.migrations.0009_answer_save_function")
        schema_editor.execute(previous.FUNCTION)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_answer_save_function"),
    ]

    operations = [
        migrations.RunPython(function_replace, function_restore, elidable=False),
        migrations.CreateModel(
            name="DelegationEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("given", "link given"), ("revoked", "link taken back"), ("refused", "refused")],
                        max_length=20,
                        verbose_name="event",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=40, verbose_name="reason")),
                ("email_domain", models.CharField(blank=True, max_length=254, verbose_name="e-mail domain")),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                (
                    "delegation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.invitation",
                        verbose_name="link given",
                    ),
                ),
                (
                    "giver",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="delegation_events",
                        to="surveys.invitation",
                        verbose_name="given from",
                    ),
                ),
            ],
            options={
                "verbose_name": "delegation event",
                "verbose_name_plural": "delegation log",
                "ordering": ["-created_at", "-pk"],
            },
        ),
    ]
