"""Pages that respondents reach through their invitation link.

Every view starts from the token: `with_access` resolves it and decides which sections the
link may see (surveys.respondent_access); the autosave does the same with only what one
answer needs. Saving goes through surveys.services.responses, the same as everywhere else.
"""

import contextlib
import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from operations.outbox import task_enqueue_on_commit
from operations.request_log import log_context_add
from surveys.answers import answer_display, answer_from_cleaned, initial_from_answer
from surveys.forms import SectionForm
from surveys.link_tickets import TICKET_COOKIE, ticket_give, ticket_invitation, ticket_make
from surveys.models import Invitation, Section, SectionProgress
from surveys.page_frames import render_framed
from surveys.receipts import receipt_pdf
from surveys.respondent_access import (
    Access,
    access_build,
    answers_load,
    link_mark_used,
    link_may_open,
    link_profile,
    link_resolve,
    link_response,
    progress_text,
    review_rows,
)
from surveys.respondent_plan import form_cache_key, plan_and_form_get, rules_and_item_get
from surveys.section_html import render_section_form, section_form_html
from surveys.services import invitations as invitation_services
from surveys.services.invitations import InvitationInvalid
from surveys.services.responses import (
    Actor,
    StaleAnswer,
    answer_save,
    section_submit,
)
from surveys.tasks import lost_link_send_task, receipt_send_task

LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)
INVALID_LINK_STATUS = {"malformed": 404, "unknown": 404, "revoked": 410, "expired": 410, "not_open": 403}
INVALID_LINK_MESSAGES = {
    "expired": gettext_lazy("The link has expired: the survey round is closed."),
    "revoked": gettext_lazy("The link has been taken back. Ask the person who gave it to you, or get a new one below."),
    "not_open": gettext_lazy("The survey round has not opened yet. Try again when it opens."),
    "malformed": gettext_lazy(
        "We do not recognise this link. Check that the whole address from the e-mail was copied."
    ),
}
INVALID_LINK_MESSAGES["unknown"] = INVALID_LINK_MESSAGES["malformed"]


def _link(token: str) -> Invitation:
    invitation = link_resolve(token=token)
    now = timezone.now()
    # "Last used" is for staff, to the minute: not worth a write on every autosave.
    last = invitation.last_used_at
    if last is None or now - last > LAST_USED_RESOLUTION:
        link_mark_used(invitation, now)
    return invitation


def _invalid(request, error: InvitationInvalid) -> HttpResponse:
    return render(
        request,
        "respondent/invalid_link.html",
        {"reason": error.reason, "message": INVALID_LINK_MESSAGES[error.reason]},
        status=INVALID_LINK_STATUS[error.reason],
    )


def with_link(view):
    """Resolves the token for the view, or answers with the page that says why the link does not work."""

    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            invitation = _link(token)
        except InvitationInvalid as error:
            return _invalid(request, error)
        log_context_add(request, survey_id=invitation.survey_id, municipality=invitation.municipality.number)
        return view(request, invitation, token, *args, **kwargs)

    return wrapped


def with_access(view):
    """Gives the view what the link may see (surveys.respondent_access.Access)."""

    @wraps(view)
    def wrapped(request, invitation, token, *args, **kwargs):
        return view(request, access_build(invitation=invitation, token=token), *args, **kwargs)

    return with_link(wrapped)


