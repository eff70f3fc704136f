"""Staff pages of the reminders: the schedule, the chase board, the response-rate monitor,
the mail log and the embedded default's outbox. Each view checks access, calls one
selector or service, and renders or redirects."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import StaffEvent
from accounts.services import staff_event_record
from municipalities.access import municipalities_visible_to, staff_required, staff_role
from municipalities.models import County, Municipality, StaffProfile
from operations.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from reminders import services
from reminders.charts import cumulative_chart, mark_legend
from reminders.forms import BoardFilterForm, ChaseEntryForm, MailLogFilterForm, PersonalReminderForm
from reminders.models import ChaseEntry, Dispatch, Rule, Schedule
from reminders.outbox import outbox_enabled, outbox_messages
from reminders.selectors import (
    BoardRow,
    chase_board,
    dispatch_log,
    response_monitor,
    round_units,
    rule_recipients,
    schedule_summaries,
    unit_reports,
)
from surveys.analytics.services import municipal_report_request
from surveys.models import MunicipalReport, SectionProgress, Survey
from surveys.selectors import response_answers_for_staff

ADMIN = StaffProfile.Role.SURVEY_ADMIN
ANALYST = StaffProfile.Role.ANALYST
OFFICER = StaffProfile.Role.REGIONAL_OFFICER


def _role_in(request: HttpRequest, *roles: str) -> str:
    role = staff_role(request.user)
    if role not in roles:
        raise PermissionDenied
    return role


def _page(request: HttpRequest, template: str, *, survey: Survey, tab: str, **context) -> HttpResponse:
    role = staff_role(request.user)
    return render(
        request,
        template,
        {"survey": survey, "tab": tab, "shows_schedule": role in (ADMIN, ANALYST), "role": role, **context},
    )


def _survey(survey_id: int) -> Survey:
    return get_object_or_404(Survey.objects.exclude(questionnaire=None), pk=survey_id)


def _minute(moment: datetime.datetime | None) -> datetime.datetime | str:
    """A time for a spreadsheet cell: local, to the minute, typed (XLSX stores a date and time; a
    spreadsheet cannot hold a time zone, so the export's times are Norway's)."""
    if not moment:
        return ""
    return timezone.localtime(moment).replace(second=0, microsecond=0, tzinfo=None)


def _spreadsheet_download(
    request: HttpRequest,
    *,
    survey: Survey,
    fmt: str,
    what: str,
    name: str,
    header: list[str],
    table: list[list[object]],
) -> HttpResponse:
    """One table of the round as `<name>-<year>.csv` (semicolons, Excel's separator in a Norwegian
    locale) or `.xlsx`, recorded in the staff audit log; texts are data, never formulas
    (operations/spreadsheets.py)."""
    filename = f"{name}-{survey.year}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(csv_bytes([header, *table], delimiter=";"), content_type=CSV_CONTENT_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(xlsx_bytes({str(survey.year): [header, *table]}), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404
    staff_event_record(request=request, kind=StaffEvent.Kind.DOWNLOAD, what=f"{what} {filename} ({len(table)} rows)")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- outbox and mail log ----------------------------------------------------------------------


@staff_required
def outbox(request):
    # Messages carry contacts' addresses from every region: survey admins only.
    _role_in(request, ADMIN)
    return render(
        request,
        "reminders/outbox.html",
        {"enabled": outbox_enabled(), "messages_sent": outbox_messages() if outbox_enabled() else []},
    )


def _mail_log(request: HttpRequest, survey: Survey) -> tuple[QuerySet[Dispatch], MailLogFilterForm]:
    form = MailLogFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    return dispatch_log(units=municipalities_visible_to(request.user), survey=survey, status=status), form


@staff_required
def mail_log(request: HttpRequest, survey_id: int) -> HttpResponse:
    _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    log, form = _mail_log(request, survey)
    page = Paginator(log, 50).get_page(request.GET.get("page"))
    return _page(request, "reminders/mail_log.html", survey=survey, tab="mail", form=form, page=page)


def _mail_log_table(log: QuerySet[Dispatch]) -> tuple[list[str], list[list[object]]]:
    header = [
        _("To"),
        _("E-mail"),
        _("Number"),
        _("Municipality"),
        _("Message"),
        _("Status"),
        _("Sent"),
        _("Attempts"),
        _("Details"),
    ]
    table = []
    for dispatch in log:
        if dispatch.rule:
            message = dispatch.rule.name
        else:
            who = dispatch.chase_entry.user
            message = _("Personal reminder from %(who)s") % {"who": who.get_full_name() or who.get_username()}
        table.append(
            [
                dispatch.contact.name if dispatch.contact else "",
                dispatch.email,
                dispatch.municipality.number,
                dispatch.municipality.name,
                message,
                dispatch.get_status_display(),
                _minute(dispatch.sent_at),
                dispatch.attempts,
                dispatch.get_skip_reason_display() if dispatch.skip_reason else dispatch.failure_reason,
            ]
        )
    return header, table


@staff_required
def mail_log_export(request: HttpRequest, survey_id: int, fmt: str) -> HttpResponse:
    """The page's messages, all of them, with its filter and for the same people."""
    _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    header, table = _mail_log_table(_mail_log(request, survey)[0])
    return _spreadsheet_download(
        request, survey=survey, fmt=fmt, what="mail log", name="e-postlogg", header=header, table=table
    )


