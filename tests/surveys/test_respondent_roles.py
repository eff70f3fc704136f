"""Respondent roles as data: a questionnaire's roles are rows (RespondentRole); a new one, added
as data, gets its sections and its invitations, and its link opens its own sections only, on the
fast path and its plain twin. (Today's four roles migrated into rows: tests/operations/test_migrations.py.)"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from municipalities.models import Contact
from reminders.models import Dispatch
from reminders.selectors import round_contacts
from reminders.services import dispatch_send, invitations_send_now
from surveys.link_rule import link_is_chief, link_opens_section
from surveys.models import Answer, Invitation, Item, RespondentRole, Section
from surveys.services.invitations import contact_section_role
from surveys.services.questionnaires import questionnaire_problems, respondent_role_add, survey_create_next
from surveys.services.rounds import survey_open
from tests.factories import QuestionFactory


def test_a_new_questionnaire_starts_with_the_four_standard_roles(small_questionnaire):
    roles = list(small_questionnaire.roles.values_list("code", "contact_role", "unit_kind", "is_chief_executive"))

    assert roles == [
        ("chief_executive", "chief_executive", "municipality", True),
        ("introduction_programme", "introduction_programme", "", False),
        ("schools", "schools", "", False),
        ("district_director", "chief_executive", "district", True),
    ]
    with translation.override("nn"):
        assert small_questionnaire.sections.get(code="intro").get_role_display() == "leiar for introduksjonsprogrammet"


@pytest.fixture
def health_round(draft_round):
    """A health role added as data, invited from the registry's "other" contacts, with a section."""
    questionnaire = draft_round.questionnaire
    respondent_role_add(
        questionnaire=questionnaire,
        code="health",
        name_nb="Helseleder",
        name_nn="Helseleiar",
        name_en="Head of health",
        contact_role=Contact.Role.OTHER,
    )
    section = Section.objects.create(
        questionnaire=questionnaire, position=3, code="health", role="health", title_nb="Helse"
    )
    Item.objects.create(
        questionnaire=questionnaire, section=section, position=1, question=QuestionFactory(code="H1", type="yes_no")
    )
    return survey_open(survey=draft_round)


@pytest.fixture
def bergen_health_contact(bergen):
    return Contact.objects.create(
        municipality=bergen, name="Hilde Helse", role=Contact.Role.OTHER, email="hilde@bergen.example"
    )


@pytest.fixture(params=[True, False], ids=["fastpath", "plain"])
def path(request, settings):
    settings.SURVEYS_FASTPATH = request.param
    return request.param


def test_a_role_added_as_data_gets_its_invitations_and_its_sections(health_round, bergen_health_contact, mailoutbox):
    assert contact_section_role(bergen_health_contact, health_round) == "health"
    assert bergen_health_contact in round_contacts(survey=health_round)

    invitations_send_now(survey=health_round)
    dispatch = Dispatch.objects.get(contact=bergen_health_contact)
    assert dispatch_send(dispatch_id=dispatch.pk).status == "sent"

    link = Invitation.objects.get(contact=bergen_health_contact)
    assert link.role == "health" and not link_is_chief(link)
    with translation.override("nb"):
        assert link.get_role_display() == "Helseleder"
    sections = {
        section.code: link_opens_section(link, section) for section in health_round.questionnaire.sections.all()
    }
    assert sections == {"chief": False, "intro": False, "health": True}
    assert [message.to for message in mailoutbox] == [["hilde@bergen.example"]]


def test_the_new_roles_link_saves_in_its_section_and_not_in_others(health_round, bergen, path, client):
    from surveys.services.invitations import invitation_create

    _link, token = invitation_create(
        survey=health_round, municipality=bergen, role="health", name="Hilde", email="hilde@bergen.example"
    )

    landing = client.get(reverse("respondent-landing", args=[token])).content.decode()
    saved = client.post(
        reverse("respondent-autosave", args=[token, "health"]), {"question": "H1", "version": 0, "H1": "yes"}
    )
    refused = client.post(
        reverse("respondent-autosave", args=[token, "chief"]), {"question": "Q1", "version": 0, "Q1": "yes"}
    )

    assert "Helseleder" in landing
    assert saved.status_code == 200, saved.content
    assert refused.status_code == 404
    assert list(Answer.objects.values_list("question__code", flat=True)) == ["H1"]


def test_a_section_for_a_role_the_questionnaire_lacks_keeps_it_from_opening(small_questionnaire):
    Section.objects.create(questionnaire=small_questionnaire, position=3, code="nav", role="nav", title_nb="NAV")

    problems = [problem.where for problem in questionnaire_problems(small_questionnaire)]

    assert problems == ["nav"]
    with pytest.raises(ValidationError):
        Section(questionnaire=small_questionnaire, position=4, code="nav2", role="nav", title_nb="NAV").full_clean()


def test_a_role_code_once_per_questionnaire_and_only_the_known_chief_codes_are_chief(small_questionnaire):
    with pytest.raises(ValidationError) as taken:
        respondent_role_add(questionnaire=small_questionnaire, code="schools", name_nb="Skole")
    assert "__all__" in taken.value.message_dict  # the unique constraint on questionnaire and code
    chief = RespondentRole(questionnaire=small_questionnaire, code="mayor", name_nb="Ordfører", is_chief_executive=True)
    with pytest.raises(ValidationError) as refused:
        chief.full_clean()
    assert "is_chief_executive" in refused.value.message_dict


def test_next_years_questionnaire_keeps_the_roles(health_round):
    import datetime

    next_year = survey_create_next(
        source=health_round,
        year=2026,
        title="Runde 2026",
        opens_at=health_round.opens_at + datetime.timedelta(days=365),
        closes_at=health_round.closes_at + datetime.timedelta(days=365),
        keep_question_ids=set(),
    )

    codes = list(next_year.questionnaire.roles.values_list("code", "name_nb"))
    assert codes[-1] == ("health", "Helseleder") and len(codes) == 5
    assert questionnaire_problems(next_year.questionnaire) == []
