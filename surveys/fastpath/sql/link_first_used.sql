-- A link's first use: its last-used time and the unit's response, which every page of a link
-- shows or changes, in one statement (so a link's first page writes once). No row back when the
-- response was made at the same moment by another request.
WITH used AS (UPDATE surveys_invitation SET last_used_at = %(now)s WHERE id = %(invitation)s)
INSERT INTO surveys_response (created_at, updated_at, survey_id, municipality_id)
VALUES (%(now)s, %(now)s, %(survey)s, %(municipality)s)
ON CONFLICT (survey_id, municipality_id) DO NOTHING
RETURNING id
