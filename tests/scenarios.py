"""Built-up situations the tests of several folders start from: a round with people in it, the
reminder tests' field period and a respondent's steps in it, Bergen's chief executive's link, the
analysis tests' round answered by hand.
Each is a plain function; a conftest.py fixture wraps it where a folder's tests want it by name.
(An open round on the demo questionnaire is `demo_round_open` in tests/support.py.)"""

import datetime
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from municipalities.models import Contact, Municipality, MunicipalityProfile
from municipalities.services import staff_user_create
from reminders.models import ChaseEntry, Dispatch, Rule
from reminders.services import chase_entry_create, dispatch_send, rule_fan_out, schedule_create_default
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import (
    Answer,
    Invitation,
    MunicipalReport,
    Question,
    Questionnaire,
    Response,
    Scale,
    Section,
    SectionProgress,
    Survey,
)
from surveys.services.invitations import delegation_create, invitation_create
from surveys.services.questionnaires import questionnaire_load
from surveys.services.responses import Actor, answer_save, response_get_or_create, section_submit
from surveys.services.rounds import survey_close, survey_open
from tests.factories import ItemFactory, QuestionFactory, QuestionnaireFactory, SectionFactory, SurveyFactory

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def chief_link_create(survey: Survey, number: str = "4601") -> tuple[Invitation, str]:
    """The chief executive's link of the unit numbered `number` (Bergen: Kari Leder), and its token."""
    unit = Municipality.objects.current().get(number=number)
    return invitation_create(
        survey=survey, municipality=unit, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )


def next_window(moment: datetime.datetime) -> datetime.datetime:
    """The first weekday 10:00 in Oslo after `moment`: inside the default send window."""
    day = timezone.localtime(moment, OSLO).date() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=OSLO)


# --- the reminder tests' field period -----------------------------------------------------------

# A Monday morning: the field period runs 52 days, so opening + 14 days and closing - 3 days are Mondays too.
OPENS = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
CLOSES = OPENS + datetime.timedelta(days=52)


def at(days: float, hour: int = 10) -> datetime.datetime:
    """A moment `days` after the round opened, at `hour` o'clock in Oslo."""
    day = (OPENS + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=OSLO)


def field_round_open() -> Survey:
    """The demo questionnaire's round from OPENS to CLOSES, open."""
    survey = Survey.objects.create(
        year=2027,
        title="Kommuneundersøkelsen 2027",
        questionnaire=demo_questionnaire_create(year=2027),
        opens_at=OPENS,
        closes_at=CLOSES,
    )
    return survey_open(survey=survey)


def chief_section(survey: Survey) -> Section:
    return Section.objects.get(questionnaire=survey.questionnaire, code="settlement")


def start_answering(survey: Survey, unit: Municipality) -> None:
    """Someone answers one question of the chief's section: the unit has started."""
    questionnaire = questionnaire_load(survey.questionnaire_id)
    section = next(s for s in questionnaire.sections.all() if s.code == "settlement")
    item = next(i for i in section.items.all() if i.question.code == "Q04")
    answer_save(
        response=response_get_or_create(survey=survey, municipality=unit),
        section=section,
        question=item.question,
        value="yes",
        comment="",
        expected_version=0,
        actor=Actor(name="Test"),
    )


def submit(survey: Survey, unit: Municipality) -> None:
    """The unit submits the chief executive's section."""
    section_submit(
        response=response_get_or_create(survey=survey, municipality=unit),
        section=chief_section(survey),
        actor=Actor(name="Test"),
    )


def rule_named(survey: Survey, name: str) -> Rule:
    return Rule.objects.get(schedule__survey=survey, name=name)


def submitted_on(survey: Survey, unit: Municipality, moment: datetime.datetime) -> None:
    """The unit submits the chief executive's section, recorded at `moment`."""
    submit(survey, unit)
    SectionProgress.objects.filter(response__survey=survey, response__municipality=unit).update(submitted_at=moment)


# Last year's round opened on a Monday too, 364 days before this year's (OPENS).
LAST_YEAR_OPENS = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=OSLO)


def last_year_at(days: int) -> datetime.datetime:
    """10 o'clock in Oslo `days` after last year's round opened."""
    day = (LAST_YEAR_OPENS + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=OSLO)


