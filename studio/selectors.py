"""The studio's reads: the questionnaire at a glance, the question bank's search, and the
checklist a round passes before it opens. Queries do not grow with the number of questions."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from municipalities.models import Contact, Municipality
from reminders.models import Rule, Schedule
from reminders.selectors import round_contacts, round_units
from surveys.models import Item, Question, Questionnaire, RespondentRole, Section, Survey
from surveys.services.questionnaires import questionnaire_load, questionnaire_problems

BANK_RESULTS = 25
# A round opened this long before its date freezes its questionnaire early: the checklist warns.
OPENING_WARNING_DAYS = 30
# The units listed by name without a contact; the rest are counted.
MISSING_CONTACTS_LISTED = 25


@dataclass
class ItemRow:
    item: Item
    problems: list[str]


@dataclass
class SectionBlock:
    section: Section
    rows: list[ItemRow]
    problems: list[str]


@dataclass
class QuestionnaireOverview:
    questionnaire: Questionnaire
    sections: list[SectionBlock]
    problems: list[str]
    survey: Survey | None


def questionnaire_overview(*, questionnaire_id: int) -> QuestionnaireOverview:
    """Sections and their items in order, each with the problems that keep the questionnaire
    from opening."""
    questionnaire = questionnaire_load(questionnaire_id)
    problems = questionnaire_problems(questionnaire)
    by_place: dict[str, list[str]] = {}
    for problem in problems:
        by_place.setdefault(problem.where, []).append(problem.message)
    sections = [
        SectionBlock(
            section=section,
            rows=[ItemRow(item, by_place.get(item.question.code, [])) for item in section.items.all()],
            problems=by_place.get(section.code, []),
        )
        for section in questionnaire.sections.all()
    ]
    survey = Survey.objects.filter(questionnaire_id=questionnaire_id).first()
    return QuestionnaireOverview(questionnaire, sections, [p.message for p in problems], survey)


@dataclass
class BankHit:
    question: Question
    years: list[int]


def bank_search(*, questionnaire: Questionnaire, text: str = "", classification: str = "") -> list[BankHit]:
    """Bank questions not yet in the questionnaire (the newest version of each), by code, text,
    theme or series, with the years their series was asked in a round that opened."""
    questions = Question.objects.filter(next_versions__isnull=True).exclude(items__questionnaire=questionnaire)
    if text.strip():
        words = text.strip()
        questions = questions.filter(
            Q(code__icontains=words)
            | Q(series__icontains=words)
            | Q(theme__icontains=words)
            | Q(text_nb__icontains=words)
            | Q(text_nn__icontains=words)
            | Q(text_en__icontains=words)
        )
    if classification:
        questions = questions.filter(classification=classification)
    found = list(questions.distinct().order_by("code")[:BANK_RESULTS])
    asked = (
        Item.objects.filter(question__series__in={q.series for q in found})
        .exclude(questionnaire__survey__isnull=True)
        .exclude(questionnaire__survey__status=Survey.Status.DRAFT)
        .values_list("question__series", "questionnaire__survey__year")
        .distinct()
    )
    years: dict[str, set[int]] = {}
    for series, year in asked:
        years.setdefault(series, set()).add(year)
    return [BankHit(question, sorted(years.get(question.series, ()))) for question in found]


# --- the checklist before opening ---------------------------------------------------------------


@dataclass
class Check:
    key: str
    level: str  # "ok", "warning" (read and tick before opening) or "refusal" (opening is refused)
    message: str
    details: list[str] = field(default_factory=list)
    units: list[tuple[Municipality, list[str]]] = field(default_factory=list)
    more: int = 0


@dataclass
class Checklist:
    survey: Survey
    checks: list[Check]
    invitations: int

    @property
    def refusals(self) -> list[Check]:
        return [check for check in self.checks if check.level == "refusal"]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.level == "warning"]


def questionnaire_contact_roles(questionnaire: Questionnaire) -> list[RespondentRole]:
    """The questionnaire's respondent roles that have a section and invite a contact role of the
    registry (RespondentRole.contact_role): the contacts each unit of their kind must hold."""
    section_roles = set(Section.objects.filter(questionnaire=questionnaire).values_list("role", flat=True))
    return [role for role in questionnaire.roles.all() if role.code in section_roles and role.contact_role]


def _dates_checks(survey: Survey, now: datetime.datetime) -> list[Check]:
    opens, closes = timezone.localtime(survey.opens_at), timezone.localtime(survey.closes_at)
    period = {"opens": date_format(opens, "DATETIME_FORMAT"), "closes": date_format(closes, "DATETIME_FORMAT")}
    if closes <= opens:
        return [Check("dates", "refusal", _("The round closes before it opens (%(opens)s – %(closes)s).") % period)]
    if closes <= now:
        return [Check("dates", "refusal", _("The closing date %(closes)s has passed. Move it first.") % period)]
    days = (survey.opens_at - now).days
    if days > OPENING_WARNING_DAYS:
        return [
            Check(
                "dates",
                "warning",
                _(
                    "The round opens on %(opens)s, %(days)s days from now. Opening it now freezes the "
                    "questionnaire already; invitations wait until that date."
                )
                % {**period, "days": days},
            )
        ]
    return [Check("dates", "ok", _("Field period: %(opens)s – %(closes)s.") % period)]


def round_checklist(*, survey: Survey, now: datetime.datetime | None = None) -> Checklist:
    """Everything a round should pass before it opens: refusals keep it closed, warnings must
    be read. Also counts the invitations that go out when it opens."""
    now = now or timezone.now()
    checks: list[Check] = []
    if survey.status != Survey.Status.DRAFT:
        checks.append(
            Check("status", "refusal", _("The round is %(status)s already.") % {"status": survey.get_status_display()})
        )
    checks += _dates_checks(survey, now)
    others = list(Survey.objects.filter(status=Survey.Status.OPEN).exclude(pk=survey.pk))
    if others:
        checks.append(
            Check(
                "other_open",
                "warning",
                _("Another round is open at the same time: %(rounds)s. Close it first unless both are meant to run.")
                % {"rounds": ", ".join(str(other) for other in others)},
            )
        )
    else:
        checks.append(Check("other_open", "ok", _("No other round is open.")))

    schedule = Schedule.objects.filter(survey=survey).first()
    invitation_rules = list(schedule.rules.filter(kind=Rule.Kind.INVITATION, is_active=True)) if schedule else []
    if schedule is None:
        checks.append(Check("schedule", "refusal", _("The round has no reminder schedule, so no invitation goes out.")))
    elif not invitation_rules:
        checks.append(Check("schedule", "refusal", _("The reminder schedule has no active invitation.")))
    elif schedule.is_paused:
        checks.append(Check("schedule", "warning", _("The reminder schedule is paused: nothing goes out.")))
    else:
        checks.append(
            Check(
                "schedule",
                "ok",
                ngettext(
                    "The reminder schedule has %(count)s message.",
                    "The reminder schedule has %(count)s messages.",
                    schedule.rules.count(),
                )
                % {"count": schedule.rules.count()},
            )
        )

    if survey.questionnaire_id is None:
        checks.append(Check("questionnaire", "refusal", _("The round has no questionnaire.")))
    else:
        checks.append(_contacts_check(survey))
        problems = questionnaire_problems(survey.questionnaire)
        if problems:
            checks.append(
                Check(
                    "conditions",
                    "refusal",
                    _("The questionnaire has problems that keep it from opening."),
                    details=[p.message for p in problems],
                )
            )
        else:
            checks.append(Check("conditions", "ok", _("Every condition checks.")))

    invitations = sum(round_contacts(survey=survey, role=rule.contact_role).count() for rule in invitation_rules)
    return Checklist(survey, checks, invitations)


def _contacts_check(survey: Survey) -> Check:
    roles = questionnaire_contact_roles(survey.questionnaire)
    units: QuerySet[Municipality] = round_units(survey).order_by("number")
    held = set(
        Contact.objects.filter(
            is_active=True, municipality__in=units, role__in={role.contact_role for role in roles}
        ).values_list("municipality_id", "role")
    )
    labels = dict(Contact.Role.choices)
    missing = []
    for unit in units:
        needed = dict.fromkeys(role.contact_role for role in roles if role.unit_kind in ("", unit.kind))
        lacking = [
            str(labels.get(contact_role, contact_role))
            for contact_role in needed
            if (unit.pk, contact_role) not in held
        ]
        if lacking:
            missing.append((unit, lacking))
    if not missing:
        return Check("contacts", "ok", _("Every unit has an active contact for each role."))
    return Check(
        "contacts",
        "warning",
        ngettext(
            "%(count)s unit has no active contact for a role: it gets no invitation for that role.",
            "%(count)s units have no active contact for a role: they get no invitation for that role.",
            len(missing),
        )
        % {"count": len(missing)},
        units=missing[:MISSING_CONTACTS_LISTED],
        more=max(0, len(missing) - MISSING_CONTACTS_LISTED),
    )
