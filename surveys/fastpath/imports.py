"""A past round's answers written in two statements (surveys.fastpath): the answers unpacked by
PostgreSQL from one JSON document (sql/answers_import.sql), their first audit entries copied from
them (sql/answer_changes_import.sql).

Measured with bench/past_rounds.py (443 units, 300 columns, about 105,000 answers; figures in
bench/RESULTS.md): the plain twin builds every Answer and AnswerChange as a Python object and
sends them in batches. The plain twin, `surveys.past_rounds.services.answers_write_plain`,
defines what this must do; tests/past_rounds/test_import.py holds the two to the same rows."""

import json

from django.db import connection

from surveys.fastpath.statements import sql_text
from surveys.models import Answer

ANSWERS_IMPORT = sql_text("answers_import")
ANSWER_CHANGES_IMPORT = sql_text("answer_changes_import")


def answers_write(*, rows: list[tuple[int, int, object]], survey_id: int, user_id: int | None, actor: str, now) -> None:
    """Writes `rows` (response id, question id, value) as answers of version 1 and gives each its
    first audit entry, in the caller's transaction."""
    value_field = Answer._meta.get_field("value")
    document = json.dumps([[response, question, value] for response, question, value in rows], cls=value_field.encoder)
    with connection.cursor() as cursor:
        cursor.execute(ANSWERS_IMPORT, {"now": now, "rows": document})
        cursor.execute(ANSWER_CHANGES_IMPORT, {"user": user_id, "actor": actor, "now": now, "survey": survey_id})
