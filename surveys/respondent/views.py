"""Pages that respondents reach through their link. Each view resolves the link (or lets the flow
take it from the page's ticket), calls one step of the flow (surveys.respondent.flow) and answers;
a link that does not open gets the page that says why."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from operations.outbox import task_enqueue_on_commit
from operations.request_log import log_context_add
from surveys.fastpath.tickets import TICKET_COOKIE, ticket_give, ticket_make
from surveys.forms import SectionForm
from surveys.link_rule import LinkInvalid, Refusal, link_reads_unit_report
from surveys.models import Invitation, SectionProgress
from surveys.respondent import flow
from surveys.respondent.forms import DelegationForm, LostLinkForm
from surveys.respondent.links import (
    Visit,
    has_receipt,
    link_open,
    review_rows,
    submission_done,
    unit_report_ready,
    visit_build,
)
from surveys.respondent.pages import section_page_render
from surveys.respondent.plan import plan_get
from surveys.respondent.receipts import receipt_pdf
from surveys.services import invitations as invitation_services

INVALID_LINK_STATUS = {
    Refusal.MALFORMED: 404,
    Refusal.UNKNOWN: 404,
    Refusal.REVOKED: 410,
    Refusal.EXPIRED: 410,
    Refusal.NOT_OPEN: 403,
}
INVALID_LINK_MESSAGES = {
    Refusal.EXPIRED: gettext_lazy("The link has expired: the survey round is closed."),
    Refusal.REVOKED: gettext_lazy(
        "The link has been taken back. Ask the person who gave it to you, or get a new one below."
    ),
    Refusal.NOT_OPEN: gettext_lazy("The survey round has not opened yet. Try again when it opens."),
    Refusal.MALFORMED: gettext_lazy(
        "We do not recognise this link. Check that the whole address from the e-mail was copied."
    ),
}
INVALID_LINK_MESSAGES[Refusal.UNKNOWN] = INVALID_LINK_MESSAGES[Refusal.MALFORMED]
# What a save the flow refused answers, by the ValidationError's code.
REFUSED_STATUS = 409


def _invalid(request, error: LinkInvalid, token: str) -> HttpResponse:
    # A chief's expired link still reads its unit's report of the closed round: the page offers it.
    report = unit_report_ready(error.invitation) if error.reason == Refusal.EXPIRED else None
    return render(
        request,
        "respondent/invalid_link.html",
        {"reason": error.reason, "message": INVALID_LINK_MESSAGES[error.reason], "report": report, "token": token},
        status=INVALID_LINK_STATUS[error.reason],
    )


def with_visit(view):
    """Resolves the token and gives the view what the link may see, or answers with the page that
    says why the link does not open."""

    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            invitation = link_open(token=token)
        except LinkInvalid as error:
            return _invalid(request, error, token)
        log_context_add(request, survey_id=invitation.survey_id, municipality=invitation.municipality.number)
        return view(request, visit_build(invitation=invitation, token=token), *args, **kwargs)

    return wrapped


# --- the landing page and delegation -------------------------------------------------------------


def _given_links(visit: Visit):
    """The sections given to colleagues from any of the municipality's chief links in the round:
    every invitation and reminder carries a fresh link, and the chief sees all they gave."""
    return Invitation.objects.filter(
        survey_id=visit.invitation.survey_id,
        municipality_id=visit.invitation.municipality_id,
        delegated_by__isnull=False,
    )


def _open_sections(visit: Visit):
    return [s for s in visit.sections if visit.status_of(s) != SectionProgress.Status.SUBMITTED]


def _landing(request, visit: Visit, form: DelegationForm | None = None, status: int = 200) -> HttpResponse:
    language = get_language()
    delegations = []
    open_sections = _open_sections(visit)
    if visit.is_chief:
        given = _given_links(visit).select_related("section").order_by("-created_at")
        # A link to a submitted section can do nothing more: nothing to take back.
        delegations = [
            {
                "invitation": link,
                "section_title": link.section.title(language),
                "submitted": visit.status_of(link.section) == SectionProgress.Status.SUBMITTED,
            }
            for link in given
        ]
        if form is None and open_sections and visit.response.survey.status == visit.response.survey.Status.OPEN:
            form = DelegationForm(sections=open_sections, language=language)
    rows = [
        {
            "section": section,
            "title": section.title(language),
            "status": visit.status_of(section),
            "progress": visit.progress.get(section.pk),
            "answered": visit.progress_text(section),
        }
        for section in visit.sections
    ]
    context = {
        "visit": visit,
        "rows": rows,
        "delegations": delegations,
        "delegation_form": form,
        "done": submission_done(visit),
        "has_receipt": has_receipt(visit),
        "support_email": settings.SUPPORT_EMAIL,
        "unit_report": unit_report_ready(visit.invitation),
    }
    return render(request, "respondent/landing.html", context, status=status)


@with_visit
def landing(request, visit: Visit):
    return _landing(request, visit)


@require_POST
@with_visit
def delegate(request, visit: Visit):
    if not visit.is_chief:
        raise Http404
    language = get_language()
    form = DelegationForm(request.POST, sections=_open_sections(visit), language=language)
    if not form.is_valid():
        return _landing(request, visit, form, status=400)
    section = form.sections[form.cleaned_data["section"]]
    try:
        invitation_services.delegation_create(
            invitation=visit.invitation,
            section=section,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("respondent-landing", visit.token)
    messages.success(
        request,
        _("%(name)s has been sent a link to “%(section)s”.")
        % {"name": form.cleaned_data["name"], "section": section.title(language)},
    )
    return redirect("respondent-landing", visit.token)


@require_POST
@with_visit
def delegation_revoke(request, visit: Visit, pk: int):
    """The chief executive takes back a link they gave; allowed also in the grace period after closing."""
    delegation = _given_links(visit).filter(pk=pk).first()
    if delegation is None or not visit.is_chief:
        raise Http404
    invitation_services.delegation_revoke(
        giver=visit.invitation, delegation=delegation, ip_address=request.META.get("REMOTE_ADDR")
    )
    messages.success(request, _("The link of %(name)s no longer works.") % {"name": delegation.name})
    return redirect("respondent-landing", visit.token)


# --- a section: its page, and saving it whole without JavaScript --------------------------------


def section_page(request, token: str, code: str):
    """One section's questions. Without JavaScript, "next" saves every answer that changed; when
    someone else changed one of them meanwhile, the page shows what is stored now (their answer)
    for that question and asks again, and the user's own answers elsewhere."""
    try:
        invitation = link_open(token=token)
    except LinkInvalid as error:
        return _invalid(request, error, token)
    log_context_add(request, survey_id=invitation.survey_id, municipality=invitation.municipality.number)
    visit = visit_build(invitation=invitation, token=token, plan=plan_get(invitation.survey.questionnaire))
    section = visit.section_by_code(code)
    if visit.status_of(section) == SectionProgress.Status.SUBMITTED:
        return redirect("respondent-review", token)
    language = get_language()
    if request.method != "POST":
        reply = section_page_render(request, visit, section)
    else:
        items = visit.section_items(section)
        form = SectionForm(
            request.POST,
            items=items,
            language=language,
            hidden_codes=frozenset(visit.hidden_codes(section)),
            numbers=visit.plan.numbers,
        )
        if not form.is_valid():
            return section_page_render(request, visit, section, form=form, status=400)
        try:
            conflicts = flow.section_save(
                visit=visit, section=section, form=form, posted=request.POST, language=language
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return section_page_render(request, visit, section, form=form, status=REFUSED_STATUS)
        if not conflicts:
            return redirect(_next_page(request, visit, section))
        # What is stored now: their answer where they conflict, the user's own elsewhere.
        visit = visit_build(invitation=visit.invitation, token=token)
        reply = section_page_render(request, visit, visit.section_by_code(code), conflicts=conflicts, status=409)
    # The page's autosaves and submit need not read the link again (surveys.fastpath.tickets).
    ticket_give(reply, token, ticket_make(visit.invitation, token, visit.response.pk))
    return reply


def _next_page(request, visit: Visit, section) -> str:
    index = visit.sections.index(section)
    before = visit.sections[index - 1] if index > 0 else None
    after = visit.sections[index + 1] if index + 1 < len(visit.sections) else None
    if "previous" in request.POST and before:
        return reverse("respondent-section", args=[visit.token, before.code])
    if after and "review" not in request.POST:
        return reverse("respondent-section", args=[visit.token, after.code])
    return reverse("respondent-review", args=[visit.token])


AUTOSAVE_STATUS = {"saved": 200, "invalid": 422, "conflict": 409, "error": 400}


@require_POST
def autosave(request, token: str, code: str):
    """Saves one question's answer as it changes; answers with the new version and the items to
    hide now, or why not, or the other person's value."""
    try:
        outcome = flow.answer_autosave(
            token=token,
            ticket=request.COOKIES.get(TICKET_COOKIE, ""),
            section_code=code,
            data=request.POST,
            language=get_language(),
        )
    except LinkInvalid as error:
        message = INVALID_LINK_MESSAGES[error.reason]
        return JsonResponse({"status": "error", "message": str(message)}, status=INVALID_LINK_STATUS[error.reason])
    except flow.NotFound as missing:
        raise Http404 from missing
    except ValidationError as error:
        return JsonResponse({"status": "error", "message": " ".join(error.messages)}, status=REFUSED_STATUS)
    reply = JsonResponse(outcome.payload, status=AUTOSAVE_STATUS[outcome.status])
    ticket_give(reply, token, outcome.ticket)
    return reply


# --- review, submit and receipt ------------------------------------------------------------------


def _open_rows(visit: Visit, section_code: str) -> list[dict]:
    """The review's rows of the sections a submit of `section_code` would submit now."""
    if section_code == flow.ALL_SECTIONS and not visit.is_chief:
        return []
    return [
        row
        for row in review_rows(visit)
        if row["status"] != SectionProgress.Status.SUBMITTED
        and section_code in (flow.ALL_SECTIONS, row["section"].code)
    ]


@with_visit
def review(request, visit: Visit):
    rows = review_rows(visit)
    context = {
        "visit": visit,
        "rows": rows,
        # the review shows what is unanswered already: submitting everything needs no second step then
        "all_answered": not any(row["unanswered"] for row in rows if row["status"] != SectionProgress.Status.SUBMITTED),
        "done": submission_done(visit),
        "has_receipt": has_receipt(visit),
        "support_email": settings.SUPPORT_EMAIL,
    }
    return render(request, "respondent/review.html", context)


@require_POST
def submit(request, token: str):
    """Submits one section (its holder) or, for the chief executive, all sections. A submit that
    would leave questions unanswered is confirmed first (answers stay optional): without
    confirm=1 the page lists them by number and offers to submit anyway."""
    section_code = request.POST.get("section", "")
    if request.POST.get("confirm") != "1":
        try:
            invitation = link_open(token=token)
        except LinkInvalid as error:
            return _invalid(request, error, token)
        visit = visit_build(invitation=invitation, token=token)
        rows = [row for row in _open_rows(visit, section_code) if row["unanswered"]]
        if rows:
            context = {"visit": visit, "rows": rows, "section_code": section_code}
            return render(request, "respondent/submit_confirm.html", context)
    try:
        submitted = flow.sections_submit(
            token=token,
            ticket=request.COOKIES.get(TICKET_COOKIE, ""),
            section_code=section_code,
            language=get_language(),
        )
    except LinkInvalid as error:
        return _invalid(request, error, token)
    except flow.NotFound as missing:
        raise Http404 from missing
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("respondent-review", token)
    if not submitted.sections:
        # Pressed again (another tab, the back button): nothing changed and nothing was sent.
        messages.info(request, _("These answers were submitted already. Nothing new was sent."))
        return redirect("respondent-landing", token)
    messages.success(request, _("Thank you! The answers have been submitted."))
    return redirect("respondent-landing", token)


@with_visit
def receipt(request, visit: Visit):
    if not has_receipt(visit):
        raise Http404
    pdf = receipt_pdf(visit=visit, language=get_language())
    reply = HttpResponse(pdf, content_type="application/pdf")
    filename = f"kvittering-{visit.response.municipality.number}-{visit.response.survey.year}.pdf"
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply


def unit_report(request, token: str):
    """The unit's report of a closed round, for its chief's link: also once the link has expired
    for answering (surveys.link_rule.link_reads_unit_report)."""
    try:
        invitation = link_open(token=token)
    except LinkInvalid as error:
        if error.reason != Refusal.EXPIRED or not link_reads_unit_report(error.invitation):
            return _invalid(request, error, token)
        invitation = error.invitation
    report = unit_report_ready(invitation)
    if report is None:
        raise Http404
    return FileResponse(report.content(), as_attachment=True, filename=report.download_name())


# --- a lost link ---------------------------------------------------------------------------------

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
        task_enqueue_on_commit("surveys.tasks.lost_link_send_task", email=email)
        return render(request, "respondent/lost_link.html", {"form": LostLinkForm(), "sent": True})
    return render(request, "respondent/lost_link.html", {"form": form})
