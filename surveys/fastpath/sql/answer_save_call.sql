-- One answer's save: one call of surveys_answer_save (answer_save.sql).
SELECT o_outcome, o_id, o_value, o_comment, o_version, o_updated_at
  FROM surveys_answer_save(%(response)s, %(section)s, %(question)s, %(value)s, %(comment)s, %(expected)s,
                           %(invitation)s, %(user)s, %(actor)s, %(now)s)
