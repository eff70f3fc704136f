import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Survey


@pytest.fixture
def open_round(db) -> Survey:
    now = timezone.now()
    return Survey.objects.create(
        year=2026,
        title="Kommuneundersøkelsen 2026",
        opens_at=now - datetime.timedelta(days=3),
        closes_at=timezone.make_aware(datetime.datetime(2026, 12, 18, 16, 0)),
        status=Survey.Status.OPEN,
    )


def test_the_home_page_shows_the_open_round_and_its_deadline(client, open_round):
    page = client.get(reverse("home")).content.decode()

    assert "Kommuneundersøkelsen 2026" in page
    assert "18. desember 2026 16:00" in page
    assert reverse("staff-login") in page


def test_the_home_page_tells_respondents_where_to_write_for_help(client, db, settings):
    page = client.get(reverse("home")).content.decode()
    assert 'href="mailto:kommuneundersokelsen@example.no"' in page

    settings.SUPPORT_EMAIL = "hjelp@direktoratet.example"
    page = client.get(reverse("home")).content.decode()
    assert 'href="mailto:hjelp@direktoratet.example"' in page


def test_the_home_page_has_a_skip_link_landmarks_and_the_language(client, db):
    page = client.get(reverse("home")).content.decode()

    assert '<html lang="nb">' in page
    assert 'href="#main"' in page and '<main id="main"' in page
    assert "<header" in page and "<footer" in page and "<nav" in page


def test_the_language_switch_changes_the_page_to_nynorsk_and_english(client, db):
    client.post(reverse("set_language"), {"language": "nn", "next": "/"})
    nynorsk = client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("home")).content.decode()

    assert '<html lang="nn">' in nynorsk and "Ingen undersøkingsrunde er open no." in nynorsk
    assert '<html lang="en">' in english and "No survey round is open at the moment." in english


def test_the_staff_start_page_lists_the_rounds_with_their_status(client, survey_admin, open_round):
    client.force_login(survey_admin)

    page = client.get(reverse("staff-home")).content.decode()

    assert "Kommuneundersøkelsen 2026" in page and "åpen" in page
    assert reverse("admin:index") in page


def test_the_admin_is_in_bokmaal_by_default(client, survey_admin):
    client.force_login(survey_admin)

    response = client.get(reverse("admin:municipalities_municipality_changelist"))
    page = response.content.decode()

    assert response.context["cl"].result_count == 357 + 15
    assert "kommune (357)" in page and "bydel (15)" in page
    assert "Søk" in page
