"""Next year's round from this one, and opening a round through its checklist."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from municipalities.models import Contact, Municipality
from reminders.models import Schedule
from reminders.services import schedule_create_default
from studio.selectors import round_checklist
from studio.services import survey_make_next, survey_open_checked
from surveys.models import Question, Questionnaire, Survey
from surveys.selectors import survey_list_open
from surveys.services.rounds import survey_open

NOW = timezone.now()


def levels(survey) -> dict[str, str]:
    return {check.key: check.level for check in round_checklist(survey=survey).checks}


def test_next_years_questionnaire_has_the_new_year_in_its_title(draft_round, small_questionnaire):
    small_questionnaire.title = "Kommuneundersøkelsen 2025"
    small_questionnaire.save()

    survey = survey_make_next(
        source=draft_round,
        year=2026,
        title="Runde 2026",
        opens_at=NOW + datetime.timedelta(days=300),
        closes_at=NOW + datetime.timedelta(days=340),
        keep_question_ids=set(),
        copy_schedule=False,
    )

    assert survey.questionnaire.title == "Kommuneundersøkelsen 2026"
    assert str(survey.questionnaire) == "Kommuneundersøkelsen 2026 (2026)"


def test_the_next_round_page_keeps_ticked_rotating_questions_and_copies_the_schedule(client, survey_admin, draft_round):
    schedule = schedule_create_default(survey=draft_round)
    schedule.rules.filter(name="Siste frist").update(offset_days=-5)
    client.force_login(survey_admin)
    url = reverse("studio-round-next", args=[draft_round.pk])
    page = client.get(url).content.decode()
    assert "Runde 2026" in page and "R1" in page

    response = client.post(
        url,
        {
            "year": 2026,
            "title": "Runde 2026",
            "opens_at": "2026-09-01T08:00",
            "closes_at": "2026-10-20T16:00",
            "keep": [str(Question.objects.get(code="R1").pk)],
            "copy_schedule": "on",
        },
    )

    survey = Survey.objects.get(year=2026)
    assert response.status_code == 302 and response.url == reverse(
        "studio-questionnaire", args=[survey.questionnaire_id]
    )
    assert set(survey.questionnaire.items.values_list("question__code", flat=True)) == {"Q1", "Q2", "Q3", "R1", "Q4"}
    copied = Schedule.objects.get(survey=survey)
    assert list(copied.rules.values_list("name", "offset_days")) == list(
        schedule.rules.values_list("name", "offset_days")
    )


@pytest.fixture
def ready_round(draft_round):
    """The draft round, opening today, with the standard schedule."""
    schedule_create_default(survey=draft_round)
    return draft_round


def test_a_round_without_a_schedule_is_refused_and_one_click_adds_the_standard_one(client, survey_admin, draft_round):
    assert levels(draft_round)["schedule"] == "refusal"
    with pytest.raises(ValidationError, match="no reminder schedule"):
        survey_open_checked(survey=draft_round, warnings_accepted=True)

    client.force_login(survey_admin)
    client.post(reverse("studio-round-schedule", args=[draft_round.pk]))

    assert levels(draft_round)["schedule"] == "ok"


def test_an_opening_months_away_is_a_warning_that_must_be_read(ready_round):
    ready_round.opens_at = NOW + datetime.timedelta(days=200)
    ready_round.closes_at = NOW + datetime.timedelta(days=250)
    ready_round.save()
    assert levels(ready_round)["dates"] == "warning"

    with pytest.raises(ValidationError, match="Read the warnings"):
        survey_open_checked(survey=ready_round, warnings_accepted=False)
    survey_open_checked(survey=ready_round, warnings_accepted=True)

    assert Survey.objects.get(pk=ready_round.pk).status == Survey.Status.OPEN


def test_a_closing_date_past_is_refused(ready_round):
    ready_round.opens_at = NOW - datetime.timedelta(days=20)
    ready_round.closes_at = NOW - datetime.timedelta(days=1)
    ready_round.save()

    assert levels(ready_round)["dates"] == "refusal"
    with pytest.raises(ValidationError, match="has passed"):
        survey_open_checked(survey=ready_round, warnings_accepted=True)


def test_another_open_round_is_named(ready_round):
    other = Survey.objects.create(
        year=2024,
        title="Runde 2024",
        questionnaire=Questionnaire.objects.create(title="Gammel", year=2024),
        opens_at=NOW - datetime.timedelta(days=10),
        closes_at=NOW + datetime.timedelta(days=10),
        status=Survey.Status.OPEN,
    )

    check = next(c for c in round_checklist(survey=ready_round).checks if c.key == "other_open")

    assert check.level == "warning" and str(other) in check.message


def test_units_without_an_active_contact_for_a_role_are_listed(ready_round):
    # given: every unit has a chief executive and a head of the introduction programme but Bergen,
    # whose head of the introduction programme is inactive
    units = list(Municipality.objects.valid_on(ready_round.opens_at.date()))
    for role in ("chief_executive", "introduction_programme"):
        Contact.objects.bulk_create(
            Contact(municipality=unit, name="N", role=role, email=f"{role}@{unit.number}.example") for unit in units
        )
    Contact.objects.filter(municipality__number="4601", role="introduction_programme").update(is_active=False)

    checklist = round_checklist(survey=ready_round)

    check = next(c for c in checklist.checks if c.key == "contacts")
    assert check.level == "warning"
    assert [(unit.number, roles) for unit, roles in check.units] == [("4601", ["head of the introduction programme"])]
    # The invitation rule goes to every respondent contact: two per unit, less Bergen's inactive one.
    assert checklist.invitations == 2 * len(units) - 1


def test_invalid_conditions_are_refused(ready_round):
    ready_round.questionnaire.items.filter(question__code="R1").update(condition="${Q1} = 'ja'")

    assert levels(ready_round)["conditions"] == "refusal"


def test_no_round_is_opened_twice(client, survey_admin, ready_round):
    client.force_login(survey_admin)
    url = reverse("studio-round-open", args=[ready_round.pk])

    first = client.post(url, {"warnings_read": "on"})
    second = client.post(url, {"warnings_read": "on"})

    assert first.status_code == 302
    assert second.status_code == 200  # the checklist again, with the round's status refused
    assert levels(Survey.objects.get(pk=ready_round.pk))["status"] == "refusal"
    with pytest.raises(ValidationError):
        survey_open_checked(survey=ready_round, warnings_accepted=True)


def test_the_home_page_lists_only_rounds_in_their_field_period(ready_round):
    ready_round.opens_at = NOW + datetime.timedelta(days=200)
    ready_round.closes_at = NOW + datetime.timedelta(days=250)
    ready_round.save()
    survey_open(survey=ready_round)

    assert list(survey_list_open()) == []

    Survey.objects.filter(pk=ready_round.pk).update(opens_at=NOW - datetime.timedelta(days=1))
    assert list(survey_list_open()) == [ready_round]


def test_a_paused_schedule_warns_and_one_without_an_active_invitation_is_refused(ready_round):
    schedule = Schedule.objects.get(survey=ready_round)
    Schedule.objects.filter(pk=schedule.pk).update(paused_at=NOW)
    assert levels(ready_round)["schedule"] == "warning"

    schedule.rules.filter(kind="invitation").update(is_active=False)

    assert levels(ready_round)["schedule"] == "refusal"
    assert round_checklist(survey=ready_round).invitations == 0