class DelegationForm(forms.Form):
    section = forms.ChoiceField(label=gettext_lazy("Section"))
    name = forms.CharField(
        label=gettext_lazy("Colleague's name"),
        max_length=invitation_services.DELEGATION_NAME_MAX,
        validators=[invitation_services.delegation_name_validate],
    )
    email = forms.EmailField(label=gettext_lazy("Colleague's e-mail"), max_length=254)

    def __init__(self, *args, sections, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = {section.code: section for section in sections}
        self.fields["section"].choices = [(s.code, s.title(language)) for s in sections]


def _given_links(access: Access):
    """The sections given to colleagues from any of the municipality's chief links in the round:
    every invitation and reminder carries a fresh link, and the chief sees all they gave."""
    return Invitation.objects.filter(
        survey_id=access.invitation.survey_id,
        municipality_id=access.invitation.municipality_id,
        delegated_by__isnull=False,
    )


def _delegation_rows(access: Access, language: str) -> list[dict]:
    """The links the chief executive has given, with the section's title in the page's language."""
    delegations = _given_links(access).select_related("section")
    return [
        {"invitation": delegation, "section_title": delegation.section.title(language)}
        for delegation in delegations.order_by("-created_at")
    ]


def _landing(request, access: Access, form: DelegationForm | None = None, status: int = 200) -> HttpResponse:
    language = get_language()
    delegations = []
    if access.is_chief:
        delegations = _delegation_rows(access, language)
        if form is None and access.response.survey.status == access.response.survey.Status.OPEN:
            open_sections = [s for s in access.sections if access.status_of(s) != SectionProgress.Status.SUBMITTED]
            form = DelegationForm(sections=open_sections, language=language)
    rows = [
        {
            "section": section,
            "title": section.title(language),
            "status": access.status_of(section),
            "progress": access.progress.get(section.pk),
            "answered": access.progress_text(section),
        }
        for section in access.sections
    ]
    return render(
        request,
        "respondent/landing.html",
        {"access": access, "rows": rows, "delegations": delegations, "delegation_form": form},
        status=status,
    )


@with_access
def landing(request, access: Access):
    return _landing(request, access)


@require_POST
@with_access
def delegate(request, access: Access):
    if not access.is_chief:
        raise Http404
    language = get_language()
    open_sections = [s for s in access.sections if access.status_of(s) != SectionProgress.Status.SUBMITTED]
    form = DelegationForm(request.POST, sections=open_sections, language=language)
    if not form.is_valid():
        return _landing(request, access, form, status=400)
    section = form.sections[form.cleaned_data["section"]]
    try:
        invitation_services.delegation_create(
            invitation=access.invitation,
            section=section,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("respondent-landing", access.token)
    messages.success(
        request,
        _("%(name)s has been sent a link to “%(section)s”.")
        % {"name": form.cleaned_data["name"], "section": section.title(language)},
    )
    return redirect("respondent-landing", access.token)


@require_POST
@with_access
def delegation_revoke(request, access: Access, pk: int):
    """The chief executive takes back a link they gave; allowed also in the grace period after closing."""
    delegation = _given_links(access).filter(pk=pk).first()
    if delegation is None or not access.is_chief:
        raise Http404
    invitation_services.delegation_revoke(
        giver=access.invitation, delegation=delegation, ip_address=request.META.get("REMOTE_ADDR")
    )
    messages.success(request, _("The link of %(name)s no longer works.") % {"name": delegation.name})
    return redirect("respondent-landing", access.token)


def _section_form_html(access: Access, section: Section, segments=None) -> str:
    """The section's form showing the stored answers, filled into the form rendered once per
    frozen questionnaire, section and language (surveys.section_html)."""
    plan = access.section_plan(section)
    language = get_language()
    initial = {}
    for item in plan.items:
        initial.update(initial_from_answer(item, access.answers.get(item.question_id)))
    return section_form_html(
        items_loader=lambda: access.section_items(section),
        cache_key=form_cache_key(access.invitation.survey.questionnaire, section.code, language),
        segments=segments,
        language=language,
        initial=initial,
        hidden=access.hidden_codes(section),
    )


def _versions_html(access: Access, section: Section, posted=None) -> SafeString:
    """The version of each answer the page shows, so a save can tell whether someone changed it
    since. A page shown again with the user's own input keeps the versions that input was made from."""
    inputs = []
    for item in access.section_plan(section).items:
        answer = access.answers.get(item.question_id)
        code = escape(item.code)
        version = int(answer.version) if answer else 0
        if posted is not None:
            try:
                version = int(posted.get(f"v__{item.code}", version))
            except ValueError:
                pass
        inputs.append(f'<input type="hidden" name="v__{code}" value="{version}" data-version-for="{code}">')
    return mark_safe("".join(inputs))  # noqa: S308 - the codes are escaped, the versions numbers


def _messages_html(request) -> str:
    """The messages waiting for the user, drawn (and so shown once), or nothing."""
    waiting = messages.get_messages(request)
    return render_to_string("shared/messages.html", {"messages": waiting}, request) if len(waiting) else ""


def _neighbours(access: Access, section: Section) -> tuple[Section | None, Section | None]:
    index = access.sections.index(section)
    before = access.sections[index - 1] if index > 0 else None
    after = access.sections[index + 1] if index + 1 < len(access.sections) else None
    return before, after


def _progress_templates() -> dict[str, str]:
    """The progress sentence with {answered} and {total} for the page's script to fill in."""
    return {
        "one": progress_text("{answered}", "{total}", count=1),
        "many": progress_text("{answered}", "{total}", count=2),
    }


@with_link
def section_page(request, invitation: Invitation, token: str, code: str):
    """One section's questions. Without JavaScript, "next" saves every answer that changed; when
    someone else changed one of them meanwhile, the page shows what is stored now (their answer)
    for that question and asks again, and the user's own answers elsewhere."""
    plan, segments = plan_and_form_get(invitation.survey.questionnaire, code, get_language())
    access = access_build(invitation=invitation, token=token, plan=plan)
    section = access.section_by_code(code)
    if access.status_of(section) == SectionProgress.Status.SUBMITTED:
        return redirect("respondent-review", access.token)
    form = None
    conflicts = []
    status = 200
    if request.method == "POST":
        form = SectionForm(
            request.POST,
            items=access.section_items(section),
            language=get_language(),
            hidden_codes=frozenset(access.hidden_codes(section)),
        )
        status = 400
        if form.is_valid():
            try:
                conflicts = _save_all(request, access, section, form)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 409
            else:
                if not conflicts:
                    before, after = _neighbours(access, section)
                    if "previous" in request.POST and before:
                        return redirect("respondent-section", access.token, before.code)
                    if after and "review" not in request.POST:
                        return redirect("respondent-section", access.token, after.code)
                    return redirect("respondent-review", access.token)
                # The page shows what is stored now: their answer where they conflict, the user's own elsewhere.
                access = access_build(invitation=access.invitation, token=access.token)
                section = access.section_by_code(code)
                form, status = None, 409
    before, after = _neighbours(access, section)
    language = get_language()
    context = {
        "section": section,
        "title": section.title(language),
        "form": form,
        "conflicts": conflicts,
        "before": before,
        "after": after,
        "progress_templates": _progress_templates(),
        "position": access.sections.index(section) + 1,
        "section_count": len(access.sections),
    }
    # What differs between the links that open this section in this language (surveys.page_frames).
    slots = {
        "token": token,
        "municipality_name": access.response.municipality.name,
        "progress": access.progress_text(section),
        "versions_html": _versions_html(access, section, posted=request.POST if form is not None else None),
        "form_html": render_section_form(form) if form is not None else _section_form_html(access, section, segments),
        "messages_html": _messages_html(request),
        "csrf_token": get_token(request),
        "next_path": request.get_full_path(),
    }
    frame_key = form_cache_key(access.invitation.survey.questionnaire, section.code, language)
    if frame_key is None or form is not None or conflicts:
        reply = render(request, "respondent/section.html", {**context, **slots}, status=status)
    else:
        staff = request.user.is_authenticated and request.user.is_staff  # base.html's menu shows it
        variant = f"{context['position']}:{context['section_count']}:{bool(before)}:{bool(after)}:{staff}:{status}"
        html = render_framed(
            request, "respondent/section.html", context, key=f"frame:{frame_key}:{variant}", slots=slots
        )
        reply = HttpResponse(html, status=status)
    # The page's autosaves need not read the link again (surveys.link_tickets).
    ticket_give(reply, token, ticket_make(access.invitation, token, access.response.pk))
    return reply


@transaction.atomic
def _save_all(request, access: Access, section: Section, form: SectionForm) -> list[dict]:
    """Saves every answer of a section that changed; returns the conflicts. All or nothing
    when the round or section refuses changes."""
    conflicts = []
    language = get_language()
    for item in form.items:
        question = item.question
        if question.type == question.Type.NOTE:
            continue
        value, comment = answer_from_cleaned(question, form.cleaned_data)
        current = access.answers.get(question.pk)
        if current is None and value is None and not comment:
            continue
        try:
            expected = int(request.POST.get(f"v__{question.code}", "0"))
        except ValueError:
            expected = 0
        try:
            answer_save(
                response=access.response,
                section=section,
                question=question,
                value=value,
                comment=comment,
                expected_version=expected,
                actor=access.actor,
            )
        except StaleAnswer as stale:
            conflicts.append(
                {
                    "question": question,
                    "text": question.text(language),
                    "theirs": answer_display(question, stale.answer.value, language),
                    "by": _changed_by(stale),
                }
            )
    return conflicts


def _changed_by(stale: StaleAnswer) -> str:
    return stale.answer.changes.order_by("-version").values_list("actor_name", flat=True).first() or ""


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"status": "error", "message": str(message)}, status=status)


