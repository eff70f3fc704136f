"""A municipality's response: answers saved one at a time, no lost update,
every change in the audit trail, sections submitted and reopened."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from municipalities.models import Municipality
from surveys.models import (
    Answer,
    AnswerChange,
    Invitation,
    Question,
    Response,
    Section,
    SectionProgress,
    SectionReopening,
    Survey,
)

ERROR_SUBMITTED = _("This section has been submitted and can no longer change.")
ERROR_NOT_OPEN = _("The round is not open for answers.")


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


def response_get_or_create(*, survey: Survey, municipality: Municipality) -> Response:
    """The municipality's one response; two requests at once still make one row."""
    response = Response.objects.filter(survey=survey, municipality=municipality).first()
    if response is not None:
        return response
    try:
        with transaction.atomic():
            return Response.objects.create(survey=survey, municipality=municipality)
    except IntegrityError:
        return Response.objects.get(survey=survey, municipality=municipality)


def _progress_for_update(response: Response, section: Section) -> SectionProgress:
    progress, _created = SectionProgress.objects.select_for_update().get_or_create(response=response, section=section)
    return progress


@transaction.atomic
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
    wrote the same. `value` is already validated and typed (see surveys.answers)."""
    if response.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    progress = _progress_for_update(response, section)
    if progress.status == SectionProgress.Status.SUBMITTED:
        raise ValidationError(ERROR_SUBMITTED, code="submitted")
    answer = Answer.objects.select_for_update().filter(response=response, question=question).first()
    if answer is None:
        if expected_version != 0:
            raise ValidationError(_("The answer you changed no longer exists."), code="gone")
        try:
            with transaction.atomic():
                answer = Answer.objects.create(response=response, question=question, value=None, comment="", version=0)
        except IntegrityError:
            answer = Answer.objects.select_for_update().get(response=response, question=question)
    if answer.value == value and answer.comment == comment:
        return answer
    if answer.version != expected_version:
        raise StaleAnswer(answer)
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
    answer.value, answer.comment, answer.version = value, comment, answer.version + 1
    answer.save(update_fields=["value", "comment", "version", "updated_at"])
    progress.status = SectionProgress.Status.IN_PROGRESS
    progress.last_worked_by, progress.last_worked_at = actor.name, timezone.now()
    progress.save(update_fields=["status", "last_worked_by", "last_worked_at", "updated_at"])
    return answer


@transaction.atomic
def section_submit(*, response: Response, section: Section, actor: Actor) -> SectionProgress:
    if response.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    progress = _progress_for_update(response, section)
    if progress.status != SectionProgress.Status.SUBMITTED:
        progress.status = SectionProgress.Status.SUBMITTED
        progress.submitted_at = timezone.now()
        progress.submitted_by = actor.name
        progress.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    return progress


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