# --- the schedule -----------------------------------------------------------------------------


@staff_required
def schedule_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    role = _role_in(request, ADMIN, ANALYST)
    survey = _survey(survey_id)
    schedule = Schedule.objects.filter(survey=survey).first()
    rules = list(schedule.rules.all()) if schedule else []
    for rule in rules:
        rule.schedule = schedule
    return _page(
        request,
        "reminders/schedule.html",
        survey=survey,
        tab="schedule",
        schedule=schedule,
        summaries=sorted(schedule_summaries(rules=rules), key=lambda summary: (summary.due_at is None, summary.due_at)),
        may_edit=role == ADMIN,
    )


@staff_required
@require_POST
def schedule_change(request: HttpRequest, survey_id: int, action: str) -> HttpResponse:
    _role_in(request, ADMIN)
    survey = _survey(survey_id)
    if action == "create":
        services.schedule_create_default(survey=survey)
        messages.success(request, _("The standard schedule is in place. Adjust it before the round opens."))
    elif action in ("pause", "resume"):
        schedule = get_object_or_404(Schedule, survey=survey)
        if action == "pause":
            services.schedule_pause(schedule=schedule, user=request.user)
            messages.success(request, _("The schedule is paused: nothing goes out until it is resumed."))
        else:
            services.schedule_resume(schedule=schedule)
            messages.success(request, _("The schedule runs again."))
    elif action == "invite":
        try:
            created = services.invitations_send_now(survey=survey)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(count)s invitations are on their way.") % {"count": created})
    else:
        raise Http404
    return redirect("reminders-schedule", survey_id=survey.pk)


@staff_required
def rule_preview(request: HttpRequest, survey_id: int, rule_id: int) -> HttpResponse:
    """Who the rule would send to now, and the message as the first of them would get it."""
    _role_in(request, ADMIN, ANALYST)
    survey = _survey(survey_id)
    rule = get_object_or_404(Rule.objects.select_related("schedule__survey"), pk=rule_id, schedule__survey=survey)
    recipients = rule_recipients(rule=rule, now=timezone.now())
    examples = []
    for language in ("nb", "nn"):
        contact = next((c for c in recipients.contacts if c.language == language), None)
        if contact is not None:
            dispatch = Dispatch(survey=survey, municipality=contact.municipality, contact=contact, rule=rule)
            examples.append((contact, services.dispatch_text(dispatch=dispatch, token=services.PREVIEW_TOKEN)))
    return _page(
        request,
        "reminders/rule_preview.html",
        survey=survey,
        tab="schedule",
        rule=rule,
        recipients=recipients.contacts,
        skipped=recipients.skipped,
        examples=examples,
    )