@require_POST
def autosave(request, token: str, code: str):
    """Saves one question's answer as it changes; answers with the new version and the items
    to hide now, or the error, or the other person's value. Reads only what one answer needs:
    the link from the ticket its page gave (surveys.link_tickets; else the link's own query),
    the questionnaire's plan and the question from memory, and the answers the section's
    conditions read, if any; the save is one more statement."""
    invitation = ticket_invitation(request.COOKIES.get(TICKET_COOKIE, ""), token)
    if invitation is not None:
        return _autosave(request, token, code, invitation, from_ticket=True)
    try:
        invitation = _link(token)
    except InvitationInvalid as error:
        return _json_error(INVALID_LINK_MESSAGES[error.reason], INVALID_LINK_STATUS[error.reason])
    return _autosave(request, token, code, invitation, from_ticket=False)


def _autosave(request, token: str, code: str, invitation: Invitation, *, from_ticket: bool):
    question_code = request.POST.get("question", "")
    rules, item = rules_and_item_get(invitation.survey.questionnaire, code, question_code)
    if rules is None or not link_may_open(invitation, rules.section):
        raise Http404
    profile = link_profile(invitation)
    response = link_response(invitation)
    read = answers_load(response=response, question_ids=rules.reads) if rules.reads else {}
    values = {rules.reads[question_id]: answer.value for question_id, answer in read.items()}
    if not rules.shows(profile=profile, values=values):
        raise Http404
    if item is None or question_code not in rules.codes:
        return _json_error(_("Unknown question."), 400)
    form = SectionForm(request.POST, items=[item], language=get_language())
    if not form.is_valid():
        errors = [str(message) for messages_ in form.errors.values() for message in messages_]
        return JsonResponse({"status": "invalid", "errors": errors}, status=422)
    value, comment = answer_from_cleaned(item.question, form.cleaned_data)
    try:
        expected = int(request.POST.get("version", "0"))
    except ValueError:
        expected = 0
    try:
        answer = answer_save(
            response=response,
            section=rules.section,
            question=item.question,
            value=value,
            comment=comment,
            expected_version=expected,
            actor=Actor(name=invitation.name, invitation=invitation),
        )
    except StaleAnswer as stale:
        return JsonResponse(
            {
                "status": "conflict",
                "version": stale.answer.version,
                "theirs": answer_display(item.question, stale.answer.value, get_language()),
                "by": _changed_by(stale),
            },
            status=409,
        )
    except ValidationError as error:
        if error.code == "link" and from_ticket:
            # Revoked or closed since the page gave its ticket: resolve the link, which says why.
            try:
                invitation = _link(token)
            except InvitationInvalid as invalid:
                return _json_error(INVALID_LINK_MESSAGES[invalid.reason], INVALID_LINK_STATUS[invalid.reason])
            return _autosave(request, token, code, invitation, from_ticket=False)
        return _json_error(" ".join(error.messages), 409)
    values[question_code] = answer.value
    reply = JsonResponse(
        {
            "status": "saved",
            "version": answer.version,
            "hidden": rules.hidden(profile=profile, values=values),
            "saved_at": timezone.localtime(answer.updated_at).strftime("%H:%M"),
        }
    )
    if not from_ticket:  # the page's ticket was missing or old: the next saves need not read the link
        ticket_give(reply, token, ticket_make(invitation, token, response.pk))
    return reply