def last_year_round_closed(
    *, sends: list[tuple[str, Contact, int, str]], submissions: list[tuple[Municipality, int]]
) -> Survey:
    """2026's round on the demo questionnaire, 52 days from LAST_YEAR_OPENS, with its default
    schedule, the messages `sends` (rule name, contact, day since opening, status) and the
    `submissions` (unit, day since opening); closed."""
    survey = survey_open(
        survey=Survey.objects.create(
            year=2026,
            title="Kommuneundersøkelsen 2026",
            questionnaire=demo_questionnaire_create(year=2026, earlier=True),
            opens_at=LAST_YEAR_OPENS,
            closes_at=LAST_YEAR_OPENS + datetime.timedelta(days=52),
        )
    )
    schedule_create_default(survey=survey)
    for rule_name, contact, day, status in sends:
        Dispatch.objects.create(
            survey=survey,
            municipality=contact.municipality,
            contact=contact,
            rule=rule_named(survey, rule_name),
            email=contact.email,
            status=status,
            sent_at=last_year_at(day) if status == Dispatch.Status.SENT else None,
        )
    for unit, day in submissions:
        submitted_on(survey, unit, last_year_at(day))
    return survey_close(survey=survey)


# --- a round with people in it: contacts, links, answers, messages, a chase log ----------------

KARI = "kari.nordmann@bergen.example"
OLA = "ola.hansen@bergen.example"
PER = "per.persen@tromso.example"
SIRI = "siri.kollega@bergen.example"


@dataclass
class RoundWithPeople:
    survey: Survey
    kari: Contact
    ola: Contact
    per: Contact
    kari_link: Invitation
    ola_link: Invitation
    siri_link: Invitation
    per_link: Invitation
    chase_entry: ChaseEntry


def answer(
    survey: Survey, link: Invitation, section_code: str, question_code: str, value: object, actor: Actor | None = None
) -> None:
    """Saves an answer through a link, as the respondent pages do (or as `actor`)."""
    questionnaire = questionnaire_load(survey.questionnaire_id)
    section = next(s for s in questionnaire.sections.all() if s.code == section_code)
    question = next(i.question for i in section.items.all() if i.question.code == question_code)
    response = response_get_or_create(survey=survey, municipality=link.municipality)
    current = response.answers.filter(question=question).first()
    answer_save(
        response=response,
        section=section,
        question=question,
        value=value,
        comment="",
        expected_version=current.version if current else 0,
        actor=actor or Actor(name=link.name, invitation=link),
    )


def round_with_people_create(*, year: int = 2027) -> RoundWithPeople:
    now = timezone.now()
    survey = survey_open(
        survey=Survey.objects.create(
            year=year,
            title=f"Kommuneundersøkelsen {year}",
            questionnaire=demo_questionnaire_create(year=year),
            opens_at=now - datetime.timedelta(days=3),
            closes_at=now + datetime.timedelta(days=40),
        )
    )
    bergen = Municipality.objects.current().get(number="4601")
    tromso = Municipality.objects.current().get(number="5501")
    kari = Contact.objects.create(
        municipality=bergen, name="Kari Nordmann", role=Contact.Role.CHIEF_EXECUTIVE, email=KARI, phone="55 55 55 55"
    )
    ola = Contact.objects.create(
        municipality=bergen, name="Ola Hansen", role=Contact.Role.INTRODUCTION_PROGRAMME, email=OLA
    )
    per = Contact.objects.create(
        municipality=tromso, name="Per Persen", role=Contact.Role.CHIEF_EXECUTIVE, email=PER, phone="77 77 77 77"
    )

    def link(contact: Contact, role: str) -> Invitation:
        invitation, _token = invitation_create(
            survey=survey,
            municipality=contact.municipality,
            role=role,
            name=contact.name,
            email=contact.email,
            contact=contact,
        )
        return invitation

    kari_link = link(kari, Section.Role.CHIEF_EXECUTIVE)
    ola_link = link(ola, Section.Role.INTRODUCTION_PROGRAMME)
    per_link = link(per, Section.Role.CHIEF_EXECUTIVE)
    directorate = Section.objects.get(questionnaire=survey.questionnaire, code="directorate")
    siri_link, _token = delegation_create(invitation=kari_link, section=directorate, name="Siri Kollega", email=SIRI)

    answer(survey, kari_link, "settlement", "Q04", "yes")
    answer(survey, kari_link, "settlement", "Q04", "no")
    answer(survey, kari_link, "settlement", "Q05", "yes")
    answer(survey, per_link, "settlement", "Q04", "yes")
    section_submit(
        response=response_get_or_create(survey=survey, municipality=bergen),
        section=Section.objects.get(questionnaire=survey.questionnaire, code="settlement"),
        actor=Actor(name=kari_link.name, invitation=kari_link),
    )

    schedule = schedule_create_default(survey=survey)
    invitation_rule = schedule.rules.get(kind=Rule.Kind.INVITATION)
    rule_fan_out(rule=invitation_rule, now=now)
    for dispatch in Dispatch.objects.filter(rule=invitation_rule, contact=kari):
        dispatch_send(dispatch_id=dispatch.pk)
    officer = staff_user_create(username=f"officer-{year}", password="pw-officer-123!", role="survey_admin")
    chase_entry = chase_entry_create(
        survey=survey,
        municipality=bergen,
        user=officer,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
        note=f"Snakket med Kari Nordmann ({KARI}); Ola Hansen tar introduksjonsdelen.",
    )
    return RoundWithPeople(survey, kari, ola, per, kari_link, ola_link, siri_link, per_link, chase_entry)


