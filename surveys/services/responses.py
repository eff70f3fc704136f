"""A municipality's response: answers saved one at a time, no lost update, every change in the
audit trail, sections submitted and reopened.

Saving an answer and submitting a section each have one rule, written here, and two ways of
running it. The plain way is the ORM in a transaction, and is the definition: it locks the
section's progress (a save and a submit of the same section never interleave), refuses a
submitted section, locks or makes the answer, leaves an unchanged answer alone, refuses a save
made from an older version (someone else changed it meanwhile), then writes the audit row, the
value and the progress. The fast way (surveys.fastpath.saves, on PostgreSQL unless
SURVEYS_FASTPATH is off) does the same in one statement; tests run both from one table. A write
through a link is refused when the link may not change that section of that response now (the
link rule, surveys.link_rule), asked of the link as the database holds it, whatever the
caller was told.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.models import Municipality
from surveys import fastpath
from surveys.fastpath import saves as fast
from surveys.link_rule import link_refusal
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
ERROR_GONE = gettext_lazy("The answer you changed no longer exists.")


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


class Outcome(StrEnum):
    """How a save ended; the database function answers with the same words."""

    SAVED = "saved"
    UNCHANGED = "unchanged"  # the answer already was what was sent, or nothing was sent over nothing
    STALE = "stale"  # made from an older version than the stored one
    SUBMITTED = "submitted"
    GONE = "gone"  # made from a version of an answer that no longer exists
    LINK = "link"  # through a link that may not change this section of this response now


def response_get_or_create(*, survey: Survey, municipality: Municipality) -> Response:
    """The municipality's one response; two requests at once still make one row (the unique
    constraint decides)."""
    response, _made = Response.objects.get_or_create(survey=survey, municipality=municipality)
    return response


def _link_may_change(actor: Actor, *, response: Response, section: Section, now) -> bool:
    """The link rule for a write, asked of the link as the database holds it now."""
    if actor.invitation is None:
        return True
    link = Invitation.objects.select_related("survey__questionnaire", "delegated_by").get(pk=actor.invitation.pk)
    stored = Response.objects.filter(pk=response.pk).first()
    if stored is None:  # named by a caller (a ticket) but not there: nothing to change
        return False
    return link_refusal(link, now=now, change=True, section=section, response=stored) is None


class _Undo(Exception):
    """Rolls the plain save back: nothing changed, so nobody worked on the section either."""

    def __init__(self, outcome: Outcome, answer: Answer | None = None):
        self.outcome, self.answer = outcome, answer


def answer_save_plain(
    *, response: Response, section: Section, question: Question, value, comment, expected_version, actor, now
) -> tuple[Outcome, Answer | None]:
    """The save, step by step with the ORM in one transaction, rolled back unless it saved."""
    try:
        with transaction.atomic():
            if not _link_may_change(actor, response=response, section=section, now=now):
                raise _Undo(Outcome.LINK)
            if not Item.objects.filter(section=section, question=question).exists():
                raise _Undo(Outcome.LINK)
            SectionProgress.objects.get_or_create(response=response, section=section)
            progress = SectionProgress.objects.select_for_update().get(response=response, section=section)
            if progress.status == SectionProgress.Status.SUBMITTED:
                raise _Undo(Outcome.SUBMITTED)
            answer = Answer.objects.select_for_update().filter(response=response, question=question).first()
            if answer is None and expected_version != 0:
                raise _Undo(Outcome.GONE)
            if answer is None and value is None and not comment:
                nothing = Answer(
                    response=response, question=question, value=None, comment="", version=0, updated_at=now
                )
                raise _Undo(Outcome.UNCHANGED, nothing)
            if answer is None:
                try:
                    with transaction.atomic():
                        Answer.objects.create(response=response, question=question, value=None, comment="", version=0)
                except IntegrityError:  # made by another save in between: from here on as an answer that was there
                    pass
                answer = Answer.objects.select_for_update().get(response=response, question=question)
            if answer.value == value and answer.comment == comment:
                raise _Undo(Outcome.UNCHANGED, answer)
            if answer.version != expected_version:
                raise _Undo(Outcome.STALE, answer)
            AnswerChange.objects.create(
                answer=answer,
                invitation=actor.invitation,
                user=actor.user,
                actor_name=actor.name,
                old_value=answer.value,
                new_value=value,
                old_comment=answer.comment,
                new_comment=comment,
                version=answer.version + 1,
            )
            answer.value, answer.comment, answer.version, answer.updated_at = value, comment, answer.version + 1, now
            Answer.objects.filter(pk=answer.pk).update(
                value=value, comment=comment, version=answer.version, updated_at=now
            )
            SectionProgress.objects.filter(pk=progress.pk).update(
                status=SectionProgress.Status.IN_PROGRESS, last_worked_by=actor.name, last_worked_at=now, updated_at=now
            )
    except _Undo as undo:
        return undo.outcome, undo.answer
    answer.response, answer.question = response, question
    return Outcome.SAVED, answer


def answer_save_fast(
    *, response: Response, section: Section, question: Question, value, comment, expected_version, actor, now
) -> tuple[Outcome, Answer | None]:
    """The same save as `answer_save_plain`, in one call of the database function."""
    outcome, answer = fast.answer_save(
        response=response,
        section=section,
        question=question,
        value=value,
        comment=comment,
        expected_version=expected_version,
        invitation_id=actor.invitation.pk if actor.invitation else None,
        user_id=actor.user.pk if actor.user else None,
        actor_name=actor.name,
        now=now,
    )
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
    """Saves one answer if the saver saw the current version (0 for none yet); raises StaleAnswer
    when another person changed it in between, unless both wrote the same. `value` is already
    validated and typed (see surveys.answers). Refused (ValidationError, code "link") when the
    link may not change this section of this response now, so a caller may pass a link it
    resolved moments ago, or one a ticket describes."""
    if response.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    save = answer_save_fast if fastpath.enabled() else answer_save_plain
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
        raise ValidationError(ERROR_GONE, code="gone")
    if outcome == Outcome.STALE:
        raise StaleAnswer(answer)
    return answer


def _section_submit_plain(*, response: Response, section: Section, actor: Actor, now) -> SectionProgress | None:
    SectionProgress.objects.get_or_create(response=response, section=section)
    progress = SectionProgress.objects.select_for_update().get(response=response, section=section)
    if progress.status == SectionProgress.Status.SUBMITTED:
        return None
    progress.status, progress.submitted_at, progress.submitted_by = SectionProgress.Status.SUBMITTED, now, actor.name
    progress.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    return progress


@dataclass
class Submission:
    progress: SectionProgress
    submitted_now: bool  # False when the section had been submitted already


def section_submit(*, response: Response, section: Section, actor: Actor) -> Submission:
    """Submits the section: its progress made or turned submitted, after any save of the same
    section that holds its row (and a later save finds it submitted). Submitting a submitted
    section again changes nothing. Refused, as a save is, when the link may not change this
    section of this response now (ValidationError "link"). Runs in the caller's transaction
    when there is one, so a unit's sections are submitted all or none."""
    if response.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    now = timezone.now()
    # No savepoint of its own inside the caller's transaction (a round trip each way); a refusal
    # has written nothing, and is raised outside the block.
    with transaction.atomic(savepoint=False):
        if fastpath.enabled():
            invitation_id = actor.invitation.pk if actor.invitation else None
            made = fast.section_submit(
                response=response, section=section, invitation_id=invitation_id, actor_name=actor.name, now=now
            )
        else:
            made = None
            if _link_may_change(actor, response=response, section=section, now=now):
                made = _section_submit_plain(response=response, section=section, actor=actor, now=now)
        if made is not None:
            return Submission(made, True)
        refused = not _link_may_change(actor, response=response, section=section, now=now)
        if not refused:
            return Submission(SectionProgress.objects.get(response=response, section=section), False)
    raise ValidationError(ERROR_LINK, code="link")


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
