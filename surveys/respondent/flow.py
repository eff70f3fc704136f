"""What happens when a respondent opens a section, saves an answer as they type, saves a whole
section without JavaScript, and submits: each in one function, read top to bottom. The views
only turn these outcomes into responses.

An autosave or a submit may arrive with the ticket its page gave (surveys.fastpath.tickets): then
the link is not read at all, and the database decides in the save's own statement whether the
link may still change that section of that response. When it refuses, the link may have been
taken back or the round closed since the page was drawn: the flow reads the link once (which
says why it does not open, or that it still does) and tries once more. That retry is the loop
in `_through_ticket_or_link`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from operations.outbox import task_record
from operations.params import param_int
from surveys import fastpath
from surveys.answers import answer_display, answer_from_cleaned, initial_from_answer
from surveys.fastpath.tickets import ticket_invitation, ticket_make
from surveys.forms import SectionForm
from surveys.link_rule import link_opens_section
from surveys.models import Invitation, Section, SectionProgress
from surveys.respondent.links import Visit, answers_load, link_open, link_profile, link_response, visit_build
from surveys.respondent.plan import rules_and_item_get
from surveys.respondent.receipts import RECEIPT_TASK
from surveys.services.responses import Actor, StaleAnswer, answer_save, section_submit

ERROR_UNKNOWN_QUESTION = gettext_lazy("Unknown question.")


class NotFound(Exception):
    """A section or question this link does not have: the page answers 404."""


def _through_ticket_or_link(token: str, ticket: str, act: Callable[[Invitation, bool], object]):
    """Runs `act(link, from_ticket)` with the link the ticket describes (the fast path), or else the
    link read now. When the database refuses a change through a ticket's link, reads the link (which
    raises LinkInvalid when it no longer opens) and acts once more."""
    invitation = ticket_invitation(ticket, token) if fastpath.enabled() and ticket else None
    from_ticket = invitation is not None
    while True:
        if invitation is None:
            invitation = link_open(token=token)
        try:
            return act(invitation, from_ticket)
        except ValidationError as error:
            if error.code != "link" or not from_ticket:
                raise
            invitation, from_ticket = None, False


# --- an answer saved as it changes ------------------------------------------------------------


@dataclass
class Autosave:
    status: str  # saved, invalid, conflict, or error
    payload: dict
    ticket: str | None = None  # a fresh ticket for the page's next saves, when it had none


def answer_autosave(*, token: str, ticket: str, section_code: str, data, language: str) -> Autosave:
    """Saves one question's answer: validates it with the form the page renders, saves it if the
    saver saw the current version, and says which items the section's conditions hide now."""
    question_code = data.get("question", "")

    def act(invitation: Invitation, from_ticket: bool) -> Autosave:
        rules, item = rules_and_item_get(invitation.survey.questionnaire, section_code, question_code)
        if rules is None or not link_opens_section(invitation, rules.section):
            raise NotFound
        profile = link_profile(invitation)
        response = link_response(invitation)
        read = answers_load(response=response, question_ids=rules.reads) if rules.reads else {}
        values = {rules.reads[question_id]: answer.value for question_id, answer in read.items()}
        if not rules.shows(profile=profile, values=values):
            raise NotFound
        if item is None or question_code not in rules.codes:
            return Autosave("error", {"status": "error", "message": str(ERROR_UNKNOWN_QUESTION)})
        form = SectionForm(data, items=[item], language=language)
        if not form.is_valid():
            errors = [str(message) for messages in form.errors.values() for message in messages]
            return Autosave("invalid", {"status": "invalid", "errors": errors})
        value, comment = answer_from_cleaned(item.question, form.cleaned_data)
        try:
            answer = answer_save(
                response=response,
                section=rules.section,
                question=item.question,
                value=value,
                comment=comment,
                expected_version=_version(data.get("version")),
                actor=Actor(name=invitation.name, invitation=invitation),
            )
        except StaleAnswer as stale:
            theirs = {
                "status": "conflict",
                "version": stale.answer.version,
                "theirs": answer_display(item.question, stale.answer.value, language),
                "by": changed_by(stale),
                # what their answer puts in the fields, for the page to show it if the user chooses it
                "fields": initial_from_answer(item.question, stale.answer),
            }
            return Autosave("conflict", theirs)
        values[question_code] = answer.value
        saved = {
            "status": "saved",
            "version": answer.version,
            "hidden": rules.hidden(profile=profile, values=values),
            "saved_at": timezone.localtime(answer.updated_at).strftime("%H:%M"),
        }
        fresh = None if from_ticket else ticket_make(invitation, token, response.pk)
        return Autosave("saved", saved, fresh)

    return _through_ticket_or_link(token, ticket, act)


