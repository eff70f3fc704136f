-- A response's section progress rows, in the order of surveys.fastpath.statements.PROGRESS.
SELECT id, response_id, section_id, status, last_worked_by, last_worked_at, submitted_at, submitted_by,
       created_at, updated_at
  FROM surveys_sectionprogress WHERE response_id = %(response)s
