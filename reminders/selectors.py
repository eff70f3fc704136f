"""Reads for the schedule, the chase board, the response-rate monitor and the mail log.

A municipality's status in a round is one of not started, started and submitted;
it counts as submitted (responding) once one of its sections is submitted, the same
rule as the analysis (surveys.analytics.dataset). Every selector here reads the
database a fixed number of times, whatever the number of municipalities.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery, TextChoices
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from municipalities.models import Contact, Municipality
from municipalities.selectors import municipality_annotate_region, region_scheme_active
from reminders.models import ChaseEntry, Dispatch, Rule
from surveys.analytics.dataset import round_universe_day
from surveys.models import MunicipalReport, Section, SectionProgress, Survey
from surveys.services.invitations import invited_contact_roles


class UnitStatus(TextChoices):
    NOT_STARTED = "not_started", _("not started")
    STARTED = "started", _("started")
    SUBMITTED = "submitted", _("submitted")


@dataclass(frozen=True)
class UnitProgress:
    status: str = UnitStatus.NOT_STARTED
    first_submitted_at: datetime.datetime | None = None


NOT_STARTED = UnitProgress()


def audience_includes(audience: str, status: str) -> bool:
    """Whether a municipality in `status` belongs to a rule's audience."""
    return {
        Rule.Audience.ALL: True,
        Rule.Audience.NOT_STARTED: status == UnitStatus.NOT_STARTED,
        Rule.Audience.STARTED: status == UnitStatus.STARTED,
        Rule.Audience.NOT_SUBMITTED: status != UnitStatus.SUBMITTED,
        Rule.Audience.SUBMITTED: status == UnitStatus.SUBMITTED,
    }[Rule.Audience(audience)]


def unit_progress(*, survey: Survey, municipality_ids: list[int] | None = None) -> dict[int, UnitProgress]:
    """Each municipality's status in the round, in one query; municipalities that are
    missing have not started."""
    rows = SectionProgress.objects.filter(response__survey=survey)
    if municipality_ids is not None:
        rows = rows.filter(response__municipality_id__in=municipality_ids)
    rows = rows.values("response__municipality_id").annotate(
        submitted=Count("pk", filter=Q(status=SectionProgress.Status.SUBMITTED)),
        started=Count("pk", filter=~Q(status=SectionProgress.Status.NOT_STARTED)),
        first_submitted_at=Min("submitted_at"),
    )
    progress = {}
    for row in rows:
        if row["submitted"]:
            status = UnitStatus.SUBMITTED
        elif row["started"]:
            status = UnitStatus.STARTED
        else:
            status = UnitStatus.NOT_STARTED
        progress[row["response__municipality_id"]] = UnitProgress(status, row["first_submitted_at"])
    return progress


def round_units(survey: Survey) -> QuerySet[Municipality]:
    """The municipalities and districts a round asks: those valid on the day it opened."""
    return Municipality.objects.valid_on(round_universe_day(survey))


def round_contacts(*, survey: Survey, role: str = "") -> QuerySet[Contact]:
    """Active contacts of the round's units who answer for a role (or for `role` only)."""
    contacts = Contact.objects.filter(
        is_active=True, municipality__in=round_units(survey), role__in=invited_contact_roles(survey)
    )
    if role:
        contacts = contacts.filter(role=role)
    return contacts.select_related("municipality").order_by("municipality__number", "role", "pk")


@dataclass
class SkippedUnit:
    """A municipality a rule leaves out because its officer was in contact lately."""

    municipality: Municipality
    contact: ChaseEntry  # the latest contact inside the rule's window
    contacts: list[Contact] = field(default_factory=list)

    @property
    def reason(self) -> str:
        entry = self.contact
        values = {
            "date": date_format(timezone.localdate(entry.created_at)),
            "officer": entry.user.get_full_name() or entry.user.get_username(),
        }
        return {
            ChaseEntry.Channel.PHONE: _("called on %(date)s by %(officer)s"),
            ChaseEntry.Channel.EMAIL: _("e-mailed on %(date)s by %(officer)s"),
            ChaseEntry.Channel.MEETING: _("met on %(date)s by %(officer)s"),
            ChaseEntry.Channel.REMINDER: _("personal reminder on %(date)s from %(officer)s"),
        }[ChaseEntry.Channel(entry.channel)] % values