def _version(raw) -> int:
    """The answer's version the page showed: 0 (none yet) for anything but a whole number."""
    return param_int(raw) or 0


def changed_by(stale: StaleAnswer) -> str:
    return stale.answer.changes.order_by("-version").values_list("actor_name", flat=True).first() or ""


# --- a section saved whole (without JavaScript) -------------------------------------------------


@dataclass
class Conflict:
    question: object
    text: str
    theirs: str
    by: str


@transaction.atomic
def section_save(*, visit: Visit, section: Section, form: SectionForm, posted, language: str) -> list[Conflict]:
    """Saves every answer of a section that changed, each from the version the page showed; returns
    the questions someone else changed meanwhile (theirs kept). All or nothing when the round or
    the section refuses changes (ValidationError)."""
    conflicts = []
    for item in form.items:
        question = item.question
        if question.type == question.Type.NOTE:
            continue
        value, comment = answer_from_cleaned(question, form.cleaned_data)
        if question.pk not in visit.answers and value is None and not comment:
            continue
        try:
            answer_save(
                response=visit.response,
                section=section,
                question=question,
                value=value,
                comment=comment,
                expected_version=_version(posted.get(f"v__{question.code}", "0")),
                actor=visit.actor,
            )
        except StaleAnswer as stale:
            theirs = answer_display(question, stale.answer.value, language)
            conflicts.append(Conflict(question, question.text(language), theirs, changed_by(stale)))
    return conflicts


# --- submitting ----------------------------------------------------------------------------------


@dataclass
class Submitted:
    invitation: Invitation
    sections: list[Section] = field(default_factory=list)  # those submitted now (not before)


ALL_SECTIONS = "__all__"


def sections_submit(*, token: str, ticket: str, section_code: str, language: str) -> Submitted:
    """Submits one section (its holder's or the chief executive's link) or, for the chief
    executive, every section the link sees, all or none. If anything was submitted now, the
    receipt is queued in the outbox with the submission, in the same transaction: beat hands it to
    a worker within seconds, and the respondent does not wait for the broker. A section submitted
    before is left as it was, and submitting nothing new queues no receipt."""

    def act(invitation: Invitation, from_ticket: bool) -> Submitted:
        visit = visit_build(invitation=invitation, token=token, answers="conditions")
        if section_code == ALL_SECTIONS:
            if not visit.is_chief:
                raise NotFound
            targets = visit.sections
        else:
            targets = [section for section in visit.sections if section.code == section_code]
            if not targets:
                raise NotFound
        submitted = Submitted(visit.invitation)
        with transaction.atomic():
            for section in targets:
                if section_submit(response=visit.response, section=section, actor=visit.actor).submitted_now:
                    submitted.sections.append(section)
            if submitted.sections:
                task_record(RECEIPT_TASK, invitation_id=visit.invitation.pk, language=language)
        return submitted

    return _through_ticket_or_link(token, ticket, act)


def section_is_submitted(visit: Visit, section: Section) -> bool:
    return visit.status_of(section) == SectionProgress.Status.SUBMITTED
