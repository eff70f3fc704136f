-- A section submitted: its progress made submitted, or turned submitted unless it is already, in
-- one statement that waits for a save of the same section holding the row. Through a link it is
-- written only if the link may change that section of that response (surveys_link_may_change);
-- no row back then, nor when the section was submitted already. The columns come back in the
-- order of surveys.fastpath.statements.PROGRESS.
INSERT INTO surveys_sectionprogress
       (response_id, section_id, status, last_worked_by, submitted_at, submitted_by, created_at, updated_at)
SELECT %(response)s, %(section)s, 'submitted', '', %(now)s, %(actor)s, %(now)s, %(now)s
 WHERE %(invitation)s::bigint IS NULL
    OR surveys_link_may_change(%(invitation)s::bigint, %(response)s, %(section)s, %(now)s)
    ON CONFLICT (response_id, section_id) DO UPDATE
   SET status = excluded.status, submitted_at = excluded.submitted_at, submitted_by = excluded.submitted_by,
       updated_at = excluded.updated_at
 WHERE surveys_sectionprogress.status <> excluded.status
RETURNING id, response_id, section_id, status, last_worked_by, last_worked_at, submitted_at, submitted_by,
          created_at, updated_at
