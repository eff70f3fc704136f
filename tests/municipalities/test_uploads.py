"""Profile and contact uploads from the admin: preview, then apply; a bad row changes nothing."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from municipalities.models import Contact, MunicipalityProfile

PROFILE_URL = reverse("admin:municipalities_municipalityprofile_upload")
CONTACT_URL = reverse("admin:municipalities_contact_upload")


def _csv(text: str, name: str = "profiles.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _xlsx(rows: list[list], name: str = "profiles.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def admin_client(client, survey_admin):
    client.force_login(survey_admin)
    return client


def test_a_profile_upload_is_previewed_then_applied(admin_client):
    # given
    upload = _csv(
        "municipality_number;year;immigrant_share_pct;settles_refugees;partner_municipality\n"
        "4601;2025;21,4;ja;nei\n"
        "5501;2025;12.5;yes;yes\n"
    )

    # when: the preview
    preview = admin_client.post(PROFILE_URL, {"file": upload})

    # then: it shows the change and writes nothing
    assert "21,40" in preview.content.decode()
    assert MunicipalityProfile.objects.get(municipality__number="4601", year=2025).immigrant_share is None

    # when: applied
    response = admin_client.post(PROFILE_URL, {"apply": "1"})

    # then
    assert response.status_code == 302
    bergen = MunicipalityProfile.objects.get(municipality__number="4601", year=2025)
    assert (bergen.immigrant_share, bergen.settles_refugees, bergen.is_partner) == (Decimal("21.40"), True, False)
    assert bergen.population == 293709, "an upload without a population keeps the imported one"


def test_an_xlsx_upload_can_create_a_profile_for_a_new_year(admin_client):
    upload = _xlsx([["municipality_number", "year", "population"], ["4601", 2027, 300000]])

    admin_client.post(PROFILE_URL, {"file": upload})
    admin_client.post(PROFILE_URL, {"apply": "1"})

    assert MunicipalityProfile.objects.get(municipality__number="4601", year=2027).population == 300000


def test_a_bad_row_names_line_and_column_and_nothing_is_applied(admin_client):
    upload = _csv(
        "municipality_number,year,centrality_class,settles_refugees\n"
        "4601,2025,3,yes\n"
        "5501,2025,9,yes\n"
        "9999,2025,2,no\n"
        "1101,2025,2,perhaps\n"
    )

    page = admin_client.post(PROFILE_URL, {"file": upload}).content.decode()

    assert "linje 3, kolonne &#x27;centrality_class&#x27;" in page
    assert "9999" in page and "linje 4" in page
    assert "linje 5, kolonne &#x27;settles_refugees&#x27;" in page
    assert admin_client.post(PROFILE_URL, {"apply": "1"}).status_code == 302
    assert MunicipalityProfile.objects.get(municipality__number="4601", year=2025).settles_refugees is None


def test_unknown_columns_and_wrong_file_types_are_refused(admin_client):
    page = admin_client.post(PROFILE_URL, {"file": _csv("municipality_number,year,colour\n4601,2025,red\n")})
    assert "colour" in page.content.decode()

    page = admin_client.post(PROFILE_URL, {"file": _csv("x", name="profiles.txt")})
    assert ".csv" in page.content.decode()


def _preview_rows(page) -> list[list[str]]:
    """The cells of the preview table, tags stripped."""
    body = page.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_a_contact_upload_creates_and_then_updates_by_email(admin_client):
    # when: a new contact is previewed
    preview = admin_client.post(
        CONTACT_URL,
        {
            "file": _csv(
                "municipality_number,name,role,email,phone\n4601,Kari Nordmann,chief_executive,kari@bergen.example,555\n",
                "c.csv",
            )
        },
    )

    # then: the preview shows what will be created, and nothing is yet
    [row] = _preview_rows(preview)
    assert row[:3] == ["2", "4601 Bergen", "ny"]
    assert "name: – → Kari Nordmann" in row[3] and "phone: – → 555" in row[3]
    assert "kari@bergen.example" in row[3]
    assert not Contact.objects.filter(municipality__number="4601").exists()
    admin_client.post(CONTACT_URL, {"apply": "1"})

    # when: the same person (by e-mail, any case) with a new phone number is previewed
    preview = admin_client.post(
        CONTACT_URL,
        {
            "file": _csv(
                "municipality_number,name,role,email,phone\n4601,Kari Nordmann,chief_executive,KARI@bergen.example,777\n",
                "c.csv",
            )
        },
    )

    # then: the preview shows exactly that change, and the stored phone is still the old one
    [row] = _preview_rows(preview)
    assert row[:3] == ["2", "4601 Bergen", "endres"]
    assert "phone: 555 → 777" in row[3] and "name:" not in row[3]
    assert Contact.objects.get(municipality__number="4601").phone == "555"
    admin_client.post(CONTACT_URL, {"apply": "1"})

    contact = Contact.objects.get(municipality__number="4601")
    assert (contact.name, contact.phone) == ("Kari Nordmann", "777")


def test_a_contact_with_a_bad_address_or_role_is_refused(admin_client):
    page = admin_client.post(
        CONTACT_URL,
        {"file": _csv("municipality_number,name,role,email\n4601,Ola,boss,not-an-address\n", "c.csv")},
    ).content.decode()

    assert "linje 2, kolonne &#x27;email&#x27;" in page
    assert "linje 2, kolonne &#x27;role&#x27;" in page
    assert not Contact.objects.filter(municipality__number="4601").exists()
