"""A municipality's response: answers saved one at a time, no lost update,
every change in the audit trail, sections submitted and reopened."""

import datetime
import functools
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.models import Municipality
from operations.outbox import task_record_params, task_record_sql
from surveys import rows
from surveys.models import (
    Answer,
    AnswerChange,
    Invitation,
    Item,
    Question,
    Response,
    Section,
    SectionProgress,
    SectionReopening,
    Survey,
)

ERROR_SUBMITTED = gettext_lazy("This section has been submitted and can no longer change.")
ERROR_NOT_OPEN = gettext_lazy("The round is not open for answers.")
ERROR_LINK = gettext_lazy("This link can no longer change answers.")


@dataclass
class Actor:
    """Who makes a change: a respondent through a link, or a staff account."""

    name: str
    invitation: Invitation | None = None
    user: User | None = None


class StaleAnswer(Exception):
    """Someone else changed the answer since the saver loaded it; carries the current answer."""

    def __init__(self, answer: Answer):
        super().__init__(answer.question.code)
        self.answer = answer


def response_statement() -> str:
    """The INSERT that makes a municipality's response unless it is there, answering with its id
    (no row when it was there); its parameters are `response_params`."""
    return _statements(connection.vendor)["response"]


def response_params(link: Invitation, now) -> list:
    at = rows.to_db(Response, "created_at", now)
    return [at, at, link.survey_id, link.municipality_id]


def response_get_or_create(*, survey: Survey, municipality: Municipality) -> Response:
    """The municipality's one response; two requests at once still make one row (the unique
    constraint decides). One statement when it is new, as on a link's first use."""
    now = timezone.now()
    at = rows.to_db(Response, "created_at", now)
    with rows.prepared_cursor() as cursor:
        cursor.execute(response_statement(), [at, at, survey.pk, municipality.pk])
        made = cursor.fetchone()
    if made is None:
        return Response.objects.get(survey=survey, municipality=municipality)
    return Response(pk=made[0], survey=survey, municipality=municipality, created_at=now, updated_at=now)


_ANSWER_FIELDS = [Answer._meta.get_field(name) for name in ("id", "value", "comment", "version", "updated_at")]
_ANSWER = rows.Columns(Answer, _ANSWER_FIELDS)
_PROGRESS_FIELDS = list(SectionProgress._meta.concrete_fields)
_PROGRESS = rows.Columns(SectionProgress, _PROGRESS_FIELDS)
_CHANGE_FIELDS = (
    "answer",
    "invitation",
    "user",
    "actor_name",
    "old_value",
    "new_value",
    "old_comment",
    "new_comment",
    "version",
    "created_at",
)