@dataclass
class Recipients:
    contacts: list[Contact]
    skipped: list[SkippedUnit]

    @property
    def skipped_contacts(self) -> list[Contact]:
        return [contact for unit in self.skipped for contact in unit.contacts]


def recent_contacts(*, survey: Survey, since: datetime.datetime) -> dict[int, ChaseEntry]:
    """Each municipality's latest contact with its officer since `since`. Every channel counts,
    a personal reminder sent from the board too; a call that did not get through does not."""
    entries = (
        ChaseEntry.objects.filter(survey=survey, created_at__gte=since)
        .exclude(outcome=ChaseEntry.Outcome.NO_CONTACT)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
    latest: dict[int, ChaseEntry] = {}
    for entry in entries:
        latest.setdefault(entry.municipality_id, entry)
    return latest


def rule_recipients(*, rule: Rule, now: datetime.datetime) -> Recipients:
    """Who the rule sends to at `now`: its audience, and for a rule counted from submission
    the municipalities whose first submission is at least `offset_days` old; less the
    municipalities whose officer was in contact within the rule's `skip_after_contact_days`.
    The fan-out and the rule's preview both ask here, so the preview shows what goes out."""
    survey = rule.schedule.survey
    progress = unit_progress(survey=survey)
    contacted = (
        recent_contacts(survey=survey, since=now - datetime.timedelta(days=rule.skip_after_contact_days))
        if rule.skip_after_contact_days
        else {}
    )
    recipients = []
    skipped: dict[int, SkippedUnit] = {}
    for contact in round_contacts(survey=survey, role=rule.contact_role):
        unit = progress.get(contact.municipality_id, NOT_STARTED)
        if not audience_includes(rule.audience, unit.status):
            continue
        if rule.anchor == Rule.Anchor.SUBMISSION and (
            unit.first_submitted_at is None or unit.first_submitted_at + datetime.timedelta(days=rule.offset_days) > now
        ):
            continue
        if contact.municipality_id in contacted:
            skipped.setdefault(
                contact.municipality_id, SkippedUnit(contact.municipality, contacted[contact.municipality_id])
            ).contacts.append(contact)
            continue
        recipients.append(contact)
    return Recipients(contacts=recipients, skipped=list(skipped.values()))


# --- the schedule page ------------------------------------------------------------------------


@dataclass
class RuleSummary:
    rule: Rule
    due_at: datetime.datetime | None
    sent: int = 0
    pending: int = 0
    failed: int = 0
    skipped: int = 0


def schedule_summaries(*, rules: list[Rule]) -> list[RuleSummary]:
    counts = defaultdict(dict)
    for row in Dispatch.objects.filter(rule__in=rules).values("rule_id", "status").annotate(n=Count("pk")):
        counts[row["rule_id"]][row["status"]] = row["n"]
    return [
        RuleSummary(
            rule=rule,
            due_at=rule.due_at(),
            sent=counts[rule.pk].get(Dispatch.Status.SENT, 0),
            pending=counts[rule.pk].get(Dispatch.Status.PENDING, 0),
            failed=counts[rule.pk].get(Dispatch.Status.FAILED, 0),
            skipped=counts[rule.pk].get(Dispatch.Status.SKIPPED, 0),
        )
        for rule in rules
    ]


# --- the chase board --------------------------------------------------------------------------


@dataclass
class BoardRow:
    municipality: Municipality
    region: str | None
    status: str
    sections: list[tuple[Section, str]]
    contacts: list[Contact] = field(default_factory=list)
    reminders_sent: int = 0
    last_reminder_at: datetime.datetime | None = None
    last_entry: ChaseEntry | None = None
    # The officers' latest contact (a reminder from the platform is no contact of theirs).
    last_contact: ChaseEntry | None = None

    @property
    def status_label(self) -> str:
        return UnitStatus(self.status).label

    @property
    def follow_up_on(self) -> datetime.date | None:
        """The date the latest contact set: kept until a later contact sets another or none (the
        follow-up done); a reminder sent meanwhile does not hide it."""
        return self.last_contact.follow_up_on if self.last_contact else None


class BoardSort(TextChoices):
    NUMBER = "number", _("number")
    NAME = "name", _("name")
    STATUS = "status", _("status")
    LAST_CONTACT = "last_contact", _("last chased")
    FOLLOW_UP = "follow_up", _("follow-up date")


def chase_board(
    *,
    survey: Survey,
    units: QuerySet[Municipality],
    status: str = "",
    county_id: int | None = None,
    follow_up_due: bool = False,
    sort: str = BoardSort.NUMBER,
    today: datetime.date | None = None,
) -> list[BoardRow]:
    """The round's municipalities among `units` that have not submitted, with their
    section statuses, contacts, reminders and last chase entry: seven queries in all."""
    today = today or timezone.localdate()
    latest_entry = ChaseEntry.objects.filter(survey=survey, municipality=OuterRef("pk")).order_by("-created_at", "-pk")
    unit_rows = list(
        municipality_annotate_region(
            round_units(survey).filter(pk__in=units.values("pk")).select_related("county"),
            scheme=region_scheme_active(),
        )
        .annotate(
            last_entry_id=Subquery(latest_entry.values("pk")[:1]),
            last_contact_id=Subquery(latest_entry.exclude(channel=ChaseEntry.Channel.REMINDER).values("pk")[:1]),
        )
        .order_by("number")
    )
    ids = [unit.pk for unit in unit_rows]
    sections = list(Section.objects.filter(questionnaire_id=survey.questionnaire_id).order_by("position"))
    section_status: dict[int, dict[int, str]] = defaultdict(dict)
    for row in SectionProgress.objects.filter(response__survey=survey, response__municipality_id__in=ids).values(
        "response__municipality_id", "section_id", "status"
    ):
        section_status[row["response__municipality_id"]][row["section_id"]] = row["status"]
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(municipality_id__in=ids, is_active=True).order_by("role", "name"):
        contacts[contact.municipality_id].append(contact)
    reminders = {
        row["municipality_id"]: row
        for row in Dispatch.objects.filter(survey=survey, municipality_id__in=ids, status=Dispatch.Status.SENT)
        .values("municipality_id")
        .annotate(n=Count("pk"), last=Max("sent_at"))
    }
    entries = ChaseEntry.objects.select_related("user").in_bulk(
        {pk for unit in unit_rows for pk in (unit.last_entry_id, unit.last_contact_id) if pk}
    )

    rows = []
    for unit in unit_rows:
        statuses = set(section_status[unit.pk].values())
        if SectionProgress.Status.SUBMITTED in statuses:
            unit_status = UnitStatus.SUBMITTED
        elif SectionProgress.Status.IN_PROGRESS in statuses:
            unit_status = UnitStatus.STARTED
        else:
            unit_status = UnitStatus.NOT_STARTED
        if unit_status == UnitStatus.SUBMITTED or (status and unit_status != status):
            continue
        if county_id and unit.county_id != county_id:
            continue
        entry = entries.get(unit.last_entry_id)
        contact = entries.get(unit.last_contact_id)
        if follow_up_due and not (contact and contact.follow_up_on and contact.follow_up_on <= today):
            continue
        sent = reminders.get(unit.pk, {})
        rows.append(
            BoardRow(
                municipality=unit,
                region=unit.region_name,
                status=unit_status,
                sections=[
                    (section, section_status[unit.pk].get(section.pk, SectionProgress.Status.NOT_STARTED))
                    for section in sections
                ],
                contacts=contacts[unit.pk],
                reminders_sent=sent.get("n", 0),
                last_reminder_at=sent.get("last"),
                last_entry=entry,
                last_contact=contact,
            )
        )
    far_future = datetime.date.max
    far_past = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    keys = {
        BoardSort.NUMBER: lambda row: row.municipality.number,
        BoardSort.NAME: lambda row: row.municipality.name,
        BoardSort.STATUS: lambda row: (row.status, row.municipality.number),
        BoardSort.LAST_CONTACT: lambda row: row.last_entry.created_at if row.last_entry else far_past,
        BoardSort.FOLLOW_UP: lambda row: (row.follow_up_on or far_future, row.municipality.number),
    }
    rows.sort(key=keys.get(sort, keys[BoardSort.NUMBER]))
    return rows


# --- the response-rate monitor ----------------------------------------------------------------


@dataclass
class RateLine:
    label: str
    units: int = 0
    responded: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.responded / self.units) if self.units else None


