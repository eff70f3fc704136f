"""Status changes of a survey round: draft -> open -> closed -> archived.

Opening freezes the questionnaire, its questions and their scales for good.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.outbox import task_enqueue_on_commit
from surveys.models import Item, Question, Questionnaire, Scale, Survey
from surveys.services.questionnaires import questionnaire_problems

ALLOWED = {
    Survey.Status.OPEN: {Survey.Status.DRAFT, Survey.Status.CLOSED},
    Survey.Status.CLOSED: {Survey.Status.OPEN},
    Survey.Status.ARCHIVED: {Survey.Status.CLOSED},
}


def _check_transition(survey: Survey, target: str) -> None:
    if survey.status not in ALLOWED[target]:
        raise ValidationError(
            _("A round that is %(current)s cannot become %(target)s.")
            % {"current": survey.get_status_display(), "target": Survey.Status(target).label},
            code="bad_transition",
        )


@transaction.atomic
def survey_open(*, survey: Survey) -> Survey:
    """Opens a round for answers (or reopens a closed one). Refuses without a
    questionnaire that has sections and conditions that all check."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _check_transition(survey, Survey.Status.OPEN)
    if survey.questionnaire_id is None:
        raise ValidationError(_("The round has no questionnaire."), code="no_questionnaire")
    problems = questionnaire_problems(survey.questionnaire)
    if problems:
        raise ValidationError([problem.message for problem in problems], code="invalid_questionnaire")
    now = timezone.now()
    Questionnaire.objects.filter(pk=survey.questionnaire_id, frozen_at__isnull=True).update(frozen_at=now)
    question_ids = Item.objects.filter(questionnaire_id=survey.questionnaire_id).values("question_id")
    Question.objects.filter(pk__in=question_ids, frozen_at__isnull=True).update(frozen_at=now)
    # A scale is part of every question that uses it: new points or labels would change them too.
    scale_ids = Question.objects.filter(pk__in=question_ids, scale__isnull=False).values("scale_id")
    Scale.objects.filter(pk__in=scale_ids, frozen_at__isnull=True).update(frozen_at=now)
    survey.status = Survey.Status.OPEN
    survey.save(update_fields=["status", "updated_at"])
    return survey


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _check_transition(survey, Survey.Status.CLOSED)
    survey.status = Survey.Status.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    # The national and regional reports exist the moment a round closes.
    task_enqueue_on_commit("surveys.analytics.reports_for_closed_round", survey_id=survey.pk)
    return survey


@transaction.atomic
def survey_archive(*, survey: Survey) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _check_transition(survey, Survey.Status.ARCHIVED)
    survey.status = Survey.Status.ARCHIVED
    survey.save(update_fields=["status", "updated_at"])
    return survey
