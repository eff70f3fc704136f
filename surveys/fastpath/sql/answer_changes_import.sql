-- The first entry in the audit trail of every answer of an imported round (surveys/fastpath/imports.py),
-- copied from the answers themselves. Parameters: the importing staff account (or NULL), the actor's
-- name, the time, the round.
INSERT INTO surveys_answerchange (answer_id, invitation_id, user_id, actor_name, old_value, new_value,
                                  old_comment, new_comment, version, created_at)
SELECT a.id, NULL, %(user)s, %(actor)s, NULL, a.value, '', '', 1, %(now)s
FROM surveys_answer a
JOIN surveys_response r ON r.id = a.response_id
WHERE r.survey_id = %(survey)s