# --- the chase board --------------------------------------------------------------------------


def _board_rows(request: HttpRequest, survey: Survey) -> tuple[list[BoardRow], BoardFilterForm]:
    units = municipalities_visible_to(request.user)
    counties = County.objects.filter(pk__in=round_units(survey).filter(pk__in=units.values("pk")).values("county"))
    form = BoardFilterForm(request.GET or None, counties=counties.order_by("number"))
    filters = form.cleaned_data if form.is_valid() else {}
    rows = chase_board(
        survey=survey,
        units=units,
        status=filters.get("status") or "",
        county_id=filters["county"].pk if filters.get("county") else None,
        follow_up_due=filters.get("follow_up_due") or False,
        sort=filters.get("sort") or "number",
    )
    return rows, form


@staff_required
def chase_board_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    role = _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    rows, form = _board_rows(request, survey)
    return _page(
        request,
        "reminders/board.html",
        survey=survey,
        tab="chase",
        rows=rows,
        form=form,
        may_act=role in (ADMIN, OFFICER) and survey.status == Survey.Status.OPEN,
        query=request.GET.urlencode(),
        unit_reports=(
            unit_reports(survey=survey, units=municipalities_visible_to(request.user)) if _is_closed(survey) else None
        ),
        imported=hasattr(survey, "past_round_import"),
    )


def _is_closed(survey: Survey) -> bool:
    return survey.status in (Survey.Status.CLOSED, Survey.Status.ARCHIVED)


def _export_table(rows: list[BoardRow]) -> tuple[list[str], list[list[object]]]:
    header = [
        _("Number"),
        _("Municipality"),
        _("County"),
        _("Region"),
        _("Status"),
        _("Sections"),
        _("Contacts"),
        _("Reminders sent"),
        _("Last reminder"),
        _("Last chased"),
        _("How"),
        _("Outcome"),
        _("Note"),
        _("Follow up on"),
    ]
    table = []
    language = get_language()
    for row in rows:
        entry = row.last_entry
        table.append(
            [
                row.municipality.number,
                row.municipality.name,
                row.municipality.county.name,
                row.region or "",
                str(row.status_label),
                "; ".join(
                    f"{section.title(language)}: {SectionProgress.Status(status).label}"
                    for section, status in row.sections
                ),
                "; ".join(f"{c.name} ({c.get_role_display()}) {c.email} {c.phone}".strip() for c in row.contacts),
                row.reminders_sent,
                _minute(row.last_reminder_at),
                _minute(entry.created_at) if entry else "",
                entry.get_channel_display() if entry else "",
                entry.get_outcome_display() if entry else "",
                entry.note if entry else "",
                row.follow_up_on or "",
            ]
        )
    return header, table


@staff_required
def chase_board_export(request: HttpRequest, survey_id: int, fmt: str) -> HttpResponse:
    _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    header, table = _export_table(_board_rows(request, survey)[0])
    return _spreadsheet_download(
        request, survey=survey, fmt=fmt, what="chase board", name="purreliste", header=header, table=table
    )


def _visible_unit(request: HttpRequest, survey: Survey, municipality_id: int) -> Municipality:
    """A unit of the round that the user may see; others are not found, by URL or by form."""
    units = round_units(survey).filter(pk__in=municipalities_visible_to(request.user).values("pk"))
    return get_object_or_404(units, pk=municipality_id)


