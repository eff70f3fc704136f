"""The fast reads and writes of a link (surveys.fastpath): the link with everything its pages read,
in one prepared query; its first use, which also makes the unit's response, in one statement; the
response's answers and progress. The plain twins are in surveys.respondent.links."""

from municipalities.models import Municipality, MunicipalityProfile
from surveys.fastpath.statements import (
    ANSWER_STATE,
    ANSWERS_OF_QUESTIONS_READ,
    ANSWERS_READ,
    LINK_FIRST_USED,
    LINK_READ,
    LINK_USED,
    PROGRESS,
    PROGRESS_READ,
    Columns,
    prepared_cursor,
    to_db,
)
from surveys.link_rule import token_hash
from surveys.models import Invitation, Questionnaire, Response, SectionProgress, Survey

# The parts of link_read.sql's row, in its order (a test compares them with the statement's columns).
LINK_PARTS = [
    (
        "invitation",
        Columns(
            Invitation,
            [
                "id",
                "survey",
                "municipality",
                "role",
                "section",
                "contact",
                "delegated_by",
                "name",
                "email",
                "token_hash",
                "revoked_at",
                "last_used_at",
            ],
        ),
    ),
    (
        "survey",
        Columns(
            Survey,
            ["id", "year", "title", "questionnaire", "opens_at", "closes_at", "status", "invitation_grace_days"],
        ),
    ),
    ("questionnaire", Columns(Questionnaire, ["id", "title", "year", "frozen_at"])),
    (
        "municipality",
        Columns(Municipality, ["id", "number", "name", "kind", "county", "parent", "delegation_email_domains"]),
    ),
    ("giver", Columns(Invitation, ["id", "revoked_at"])),
    ("response", Columns(Response, ["id"])),
    ("profile", Columns(MunicipalityProfile, list(MunicipalityProfile.CONDITION_FIELDS))),
]
_READERS = dict(LINK_PARTS)


def link_read(token: str) -> Invitation | None:
    """The link behind a token with its round, questionnaire, unit and giver, the unit's response
    id in the round (`response_pk`, None before the link's first use) and its profile values
    (`profile_<name>`), or None. Hand-written and prepared: the ORM took longer to build this
    query than PostgreSQL to answer it."""
    with prepared_cursor() as cursor:
        cursor.execute(LINK_READ, {"token_hash": token_hash(token)})
        row = cursor.fetchone()
    if row is None:
        return None
    found: dict[str, list] = {}
    position = 0
    for name, columns in LINK_PARTS:
        found[name] = columns.values(row[position : position + len(columns)])
        position += len(columns)

    invitation = _READERS["invitation"].instance(found["invitation"])
    survey = _READERS["survey"].instance(found["survey"])
    # None when an outer join found nothing: a round without a questionnaire, a unit without a response.
    survey.questionnaire = (
        _READERS["questionnaire"].instance(found["questionnaire"]) if found["questionnaire"][0] is not None else None
    )
    invitation.survey = survey
    invitation.municipality = _READERS["municipality"].instance(found["municipality"])
    if invitation.delegated_by_id is not None:
        invitation.delegated_by = _READERS["giver"].instance(found["giver"])
    invitation.response_pk = found["response"][0]
    for name, value in zip(MunicipalityProfile.CONDITION_FIELDS, found["profile"], strict=True):
        setattr(invitation, f"profile_{name}", value)
    return invitation


def link_mark_used(invitation: Invitation, now) -> None:
    """The link's last use, and on its first use the unit's response, in one statement."""
    at = to_db(Invitation, "last_used_at", now)
    with prepared_cursor() as cursor:
        if getattr(invitation, "response_pk", False) is None:
            cursor.execute(
                LINK_FIRST_USED,
                {
                    "now": at,
                    "invitation": invitation.pk,
                    "survey": invitation.survey_id,
                    "municipality": invitation.municipality_id,
                },
            )
            made = cursor.fetchone()
            if made is not None:  # else made at the same moment by another request: found when needed
                invitation.response_pk, invitation.response_made = made[0], True
        else:
            cursor.execute(LINK_USED, {"now": at, "invitation": invitation.pk})
    invitation.last_used_at = now


def answers_read(response_id: int, question_ids=None) -> list[tuple]:
    """(question id, value, comment, version) of a response's answers, or of some questions' only."""
    with prepared_cursor() as cursor:
        if question_ids is None:
            cursor.execute(ANSWERS_READ, {"response": response_id})
        else:
            cursor.execute(ANSWERS_OF_QUESTIONS_READ, {"response": response_id, "questions": sorted(question_ids)})
        return [tuple(ANSWER_STATE.values(row)) for row in cursor.fetchall()]


def progress_read(response_id: int) -> dict[int, SectionProgress]:
    """A response's section progress rows, by section id."""
    with prepared_cursor() as cursor:
        cursor.execute(PROGRESS_READ, {"response": response_id})
        rows = cursor.fetchall()
    progress = (PROGRESS.row_instance(row) for row in rows)
    return {p.section_id: p for p in progress}
