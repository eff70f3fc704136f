"""A regional officer sees only their region: by page, by admin and by URL."""

import pytest
from django.urls import reverse

from municipalities.access import may_see_municipality, municipalities_visible_to
from municipalities.models import Contact, Municipality


def test_a_regional_officer_of_nord_sees_nord_but_not_vest(officer_nord, tromso, bergen):
    assert may_see_municipality(officer_nord, tromso)
    assert not may_see_municipality(officer_nord, bergen)
    assert municipalities_visible_to(officer_nord).current().count() == 80


def test_analysts_and_admins_see_every_unit(analyst, survey_admin, bergen, tromso):
    for user in (analyst, survey_admin):
        assert may_see_municipality(user, bergen) and may_see_municipality(user, tromso)


def test_the_officers_staff_page_for_a_vest_municipality_is_not_found(client, officer_nord, bergen, tromso):
    client.force_login(officer_nord)

    assert client.get(reverse("municipality-detail", args=[tromso.pk])).status_code == 200
    assert client.get(reverse("municipality-detail", args=[bergen.pk])).status_code == 404


def test_the_officers_registry_list_holds_only_nord(client, officer_nord):
    client.force_login(officer_nord)

    page = client.get(reverse("municipality-list")).content.decode()
    assert "Tromsø" in page and "Bergen" not in page
    assert "80 enheter" in page


@pytest.mark.parametrize("model", ["municipality", "municipalityprofile", "contact"])
def test_the_admin_lists_only_the_officers_region(client, officer_nord, survey_admin, model):
    Contact.objects.create(
        municipality=Municipality.objects.current().get(number="4601"), name="Kari", role="other", email="k@b.no"
    )
    url = reverse(f"admin:municipalities_{model}_changelist") + "?q=Bergen"

    client.force_login(survey_admin)
    assert client.get(url).context["cl"].result_count > 0
    client.force_login(officer_nord)
    assert client.get(url).context["cl"].result_count == 0


def test_the_admin_page_of_a_vest_municipality_is_out_of_reach_for_the_officer(client, officer_nord, bergen, tromso):
    client.force_login(officer_nord)

    own = client.get(reverse("admin:municipalities_municipality_change", args=[tromso.pk]))
    other = client.get(reverse("admin:municipalities_municipality_change", args=[bergen.pk]))

    assert own.status_code == 200
    assert other.status_code == 302 and other.url == reverse("admin:index")


def test_an_officer_can_read_but_not_change_the_registry(client, officer_nord, tromso):
    client.force_login(officer_nord)
    url = reverse("admin:municipalities_municipality_change", args=[tromso.pk])

    response = client.post(url, {"name": "Renamed"})

    assert response.status_code == 403
    tromso.refresh_from_db()
    assert tromso.name == "Tromsø"


def test_an_officer_cannot_upload_profiles(client, officer_nord):
    client.force_login(officer_nord)

    assert client.get(reverse("admin:municipalities_municipalityprofile_upload")).status_code == 403


def test_staff_pages_send_anonymous_users_to_the_login(client):
    response = client.get(reverse("staff-home"))

    assert response.status_code == 302 and reverse("staff-login") in response.url


def test_a_logged_in_user_without_a_staff_role_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("citizen", password="x"))

    assert client.get(reverse("municipality-list")).status_code == 403


def test_only_survey_admins_see_the_outbox(client, analyst, survey_admin):
    client.force_login(analyst)
    assert client.get(reverse("outbox")).status_code == 403
    client.force_login(survey_admin)
    assert client.get(reverse("outbox")).status_code == 200