# --- a round answered by hand, whose statistics are known (tests/analytics) ----------------------

SMALL = "1811"  # Bindal, a small municipality
MIDDLE = "1812"  # Sømna: made 3,000 people and left without an answer (an empty cell)
HALF_DONE = "1813"  # Brønnøy: a response with nothing submitted


def respond(survey: Survey, unit: Municipality, answers: dict[str, object], submitted: list[str]) -> Response:
    """A response written directly, as a finished respondent would leave it."""
    response = Response.objects.create(survey=survey, municipality=unit)
    questions = {q.code: q for q in Question.objects.filter(code__in=answers)}
    Answer.objects.bulk_create(
        Answer(response=response, question=questions[code], value=value) for code, value in answers.items()
    )
    now = timezone.now()
    for section in Section.objects.filter(questionnaire=survey.questionnaire_id):
        done = section.code in submitted
        SectionProgress.objects.create(
            response=response,
            section=section,
            status="submitted" if done else "in_progress",
            submitted_at=now if done else None,
        )
    return response


def analysis_questionnaire_create(quality_scale: Scale) -> Questionnaire:
    """The chief executive's section (Q1 yes/no, Q2 pick two, Q3 matrix with not relevant, R1 text shown
    when Q1 = yes, C1 number shown when housing is picked) and the introduction programme's, shown only to
    settlement municipalities (Q4 scale)."""
    questionnaire = QuestionnaireFactory(year=2026)
    chief = SectionFactory(questionnaire=questionnaire, position=1, code="chief", title_nb="Leder")
    intro = SectionFactory(
        questionnaire=questionnaire,
        position=2,
        code="intro",
        role="introduction_programme",
        title_nb="Intro",
        condition="${settles_refugees} = true",
    )
    q1 = QuestionFactory(code="Q1", type="yes_no", text_nb="Har kommunen en plan?")
    q2 = QuestionFactory(code="Q2", type="multiple_choice", options=["housing", "jobs", "money"], max_choices=2)
    q3 = QuestionFactory(
        code="Q3", type="matrix", scale=quality_scale, offers_not_relevant=True, rows=["advice", "courses"]
    )
    r1 = QuestionFactory(code="R1", type="short_text", classification="rotating")
    c1 = QuestionFactory(code="C1", type="integer", min_value=0, max_value=100)
    q4 = QuestionFactory(code="Q4", type="scale", scale=quality_scale, offers_not_relevant=True)
    for position, (question, condition) in enumerate(
        [(q1, ""), (q2, ""), (q3, ""), (r1, "${Q1} = 'yes'"), (c1, "selected(${Q2}, 'housing')")], start=1
    ):
        ItemFactory(section=chief, position=position, question=question, condition=condition)
    ItemFactory(section=intro, position=1, question=q4)
    return questionnaire


def profiles_2026_set() -> None:
    """Every unit small, remote, few immigrants, not settling; Tromsø and Bergen large and settling."""
    MunicipalityProfile.objects.filter(year=2026).update(
        population=1000, centrality_class=6, immigrant_share=Decimal("3.00"), settles_refugees=False, is_partner=False
    )
    MunicipalityProfile.objects.filter(
        year=2026, municipality__number="5501", municipality__valid_to__isnull=True
    ).update(
        population=80000, centrality_class=2, immigrant_share=Decimal("12.00"), settles_refugees=True, is_partner=True
    )
    MunicipalityProfile.objects.filter(
        year=2026, municipality__number="4601", municipality__valid_to__isnull=True
    ).update(population=290000, centrality_class=1, immigrant_share=Decimal("16.00"), settles_refugees=True)
    MunicipalityProfile.objects.filter(
        year=2026, municipality__number=MIDDLE, municipality__valid_to__isnull=True
    ).update(population=3000)


