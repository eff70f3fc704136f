"""The unit's report through the chief executive's link (surveys.link_rule.link_reads_unit_report):
on the landing page in the grace period after the round closes, and still after the link expired
for answering; never for a colleague's link, a link taken back, or before the round closes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import MunicipalReport, Survey
from surveys.services.invitations import delegation_create, invitation_revoke
from surveys.services.rounds import survey_close
from tests.scenarios import chief_link_create
from tests.support import demo_round_open

PDF = b"%PDF-1.4 Bergen's own report"


@pytest.fixture
def bergen_links(db):
    """Bergen's chief's link and a colleague's, in an open round on the demo questionnaire."""
    survey = demo_round_open()
    chief, token = chief_link_create(survey)
    section = survey.questionnaire.sections.get(code="intro")
    _given, colleague = delegation_create(invitation=chief, section=section, name="Per", email="per@bergen.example")
    return survey, chief, token, colleague


def report_for(survey: Survey, chief) -> MunicipalReport:
    return MunicipalReport.objects.create(
        survey=survey, municipality=chief.municipality, status="done", pdf=PDF, progress=100, page_count=4
    )


def close(survey: Survey, *, days_ago: float = 0) -> None:
    """Closes the round; `days_ago` moves its closing (and its links' grace period) into the past."""
    survey_close(survey=survey)
    closes = timezone.now() - datetime.timedelta(days=days_ago)
    Survey.objects.filter(pk=survey.pk).update(closes_at=closes, opens_at=closes - datetime.timedelta(days=40))


def test_the_chief_finds_the_report_on_the_landing_page_in_the_grace_period(client, bergen_links):
    survey, chief, token, _colleague = bergen_links
    close(survey)
    report_for(survey, chief)

    page = client.get(reverse("respondent-landing", args=[token]))
    download = client.get(reverse("respondent-unit-report", args=[token]))

    assert page.status_code == 200
    assert 'id="unit-report"' in page.content.decode() and "(PDF, 4 " in page.content.decode()
    assert reverse("respondent-unit-report", args=[token]) in page.content.decode()
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == f'attachment; filename="report-{survey.year}-4601.pdf"'


def test_an_expired_chief_link_still_offers_the_report(client, bergen_links):
    survey, chief, token, _colleague = bergen_links
    close(survey, days_ago=60)
    report_for(survey, chief)

    page = client.get(reverse("respondent-landing", args=[token]))
    download = client.get(reverse("respondent-unit-report", args=[token]))

    assert page.status_code == 410 and page.context["reason"] == "expired"
    assert reverse("respondent-unit-report", args=[token]) in page.content.decode()
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_colleagues_link_and_a_revoked_chief_link_read_no_report(client, bergen_links):
    survey, chief, token, colleague = bergen_links
    close(survey)
    report_for(survey, chief)

    colleague_page = client.get(reverse("respondent-landing", args=[colleague]))
    colleague_download = client.get(reverse("respondent-unit-report", args=[colleague]))
    invitation_revoke(invitation=chief)
    revoked_download = client.get(reverse("respondent-unit-report", args=[token]))

    assert colleague_page.status_code == 200 and 'id="unit-report"' not in colleague_page.content.decode()
    assert colleague_download.status_code == 404
    assert revoked_download.status_code == 410


def test_no_report_while_the_round_is_open_or_before_it_is_built(client, bergen_links):
    survey, chief, token, _colleague = bergen_links
    report_for(survey, chief)  # a report of an open round cannot be read through the link
    assert client.get(reverse("respondent-unit-report", args=[token])).status_code == 404
    assert 'id="unit-report"' not in client.get(reverse("respondent-landing", args=[token])).content.decode()

    MunicipalReport.objects.all().delete()
    close(survey)
    MunicipalReport.objects.create(survey=survey, municipality=chief.municipality)  # queued, not built
    assert client.get(reverse("respondent-unit-report", args=[token])).status_code == 404


def test_an_expired_chief_link_opened_at_a_section_or_a_submit_offers_the_report_too(client, bergen_links):
    # a bookmarked section page or a submit page left open, after the grace period
    survey, chief, token, _colleague = bergen_links
    close(survey, days_ago=60)
    report_for(survey, chief)

    section = client.get(reverse("respondent-section", args=[token, "settlement"]))
    submit = client.post(reverse("respondent-submit", args=[token]), {"section": "settlement", "confirm": "1"})

    for page in (section, submit):
        assert page.status_code == 410
        assert reverse("respondent-unit-report", args=[token]) in page.content.decode()
