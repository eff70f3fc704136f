"""Profile and contact uploads under Hypothesis: whatever a CSV or XLSX file holds (NUL bytes,
very long text, formulas, any Unicode, NaN, infinities, huge numbers), the admin answers with a
page, never a server error; a file with an error says where and changes nothing, and a file
without one is applied and reads back as it was written."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from municipalities.models import Contact, Municipality, MunicipalityProfile
from tests.workbooks import xlsx_bytes

PROFILE_URL = reverse("admin:municipalities_municipalityprofile_upload")
CONTACT_URL = reverse("admin:municipalities_contact_upload")
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "Kari\x00",
        "=1+1",
        '=HYPERLINK("http://example.com","x")',
        "@SUM(A1)",
        "+47 555",
        "-1",
        "NaN",
        "sNaN",
        "inf",
        "-Infinity",
        "1e999999",
        "9" * 5000,
        "K" * 201,
        "k" * 301 + "@bergen.example",
        "K",  # the Kelvin sign, which lower-cases to k
        "İ",
        "\u202e",
        "<script>",
        "x005F_",
        "a\r\nb",
    ]
)
WILD = st.one_of(NASTY, st.text(max_size=40), st.text(min_size=201, max_size=330))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=10**300, max_value=10**310).map(str),
)
TRUE_WORDS = {"1", "true", "yes", "ja", "j", "y", "x"}


def _rows(valid: dict[str, list[str]], wild):
    """Rows that are mostly valid, with a few columns anything at all, so that both outcomes
    (refused, applied) are drawn often."""

    @st.composite
    def row(draw):
        values = {column: draw(st.sampled_from(choices)) for column, choices in valid.items()}
        for column in draw(st.one_of(st.just(set()), st.sets(st.sampled_from(list(valid)), min_size=1, max_size=3))):
            values[column] = draw(wild)
        return values

    return st.lists(row(), min_size=1, max_size=3)


def _text(value) -> str:
    """A cell as the upload reads it: a whole float without its '.0'."""
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _file(rows: list[dict], kind: str) -> tuple[bytes, list[dict] | None]:
    """The file, and the rows as a reader of it sees them (what openpyxl reads of a workbook;
    None when openpyxl cannot read it back itself, as for a number cell holding NaN)."""
    header = list(rows[0])
    if kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([_text(row[column]) for column in header] for row in rows)
        return buffer.getvalue().encode("utf-8"), [{k: _text(v) for k, v in row.items()} for row in rows]
    cells = [
        [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in (row[c] for c in header)]
        for row in rows
    ]
    content = xlsx_bytes({"upload": [header, *cells]}, formulas=kind == "xlsx with formulas")
    try:
        seen = load_workbook(io.BytesIO(content), data_only=True).active
        read = [[_text(value) for value in cells] for cells in seen.iter_rows(values_only=True)]
    except ValueError:
        return content, None
    read = [values + [""] * (len(header) - len(values)) for values in read]
    return content, [dict(zip(header, values, strict=True)) for values in read[1 : len(rows) + 1]]


def _assert_refused_with_a_place(page) -> None:
    text = page.content.decode()
    note = text.split('class="errornote"', 1)[1].split("</div>", 1)[0]
    errors = [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", note, re.S)]
    assert errors and all(re.match(r"linje \d+", error) for error in errors), errors
    assert len(text) < 200_000


def _upload(client, url: str, name: str, content: bytes):
    """Preview, then apply; the page that ends it and whether it applied."""
    preview = client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert preview.status_code == 200
    if 'class="errornote"' in preview.content.decode():
        event("refused at the preview")
        return preview, False
    applied = client.post(url, {"apply": "1"})
    assert applied.status_code in (200, 302)
    event("applied" if applied.status_code == 302 else "refused when applied")
    return applied, applied.status_code == 302


CONTACT_VALID = {
    "municipality_number": ["4601", "5501", "0301"],
    "name": ["Kari Nordmann", "Ola"],
    "role": Contact.Role.values,
    "email": ["kari@bergen.example", "OLA@tromso.example", "post@oslo.example"],
    "phone": ["", "+47 555 55 555"],
    "active": ["", "ja", "nei"],
    "language": ["", "nb", "nn"],
}


@pytest.fixture
def admin_client(client, survey_admin):
    client.force_login(survey_admin)
    return client


def test_any_contact_file_is_refused_with_its_errors_or_applied_as_written(admin_client, rolled_back):
    bergen = Municipality.objects.current().get(number="4601")
    Contact.objects.create(municipality=bergen, name="Kari", role="chief_executive", email="kari@bergen.example")

    @EXAMPLES
    @given(rows=_rows(CONTACT_VALID, WILD), kind=st.sampled_from(["csv", "xlsx", "xlsx with formulas"]))
    def check(rows, kind):
        with rolled_back():
            # given
            before = list(Contact.objects.order_by("pk").values())
            content, seen = _file(rows, kind)

            # when
            page, applied = _upload(admin_client, CONTACT_URL, f"contacts.{kind[:4].strip()}", content)

            # then
            assert seen is not None or not applied, "a file openpyxl cannot read back was applied"
            if not applied:
                _assert_refused_with_a_place(page)
                assert list(Contact.objects.order_by("pk").values()) == before
                return
            for row in (dict((k, v.strip()) for k, v in row.items()) for row in seen):
                if not any(row.values()):
                    continue  # a blank line
                stored = Contact.objects.get(
                    municipality__number=row["municipality_number"], email__iexact=row["email"]
                )
                earlier = next((c for c in before if c["id"] == stored.pk), None)
                assert (stored.name, stored.role, stored.email) == (row["name"], row["role"], row["email"])
                assert stored.phone == (row["phone"] or (earlier["phone"] if earlier else ""))
                active = (row["active"].lower() in TRUE_WORDS) if row["active"] else None
                assert stored.is_active == (active if active is not None else (earlier or {}).get("is_active", True))
                assert stored.language == (row["language"] or (earlier or {}).get("language", "nb"))

    check()


PROFILE_VALID = {
    "municipality_number": ["4601", "5501"],
    "year": ["2025", "2026", "2027"],
    "population": ["", "1000", "293709"],
    "centrality_class": ["", "1", "6"],
    "immigrant_share_pct": ["", "12,5", "0", "100", "21.40"],
    "settles_refugees": ["", "ja", "nei", "x"],
    "partner_municipality": ["", "no", "true"],
}
PROFILE_FIELDS = {
    "population": "population",
    "centrality_class": "centrality_class",
    "immigrant_share_pct": "immigrant_share",
    "settles_refugees": "settles_refugees",
    "partner_municipality": "is_partner",
}


def _expected(column: str, text: str):
    if column in ("settles_refugees", "partner_municipality"):
        return text.lower() in TRUE_WORDS
    if column == "immigrant_share_pct":
        return Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
    return int(text)


def test_any_profile_file_is_refused_with_its_errors_or_applied_as_written(admin_client, rolled_back):
    @EXAMPLES
    @given(rows=_rows(PROFILE_VALID, st.one_of(WILD, NUMBERS)), kind=st.sampled_from(["csv", "xlsx"]))
    def check(rows, kind):
        with rolled_back():
            # given
            before = {(p["municipality_id"], p["year"]): p for p in MunicipalityProfile.objects.values()}
            content, seen = _file(rows, kind)

            # when
            page, applied = _upload(admin_client, PROFILE_URL, f"profiles.{kind}", content)

            # then
            assert seen is not None or not applied, "a file openpyxl cannot read back was applied"
            if not applied:
                _assert_refused_with_a_place(page)
                after = {(p["municipality_id"], p["year"]): p for p in MunicipalityProfile.objects.values()}
                assert after == before
                return
            for row in (dict((k, v.strip()) for k, v in row.items()) for row in seen):
                if not any(row.values()):
                    continue  # a blank line
                stored = MunicipalityProfile.objects.get(
                    municipality__number=row["municipality_number"], year=int(row["year"])
                )
                earlier = before.get((stored.municipality_id, stored.year), {})
                for column, field in PROFILE_FIELDS.items():
                    wanted = _expected(column, row[column]) if row[column] else earlier.get(field)
                    assert getattr(stored, field) == wanted, (column, row[column])

    check()
