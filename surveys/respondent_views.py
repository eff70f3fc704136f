"""Pages that respondents reach through their invitation link.

Every view starts from `_access`, which resolves the token and decides which
sections the link may see; nothing else reads the token. Saving goes through
surveys.services.responses, the same as everywhere else.
"""

import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys.answers import answer_display, answer_field_names, answer_from_cleaned, initial_from_answer
from surveys.forms import SectionForm
from surveys.models import Invitation, Section, SectionProgress
from surveys.receipts import receipt_pdf
from surveys.respondent_access import Access, access_build, review_rows
from surveys.services import invitations as invitation_services
from surveys.services.invitations import InvitationInvalid, invitation_resolve
from surveys.services.responses import (
    StaleAnswer,
    answer_save,
    section_submit,
)
from surveys.tasks import lost_link_send_task, receipt_send_task

LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)
INVALID_LINK_STATUS = {"malformed": 404, "unknown": 404, "revoked": 410, "expired": 410, "not_open": 403}


def _access(request, token: str) -> Access:
    access = access_build(invitation=invitation_resolve(token=token), token=token)
    now = timezone.now()
    # "Last used" is for staff, to the minute: not worth a write on every autosave.
    last = access.invitation.last_used_at
    if last is None or now - last > LAST_USED_RESOLUTION:
        Invitation.objects.filter(pk=access.invitation.pk).update(last_used_at=now)
    return access


def _invalid(request, error: InvitationInvalid) -> HttpResponse:
    return render(
        request,
        "respondent/invalid_link.html",
        {"reason": error.reason, "survey": error.invitation.survey if error.invitation else None},
        status=INVALID_LINK_STATUS[error.reason],
    )


def with_access(view):
    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            access = _access(request, token)
        except InvitationInvalid as error:
            return _invalid(request, error)
        return view(request, access, *args, **kwargs)

    return wrapped


class DelegationForm(forms.Form):
    section = forms.ChoiceField(label=gettext_lazy("Section"))
    name = forms.CharField(label=gettext_lazy("Colleague's name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Colleague's e-mail"))

    def __init__(self, *args, sections, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = {section.code: section for section in sections}
        self.fields["section"].choices = [(s.code, s.title(language)) for s in sections]


def _delegation_rows(access: Access, language: str) -> list[dict]:
    """The links the chief executive has given, with the section's title in the page's language."""
    delegations = Invitation.objects.filter(delegated_by=access.invitation).select_related("section")
    return [
        {"invitation": delegation, "section_title": delegation.section.title(language)}
        for delegation in delegations.order_by("-created_at")
    ]


@with_access
def landing(request, access: Access):
    language = get_language()
    delegations = []
    delegation_form = None
    if access.is_chief:
        delegations = _delegation_rows(access, language)
        open_sections = [s for s in access.sections if access.status_of(s) != SectionProgress.Status.SUBMITTED]
        delegation_form = DelegationForm(sections=open_sections, language=language)
    rows = [
        {
            "section": section,
            "title": section.title(language),
            "status": access.status_of(section),
            "progress": access.progress.get(section.pk),
        }
        for section in access.sections
    ]
    return render(
        request,
        "respondent/landing.html",
        {"access": access, "rows": rows, "delegations": delegations, "delegation_form": delegation_form},
    )


@require_POST
@with_access
def delegate(request, access: Access):
    if not access.is_chief:
        raise Http404
    language = get_language()
    open_sections = [s for s in access.sections if access.status_of(s) != SectionProgress.Status.SUBMITTED]
    form = DelegationForm(request.POST, sections=open_sections, language=language)
    if form.is_valid():
        section = form.sections[form.cleaned_data["section"]]
        invitation_services.delegation_create(
            invitation=access.invitation,
            section=section,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
        )
        messages.success(
            request,
            _("%(name)s has been sent a link to “%(section)s”.")
            % {"name": form.cleaned_data["name"], "section": section.title(language)},
        )
        return redirect("respondent-landing", access.token)
    rows = [{"section": s, "title": s.title(language), "status": access.status_of(s)} for s in access.sections]
    delegations = _delegation_rows(access, language)
    return render(
        request,
        "respondent/landing.html",
        {"access": access, "rows": rows, "delegations": delegations, "delegation_form": form},
        status=400,
    )


@require_POST
@with_access
def delegation_revoke(request, access: Access, pk: int):
    delegation = Invitation.objects.filter(pk=pk, delegated_by=access.invitation).first()
    if delegation is None or not access.is_chief:
        raise Http404
    invitation_services.invitation_revoke(invitation=delegation)
    messages.success(request, _("The link of %(name)s no longer works.") % {"name": delegation.name})
    return redirect("respondent-landing", access.token)


def _section_items(access: Access, section: Section):
    visibility = access.visibility()
    visible = {item.pk for item in visibility.items.get(section.pk, [])}
    items = list(section.items.all())
    hidden = {item.question.code for item in items if item.pk not in visible}
    return items, hidden


def _section_form(access: Access, section: Section, data=None) -> SectionForm:
    items, hidden = _section_items(access, section)
    initial = {}
    for item in items:
        initial.update(initial_from_answer(item.question, access.answers.get(item.question_id)))
    return SectionForm(data, items=items, language=get_language(), initial=initial, hidden_codes=hidden)


def _versions(access: Access, section: Section) -> dict[str, int]:
    return {
        item.question.code: (access.answers[item.question_id].version if item.question_id in access.answers else 0)
        for item in section.items.all()
    }


def _neighbours(access: Access, section: Section) -> tuple[Section | None, Section | None]:
    index = access.sections.index(section)
    before = access.sections[index - 1] if index > 0 else None
    after = access.sections[index + 1] if index + 1 < len(access.sections) else None
    return before, after


@with_access
def section_page(request, access: Access, code: str):
    section = access.section_by_code(code)
    submitted = access.status_of(section) == SectionProgress.Status.SUBMITTED
    if submitted:
        return redirect("respondent-review", access.token)
    form = _section_form(access, section)
    conflicts = []
    versions = _versions(access, section)
    if request.method == "POST":
        form = _section_form(access, section, data=request.POST)
        if form.is_valid():
            conflicts = _save_all(request, access, section, form)
            if not conflicts:
                before, after = _neighbours(access, section)
                if "previous" in request.POST and before:
                    return redirect("respondent-section", access.token, before.code)
                if after and "review" not in request.POST:
                    return redirect("respondent-section", access.token, after.code)
                return redirect("respondent-review", access.token)
            access = _access(request, access.token)
            versions = _versions(access, section)
    before, after = _neighbours(access, section)
    answered = sum(
        1
        for item in section.items.all()
        if item.question_id in access.answers and access.answers[item.question_id].value
    )
    return render(
        request,
        "respondent/section.html",
        {
            "access": access,
            "section": section,
            "title": section.title(get_language()),
            "form": form,
            "versions": versions,
            "conflicts": conflicts,
            "before": before,
            "after": after,
            "answered": answered,
            "position": access.sections.index(section) + 1,
        },
        status=400 if request.method == "POST" and (form.errors or conflicts) else 200,
    )


def _save_all(request, access: Access, section: Section, form: SectionForm) -> list[dict]:
    """Saves every answer of a section that changed; returns the conflicts."""
    conflicts = []
    language = get_language()
    for item in section.items.all():
        question = item.question
        if not answer_field_names(question):
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
                    "by": stale.answer.changes.order_by("-version").values_list("actor_name", flat=True).first(),
                }
            )
    return conflicts