@dataclass
class SendMark:
    day: datetime.date
    label: str
    sent: int


@dataclass
class SectionCompletion:
    section: Section
    started: int
    submitted: int


@dataclass
class ResponseCurve:
    """One round's responding units, cumulative, per day from its opening day, and its dated
    reminder sends."""

    year: int
    units: int
    cumulative: list[tuple[datetime.date, int]]
    sends: list[SendMark]

    def percent(self, count: int) -> int | None:
        return round(100 * count / self.units) if self.units else None


@dataclass
class AlignedDay:
    """One day since opening, with this year's and last year's figures on that day (None where
    that round's field period is over)."""

    day: int
    this_year: tuple[datetime.date, int] | None
    last_year: tuple[datetime.date, int] | None
    this_year_percent: int | None = None
    last_year_percent: int | None = None


@dataclass
class Monitor:
    overall: RateLine
    by_region: list[RateLine]
    by_county: list[RateLine]
    curve: ResponseCurve
    last_year: ResponseCurve | None
    sections: list[SectionCompletion]
    units: int

    def aligned_days(self) -> list[AlignedDay]:
        """Both rounds day by day since each one's opening day, for the table beside the chart."""
        rows = []
        curves = [self.curve, self.last_year] if self.last_year else [self.curve]
        for day in range(max(len(curve.cumulative) for curve in curves)):
            figures = [curve.cumulative[day] if day < len(curve.cumulative) else None for curve in curves]
            percents = [
                curve.percent(figure[1]) if figure else None for curve, figure in zip(curves, figures, strict=True)
            ]
            figures += [None] * (2 - len(figures))
            percents += [None] * (2 - len(percents))
            rows.append(AlignedDay(day, figures[0], figures[1], percents[0], percents[1]))
        return rows


