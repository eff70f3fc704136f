"""The link rule is written once (surveys.link_rule.link_refusal) and every form of it
answers alike: its SQL form (the database function surveys_link_may_change), the fast save and
the fast submit that ask it in their own statement, and the plain save and submit that ask the
Python rule of the link as the database holds it. One table of cases, each run against all of
them; and the database's functions are the text of surveys/fastpath/sql/."""

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.link_rule import Refusal, link_refusal
from surveys.models import Invitation, Item, Question, Questionnaire, Response, Section, Survey
from surveys.services.invitations import delegation_create, invitation_create
from surveys.services.responses import (
    Actor,
    Outcome,
    answer_save_fast,
    answer_save_plain,
    section_submit,
)

pytestmark = pytest.mark.postgresql  # the SQL forms; the Python rule alone runs everywhere below


@dataclass
class World:
    survey: Survey
    bergen: Municipality
    links: dict[str, Invitation]
    responses: dict[str, Response]
    sections: dict[str, Section]


@pytest.fixture
def world(open_round, bergen) -> World:
    """Bergen's links of every kind in the open round, Oslo's Gamle Oslo district's director, and
    the responses and sections the cases point them at."""
    survey = open_round
    gamle_oslo = Municipality.objects.current().get(number="030101")
    tromso = Municipality.objects.current().get(number="5501")
    sections = {s.code: s for s in survey.questionnaire.sections.all()}

    def link(municipality, role, name, **extra):
        return invitation_create(
            survey=survey, municipality=municipality, role=role, name=name, email="x@x.no", **extra
        )[0]

    chief = link(bergen, "chief_executive", "Kari")
    links = {
        "chief": chief,
        "intro head": link(bergen, "introduction_programme", "Ida"),
        "schools head": link(bergen, "schools", "Sven"),
        "district director": link(gamle_oslo, "district_director", "Dina"),
        "colleague of intro": delegation_create(
            invitation=chief, section=sections["intro"], name="Per", email="p@b.no"
        )[0],
        "colleague of chief": delegation_create(
            invitation=chief, section=sections["chief"], name="Pål", email="q@b.no"
        )[0],
    }
    elsewhere = Questionnaire.objects.create(title="Annet", year=2025)
    other = Section.objects.create(questionnaire=elsewhere, position=1, code="chief", role="chief_executive")
    Item.objects.create(questionnaire=elsewhere, section=other, position=1, question=Question.objects.get(code="Q1"))
    sections["of another questionnaire"] = other
    earlier = Survey.objects.create(
        year=2024,
        title="Runde 2024",
        questionnaire=Questionnaire.objects.create(title="2024", year=2024),
        opens_at=survey.opens_at - datetime.timedelta(days=365),
        closes_at=survey.closes_at - datetime.timedelta(days=365),
        status=Survey.Status.CLOSED,
    )
    responses = {
        "own": Response.objects.create(survey=survey, municipality=bergen),
        "district's": Response.objects.create(survey=survey, municipality=gamle_oslo),
        "another unit's": Response.objects.create(survey=survey, municipality=tromso),
        "another round's": Response.objects.create(survey=earlier, municipality=bergen),
    }
    MunicipalityProfile.objects.update_or_create(
        municipality=gamle_oslo, year=2025, defaults={"settles_refugees": True}
    )
    return World(survey, bergen, links, responses, sections)


def _revoke(world, name):
    Invitation.objects.filter(pk=world.links[name].pk).update(revoked_at=timezone.now())


def _round(world, **fields):
    Survey.objects.filter(pk=world.survey.pk).update(**fields)


GRACE = datetime.timedelta(days=7)  # the round's invitation_grace_days


@dataclass
class Case:
    name: str
    link: str
    section: str
    expected: Refusal | None
    response: str = "own"
    prepare: object = None  # a function of the world, run first
    at: object = None  # a function of the round's closing, the moment asked about (now if None)
    read: Refusal | None = "same"  # the answer to "may it open now?", when it differs