@functools.cache
def _statements(vendor: str) -> dict[str, str]:
    """The SQL of the respondent's writes, written once per database vendor: a response made,
    an answer saved step by step, a section submitted (with its receipt kept for the worker)."""
    P, A, C, R = SectionProgress, Answer, AnswerChange, Response
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    submit_into = (
        f"INSERT INTO {rows.table(P)} ({rows.column(P, 'response')}, {rows.column(P, 'section')},"
        f" {rows.column(P, 'status')}, {rows.column(P, 'last_worked_by')}, {rows.column(P, 'submitted_at')},"
        f" {rows.column(P, 'submitted_by')}, {rows.column(P, 'created_at')}, {rows.column(P, 'updated_at')})"
    )
    submit_row = "%s, %s, %s, '', %s, %s, %s, %s"
    submit_conflict = (
        f" ON CONFLICT ({rows.column(P, 'response')}, {rows.column(P, 'section')}) DO UPDATE SET"
        f" {rows.column(P, 'status')} = excluded.{rows.column(P, 'status')},"
        f" {rows.column(P, 'submitted_at')} = excluded.{rows.column(P, 'submitted_at')},"
        f" {rows.column(P, 'submitted_by')} = excluded.{rows.column(P, 'submitted_by')},"
        f" {rows.column(P, 'updated_at')} = excluded.{rows.column(P, 'updated_at')}"
        f" WHERE {rows.table(P)}.{rows.column(P, 'status')} <> excluded.{rows.column(P, 'status')}"
        f" RETURNING {', '.join(rows.quoted(field.column) for field in _PROGRESS_FIELDS)}"
    )
    statements = {
        "response": (
            f"INSERT INTO {rows.table(R)} ({rows.column(R, 'created_at')}, {rows.column(R, 'updated_at')},"
            f" {rows.column(R, 'survey')}, {rows.column(R, 'municipality')}) VALUES (%s, %s, %s, %s)"
            f" ON CONFLICT ({rows.column(R, 'survey')}, {rows.column(R, 'municipality')}) DO NOTHING"
            f" RETURNING {rows.column(R, 'id')}"
        ),
        # Made submitted, or turned submitted unless it is already: the row's lock orders it with saves.
        "submit": f"{submit_into} VALUES ({submit_row}){submit_conflict}",
        "progress": (
            f"UPDATE {rows.table(P)} SET {rows.column(P, 'status')} = %s, {rows.column(P, 'last_worked_by')} = %s,"
            f" {rows.column(P, 'last_worked_at')} = %s, {rows.column(P, 'updated_at')} = %s"
            f" WHERE {rows.column(P, 'response')} = %s AND {rows.column(P, 'section')} = %s"
            f" AND {rows.column(P, 'status')} <> %s"
        ),
        "answer": (
            f"SELECT {', '.join(rows.quoted(field.column) for field in _ANSWER_FIELDS)} FROM {rows.table(A)}"
            f" WHERE {rows.column(A, 'response')} = %s AND {rows.column(A, 'question')} = %s{lock}"
        ),
        "change": (
            f"INSERT INTO {rows.table(C)} ({', '.join(rows.column(C, name) for name in _CHANGE_FIELDS)})"
            f" VALUES ({', '.join(['%s'] * len(_CHANGE_FIELDS))})"
        ),
        "value": (
            f"UPDATE {rows.table(A)} SET {rows.column(A, 'value')} = %s, {rows.column(A, 'comment')} = %s,"
            f" {rows.column(A, 'version')} = %s, {rows.column(A, 'updated_at')} = %s WHERE {rows.column(A, 'id')} = %s"
        ),
    }
    # PostgreSQL only: the submission through a link that may still change answers, with its
    # receipt kept in the outbox, in one statement (each part writes only if `link` has a row).
    linked = f"WITH link AS ({_LINK_MAY_SAVE})"
    statements["submit_linked"] = f"{linked} {submit_into} SELECT {submit_row} FROM link{submit_conflict}"
    statements["submit_linked_and_queue"] = (
        f"{linked}, queued AS ({task_record_sql(only_if='link')})"
        f" {submit_into} SELECT {submit_row} FROM link{submit_conflict}"
    )
    return statements


def _progress_mark_worked_on(cursor, response: Response, section: Section, actor: Actor, now) -> bool:
    """Marks the section in progress and last worked on by the actor, unless it is submitted
    (False then). The UPDATE takes the row's lock, so a save and a submit of the same section
    never interleave; the row is made on the section's first save."""
    P = SectionProgress
    at = rows.to_db(P, "last_worked_at", now)
    params = [P.Status.IN_PROGRESS, actor.name, at, at, response.pk, section.pk, P.Status.SUBMITTED]
    sql = _statements(connection.vendor)["progress"]
    cursor.execute(sql, params)
    if cursor.rowcount:
        return True
    P.objects.bulk_create([P(response=response, section=section)], ignore_conflicts=True)
    cursor.execute(sql, params)
    return bool(cursor.rowcount)