@with_access
def review(request, access: Access):
    return render(request, "respondent/review.html", {"access": access, "rows": review_rows(access)})


@require_POST
def submit(request, token: str):
    """Submits one section (its holder) or, for the chief executive, all sections. Like an
    autosave it takes the link from the ticket its page gave (surveys.link_tickets); the
    submission's own statement checks that the link may still change answers."""
    invitation = ticket_invitation(request.COOKIES.get(TICKET_COOKIE, ""), token)
    if invitation is not None:
        return _submit(request, token, invitation, from_ticket=True)
    try:
        invitation = _link(token)
    except InvitationInvalid as error:
        return _invalid(request, error)
    return _submit(request, token, invitation, from_ticket=False)


def _submit(request, token: str, invitation: Invitation, *, from_ticket: bool):
    log_context_add(request, survey_id=invitation.survey_id, municipality=invitation.municipality.number)
    access = access_build(invitation=invitation, token=token, answers="conditions")
    if request.POST.get("section") == "__all__":
        if not access.is_chief:
            raise Http404
        targets = access.sections
    else:
        targets = [access.section_by_code(request.POST.get("section", ""))]
    # The receipt is written with the (last) submission, and beat hands it to a worker within
    # seconds: the respondent does not wait for the broker (operations.outbox).
    receipt = (receipt_send_task, {"invitation_id": access.invitation.pk, "language": get_language()})
    try:
        # All sections or none; one section is one statement, a transaction of its own.
        with transaction.atomic() if len(targets) > 1 else contextlib.nullcontext():
            for section in targets:
                last = section is targets[-1]
                section_submit(
                    response=access.response, section=section, actor=access.actor, then_queue=receipt if last else None
                )
    except ValidationError as error:
        if error.code == "link" and from_ticket:
            # Revoked or closed since the page gave its ticket: resolve the link, which says why.
            try:
                invitation = _link(token)
            except InvitationInvalid as invalid:
                return _invalid(request, invalid)
            return _submit(request, token, invitation, from_ticket=False)
        messages.error(request, " ".join(error.messages))
        return redirect("respondent-review", access.token)
    messages.success(request, _("Thank you! The answers have been submitted."))
    return redirect("respondent-review", access.token)


