-- One answer's save in one call, so that an autosave is one round trip: the fast twin of
-- surveys.services.responses.answer_save's plain steps, which tests hold it to (both save ways
-- run from one table in tests/surveys/test_answer_save.py).
--
-- Refuse a save through a link that may not change this section of this response
-- (surveys_link_may_change) or of a question that is not in the section; lock the section's
-- progress row (a save and a submit of the same section never interleave) and refuse a
-- submitted section; lock or make the answer row; leave an unchanged answer alone; refuse a save
-- made from an older version; then write the audit row, the new value and the progress. Called
-- as one statement in autocommit it is its own transaction: no BEGIN, no COMMIT. It answers with
-- an outcome (saved, unchanged, stale, submitted, gone, link) and the answer as it now stands.
CREATE OR REPLACE FUNCTION surveys_answer_save(
  p_response bigint, p_section bigint, p_question bigint, p_value jsonb, p_comment text,
  p_expected integer, p_invitation bigint, p_user integer, p_actor varchar, p_now timestamptz,
  OUT o_outcome text, OUT o_id bigint, OUT o_value jsonb, OUT o_comment text, OUT o_version integer,
  OUT o_updated_at timestamptz
) AS $$
DECLARE
  v_status varchar;
BEGIN
  IF (p_invitation IS NOT NULL AND NOT surveys_link_may_change(p_invitation, p_response, p_section, p_now))
     OR NOT EXISTS (SELECT 1 FROM surveys_item WHERE section_id = p_section AND question_id = p_question) THEN
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
