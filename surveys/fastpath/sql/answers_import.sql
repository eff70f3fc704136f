-- A past round's answers in one statement (surveys/fastpath/imports.py): the rows arrive as one
-- JSON document, [[response_id, question_id, value], ...], which PostgreSQL unpacks itself.
-- Parameters: created_at/updated_at, the document.
INSERT INTO surveys_answer (response_id, question_id, value, comment, version, created_at, updated_at)
SELECT (x->>0)::bigint, (x->>1)::bigint, x->2, '', 1, %(now)s, %(now)s
FROM jsonb_array_elements(%(rows)s::jsonb) x