@with_access
def receipt(request, access: Access):
    if not any(access.status_of(s) == SectionProgress.Status.SUBMITTED for s in access.sections):
        raise Http404
    pdf = receipt_pdf(access=access, language=get_language())
    reply = HttpResponse(pdf, content_type="application/pdf")
    filename = f"kvittering-{access.response.municipality.number}-{access.response.survey.year}.pdf"
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply


class LostLinkForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"))


LOST_LINK_LIMIT = 5  # requests per address and per client, per hour


def _rate_limited(request, email: str) -> bool:
    """Counts in the cache. With Redis away every count is a miss, so the limit fails open:
    a respondent who lost the link near the deadline is not turned away, and the inbox
    the limit protects still gets at most one message per address for the whole outage,
    because the outbox keeps one pending call per address (operations/outbox.py)."""
    client = request.META.get("REMOTE_ADDR", "")
    limited = False
    for key in (f"lost-link:ip:{client}", f"lost-link:email:{email.lower()}"):
        cache.add(key, 0, timeout=3600)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=3600)
            count = 1
        limited = limited or count > LOST_LINK_LIMIT
    return limited


def lost_link(request):
    """Sends a fresh link to an active contact of a municipality in an open round.
    The page says the same whether or not the address is known."""
    form = LostLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if _rate_limited(request, email):
            return render(request, "respondent/lost_link.html", {"form": form, "limited": True}, status=429)
        # In a worker after the commit: the time to answer must not tell whether the address is known.
        task_enqueue_on_commit(lost_link_send_task, email=email)
        return render(request, "respondent/lost_link.html", {"form": LostLinkForm(), "sent": True})
    return render(request, "respondent/lost_link.html", {"form": form})
