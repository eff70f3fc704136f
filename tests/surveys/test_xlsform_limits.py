"""XLSForm import through the admin: a workbook too big, or XML the reader must not trust,
gets a clear message and imports nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import Question, Questionnaire
from tests.workbooks import sheet_xml, xlsx_bytes, xlsx_raw

FORM = [["type", "name", "label"], ["text", "head", "Name of the head"], ["integer", "staff", "Staff"]]


@pytest.fixture
def empty_questionnaire(db) -> Questionnaire:
    return Questionnaire.objects.create(title="Import", year=2031)


@pytest.fixture
def import_form(client, survey_admin, empty_questionnaire):
    """Posts a workbook to the admin's import page; gives the page and its listed errors."""
    client.force_login(survey_admin)
    url = reverse("admin:surveys_questionnaire_xlsform_import", args=[empty_questionnaire.pk])

    def post(content: bytes, name: str = "form.xlsx"):
        page = client.post(url, {"file": SimpleUploadedFile(name, content)})
        text = page.content.decode()
        errors = []
        if 'class="errornote"' in text:
            note = text.split('class="errornote"', 1)[1].split("</div>", 1)[0]
            errors = [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", note, re.S)]
        return page, errors

    return post


def _with_entity(doctype: str, reference: str) -> bytes:
    xml = sheet_xml([["type", "name", "label"], ["text", "head", "MARK"]], doctype=doctype)
    return xlsx_raw({"survey": xml.replace("MARK", reference)})


XXE = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">'
    + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefgh", "bcdefghi", strict=True))
    + "]>"
)


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [(XXE, "&secret;"), (LAUGHS, "&i;"), ('<!DOCTYPE worksheet SYSTEM "http://127.0.0.1:9/x.dtd">', "plain")],
    ids=["external entity", "billion laughs", "external dtd"],
)
def test_a_workbook_with_a_dtd_is_refused_with_a_message(import_form, empty_questionnaire, doctype, reference):
    # when
    page, errors = import_form(_with_entity(doctype, reference))

    # then: a clear refusal that says where, nothing expanded, nothing imported
    assert page.status_code == 200
    [error] = errors
    assert "DTD" in error and "xl/worksheets/sheet1.xml" in error
    assert "root:" not in page.content.decode() and "haha" not in page.content.decode()
    assert not empty_questionnaire.sections.exists()


@pytest.mark.parametrize("dimension", [None, "A1:B3"])
def test_a_workbook_whose_xml_is_broken_is_refused_with_where_it_broke(import_form, empty_questionnaire, dimension):
    # given: the third row's XML is not well-formed (openpyxl reads a sheet without a dimension
    # to its end when it opens the workbook, one with a dimension only as its rows are read)
    xml = sheet_xml([["type", "name"], ["text", "head"]], dimension=dimension)
    xml = xml.replace("</sheetData>", "<row><c><v>1</c></row></sheetData>")

    # when
    page, errors = import_form(xlsx_raw({"survey": xml}))

    # then
    assert page.status_code == 200 and len(errors) == 1
    assert "lesbar" in errors[0] or "kan ikke leses" in errors[0]
    assert "mismatched tag" in errors[0]
    if dimension:
        assert errors[0].startswith("survey, rad 3")
    assert not empty_questionnaire.sections.exists()


def test_a_form_of_10000_rows_is_refused_before_anything_is_planned(
    import_form, empty_questionnaire, django_assert_max_num_queries, settings
):
    # given
    rows = [["type", "name", "label"]] + [["text", f"q{n}", f"Question {n}"] for n in range(10_000)]

    # when
    with django_assert_max_num_queries(12):
        page, errors = import_form(xlsx_raw({"survey": sheet_xml(rows)}))

    # then
    assert page.status_code == 200
    [error] = errors
    assert error.startswith("survey") and str(settings.UPLOAD_MAX_XLSFORM_ROWS) in error.replace("\xa0", "")
    assert not empty_questionnaire.sections.exists() and not Question.objects.filter(code="q1").exists()


def test_an_xlsform_larger_than_the_cap_is_refused(import_form, empty_questionnaire, settings):
    settings.UPLOAD_MAX_BYTES = 1_000

    page, _errors = import_form(xlsx_bytes({"survey": FORM}))

    assert page.status_code == 200 and "1000\xa0byte" in page.content.decode()
    assert not empty_questionnaire.sections.exists()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("label", "x" * 200_000),
        ("x_max_choices", "many"),
        ("x_max_choices", "²"),
        ("x_min", "low"),
    ],
)
def test_a_cell_the_bank_cannot_hold_is_an_error_on_its_row(import_form, empty_questionnaire, column, value):
    header = ["type", "name", "label", column] if column != "label" else ["type", "name", "label"]
    row = ["select_multiple areas" if column == "x_max_choices" else "integer", "q_one", "One"]
    if column == "label":
        row = ["begin group", "part", value]
    else:
        row.append(value)
    choices = [["list_name", "name", "label"], ["areas", "housing", "Housing"]]

    page, errors = import_form(xlsx_bytes({"survey": [header, row], "choices": choices}))

    assert page.status_code == 200
    assert errors and errors[0].startswith("survey"), errors
    assert "2" in errors[0]
    assert not empty_questionnaire.sections.exists() and not Question.objects.filter(code="q_one").exists()
