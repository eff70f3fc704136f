"""A link and what a visit through it sees: the municipality's response, its answers, and the
sections the link may open. Used by the respondent pages and by the tasks that build receipts.

A link is resolved by its token, then held to the link rule (surveys.link_rule). The
plain way reads it with the ORM; the fast way (surveys.fastpath.links) reads the link, its round,
questionnaire, unit, response and profile in one prepared query. The questionnaire's shape comes
from the plan (surveys.respondent.plan); a visit reads the answers and the sections' progress,
and an autosave or a submit only the answers its sections' conditions need.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

from municipalities.models import MunicipalityProfile
from surveys import fastpath
from surveys.answers import answer_display
from surveys.fastpath import links as fast
from surveys.link_rule import (
    LinkInvalid,
    Refusal,
    link_check,
    link_is_chief,
    link_opens_section,
    link_reads_unit_report,
    token_hash,
    token_is_wellformed,
)
from surveys.models import Answer, Invitation, MunicipalReport, Response, Section, SectionProgress
from surveys.numbering import question_label
from surveys.respondent.plan import (
    ItemPlan,
    PlanVisibility,
    QuestionnairePlan,
    SectionPlan,
    plan_get,
    plan_visibility,
    section_items_get,
    values_by_code,
)
from surveys.services.questionnaires import profile_values
from surveys.services.responses import Actor, response_get_or_create

# "Last used" is for staff, to the minute: not worth a write on every autosave.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


class AnswerState(NamedTuple):
    """What the pages need of a stored answer."""

    question_id: int
    value: object
    comment: str
    version: int


def _link_read_plain(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("survey__questionnaire", "municipality", "delegated_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is not None:
        invitation.response_pk = (
            Response.objects.filter(survey_id=invitation.survey_id, municipality_id=invitation.municipality_id)
            .values_list("pk", flat=True)
            .first()
        )
    return invitation


def link_resolve(*, token: str, now: datetime.datetime | None = None) -> Invitation:
    """The link behind a token, if it opens now, with what the pages read of it; else LinkInvalid."""
    if not token_is_wellformed(token):
        raise LinkInvalid(Refusal.MALFORMED)
    invitation = fast.link_read(token) if fastpath.enabled() else _link_read_plain(token)
    return link_check(invitation, now=now)


def link_open(*, token: str) -> Invitation:
    """The link resolved for a page, its last use noted (on its first use the unit's response is
    made with it)."""
    invitation = link_resolve(token=token)
    now = timezone.now()
    last = invitation.last_used_at
    if last is None or now - last > LAST_USED_RESOLUTION:
        if fastpath.enabled():
            fast.link_mark_used(invitation, now)
        else:
            Invitation.objects.filter(pk=invitation.pk).update(last_used_at=now)
            invitation.last_used_at = now
    return invitation


def unit_report_ready(invitation: Invitation):
    """The unit's latest finished report of the link's round, if the link may read it (without its PDF)."""
    if not link_reads_unit_report(invitation):
        return None
    return (
        MunicipalReport.objects.filter(
            survey_id=invitation.survey_id,
            municipality_id=invitation.municipality_id,
            status=MunicipalReport.Status.DONE,
        )
        .defer("pdf")
        .order_by("-finished_at", "-pk")
        .first()
    )


def link_profile(invitation: Invitation) -> dict[str, object]:
    """The profile values conditions use (as surveys.services.questionnaires.profile_values)."""
    if not hasattr(invitation, "profile_settles_refugees"):
        return profile_values(municipality=invitation.municipality, year=invitation.survey.year)
    values: dict[str, object] = {"kind": invitation.municipality.kind}
    values.update({name: getattr(invitation, f"profile_{name}") for name in MunicipalityProfile.CONDITION_FIELDS})
    return values


def link_response(invitation: Invitation) -> Response:
    """The municipality's response (made on the link's first use), with the round and municipality."""
    pk = getattr(invitation, "response_pk", None)
    if pk is None:
        response = response_get_or_create(survey=invitation.survey, municipality=invitation.municipality)
        invitation.response_pk = response.pk
    else:
        response = Response(pk=pk, survey_id=invitation.survey_id, municipality_id=invitation.municipality_id)
    response.survey, response.municipality = invitation.survey, invitation.municipality
    return response


def answers_load(*, response: Response, question_ids=None) -> dict[int, AnswerState]:
    """The response's answers (or only those of `question_ids`), by question id."""
    if question_ids is not None and not question_ids:
        return {}
    if fastpath.enabled():
        rows = fast.answers_read(response.pk, question_ids)
    else:
        answers = Answer.objects.filter(response_id=response.pk)
        if question_ids is not None:
            answers = answers.filter(question_id__in=question_ids)
        rows = answers.values_list("question_id", "value", "comment", "version")
    return {row[0]: AnswerState(*row) for row in rows}