def answered_round_create(questionnaire: Questionnaire) -> Survey:
    """Four units' responses to `questionnaire` (analysis_questionnaire_create) in an open 2026 round,
    on the profiles of profiles_2026_set."""
    profiles_2026_set()
    survey = SurveyFactory(year=2026, questionnaire=questionnaire, status=Survey.Status.OPEN)
    current = {
        unit.number: unit
        for unit in Municipality.objects.current().filter(number__in=["5501", "4601", SMALL, HALF_DONE])
    }
    respond(
        survey,
        current["5501"],
        {
            "Q1": "yes",
            "Q2": ["housing", "jobs"],
            "Q3": {"advice": "very_good", "courses": "not_relevant"},
            "R1": "Flere boliger",
            "C1": 40,
            "Q4": "good",
        },
        ["chief", "intro"],
    )
    respond(
        survey,
        current["4601"],
        # R1 was answered while Q1 was yes, then Q1 changed: the stale text is hidden and does not count.
        {
            "Q1": "no",
            "Q2": ["jobs"],
            "Q3": {"advice": "poor", "courses": "good"},
            "R1": "Gammelt svar",
            "Q4": "very_poor",
        },
        ["chief", "intro"],
    )
    respond(
        survey,
        current[SMALL],
        # Q4 is in a section Bindal does not see (it does not settle refugees).
        {"Q1": "yes", "Q2": ["money"], "Q3": {"advice": "very_poor", "courses": "very_good"}, "Q4": "good"},
        ["chief"],
    )
    respond(survey, current[HALF_DONE], {"Q1": "yes", "Q2": ["housing"]}, [])
    return survey


def small_questionnaire_create(quality_scale: Scale) -> Questionnaire:
    """Two sections: the chief executive's (Q1 yes/no, Q2 pick-two, Q3 matrix, R1 rotating text shown
    when Q1 = yes) and the introduction programme's, shown only to settlement municipalities."""
    questionnaire = QuestionnaireFactory(year=2025)
    chief = SectionFactory(questionnaire=questionnaire, position=1, code="chief", title_nb="Leder")
    intro = SectionFactory(
        questionnaire=questionnaire,
        position=2,
        code="intro",
        role="introduction_programme",
        title_nb="Intro",
        condition="${settles_refugees} = true",
    )
    q1 = QuestionFactory(code="Q1", type="yes_no")
    q2 = QuestionFactory(code="Q2", type="multiple_choice", options=["housing", "jobs", "money"], max_choices=2)
    q3 = QuestionFactory(
        code="Q3", type="matrix", scale=quality_scale, offers_not_relevant=True, rows=["advice", "courses"]
    )
    r1 = QuestionFactory(code="R1", type="short_text", classification="rotating", theme="Bolig")
    c1 = QuestionFactory(code="C1", type="integer", classification="current_affairs", min_value=0, max_value=100)
    q4 = QuestionFactory(code="Q4", type="scale", scale=quality_scale)
    for position, (question, condition) in enumerate(
        [(q1, ""), (q2, ""), (q3, ""), (r1, "${Q1} = 'yes'"), (c1, "selected(${Q2}, 'housing')")], start=1
    ):
        ItemFactory(section=chief, position=position, question=question, condition=condition)
    ItemFactory(section=intro, position=1, question=q4, condition="not (${Q3_advice} = 'not_relevant')")
    return questionnaire


def bergen_settling_in_2025() -> Municipality:
    """Bergen, a settlement municipality in 2025 (its profile says so)."""
    unit = Municipality.objects.current().get(number="4601")
    MunicipalityProfile.objects.update_or_create(municipality=unit, year=2025, defaults={"settles_refugees": True})
    return unit


def bergen_report_built(survey: Survey) -> tuple[str, MunicipalReport]:
    """Bergen's chief's link in an open round, one section answered and submitted, the round closed
    and Bergen's own report built as the batch task builds it: the link's token and the report."""
    from surveys.analytics.services import municipal_reports_build, municipal_reports_for_round

    chief, token = chief_link_create(survey)
    response = response_get_or_create(survey=survey, municipality=chief.municipality)
    settlement = survey.questionnaire.sections.get(code="settlement")
    Answer.objects.create(response=response, question=Question.objects.get(code="Q04"), value="yes")
    section_submit(response=response, section=settlement, actor=Actor(name="Kari Leder", invitation=chief))
    survey_close(survey=survey)
    [report] = municipal_reports_build(reports=municipal_reports_for_round(survey=survey))
    return token, report
