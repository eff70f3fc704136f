"""The personal data actions in the admin: survey admins only, confirmed before anything is erased or
pseudonymised, logged."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import Contact
from privacy.models import PersonalDataLog
from reminders.services import chase_entry_create
from surveys.models import AnswerChange
from surveys.services.rounds import survey_archive, survey_close
from tests.scenarios import KARI, OLA, SIRI
from tests.support import FORMULA_PAYLOADS, assert_payloads_are_text, xlsx_sheets_with_formulas, xlsx_typed_cells

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


def test_the_excel_export_writes_notes_and_a_phone_number_as_text(admin_client, people, survey_admin):
    # given chase notes about Kari that start like formulas, and her phone number with its country code
    for payload in FORMULA_PAYLOADS:
        chase_entry_create(
            survey=people.survey,
            municipality=people.kari.municipality,
            user=survey_admin,
            channel="phone",
            outcome="will_answer",
            note=f"{payload} ({KARI})",
        )
    Contact.objects.filter(pk=people.kari.pk).update(phone="+47 55 55 55 55")

    # when a survey admin exports her data as Excel
    response = admin_client.post(
        CONTACTS, {"action": "export_personal_data_xlsx", "_selected_action": [people.kari.pk]}
    )

    # then the notes and the phone number are text cells, and the numbers numbers
    assert_payloads_are_text(xlsx=response.content, starts=True)
    rows = xlsx_typed_cells(response.content)["contacts"]
    contact = dict(zip([value for value, _type in rows[0]], rows[1], strict=True))
    assert contact["phone"] == ("+47 55 55 55 55", "s") and contact["id"] == (people.kari.pk, "n")


def test_an_address_that_starts_like_a_formula_is_text_on_every_sheet(admin_client, people):
    # given a contact whose address starts with "=" (valid: RFC 5322 allows it before the @)
    address = "=ola@bergen.example"
    Contact.objects.filter(pk=people.ola.pk).update(email=address)

    # when their data is exported as Excel
    response = admin_client.post(CONTACTS, {"action": "export_personal_data_xlsx", "_selected_action": [people.ola.pk]})

    # then the summary names them as text, as the contacts sheet does
    assert xlsx_sheets_with_formulas(response.content) == []
    sheets = xlsx_typed_cells(response.content)
    assert sheets["about"][0] == [("about", "s"), (address, "s")]
    assert (address, "s") in sheets["contacts"][1]
