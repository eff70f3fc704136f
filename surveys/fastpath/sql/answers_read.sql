-- A response's answers (what a page shows): question, value, comment, version.
SELECT question_id, value, comment, version FROM surveys_answer WHERE response_id = %(response)s