def _answer_for_update(cursor, response: Response, question: Question) -> Answer | None:
    """The answer row, locked; None when the question has none yet."""
    cursor.execute(_statements(connection.vendor)["answer"], [response.pk, question.pk])
    row = cursor.fetchone()
    if row is None:
        return None
    answer = _ANSWER.row_instance(row)
    answer.response, answer.question = response, question
    return answer


def _answer_change(cursor, answer: Answer, *, value: object, comment: str, actor: Actor, now) -> None:
    """Writes the change to the audit trail and to the answer."""
    C = AnswerChange
    statements = _statements(connection.vendor)
    change = [
        answer.pk,
        actor.invitation.pk if actor.invitation else None,
        actor.user.pk if actor.user else None,
        actor.name,
        rows.to_db(C, "old_value", answer.value),
        rows.to_db(C, "new_value", value),
        answer.comment,
        comment,
        answer.version + 1,
        rows.to_db(C, "created_at", now),
    ]
    cursor.execute(statements["change"], change)
    at = rows.to_db(Answer, "updated_at", now)
    cursor.execute(
        statements["value"], [rows.to_db(Answer, "value", value), comment, answer.version + 1, at, answer.pk]
    )
    answer.value, answer.comment, answer.version, answer.updated_at = value, comment, answer.version + 1, now


class Outcome(StrEnum):
    """How a save ended; the PostgreSQL function answers with the same words."""

    SAVED = "saved"
    UNCHANGED = "unchanged"  # the answer already was what was sent, or nothing was sent over nothing
    STALE = "stale"  # made from an older version than the stored one
    SUBMITTED = "submitted"
    GONE = "gone"  # made from a version of an answer that no longer exists
    LINK = "link"  # through a link that may no longer save: revoked, or its round not open


# What `_link_may_save` asks, as SQL for a statement of PostgreSQL's with the link's id, the
# time, the response and the section as parameters (the function surveys_answer_save, migration
# 0010, asks the same, and also that the question is in the section).
_LINK_MAY_SAVE = (
    "SELECT 1 FROM surveys_invitation i JOIN surveys_survey s ON s.id = i.survey_id"
    " LEFT JOIN surveys_invitation g ON g.id = i.delegated_by_id"
    " JOIN surveys_response r ON r.survey_id = i.survey_id AND r.municipality_id = i.municipality_id"
    " JOIN surveys_section sec ON sec.questionnaire_id = s.questionnaire_id"
    " WHERE i.id = %s AND i.revoked_at IS NULL AND g.revoked_at IS NULL AND s.status = 'open'"
    " AND %s < s.closes_at + make_interval(days => s.invitation_grace_days)"
    " AND r.id = %s AND sec.id = %s"
    " AND (i.section_id = sec.id OR (i.section_id IS NULL"
    " AND (i.role IN ('chief_executive', 'district_director') OR sec.role = i.role)))"
)


def _link_may_save(invitation: Invitation, now, *, response: Response, section: Section, question=None) -> bool:
    """Whether a link may change this response's answers in this section now, read from the
    database: it and the link it was given from are not revoked; its round is open and not past
    its closing and grace period (what invitation_check asks of a link, for an open round); the
    response is its round's and municipality's; the section is of its round's questionnaire and
    one the link opens (its delegated section, every section for a chief's link, else its role's);
    and the question, if any, is in the section. Whatever the caller was told (a signed ticket
    included), the database decides. The database function asks the same."""
    found = (
        Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True, survey__status=Survey.Status.OPEN)
        .filter(Q(delegated_by__isnull=True) | Q(delegated_by__revoked_at__isnull=True))
        .values_list(
            "survey_id",
            "municipality_id",
            "section_id",
            "role",
            "survey__questionnaire_id",
            "survey__closes_at",
            "survey__invitation_grace_days",
        )
        .first()
    )
    if found is None:
        return False
    survey_id, municipality_id, delegated_section_id, role, questionnaire_id, closes_at, grace_days = found
    if not now < closes_at + datetime.timedelta(days=grace_days):
        return False
    if not Response.objects.filter(pk=response.pk, survey_id=survey_id, municipality_id=municipality_id).exists():
        return False
    section_role = (
        Section.objects.filter(pk=section.pk, questionnaire_id=questionnaire_id).values_list("role", flat=True).first()
    )
    if section_role is None:
        return False
    if delegated_section_id is not None:
        opens = delegated_section_id == section.pk
    else:
        opens = role in ("chief_executive", "district_director") or section_role == role
    if not opens:
        return False
    return question is None or Item.objects.filter(section_id=section.pk, question_id=question.pk).exists()


