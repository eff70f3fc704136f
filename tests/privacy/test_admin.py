"""The personal data actions in the admin: survey admins only, confirmed before anything is erased or
pseudonymised, logged."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import Contact
from privacy.models import PersonalDataLog
from surveys.models import AnswerChange
from surveys.services.rounds import survey_archive, survey_close
from tests.privacy.conftest import KARI, OLA, SIRI

CONTACTS = reverse("admin:municipalities_contact_changelist")
INVITATIONS = reverse("admin:surveys_invitation_changelist")
ROUNDS = reverse("admin:surveys_survey_changelist")


@pytest.fixture
def admin_client(client, survey_admin):
    client.force_login(survey_admin)
    client.cookies["django_language"] = "en"  # messages are asserted in their English source text
    return client


def test_a_survey_admin_exports_a_contacts_data_as_json(admin_client, people, survey_admin):
    response = admin_client.post(
        CONTACTS, {"action": "export_personal_data_json", "_selected_action": [people.kari.pk]}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    log = PersonalDataLog.objects.get()
    assert response["Content-Disposition"] == f'attachment; filename="personopplysninger-{log.pk}.json"'
    document = json.loads(response.content)
    assert document["about"] == KARI and len(document["answer_changes"]) == 3
    assert (log.performed_by, log.subject) == (survey_admin, KARI)


def test_a_delegated_colleague_is_exported_from_the_links_as_excel(admin_client, people):
    response = admin_client.post(
        INVITATIONS, {"action": "export_personal_data_xlsx", "_selected_action": [people.siri_link.pk]}
    )

    workbook = load_workbook(io.BytesIO(response.content))
    assert [row[-5:-3] for row in workbook["invitations"].iter_rows(values_only=True)][1] == ("Siri Kollega", SIRI)


def test_rows_of_two_people_are_refused(admin_client, people):
    response = admin_client.post(
        CONTACTS,
        {"action": "export_personal_data_json", "_selected_action": [people.kari.pk, people.ola.pk]},
        follow=True,
    )

    assert "Select the rows of one person" in response.content.decode()
    assert not PersonalDataLog.objects.exists()


def test_erasure_asks_first_and_then_erases(admin_client, people):
    data = {"action": "erase_personal_data", "_selected_action": [people.ola.pk]}

    confirmation = admin_client.post(CONTACTS, data)
    assert confirmation.status_code == 200
    assert "admin/privacy/confirm_action.html" in [t.name for t in confirmation.templates]
    assert Contact.objects.filter(email=OLA).exists(), "nothing is erased before it is confirmed"

    done = admin_client.post(CONTACTS, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert not Contact.objects.filter(email=OLA).exists()
    assert PersonalDataLog.objects.get().action == PersonalDataLog.Action.ERASE


def test_analysts_get_no_personal_data_actions_and_no_log(client, analyst, people):
    client.force_login(analyst)

    response = client.post(CONTACTS, {"action": "export_personal_data_json", "_selected_action": [people.kari.pk]})

    assert "Content-Disposition" not in response
    assert Contact.objects.filter(email=KARI).exists() and not PersonalDataLog.objects.exists()
    assert client.get(reverse("admin:privacy_personaldatalog_changelist")).status_code == 403


def test_the_round_action_pseudonymises_archived_rounds_only(admin_client, people):
    data = {"action": "pseudonymise_rounds", "_selected_action": [people.survey.pk], "confirm": "yes"}

    refused = admin_client.post(ROUNDS, data, follow=True)
    assert "only an archived round" in refused.content.decode()
    assert AnswerChange.objects.filter(actor_name="Kari Nordmann").exists()

    survey_close(survey=people.survey)
    survey_archive(survey=people.survey)
    admin_client.post(ROUNDS, data)
    assert not AnswerChange.objects.filter(actor_name="Kari Nordmann").exists()
    assert admin_client.get(reverse("admin:privacy_personaldatalog_changelist")).status_code == 200
