"""The fast writes of a response (surveys.fastpath): an answer saved in one call of a database
function (sql/answer_save.sql), a section submitted in one statement (sql/section_submit.sql).
Both ask the link rule's SQL form in the same statement, so what the caller was told of the link
does not matter. The plain twins, which define what these must do, are the steps of
surveys.services.responses; tests hold the two to the same outcomes."""

from surveys.fastpath.statements import ANSWER_SAVE_CALL, PROGRESS, SAVED_ANSWER, SECTION_SUBMIT, prepared_cursor, to_db
from surveys.models import Answer, Question, Response, Section, SectionProgress


def answer_save(
    *,
    response: Response,
    section: Section,
    question: Question,
    value,
    comment: str,
    expected_version: int,
    invitation_id: int | None,
    user_id: int | None,
    actor_name: str,
    now,
) -> tuple[str, Answer | None]:
    """One round trip, its own transaction when none is open: the outcome (saved, unchanged,
    stale, submitted, gone, link) and the answer as it now stands (None unless there is one)."""
    params = {
        "response": response.pk,
        "section": section.pk,
        "question": question.pk,
        "value": to_db(Answer, "value", value),
        "comment": comment,
        "expected": expected_version,
        "invitation": invitation_id,
        "user": user_id,
        "actor": actor_name,
        "now": to_db(Answer, "updated_at", now),
    }
    with prepared_cursor() as cursor:
        cursor.execute(ANSWER_SAVE_CALL, params)
        outcome, *stored = cursor.fetchone()
    if outcome in ("submitted", "gone", "link"):
        return outcome, None
    answer = SAVED_ANSWER.row_instance(stored)
    answer.response, answer.question = response, question
    return outcome, answer


def section_submit(
    *, response: Response, section: Section, invitation_id: int | None, actor_name: str, now
) -> SectionProgress | None:
    """The section's progress made or turned submitted in one statement; None when nothing was
    written: submitted already, or refused for the link."""
    at = to_db(SectionProgress, "submitted_at", now)
    params = {
        "response": response.pk,
        "section": section.pk,
        "now": at,
        "actor": actor_name,
        "invitation": invitation_id,
    }
    with prepared_cursor() as cursor:
        cursor.execute(SECTION_SUBMIT, params)
        row = cursor.fetchone()
    return None if row is None else PROGRESS.row_instance(row)