@transaction.atomic
def answer_save_in_steps(
    *, response: Response, section: Section, question: Question, value, comment, expected_version, actor, now
) -> tuple[Outcome, Answer]:
    """A save in four statements for a question answered before (the section's progress, which
    locks it; the answer; the audit trail; the new value), rolled back unless it saved. The
    embedded SQLite has no functions, so this is its way; PostgreSQL runs the same steps in
    `surveys_answer_save` (migration 0009), and tests hold the two to the same outcomes."""
    outcome, answer = Outcome.SAVED, None
    if actor.invitation is not None and not _link_may_save(
        actor.invitation, now, response=response, section=section, question=question
    ):
        return Outcome.LINK, None
    with connection.cursor() as cursor:
        if not _progress_mark_worked_on(cursor, response, section, actor, now):
            outcome = Outcome.SUBMITTED
        else:
            answer = _answer_for_update(cursor, response, question)
            if answer is None and expected_version != 0:
                outcome = Outcome.GONE
            elif answer is None and value is None and not comment:
                outcome = Outcome.UNCHANGED
                answer = Answer(response=response, question=question, value=None, comment="", version=0)
                answer.updated_at = now
            else:
                if answer is None:
                    empty = Answer(response=response, question=question, value=None, comment="", version=0)
                    Answer.objects.bulk_create([empty], ignore_conflicts=True)
                    answer = _answer_for_update(cursor, response, question)
                if answer.value == value and answer.comment == comment:
                    outcome = Outcome.UNCHANGED
                elif answer.version != expected_version:
                    outcome = Outcome.STALE
                else:
                    _answer_change(cursor, answer, value=value, comment=comment, actor=actor, now=now)
    if outcome != Outcome.SAVED:
        transaction.set_rollback(True)  # nothing changed, so nobody worked on the section either
    return outcome, answer


@functools.cache
def _function_sql() -> str:
    return (
        "SELECT o_outcome, o_id, o_value, o_comment, o_version, o_updated_at"
        f" FROM surveys_answer_save({', '.join(['%s'] * 10)})"
    )


def answer_save_in_one_call(
    *, response: Response, section: Section, question: Question, value, comment, expected_version, actor, now
) -> tuple[Outcome, Answer | None]:
    """The same save as `answer_save_in_steps`, as one call of PostgreSQL's `surveys_answer_save`:
    one round trip, its own transaction when none is open."""
    params = [
        response.pk,
        section.pk,
        question.pk,
        rows.to_db(Answer, "value", value),
        comment,
        expected_version,
        actor.invitation.pk if actor.invitation else None,
        actor.user.pk if actor.user else None,
        actor.name,
        rows.to_db(Answer, "updated_at", now),
    ]
    with rows.prepared_cursor() as cursor:
        cursor.execute(_function_sql(), params)
        outcome, *stored = cursor.fetchone()
    if outcome in (Outcome.SUBMITTED, Outcome.GONE, Outcome.LINK):
        return Outcome(outcome), None
    answer = _ANSWER.row_instance(stored)
    answer.response, answer.question = response, question
    return Outcome(outcome), answer