def has_responded(unit_state: UnitProgress) -> bool:
    """The monitor's definition of a responding unit, for both years' curves and its rates."""
    return unit_state.status == UnitStatus.SUBMITTED


def last_year_round(survey: Survey) -> Survey | None:
    """The round of the year before, once it has closed; None when there is none."""
    return (
        Survey.objects.filter(year=survey.year - 1, status__in=[Survey.Status.CLOSED, Survey.Status.ARCHIVED])
        .order_by("pk")
        .first()
    )


def response_curve(
    *, survey: Survey, progress: dict[int, UnitProgress], unit_ids: list[int], today: datetime.date | None = None
) -> ResponseCurve:
    """The cumulative responding units of `unit_ids` per day from the round's opening day to its
    closing day (or today, if sooner; or the last response, if later), and the reminder sends per
    day. One query (the sends); `progress` is `unit_progress` of the same units."""
    asked = set(unit_ids)
    first_days = [
        timezone.localtime(unit_state.first_submitted_at).date()
        for municipality_id, unit_state in progress.items()
        if municipality_id in asked and has_responded(unit_state)
    ]
    start = timezone.localtime(survey.opens_at).date()
    end = min(timezone.localtime(survey.closes_at).date(), today or timezone.localdate())
    end = max(end, start, max(first_days, default=start))
    per_day = defaultdict(int)
    for day in first_days:
        per_day[max(day, start)] += 1
    cumulative, total, day = [], 0, start
    while day <= end:
        total += per_day[day]
        cumulative.append((day, total))
        day += datetime.timedelta(days=1)

    # The marks are the schedule's dated messages; thank-yous and personal reminders trickle.
    sends = [
        SendMark(row["sent_at__date"], row["rule__name"], row["n"])
        for row in Dispatch.objects.filter(
            survey=survey,
            municipality_id__in=unit_ids,
            status=Dispatch.Status.SENT,
            rule__anchor__in=[Rule.Anchor.OPENS, Rule.Anchor.CLOSES],
        )
        .values("rule__name", "sent_at__date")
        .annotate(n=Count("pk"))
        .order_by("sent_at__date", "rule__name")
    ]
    return ResponseCurve(year=survey.year, units=len(unit_ids), cumulative=cumulative, sends=sends)


