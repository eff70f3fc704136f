"""A regional officer sees only their region: by page, by admin and by URL."""

import pytest
from django.urls import reverse

from municipalities.access import may_see_municipality, municipalities_visible_to


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


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:municipalities_municipality_changelist") + "?q=Bergen",
        reverse("admin:municipalities_contact_changelist"),
        reverse("admin:surveys_invitation_changelist") + "?q=Bergen",
        reverse("admin:surveys_sectionprogress_changelist"),
        reverse("admin:municipalities_municipalityprofile_upload"),
    ],
)
def test_a_regional_officer_has_no_admin_at_all(client, officer_nord, url):
    """Their region's units, contacts, profiles, chase log and mail log are on the staff pages;
    the admin would show the whole country."""
    client.force_login(officer_nord)

    assert client.get(url).status_code == 403


def test_an_officer_cannot_change_the_registry_through_the_admin(client, officer_nord, tromso):
    client.force_login(officer_nord)
    url = reverse("admin:municipalities_municipality_change", args=[tromso.pk])

    response = client.post(url, {"name": "Renamed"})

    assert response.status_code == 403
    tromso.refresh_from_db()
    assert tromso.name == "Tromsø"


@pytest.mark.parametrize(
    "model",
    [
        "otp_totp.totpdevice",
        "otp_static.staticdevice",
        "axes.accessattempt",
        "django_celery_beat.periodictask",
        "django_celery_beat.solarschedule",
        "auth.user",
    ],
)
def test_second_factors_lockouts_and_the_beat_schedule_are_for_superusers_only(client, analyst, survey_admin, model):
    app, name = model.split(".")
    url = reverse(f"admin:{app}_{name}_changelist")
    for user in (analyst, survey_admin):
        client.force_login(user)
        assert client.get(url).status_code == 403, (user, model)
        assert not user.has_perm(f"{app}.view_{name}")


def test_a_survey_admin_cannot_read_or_add_anothers_second_factor(client, survey_admin):
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root = User.objects.create_superuser("root", "root@example.no", "pw-root-123!")
    totp = TOTPDevice.objects.create(user=root, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=root, name="recovery codes")
    client.force_login(survey_admin)

    assert client.get(reverse("admin:otp_totp_totpdevice_change", args=[totp.pk])).status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{totp.pk}/config/").status_code in (403, 404)
    added = client.post(reverse("admin:otp_static_staticdevice_change", args=[static.pk]), {"name": "x"})
    assert added.status_code == 403
    assert not StaticToken.objects.filter(device=static).exists()


def test_the_admin_sidebar_of_a_survey_admin_shows_no_technical_models(client, survey_admin):
    client.force_login(survey_admin)

    page = client.get(reverse("admin:index")).content.decode()

    for hidden in ("otp_totp", "otp_static", "axes", "django_celery_beat", "/admin/auth/"):
        assert hidden not in page
    assert "/admin/surveys/question/" in page


def test_the_officer_sees_the_answers_of_their_units_on_the_chase_page(client, officer_nord, tromso, bergen):
    from tests.support import demo_round_open

    survey = demo_round_open()
    client.force_login(officer_nord)

    own = client.get(reverse("reminders-chase-detail", args=[survey.pk, tromso.pk]))
    other = client.get(reverse("reminders-chase-detail", args=[survey.pk, bergen.pk]))

    assert own.status_code == 200 and "Svar så langt" in own.content.decode()
    assert other.status_code == 404


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