def answer_save(
    *,
    response: Response,
    section: Section,
    question: Question,
    value: object,
    comment: str,
    expected_version: int,
    actor: Actor,
) -> Answer:
    """Saves one answer if the saver saw the current version (0 for none yet);
    raises StaleAnswer when another person changed it in between, unless both
    wrote the same. `value` is already validated and typed (see surveys.answers).
    A save through a link is refused (ValidationError, code "link") when the database says the
    link may no longer save, so a caller may pass a link it resolved moments ago.

    This runs on every change a respondent makes: on PostgreSQL it is one call of a database
    function (one round trip, no transaction of its own to open and commit), elsewhere the
    same steps as statements (surveys.rows: the ORM took longer to build them than the
    database to run them)."""
    if response.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    save = answer_save_in_one_call if connection.vendor == "postgresql" else answer_save_in_steps
    outcome, answer = save(
        response=response,
        section=section,
        question=question,
        value=value,
        comment=comment,
        expected_version=expected_version,
        actor=actor,
        now=timezone.now(),
    )
    if outcome == Outcome.LINK:
        raise ValidationError(ERROR_LINK, code="link")
    if outcome == Outcome.SUBMITTED:
        raise ValidationError(ERROR_SUBMITTED, code="submitted")
    if outcome == Outcome.GONE:
        raise ValidationError(_("The answer you changed no longer exists."), code="gone")
    if outcome == Outcome.STALE:
        raise StaleAnswer(answer)
    return answer


def section_submit(*, response: Response, section: Section, actor: Actor, then_queue=None) -> SectionProgress:
    """Submits the section: its progress made or turned submitted in one statement, which waits
    for a save of the same section that holds the row (and a later save finds it submitted).
    Submitting a submitted section again changes nothing. A submission through a link is
    refused, as a save is, when the link may no longer change answers (ValidationError "link").
    `then_queue`, a task and its arguments (the receipt), is kept in the outbox with the
    submission, for beat to queue (operations.outbox). On PostgreSQL all of it is one statement,
    elsewhere the same steps in one transaction."""
    if response.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    P = SectionProgress
    now = timezone.now()
    at = rows.to_db(P, "submitted_at", now)
    params = [response.pk, section.pk, P.Status.SUBMITTED, at, actor.name, at, at]
    queued = task_record_params(*then_queue) if then_queue is not None else []
    link = actor.invitation
    statements = _statements(connection.vendor)
    if connection.vendor == "postgresql" and link is not None:
        name = "submit_linked_and_queue" if queued else "submit_linked"
        with rows.prepared_cursor() as cursor:
            link_params = [link.pk, rows.to_db(Survey, "closes_at", now), response.pk, section.pk]
            cursor.execute(statements[name], [*link_params, *queued, *params])
            row = cursor.fetchone()
        if row is None and not _link_may_save(link, now, response=response, section=section):
            raise ValidationError(ERROR_LINK, code="link")
    else:
        with transaction.atomic(), rows.prepared_cursor() as cursor:
            if link is not None and not _link_may_save(link, now, response=response, section=section):
                raise ValidationError(ERROR_LINK, code="link")
            if queued:
                cursor.execute(task_record_sql(), queued)
            cursor.execute(statements["submit"], params)
            row = cursor.fetchone()
    if row is None:
        return P.objects.get(response=response, section=section)
    return _PROGRESS.row_instance(row)


@transaction.atomic
def section_reopen(*, progress: SectionProgress, user: User, reason: str) -> SectionProgress:
    """A survey admin opens a submitted section again; the reason is kept."""
    if not reason.strip():
        raise ValidationError(_("Give a reason for reopening."), code="no_reason")
    progress = SectionProgress.objects.select_for_update().get(pk=progress.pk)
    if progress.status != SectionProgress.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted section can be reopened."), code="not_submitted")
    SectionReopening.objects.create(progress=progress, user=user, reason=reason)
    progress.status = SectionProgress.Status.IN_PROGRESS
    progress.submitted_at = None
    progress.save(update_fields=["status", "submitted_at", "updated_at"])
    return progress
