"""Profile and contact uploads from the admin: preview, then apply; a bad row changes nothing."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from municipalities.models import Contact, MunicipalityProfile
from tests.workbooks import sheet_xml, xlsx_raw

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


def _error_items(page) -> list[str]:
    """The listed errors of an upload page, tags stripped and entities left as they are."""
    if 'class="errornote"' not in page.content.decode():
        return []
    note = page.content.decode().split('class="errornote"', 1)[1].split("</div>", 1)[0]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", note, re.S)]


@pytest.mark.parametrize("share", ["NaN", "nan", "sNaN", "inf", "-Infinity", "1e999999"])
def test_a_share_that_is_not_a_finite_number_is_a_row_error(admin_client, share):
    # given
    upload = _csv(f"municipality_number,year,immigrant_share_pct\n4601,2025,{share}\n")

    # when
    page = admin_client.post(PROFILE_URL, {"file": upload})

    # then: the row is refused with its place, and nothing can be applied
    assert page.status_code == 200
    [error] = _error_items(page)
    assert error.startswith("linje 2, kolonne &#x27;immigrant_share_pct&#x27;")
    assert admin_client.post(PROFILE_URL, {"apply": "1"}).status_code == 302
    assert MunicipalityProfile.objects.get(municipality__number="4601", year=2025).immigrant_share is None


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("name", "K" * 201, "200"),
        ("email", "k" * 301 + "@bergen.no", "254"),
        ("name", "Kari\x00Nordmann", "Null"),
        ("phone", "5" * 41, "40"),
    ],
)
def test_a_contact_the_database_could_not_store_is_refused_at_the_preview(admin_client, column, value, says):
    # given: a value longer than its column, or with a NUL byte, which PostgreSQL refuses
    row = {"municipality_number": "4601", "name": "Kari", "role": "chief_executive", "email": "kari@bergen.no"}
    row[column] = value
    upload = _csv(",".join(row) + "\n" + ",".join(row.values()) + "\n", "c.csv")

    # when
    page = admin_client.post(CONTACT_URL, {"file": upload})

    # then: the preview names the row and column, and there is nothing to apply
    assert page.status_code == 200
    errors = _error_items(page)
    assert errors and errors[0].startswith("linje 2"), errors
    assert f"&#x27;{column}&#x27;" in errors[0] and says in errors[0]
    assert 'name="apply"' not in page.content.decode()
    admin_client.post(CONTACT_URL, {"apply": "1"})
    assert not Contact.objects.filter(municipality__number="4601").exists()


def test_a_small_workbook_that_unpacks_to_200000_rows_is_refused_before_it_is_read(
    admin_client, django_assert_max_num_queries
):
    # given: 160 KB that unpack to 42 MB, 200,000 identical rows
    rows = [["municipality_number", "name", "role", "email"]] + [["4601", "Kari", "boss", "kari"]] * 200_000
    content = xlsx_raw({"contacts": sheet_xml(rows)})
    assert len(content) < 200_000

    # when
    with django_assert_max_num_queries(12):
        page = admin_client.post(CONTACT_URL, {"file": SimpleUploadedFile("c.xlsx", content)})

    # then: one error that says why, a short page, nothing written
    assert page.status_code == 200
    [error] = _error_items(page)
    assert "10,0\xa0MB" in error
    assert len(page.content) < 50_000
    assert not Contact.objects.filter(municipality__number="4601").exists()


def test_the_caps_come_from_the_settings(admin_client, settings):
    content = "municipality_number,year,population\n" + "".join(f"4601,{year},100\n" for year in range(2001, 2005))

    settings.UPLOAD_MAX_ROWS = 3
    too_many = admin_client.post(PROFILE_URL, {"file": _csv(content)})
    settings.UPLOAD_MAX_ROWS = 4
    settings.UPLOAD_MAX_BYTES = 40
    too_big = admin_client.post(PROFILE_URL, {"file": _csv(content)})
    settings.UPLOAD_MAX_BYTES = 10_000
    settings.UPLOAD_MAX_EXPANDED_BYTES = 1_000
    unpacks = admin_client.post(PROFILE_URL, {"file": _xlsx([["municipality_number", "year"], ["4601", 2025]])})

    assert "3" in _error_items(too_many)[0] and "linje 5" in _error_items(too_many)[0]
    assert "40\xa0byte" in too_big.content.decode()
    assert "1000\xa0byte" in _error_items(unpacks)[0]
    assert not MunicipalityProfile.objects.filter(year__in=range(2001, 2005)).exists()


def test_the_first_50_errors_are_listed_then_how_many_more(admin_client):
    upload = _csv("municipality_number,year,population\n" + "".join(f"4601,{2030 + n},many\n" for n in range(60)))

    page = admin_client.post(PROFILE_URL, {"file": upload})

    errors = _error_items(page)
    assert len(errors) == 50 and errors[0].startswith("linje 2") and errors[-1].startswith("linje 51")
    assert "har 60 feil" in page.content.decode() and "Og 10 feil til." in page.content.decode()


def test_a_sheet_that_claims_a_million_rows_is_read_by_its_real_rows(admin_client):
    content = xlsx_raw(
        {
            "profiles": sheet_xml(
                [["municipality_number", "year", "population"], ["4601", "2027", "300000"]],
                dimension="A1:XFD1048576",
            )
        }
    )

    preview = admin_client.post(PROFILE_URL, {"file": SimpleUploadedFile("p.xlsx", content)})
    admin_client.post(PROFILE_URL, {"apply": "1"})

    assert [row[:3] for row in _preview_rows(preview)] == [["2", "4601 Bergen (2027)", "ny"]]
    assert MunicipalityProfile.objects.get(municipality__number="4601", year=2027).population == 300000


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("c.csv", b'municipality_number,name\n4601,"' + b"x" * 200_000 + b'"\n', "linje 2"),
        ("c.csv", b"\xff\xfe", "UTF-8"),
        ("c.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("c.xlsx", b"", "tom"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(admin_client, name, content, says):
    page = admin_client.post(CONTACT_URL, {"file": SimpleUploadedFile(name, content)})

    assert page.status_code == 200
    assert says in " ".join(_error_items(page)) or says in page.content.decode()
