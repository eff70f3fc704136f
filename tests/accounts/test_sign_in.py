"""Staff sign in with a password and a second factor; every staff page refuses less; wrong
passwords lock out; an idle session ends; sign-ins and downloads are in the audit log."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import OIDC_PAGES, OPEN_PAGES
from accounts.models import StaffEvent
from accounts.services import recovery_codes_create
from tests.support import staff_paths

PASSWORD = "pw-admin-123!"  # tests/conftest.py's survey_admin


def _code(device: TOTPDevice, offset: int = 0) -> str:
    """What the authenticator app shows now (offset in 30-second steps)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


@pytest.fixture
def signed_in_without_code(survey_admin) -> Client:
    client = Client()
    response = client.post(reverse("staff-login"), {"username": "admin-user", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_every_staff_page_asks_for_the_second_factor(signed_in_without_code, survey_admin):
    open_pages = {reverse(name) for name in OPEN_PAGES + OIDC_PAGES}  # the sign-in's own pages
    paths = [path for path in staff_paths() if path not in open_pages and path != "/admin/login/"]
    assert len(paths) > 40  # staff, analysis, reminders, registry and every admin list

    for path in paths:
        for method in (signed_in_without_code.get, signed_in_without_code.post):
            response = method(path)
            assert response.status_code == 302, f"{method.__name__.upper()} {path} answered {response.status_code}"
            assert response.url.startswith(reverse("staff-verify")), path


def test_a_first_sign_in_sets_up_the_app_and_hands_out_recovery_codes(signed_in_without_code, survey_admin):
    client = signed_in_without_code
    page = client.get(reverse("staff-enrol"))
    device = TOTPDevice.objects.get(user=survey_admin, confirmed=False)
    assert 'src="data:image/svg+xml;base64,' in page.content.decode() and "totp-secret" in page.content.decode()

    wrong = client.post(reverse("staff-enrol"), {"code": "000000"})
    # a wrong code holds further tries for a second (django-otp's throttling): let it pass
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=1))
    right = client.post(reverse("staff-enrol"), {"code": _code(device), "next": "/staff/"})

    assert wrong.status_code == 200 and "is-invalid" in wrong.content.decode()
    assert right.status_code == 200 and right.content.decode().split('id="recovery-codes"')[1].count("<li>") == 10
    assert StaticDevice.objects.get(user=survey_admin).token_set.count() == 10
    assert client.get(reverse("staff-home")).status_code == 200
    kinds = list(StaffEvent.objects.filter(user=survey_admin).values_list("kind", flat=True).order_by("pk"))
    assert kinds == ["login", "second_factor_failed", "enrolled", "recovery_codes"]


def test_a_returning_user_gives_a_code_or_a_recovery_code_once(survey_admin):
    device = TOTPDevice.objects.create(user=survey_admin, name="authenticator", confirmed=True)
    codes = recovery_codes_create(user=survey_admin)

    def sign_in(code):
        client = Client()
        client.post(reverse("staff-login"), {"username": "admin-user", "password": PASSWORD})
        response = client.post(reverse("staff-verify"), {"code": code, "next": "/staff/"})
        return client, response

    with_app, response = sign_in(_code(device))
    assert response.status_code == 302 and response.url == "/staff/"
    assert with_app.get(reverse("staff-home")).status_code == 200
    with_recovery, response = sign_in(codes[0])
    assert response.url == "/staff/"
    _again, reused = sign_in(codes[0])
    assert reused.status_code == 200 and "is-invalid" in reused.content.decode()  # single use


def test_wrong_codes_are_throttled(survey_admin):
    device = TOTPDevice.objects.create(user=survey_admin, name="authenticator", confirmed=True)
    client = Client()
    client.post(reverse("staff-login"), {"username": "admin-user", "password": PASSWORD})
    client.post(reverse("staff-verify"), {"code": "000000"})
    response = client.post(reverse("staff-verify"), {"code": _code(device)})  # right, but too soon after a wrong one

    assert response.status_code == 200 and client.get(reverse("staff-home")).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_five_wrong_passwords_lock_the_username_out_from_that_address(survey_admin):
    client = Client()
    for _ in range(5):
        client.post(reverse("staff-login"), {"username": "admin-user", "password": "wrong"})
    locked = client.post(reverse("staff-login"), {"username": "admin-user", "password": PASSWORD})
    other_address = Client(REMOTE_ADDR="10.0.0.7").post(
        reverse("staff-login"), {"username": "admin-user", "password": PASSWORD}
    )

    assert locked.status_code == 429 and "låst" in locked.content.decode()
    assert other_address.status_code == 302  # the lock is for this username from that address
    assert StaffEvent.objects.filter(kind="login_failed", username="admin-user").count() == 6  # the refused sixth too
    assert StaffEvent.objects.filter(kind="locked_out").exists()


def test_an_idle_staff_session_ends(client, survey_admin, settings):
    settings.STAFF_IDLE_MINUTES = 30
    client.force_login(survey_admin)
    assert client.get(reverse("staff-home")).status_code == 200
    session = client.session
    session["staff_last_seen"] = int(time.time()) - 31 * 60
    session.save()

    response = client.get(reverse("staff-home"))

    assert response.status_code == 302 and response.url.startswith(reverse("staff-login"))
    assert client.get(reverse("staff-home")).status_code == 302
    assert StaffEvent.objects.filter(kind="idle_logout", user=survey_admin).exists()


def test_the_admin_login_page_sends_staff_to_the_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302 and response.url == reverse("staff-login") + "?next=/admin/"


def test_lost_apps_get_new_recovery_codes_from_the_command_line(survey_admin, capsys):
    from django.core.management import call_command

    call_command("staff_recovery_codes", "admin-user")

    printed = capsys.readouterr().out.split()
    assert len(printed) == 10
    device = StaticDevice.objects.get(user=survey_admin)
    assert device.verify_token(printed[3]) and not device.verify_token(printed[3])


def test_downloads_of_exports_and_reports_are_in_the_audit_log(client, survey_admin, tmp_path, settings):
    from reminders.services import schedule_create_default  # noqa: F401  (the chase board's round)
    from surveys.demo_questionnaire import demo_questionnaire_create
    from surveys.models import Survey
    from surveys.services.rounds import survey_open

    survey = Survey.objects.create(
        year=2027,
        title="Runde",
        questionnaire=demo_questionnaire_create(year=2027),
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=30),
    )
    survey_open(survey=survey)
    client.force_login(survey_admin)

    client.get(reverse("reminders-chase-export", args=[survey.pk, "csv"]))

    event = StaffEvent.objects.get(kind="download")
    assert event.user == survey_admin and "chase board" in event.what and event.ip_address == "127.0.0.1"