def progress_load(*, response: Response) -> dict[int, SectionProgress]:
    """The response's section progress rows, by section id."""
    if fastpath.enabled():
        return fast.progress_read(response.pk)
    return {progress.section_id: progress for progress in SectionProgress.objects.filter(response_id=response.pk)}


def progress_text(answered: int | str, total: int | str, *, count: int | None = None) -> str:
    """ "12 of 30 questions answered"; `count` chooses the plural form when the numbers are placeholders."""
    return ngettext(
        "%(answered)s of %(total)s question answered",
        "%(answered)s of %(total)s questions answered",
        total if count is None else count,
    ) % {"answered": answered, "total": total}


def numbers_listed(numbers: list[int]) -> str:
    """ "3, 7 and 12" """
    texts = [str(number) for number in numbers]
    if len(texts) < 2:
        return "".join(texts)
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(texts[:-1]), "last": texts[-1]}


def unanswered_text(numbers: list[int]) -> str:
    """ "Questions 3, 7 and 12 are not answered." by their numbers (question_numbers)."""
    if not numbers:
        return gettext("Every question is answered.")
    return ngettext(
        "Question %(numbers)s is not answered.", "Questions %(numbers)s are not answered.", len(numbers)
    ) % {"numbers": numbers_listed(numbers)}


@dataclass
class Visit:
    """What one link may see and do now."""

    invitation: Invitation
    token: str
    response: Response
    plan: QuestionnairePlan
    profile: dict
    answers: dict[int, AnswerState]  # question id -> answer (only those conditions read, if built so)
    visibility: PlanVisibility
    sections: list[Section]  # visible sections this link may open
    _progress: dict[int, SectionProgress] | None = None

    @property
    def progress(self) -> dict[int, SectionProgress]:
        """Section id -> progress, read when first asked for (a submit never asks)."""
        if self._progress is None:
            self._progress = progress_load(response=self.response)
        return self._progress

    @property
    def is_chief(self) -> bool:
        return link_is_chief(self.invitation)

    @property
    def actor(self) -> Actor:
        return Actor(name=self.invitation.name, invitation=self.invitation)

    def section_by_code(self, code: str) -> Section:
        for section in self.sections:
            if section.code == code:
                return section
        raise Http404

    def status_of(self, section: Section) -> str:
        progress = self.progress.get(section.pk)
        return progress.status if progress else SectionProgress.Status.NOT_STARTED

    def section_plan(self, section: Section) -> SectionPlan:
        return self.plan.section_by_pk(section.pk)

    def visible_items(self, section: Section) -> list[ItemPlan]:
        return self.visibility.items.get(section.pk, [])

    def hidden_codes(self, section: Section) -> set[str]:
        shown = {item.code for item in self.visible_items(section)}
        return {item.code for item in self.section_plan(section).items if item.code not in shown}

    def answered(self, section: Section) -> tuple[int, int]:
        """How many of the section's questions that show have an answer, and how many show."""
        questions = [item for item in self.visible_items(section) if item.answerable]
        answered = sum(
            1
            for item in questions
            if item.question_id in self.answers and item.is_answered(self.answers[item.question_id].value)
        )
        return answered, len(questions)

    def progress_text(self, section: Section) -> str:
        return progress_text(*self.answered(section))

    def section_items(self, section: Section):
        """The section's items with their questions (for validation and answer texts)."""
        return section_items_get(self.invitation.survey.questionnaire, self.section_plan(section))


