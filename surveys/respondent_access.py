"""What one invitation link may see: the municipality's response, its answers,
and the sections the link may open. Used by the respondent pages and by the
tasks that build receipts."""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import get_language

from surveys.answers import answer_display, answer_field_names
from surveys.models import Answer, Invitation, Response, Section, SectionProgress
from surveys.services.invitations import invitation_is_chief
from surveys.services.questionnaires import (
    profile_values,
    questionnaire_load_for_answering,
    questionnaire_visibility,
)
from surveys.services.responses import Actor, response_get_or_create


@dataclass
class Access:
    """What one link may see and do."""

    invitation: Invitation
    token: str
    response: Response
    questionnaire: object
    profile: dict
    answers: dict[int, Answer]  # question id -> answer
    sections: list[Section]  # visible sections this link may open
    progress: dict[int, SectionProgress]  # section id -> progress

    @property
    def is_chief(self) -> bool:
        return invitation_is_chief(self.invitation)

    @property
    def actor(self) -> Actor:
        return Actor(name=self.invitation.name, invitation=self.invitation)

    def answer_values(self) -> dict[str, object]:
        return {answer.question.code: answer.value for answer in self.answers.values()}

    def visibility(self):
        return questionnaire_visibility(
            questionnaire=self.questionnaire, profile=self.profile, answers=self.answer_values()
        )

    def section_by_code(self, code: str) -> Section:
        for section in self.sections:
            if section.code == code:
                return section
        raise Http404

    def status_of(self, section: Section) -> str:
        progress = self.progress.get(section.pk)
        return progress.status if progress else SectionProgress.Status.NOT_STARTED


def access_build(*, invitation: Invitation, token: str = "") -> Access:
    """What an invitation may see, from the municipality's answers so far."""
    survey = invitation.survey
    questionnaire = questionnaire_load_for_answering(survey.questionnaire)
    response = response_get_or_create(survey=survey, municipality=invitation.municipality)
    response.survey = survey  # already loaded with the invitation
    answers = {a.question_id: a for a in Answer.objects.filter(response=response).select_related("question")}
    profile = profile_values(municipality=invitation.municipality, year=survey.year)
    access = Access(invitation, token, response, questionnaire, profile, answers, [], {})
    visible = access.visibility().sections
    if invitation.section_id:
        allowed = [s for s in visible if s.pk == invitation.section_id]
    elif access.is_chief:
        allowed = visible
    else:
        allowed = [s for s in visible if s.role == invitation.role]
    access.sections = allowed
    access.progress = {p.section_id: p for p in SectionProgress.objects.filter(response=response)}
    return access


def review_rows(access: Access) -> list[dict]:
    language = get_language()
    visibility = access.visibility()
    rows = []
    for section in access.sections:
        entries = []
        for item in visibility.items.get(section.pk, []):
            question = item.question
            if not answer_field_names(question):
                continue
            answer = access.answers.get(question.pk)
            entries.append(
                {
                    "question": question,
                    "text": question.text(language),
                    "answer": answer_display(question, answer.value if answer else None, language),
                    "comment": answer.comment if answer else "",
                }
            )
        rows.append(
            {
                "section": section,
                "title": section.title(language),
                "status": access.status_of(section),
                "progress": access.progress.get(section.pk),
                "entries": entries,
                "unanswered": sum(1 for entry in entries if not entry["answer"]),
            }
        )
    return rows