def response_monitor(*, survey: Survey, units: QuerySet[Municipality], today: datetime.date | None = None) -> Monitor:
    """The live response rate of a round over `units`: overall, by region and by county, the
    cumulative number of responding units per day of the field period with the reminder sends
    per day, the same for last year's round over the units it asked among `units`, and the
    completion of each section with its role's name. A fixed number of queries whatever the
    number of units; three more when there is a round from last year."""
    unit_rows = list(
        municipality_annotate_region(
            round_units(survey).filter(pk__in=units.values("pk")).select_related("county"),
            scheme=region_scheme_active(),
        ).order_by("number")
    )
    ids = [unit.pk for unit in unit_rows]
    progress = unit_progress(survey=survey, municipality_ids=ids)
    overall = RateLine(str(_("All units")))
    regions: dict[str, RateLine] = {}
    counties: dict[str, RateLine] = {}
    for unit in unit_rows:
        responded = has_responded(progress.get(unit.pk, NOT_STARTED))
        region = unit.region_name or str(_("Unknown"))
        for line in (
            overall,
            regions.setdefault(region, RateLine(region)),
            counties.setdefault(unit.county.name, RateLine(unit.county.name)),
        ):
            line.units += 1
            line.responded += responded
    curve = response_curve(survey=survey, progress=progress, unit_ids=ids, today=today)

    last_year = None
    previous = last_year_round(survey)
    if previous is not None:
        previous_ids = list(round_units(previous).filter(pk__in=units.values("pk")).values_list("pk", flat=True))
        last_year = response_curve(
            survey=previous,
            progress=unit_progress(survey=previous, municipality_ids=previous_ids),
            unit_ids=previous_ids,
            today=today,
        )

    completion = {
        row["section_id"]: row
        for row in SectionProgress.objects.filter(response__survey=survey, response__municipality_id__in=ids)
        .values("section_id")
        .annotate(
            started=Count("pk", filter=~Q(status=SectionProgress.Status.NOT_STARTED)),
            submitted=Count("pk", filter=Q(status=SectionProgress.Status.SUBMITTED)),
        )
    }
    sections = [
        SectionCompletion(
            section,
            completion.get(section.pk, {}).get("started", 0),
            completion.get(section.pk, {}).get("submitted", 0),
        )
        for section in Section.objects.filter(questionnaire_id=survey.questionnaire_id)
        .select_related("questionnaire")
        .prefetch_related("questionnaire__roles")
        .order_by("position")
    ]
    return Monitor(
        overall=overall,
        by_region=sorted(regions.values(), key=lambda line: line.label),
        by_county=sorted(counties.values(), key=lambda line: line.label),
        curve=curve,
        last_year=last_year,
        sections=sections,
        units=len(unit_rows),
    )


# --- the mail log -----------------------------------------------------------------------------


def dispatch_log(
    *, units: QuerySet[Municipality], survey: Survey | None = None, status: str = ""
) -> QuerySet[Dispatch]:
    log = Dispatch.objects.filter(municipality__in=units).select_related(
        "municipality", "contact", "rule", "chase_entry__user", "survey"
    )
    if survey is not None:
        log = log.filter(survey=survey)
    if status:
        log = log.filter(status=status)
    return log.order_by("-created_at", "-pk")


# --- the reports for each municipality of a closed round ----------------------------------------


@dataclass
class UnitReportRow:
    municipality: Municipality
    report: MunicipalReport  # the unit's latest report (without its PDF): its status
    ready: MunicipalReport | None  # the latest finished one, which the download serves


def unit_reports(*, survey: Survey, units: QuerySet[Municipality]) -> list[UnitReportRow]:
    """Each unit among `units` that has a report in the round, with its latest report and its latest
    finished one (a rebuild being built or failed leaves the older report to download), by number:
    two queries."""
    latest: dict[int, MunicipalReport] = {}
    ready: dict[int, MunicipalReport] = {}
    for report in (
        MunicipalReport.objects.filter(survey=survey, municipality__in=units)
        .defer("pdf", "failure_message")
        .order_by("municipality_id", "-created_at", "-pk")
    ):
        latest.setdefault(report.municipality_id, report)
        if report.status == MunicipalReport.Status.DONE:
            ready.setdefault(report.municipality_id, report)
    municipalities = Municipality.objects.in_bulk(list(latest))
    rows = [UnitReportRow(municipalities[pk], report, ready.get(pk)) for pk, report in latest.items()]
    return sorted(rows, key=lambda row: row.municipality.number)