@require_POST
@with_access
def autosave(request, access: Access, code: str):
    """Saves one question's answer as it changes; answers with the new version, the
    items to show and hide now, or the error or the other person's value."""
    section = access.section_by_code(code)
    question_code = request.POST.get("question", "")
    item = next((i for i in section.items.all() if i.question.code == question_code), None)
    if item is None:
        return JsonResponse({"status": "error", "message": _("Unknown question.")}, status=400)
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
            response=access.response,
            section=section,
            question=item.question,
            value=value,
            comment=comment,
            expected_version=expected,
            actor=access.actor,
        )
    except StaleAnswer as stale:
        by = stale.answer.changes.order_by("-version").values_list("actor_name", flat=True).first()
        return JsonResponse(
            {
                "status": "conflict",
                "version": stale.answer.version,
                "theirs": answer_display(item.question, stale.answer.value, get_language()),
                "by": by or "",
            },
            status=409,
        )
    except ValidationError as error:
        return JsonResponse({"status": "error", "message": " ".join(error.messages)}, status=409)
    access.answers[item.question_id] = answer
    _items, hidden = _section_items(access, section)
    return JsonResponse(
        {
            "status": "saved",
            "version": answer.version,
            "hidden": sorted(hidden),
            "saved_at": timezone.localtime(answer.updated_at).strftime("%H:%M"),
        }
    )


@with_access
def review(request, access: Access):
    return render(request, "respondent/review.html", {"access": access, "rows": review_rows(access)})


@require_POST
@with_access
def submit(request, access: Access):
    """Submits one section (its holder) or, for the chief executive, all sections."""
    if request.POST.get("section") == "__all__":
        if not access.is_chief:
            raise Http404
        targets = access.sections
    else:
        targets = [access.section_by_code(request.POST.get("section", ""))]
    try:
        for section in targets:
            section_submit(response=access.response, section=section, actor=access.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("respondent-review", access.token)
    receipt_send_task.delay_on_commit(invitation_id=access.invitation.pk, language=get_language())
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
        lost_link_send_task.delay_on_commit(email=email)
        return render(request, "respondent/lost_link.html", {"form": LostLinkForm(), "sent": True})
    return render(request, "respondent/lost_link.html", {"form": form})
