"""The Django admin stays the superusers' back office: its machinery is out of the survey admins'
sidebar, and the studio is where their daily work is."""

from django.contrib.auth.models import User
from django.urls import reverse


def app_labels(client) -> set[str]:
    return {app["app_label"] for app in client.get(reverse("admin:index")).context["app_list"]}


def test_survey_admins_do_not_see_the_technical_models_superusers_do(client, survey_admin, db):
    technical = {"axes", "otp_static", "otp_totp", "django_celery_beat", "auth"}
    client.force_login(survey_admin)
    seen = app_labels(client)
    assert "surveys" in seen and not seen & technical

    client.force_login(User.objects.create_superuser("root", "root@example.no", "pw-root-123!x"))
    assert technical <= app_labels(client)


def test_the_staff_start_page_leads_survey_admins_to_the_studio(client, survey_admin):
    client.force_login(survey_admin)
    assert reverse("studio-home") in client.get(reverse("staff-home")).content.decode()


def test_the_live_condition_check_is_deferred_so_it_finds_the_fields(client, survey_admin, small_questionnaire):
    # The admin puts media in <head>: without defer the script ran before #id_questionnaire existed.
    section = small_questionnaire.sections.get(code="chief")
    client.force_login(survey_admin)

    page = client.get(reverse("admin:surveys_section_change", args=[section.pk])).content.decode()

    assert 'src="/static/js/condition-check.js" defer' in page
    assert 'id="id_questionnaire"' in page


def test_the_admin_opens_no_round_it_sends_to_the_checklist(client, survey_admin, draft_round):
    client.force_login(survey_admin)

    page = client.get(reverse("admin:surveys_survey_changelist"))

    assert "open_rounds" not in page.content.decode()
    assert reverse("studio-round-open", args=[draft_round.pk]) in page.content.decode()
