"""A round with people in it: contacts, their links (one delegated), answers and their audit trail,
messages sent by the schedule and a chase log that names them."""

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone

from municipalities.models import Contact, Municipality
from municipalities.services import staff_user_create
from reminders.models import ChaseEntry, Dispatch, Rule
from reminders.services import chase_entry_create, dispatch_send, rule_fan_out, schedule_create_default
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Invitation, Section, Survey
from surveys.services.invitations import delegation_create, invitation_create
from surveys.services.questionnaires import questionnaire_load
from surveys.services.responses import Actor, answer_save, response_get_or_create, section_submit
from surveys.services.rounds import survey_open

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


@pytest.fixture
def people(db) -> RoundWithPeople:
    return round_with_people_create()


def rows_mentioning(text: str) -> dict[str, int]:
    """Every table of the database, searched row by row (as text) for `text`: table -> rows found."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}" AS t WHERE t::text ILIKE %s', [f"%{text}%"])
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found