@staff_required
def chase_detail(request: HttpRequest, survey_id: int, municipality_id: int) -> HttpResponse:
    role = _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    unit = _visible_unit(request, survey, municipality_id)
    may_act = role in (ADMIN, OFFICER)
    form = ChaseEntryForm(request.POST or None)
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.chase_entry_create(survey=survey, municipality=unit, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The chase entry is saved."))
                return redirect("reminders-chase-detail", survey_id=survey.pk, municipality_id=unit.pk)
    return _page(
        request,
        "reminders/chase_detail.html",
        survey=survey,
        tab="chase",
        unit=unit,
        form=form,
        reminder_form=PersonalReminderForm(),
        entries=ChaseEntry.objects.filter(survey=survey, municipality=unit).select_related("user"),
        dispatches=Dispatch.objects.filter(survey=survey, municipality=unit).select_related(
            "municipality", "contact", "rule", "chase_entry__user"
        ),
        contacts=unit.contacts.filter(is_active=True).order_by("role", "name"),
        may_act=may_act and survey.status == Survey.Status.OPEN,
        answer_sections=response_answers_for_staff(survey=survey, municipality=unit, language=get_language()),
        unit_report=_unit_report_ready(survey, unit),
    )


# --- the report of each municipality ----------------------------------------------------------


def _unit_report_ready(survey: Survey, unit: Municipality) -> MunicipalReport | None:
    return (
        MunicipalReport.objects.filter(survey=survey, municipality=unit, status=MunicipalReport.Status.DONE)
        .defer("pdf")
        .order_by("-finished_at", "-pk")
        .first()
    )


@staff_required
def unit_report_download(request: HttpRequest, survey_id: int, municipality_id: int) -> HttpResponse:
    """A unit's report of a closed round, for the staff who may see the unit."""
    _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    unit = _visible_unit(request, survey, municipality_id)
    report = _unit_report_ready(survey, unit)
    if report is None:
        raise Http404
    name = report.download_name()
    staff_event_record(request=request, kind=StaffEvent.Kind.DOWNLOAD, what=f"municipal report {name}")
    return FileResponse(report.content(), as_attachment=True, filename=name)


@staff_required
@require_POST
def unit_report_build(request: HttpRequest, survey_id: int, municipality_id: int) -> HttpResponse:
    """Builds a unit's report again (the board offers it for a report that failed)."""
    _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    unit = _visible_unit(request, survey, municipality_id)
    if not _is_closed(survey):
        raise Http404
    municipal_report_request(survey=survey, municipality=unit, requested_by=request.user)
    messages.success(request, _("The report for %(unit)s is being built.") % {"unit": unit.name})
    return redirect(reverse("reminders-chase", args=[survey.pk]) + "#unit-reports")


@staff_required
@require_POST
def chase_remind(request: HttpRequest, survey_id: int, municipality_id: int) -> HttpResponse:
    _role_in(request, ADMIN, OFFICER)
    survey = _survey(survey_id)
    unit = _visible_unit(request, survey, municipality_id)
    form = PersonalReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reminder could not be sent: reload the page and try again."))
    else:
        try:
            entry = services.chase_reminder_send(
                survey=survey, municipality=unit, user=request.user, request_key=form.cleaned_data["request_key"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("A personal reminder is on its way. %(note)s") % {"note": entry.note})
    return redirect("reminders-chase-detail", survey_id=survey.pk, municipality_id=unit.pk)


# --- the response-rate monitor ----------------------------------------------------------------


@staff_required
def monitor(request: HttpRequest, survey_id: int) -> HttpResponse:
    _role_in(request, ADMIN, ANALYST, OFFICER)
    survey = _survey(survey_id)
    data = response_monitor(survey=survey, units=municipalities_visible_to(request.user))
    chart = cumulative_chart(
        title=_("Responding units per day since opening"), curve=data.curve, last_year=data.last_year
    )
    return _page(
        request,
        "reminders/monitor.html",
        survey=survey,
        tab="monitor",
        monitor=data,
        chart=chart,
        legend=mark_legend(data.curve.sends),
        last_year_legend=mark_legend(data.last_year.sends, letters=True) if data.last_year else [],
        days=data.aligned_days(),
        by_group=[(_("Region"), data.by_region), (_("County"), data.by_county)],
    )