def visit_build(
    *, invitation: Invitation, token: str = "", plan: QuestionnairePlan | None = None, answers: str = "all"
) -> Visit:
    """What a link may see, from the municipality's answers so far. With answers="conditions" only
    the answers the conditions read are loaded (what a submit needs to know which sections show),
    and `Visit.answers` holds only those."""
    questionnaire = invitation.survey.questionnaire
    plan = plan or plan_get(questionnaire)
    # A response this request makes (or made) has nothing stored yet: no answers or progress to read.
    fresh = getattr(invitation, "response_pk", False) is None or getattr(invitation, "response_made", False)
    response = link_response(invitation)
    profile = link_profile(invitation)
    if fresh:
        loaded = {}
    elif answers == "all":
        loaded = answers_load(response=response)
    else:
        reads = frozenset().union(*(section.reads for section in plan.sections))
        loaded = answers_load(response=response, question_ids=reads) if reads else {}
    visibility = plan_visibility(plan, profile=profile, values=values_by_code(plan, loaded.values()))
    sections = [s.section for s in visibility.sections if link_opens_section(invitation, s.section)]
    return Visit(invitation, token, response, plan, profile, loaded, visibility, sections, {} if fresh else None)


def review_rows(visit: Visit) -> list[dict]:
    language = get_language()
    result = []
    for section in visit.sections:
        shown = {item.pk: item for item in visit.visible_items(section)}
        entries = []
        for item in visit.section_items(section):
            question = item.question
            if item.pk not in shown or question.type == question.Type.NOTE:
                continue
            answer = visit.answers.get(question.pk)
            value = answer.value if answer else None
            plan = shown[item.pk]
            rows = ""
            if plan.rows and value and not plan.is_answered(value):
                rows = gettext("%(answered)s of %(total)s rows answered") % {"answered": len(value), "total": plan.rows}
            entries.append(
                {
                    "question": question,
                    "number": visit.plan.numbers.get(question.pk),
                    "text": question_label(question.text(language), visit.plan.numbers.get(question.pk)),
                    "answer": answer_display(question, value, language),
                    "complete": plan.is_answered(value),
                    "rows": rows,
                    "comment": answer.comment if answer else "",
                }
            )
        unanswered = [entry["number"] for entry in entries if not entry["complete"]]
        result.append(
            {
                "section": section,
                "title": section.title(language),
                "status": visit.status_of(section),
                "progress": visit.progress.get(section.pk),
                "entries": entries,
                "unanswered": unanswered,
                "unanswered_text": unanswered_text(unanswered),
            }
        )
    return result


@dataclass
class Done:
    """Everything the link may submit is submitted: when the last of it was, and by whom."""

    at: datetime.datetime
    by: str


def submission_done(visit: Visit) -> Done | None:
    """The done state of the link's sections, or None while one of them is still open."""
    if not visit.sections or any(visit.status_of(s) != SectionProgress.Status.SUBMITTED for s in visit.sections):
        return None
    last = max((visit.progress[s.pk] for s in visit.sections), key=lambda progress: progress.submitted_at)
    return Done(at=last.submitted_at, by=last.submitted_by)


def has_receipt(visit: Visit) -> bool:
    """A receipt exists once one of the link's sections is submitted."""
    return any(visit.status_of(s) == SectionProgress.Status.SUBMITTED for s in visit.sections)
