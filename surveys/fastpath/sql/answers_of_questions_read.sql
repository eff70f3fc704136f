-- The answers of some questions of a response (what an autosave's or a submit's conditions read).
SELECT question_id, value, comment, version FROM surveys_answer
 WHERE response_id = %(response)s AND question_id = ANY(%(questions)s)
