"""A survey admin reopens a submitted section with a reason, kept in the audit trail."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from municipalities.models import Municipality
from surveys.models import SectionProgress, SectionReopening
from surveys.services.responses import Actor, response_get_or_create, section_reopen, section_submit
from surveys.services.rounds import survey_open


@pytest.fixture
def submitted(draft_round):
    survey = survey_open(survey=draft_round)
    response = response_get_or_create(survey=survey, municipality=Municipality.objects.current().get(number="4601"))
    section = survey.questionnaire.sections.get(code="chief")
    return section_submit(response=response, section=section, actor=Actor(name="Kari")).progress


def test_reopening_needs_a_reason_and_a_submitted_section(submitted, survey_admin):
    with pytest.raises(ValidationError, match="reason"):
        section_reopen(progress=submitted, user=survey_admin, reason="  ")

    section_reopen(progress=submitted, user=survey_admin, reason="Feil tall i Q1")

    submitted.refresh_from_db()
    assert submitted.status == SectionProgress.Status.IN_PROGRESS and submitted.submitted_at is None
    assert SectionReopening.objects.get().reason == "Feil tall i Q1"
    with pytest.raises(ValidationError, match="submitted"):
        section_reopen(progress=submitted, user=survey_admin, reason="igjen")


def test_the_admin_action_asks_for_the_reason_then_reopens(client, submitted, survey_admin):
    client.force_login(survey_admin)
    url = reverse("admin:surveys_sectionprogress_changelist")

    form = client.post(url, {"action": "reopen", "_selected_action": [submitted.pk]})
    done = client.post(url, {"action": "reopen", "_selected_action": [submitted.pk], "reason": "Kommunen ba om det"})

    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert done.status_code == 302
    assert SectionReopening.objects.get().user == survey_admin
    assert SectionProgress.objects.get(pk=submitted.pk).status == SectionProgress.Status.IN_PROGRESS


def test_analysts_cannot_reopen(client, submitted, analyst):
    client.force_login(analyst)

    client.post(
        reverse("admin:surveys_sectionprogress_changelist"),
        {"action": "reopen", "_selected_action": [submitted.pk], "reason": "x"},
    )

    assert SectionProgress.objects.get(pk=submitted.pk).status == SectionProgress.Status.SUBMITTED