CASES = [
    Case("a chief executive's link, their own section", "chief", "chief", None),
    Case("a chief executive's link opens every section", "chief", "intro", None),
    Case("a role's link, its role's section", "intro head", "intro", None),
    Case("a role's link, another role's section", "intro head", "chief", Refusal.SECTION, read=None),
    Case("a role with no section of its own", "schools head", "intro", Refusal.SECTION, read=None),
    Case("a colleague's link, the section given", "colleague of intro", "intro", None),
    Case("a colleague's link, another section", "colleague of intro", "chief", Refusal.SECTION, read=None),
    Case(
        "a colleague given the chief's section is no chief", "colleague of chief", "intro", Refusal.SECTION, read=None
    ),
    Case("a district director's link, every section", "district director", "intro", None, response="district's"),
    Case("a revoked link", "chief", "chief", Refusal.REVOKED, prepare=lambda w: _revoke(w, "chief")),
    Case(
        "a colleague's link given from a revoked one",
        "colleague of intro",
        "intro",
        Refusal.REVOKED,
        prepare=lambda w: _revoke(w, "chief"),
    ),
    Case(
        "a revoked link of a round not yet open",
        "chief",
        "chief",
        Refusal.REVOKED,
        prepare=lambda w: (_revoke(w, "chief"), _round(w, status=Survey.Status.DRAFT)),
    ),
    Case(
        "a closed round in its grace period reads only",
        "chief",
        "chief",
        Refusal.READ_ONLY,
        prepare=lambda w: _round(w, status=Survey.Status.CLOSED),
        at=lambda closes: closes + datetime.timedelta(days=1),
        read=None,
    ),
    Case(
        "a closed round after its grace period",
        "chief",
        "chief",
        Refusal.EXPIRED,
        prepare=lambda w: _round(w, status=Survey.Status.CLOSED),
        at=lambda closes: closes + GRACE,
    ),
    Case(
        "an open round a second before its grace period ends",
        "chief",
        "chief",
        None,
        at=lambda closes: closes + GRACE - datetime.timedelta(seconds=1),
    ),
    Case("an open round at the end of its grace period", "chief", "chief", Refusal.EXPIRED, at=lambda c: c + GRACE),
    Case(
        "an archived round",
        "chief",
        "chief",
        Refusal.EXPIRED,
        prepare=lambda w: _round(w, status=Survey.Status.ARCHIVED),
    ),
    Case("a round not yet open", "chief", "chief", Refusal.NOT_OPEN, prepare=lambda w: _round(w, status="draft")),
    Case("another unit's response", "chief", "chief", Refusal.RESPONSE, response="another unit's", read=None),
    Case(
        "the unit's response in another round",
        "chief",
        "chief",
        Refusal.RESPONSE,
        response="another round's",
        read=None,
    ),
    Case("a section of another questionnaire", "chief", "of another questionnaire", Refusal.SECTION, read=None),
    Case(
        "a colleague's link, another unit's response",
        "colleague of intro",
        "intro",
        Refusal.RESPONSE,
        response="another unit's",
        read=None,
    ),
]
QUESTION_OF = {"chief": ("Q1", "yes"), "intro": ("Q4", "good"), "of another questionnaire": ("Q1", "yes")}


def _asked(world: World, case: Case):
    if case.prepare:
        case.prepare(world)
    link = Invitation.objects.select_related("survey__questionnaire", "delegated_by").get(pk=world.links[case.link].pk)
    closes = Survey.objects.get(pk=world.survey.pk).closes_at
    now = case.at(closes) if case.at else timezone.now()
    return link, world.sections[case.section], world.responses[case.response], now


def test_the_table_has_enough_cases_and_every_refusal():
    assert len(CASES) >= 20 and len({case.name for case in CASES}) == len(CASES)
    assert {case.expected for case in CASES} == {None} | set(Refusal) - {Refusal.MALFORMED, Refusal.UNKNOWN}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_form_of_the_link_rule_gives_the_same_answer(world, case, settings):
    link, section, response, now = _asked(world, case)
    question_code, value = QUESTION_OF[case.section]
    question = Question.objects.get(code=question_code)
    allowed = case.expected is None

    # the definition
    assert link_refusal(link, now=now, change=True, section=section, response=response) == case.expected
    assert link_refusal(link, now=now) == (case.expected if case.read == "same" else case.read)

    # its SQL form
    with connection.cursor() as cursor:
        cursor.execute("SELECT surveys_link_may_change(%s, %s, %s, %s)", [link.pk, response.pk, section.pk, now])
        assert cursor.fetchone()[0] is allowed

    # the saves, fast and plain, each undone afterwards
    for save in (answer_save_fast, answer_save_plain):
        with transaction.atomic():
            outcome, _answer = save(
                response=response,
                section=section,
                question=question,
                value=value,
                comment="",
                expected_version=0,
                actor=Actor(name=link.name, invitation=link),
                now=now,
            )
            transaction.set_rollback(True)
        assert (outcome == Outcome.SAVED) is allowed and (outcome == Outcome.LINK) is not allowed, save.__name__

    # the submits, fast and plain, on a round open for answers (their own clock is now)
    if case.at is None and Survey.objects.get(pk=world.survey.pk).status == Survey.Status.OPEN:
        response.survey = Survey.objects.get(pk=response.survey_id)
        for fast in (True, False):
            settings.SURVEYS_FASTPATH = fast
            with transaction.atomic():
                try:
                    section_submit(response=response, section=section, actor=Actor(name=link.name, invitation=link))
                    submitted = True
                except ValidationError as refused:
                    assert refused.code in ("link", "not_open")
                    submitted = False
                transaction.set_rollback(True)
            assert submitted is allowed, ("fast" if fast else "plain", case.name)


@pytest.mark.parametrize("name", ["link_may_change", "answer_save"])
def test_the_databases_functions_are_the_text_of_their_files(db, name):
    """A changed file needs a migration that makes the function again (see migration 0012)."""
    text = (Path(__file__).resolve().parents[2] / "surveys" / "fastpath" / "sql" / f"{name}.sql").read_text()
    body = text.split("$$")[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [f"surveys_{name}"])
        [(stored,)] = cursor.fetchall()
    assert stored == body
