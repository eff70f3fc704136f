"""Reads of survey rounds and responses for pages."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from municipalities.models import Municipality
from surveys.answers import answer_display
from surveys.models import Answer, Question, Response, SectionProgress, Survey
from surveys.numbering import question_label, question_numbers
from surveys.services.questionnaires import (
    profile_values,
    questionnaire_items_in_order,
    questionnaire_load,
    questionnaire_visibility,
)


def survey_list_open() -> QuerySet[Survey]:
    """Rounds open for answers now: opened, and within their field period (a round opened ahead
    of its date, or left open past its closing, is not offered on the public pages)."""
    now = timezone.now()
    return Survey.objects.filter(status=Survey.Status.OPEN, opens_at__lte=now, closes_at__gt=now).order_by("closes_at")


def survey_list_for_staff() -> QuerySet[Survey]:
    return Survey.objects.order_by("-year")


@dataclass
class StaffAnswerSection:
    title: str
    status: str
    worked_by: str
    submitted_at: object
    entries: list[dict]


def response_answers_for_staff(
    *, survey: Survey, municipality: Municipality, language: str
) -> list[StaffAnswerSection]:
    """A unit's answers in a round, section by section as the unit sees them (conditions applied),
    for the staff who follow the unit up: the chase page of its regional officer. Queries do not
    grow with the number of questions."""
    if survey.questionnaire_id is None:
        return []
    response = Response.objects.filter(survey=survey, municipality=municipality).first()
    questionnaire = questionnaire_load(survey.questionnaire_id)
    answers = {}
    progress = {}
    if response is not None:
        stored = Answer.objects.filter(response=response).select_related("question")
        answers = {answer.question.code: answer for answer in stored}
        progress = {p.section_id: p for p in SectionProgress.objects.filter(response=response)}
    visibility = questionnaire_visibility(
        questionnaire=questionnaire,
        profile=profile_values(municipality=municipality, year=survey.year),
        answers={code: answer.value for code, answer in answers.items()},
    )
    numbers = question_numbers(questionnaire_items_in_order(questionnaire))
    sections = []
    for section in visibility.sections:
        entries = []
        for item in visibility.items[section.pk]:
            question = item.question
            if question.type == Question.Type.NOTE:
                continue
            answer = answers.get(question.code)
            entries.append(
                {
                    "code": question.code,
                    "text": question_label(question.text(language), numbers.get(question.pk)),
                    "answer": answer_display(question, answer.value if answer else None, language),
                    "comment": answer.comment if answer else "",
                }
            )
        state = progress.get(section.pk)
        sections.append(
            StaffAnswerSection(
                title=section.title(language),
                status=state.get_status_display() if state else SectionProgress.Status.NOT_STARTED.label,
                worked_by=state.last_worked_by if state else "",
                submitted_at=state.submitted_at if state else None,
                entries=entries,
            )
        )
    return sections
