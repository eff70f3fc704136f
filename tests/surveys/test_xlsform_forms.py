"""XLSForms written elsewhere (tests/surveys/xlsforms/, see its README): each comes in whole or
says exactly why not, and what we export from it is a valid XLSForm for pyxform's xls2xform.
Then one test or more for each numbered problem of issue 15."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from surveys.conditions import condition_parse
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Item, Question, Questionnaire, Section
from surveys.services.questionnaires import questionnaire_problems
from surveys.xlsform import XLSFormImportError, questionnaire_export_xlsform, questionnaire_import_xlsform
from tests.workbooks import xlsx_bytes

FORMS = Path(__file__).parent / "xlsforms"
# The forms nothing of which the platform can hold, or that break its limits: refused, with rows.
REFUSED = {
    "pyxform-tutorial.xls": "survey, rad 2 (member)",  # the whole form is one repeat
    "pyxform-default_time_demo.xls": "survey, rad 2, kolonne type (start_time)",  # its only question is a time
    "no-for-lange-tekster.xlsx": "choices, rad 3, kolonne label (a)",  # a choice label of 350 characters
    # calculations, and labels that show their results
    "pyxform-xml_escaping.xls": "survey, rad 4, kolonne label (table_list_3)",
}


def _forms() -> list[str]:
    return sorted(path.name for path in FORMS.iterdir() if path.suffix in (".xlsx", ".xls"))


def _xform(content: bytes) -> str:
    """pyxform's XForm of an exported workbook; raises on an invalid XLSForm."""
    return convert(xlsform=content, file_type=".xlsx").xform


def _import(name: str, year: int = 2040) -> tuple[Questionnaire, object]:
    questionnaire = Questionnaire.objects.create(title=name, year=year)
    report = questionnaire_import_xlsform(content=(FORMS / name).read_bytes(), questionnaire=questionnaire)
    return questionnaire, report


def _items(questionnaire: Questionnaire) -> dict[str, Item]:
    return {item.question.code: item for item in questionnaire.items.select_related("question")}


def _post(client, questionnaire: Questionnaire, name: str, content: bytes):
    url = reverse("admin:surveys_questionnaire_xlsform_import", args=[questionnaire.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_the_folder_has_at_least_twelve_forms_written_elsewhere_each_in_the_readme():
    readme = (FORMS / "README.md").read_text()
    assert len([name for name in _forms() if name.startswith("pyxform-")]) >= 12
    assert all(name in readme for name in _forms())


@pytest.mark.parametrize("name", _forms())
def test_each_form_comes_in_whole_or_says_where_it_cannot(client, survey_admin, name):
    # given
    client.force_login(survey_admin)
    questionnaire = Questionnaire.objects.create(title=name, year=2040)
    content = (FORMS / name).read_bytes()

    # when: uploaded through the admin page, as an admin does
    page = _post(client, questionnaire, name, content)

    # then: a page, never a server error
    assert page.status_code == 200
    text = page.content.decode()
    if name in REFUSED:
        assert 'class="errornote"' in text and REFUSED[name] in text
        assert re.search(r"<li>(survey|choices), rad \d+", text), "each error names its sheet and row"
        assert not questionnaire.sections.exists()
        return
    assert 'class="errornote"' not in text, text
    assert "Importerte" in text
    # every question has its wording, never its variable name where the form had a label
    items = _items(questionnaire)
    assert items
    for code, item in items.items():
        assert item.question.text_nb.strip()
        assert item.question.text_nb != code or not item.question.text_nn
    assert questionnaire_problems(questionnaire) == []
    # every row left out or changed is listed with its row
    for line in re.findall(r"<li>(.*?)</li>", text.split("<h2>", 1)[1] if "<h2>" in text else "", re.S):
        assert re.match(r"(survey|choices)(, rad \d+|:)", line), line
    # and the export is an XLSForm pyxform converts
    assert "<h:html" in _xform(questionnaire_export_xlsform(questionnaire=questionnaire))


def test_the_demo_questionnaire_exports_a_valid_xlsform_with_its_profile_variable_as_a_calculation(db):
    questionnaire = demo_questionnaire_create(year=2026)

    content = questionnaire_export_xlsform(questionnaire=questionnaire)

    xform = _xform(content)
    assert "settles_refugees" in xform
    rows = list(load_workbook(io.BytesIO(content))["survey"].iter_rows(values_only=True))
    header = rows[0]
    stand_in = next(row for row in rows if row[header.index("name")] == "settles_refugees")
    assert stand_in[header.index("type")] == "calculate" and stand_in[header.index("x_profile")] == "yes"


def test_a_condition_on_a_question_not_in_the_form_is_exported_valid_and_imported_back(small_questionnaire):
    # given: an item whose condition names a question of the bank that this questionnaire lacks
    item = small_questionnaire.items.order_by("pk").last()
    Item.objects.filter(pk=item.pk).update(condition="${elsewhere} = 'a'")

    # when
    content = questionnaire_export_xlsform(questionnaire=small_questionnaire)

    # then: a calculate row stands in for it, and our import skips that row again
    _xform(content)
    copy = Questionnaire.objects.create(title="Kopi", year=2041)
    report = questionnaire_import_xlsform(content=content, questionnaire=copy)
    assert not any(note.name == "elsewhere" and "calculation" in note.reason for note in report.skipped)
    assert any(note.name == item.question.code and "condition left out" in note.reason for note in report.skipped)


# 1. Loose questions, repeated and colliding names, long texts -------------------------------


def test_questions_before_and_after_the_groups_become_sections_of_their_own(db):
    questionnaire, report = _import("no-samtykke-og-takk.xlsx")

    sections = list(questionnaire.sections.order_by("position").values_list("code", flat=True))
    assert sections == ["part_1", "bosetting", "part_2"]
    assert [i.question.code for i in Section.objects.get(questionnaire=questionnaire, code="part_2").items.all()] == [
        "takk",
        "kommentar",
    ]
    assert Section.objects.get(questionnaire=questionnaire, code="bosetting").condition == "${samtykke} = 'ja'"


def test_a_name_twice_in_a_list_and_names_equal_once_renamed_are_renamed_and_reported(db):
    questionnaire, report = _import("no-samtykke-og-takk.xlsx")

    items = _items(questionnaire)
    assert list(items["kommune"].question.options.values_list("code", flat=True)) == ["nes", "nes_2"]
    assert list(items["omraader"].question.options.values_list("code", flat=True)) == ["arbeid_liv_2", "arbeid_liv"]
    notes = {(note.sheet, note.row, note.column): note.reason for note in report.notes}
    assert "nes_2" in notes[("choices", 7, "name")]
    assert "arbeid_liv_2" in notes[("choices", 8, "name")]
    assert ("choices", 9, "name") not in notes, "a name that is a code already keeps it"


def test_texts_longer_than_the_bank_holds_are_errors_with_sheet_row_and_column(db):
    with pytest.raises(XLSFormImportError) as error:
        _import("no-for-lange-tekster.xlsx")

    places = {(note.sheet, note.row, note.column) for note in error.value.errors}
    assert places == {("survey", 2, "label"), ("choices", 3, "label")}
    assert not Question.objects.filter(code="spm1").exists()


# 2. Languages ------------------------------------------------------------------------------


def test_language_names_in_norwegian_are_mapped_for_questions_and_choices(db):
    questionnaire, report = _import("no-sprak-norsk-nynorsk-engelsk.xlsx")

    plan = _items(questionnaire)["plan"].question
    assert (plan.text_nb, plan.text_nn, plan.text_en) == (
        "Har kommunen en plan?",
        "Har kommunen ein plan?",
        "Is there a plan?",
    )
    assert plan.help_nb == "Velg ett"
    assert plan.type == Question.Type.SINGLE_CHOICE
    assert [(o.label_nb, o.label_nn, o.label_en) for o in plan.options.all()] == [
        ("Ja", "Ja", "Yes"),
        ("Nei", "Nei", "No"),
    ]
    section = questionnaire.sections.get()
    assert (section.title_nb, section.title_nn, section.title_en) == (
        "Om kommunen",
        "Om kommunen",
        "About the municipality",
    )
    swedish = [note for note in report.notes if "Svenska" in note.reason]
    assert len(swedish) == 1 and swedish[0].row == 1


def test_language_names_in_english_and_a_header_with_one_colon_are_read(db):
    questionnaire, report = _import("no-sprak-norwegian-english.xlsx")

    question = _items(questionnaire)["fornoyd"].question
    assert (question.text_nb, question.text_en, question.help_nb, question.help_en) == (
        "Hvor fornøyd?",
        "How satisfied?",
        "Velg ett svar",
        "Choose one",
    )
    assert [(o.label_nb, o.label_en) for o in question.options.all()] == [("Lite", "Little"), ("Mye", "Much")]
    assert report.notes == []


def test_a_form_in_one_other_language_keeps_its_texts_as_bokmal_and_says_so(db):
    questionnaire, report = _import("fr-une-langue.xlsx")

    items = _items(questionnaire)
    assert items["taille"].question.text_nb == "Combien de personnes?"
    assert [o.label_nb for o in items["eau"].question.options.all()] == ["Oui", "Non"]
    assert questionnaire.sections.get().title_nb == "Le ménage"
    [note] = [note for note in report.notes if "Français" in note.reason]
    assert "Bokmål" in note.reason


# 3. Logic ----------------------------------------------------------------------------------


def test_a_nested_groups_condition_is_combined_with_its_questions_conditions(db):
    questionnaire, report = _import("no-logikk.xlsx")

    items = _items(questionnaire)
    group = "not(selected(${hvilke}, 'ingen'))"
    assert condition_parse(items["nytte"].condition) == condition_parse(group)
    assert condition_parse(items["timer"].condition) == condition_parse(f"{group} and ${{nytte}} = 'stor'")
    assert items["bosatte"].condition == ""
    assert questionnaire_problems(questionnaire) == []


def test_a_range_with_an_extra_value_is_kept_and_the_extra_value_reported(db):
    questionnaire, report = _import("no-logikk.xlsx")

    bosatte = _items(questionnaire)["bosatte"].question
    assert (bosatte.min_value, bosatte.max_value) == (0, 500)
    [note] = [n for n in report.notes if n.row == 8 and n.column == "constraint"]
    assert "999" in note.reason


def test_every_constraint_required_message_default_and_appearance_not_kept_is_reported_on_its_row(db):
    questionnaire, report = _import("no-logikk.xlsx")

    places = {(note.row, note.column) for note in report.notes}
    assert {
        (3, "required"),
        (3, "appearance"),
        (8, "constraint_message"),
        (9, "constraint"),
        (10, "constraint"),
        (10, "constraint_message"),
        (11, "constraint"),
        (11, "default"),
    } <= places
    alder = _items(questionnaire)["alder"].question
    assert (alder.min_value, alder.max_value) == (18, 66), "strict bounds on whole numbers are a range"
    assert (12, "constraint") not in places


# 4. Capitalised headers ---------------------------------------------------------------------


def test_capitalised_headers_are_read(db):
    questionnaire, report = _import("no-store-overskrifter.xlsx")

    items = _items(questionnaire)
    assert set(items) == {"svar", "hvorfor"}
    assert items["hvorfor"].condition == "${svar} = 'ja'"
    assert items["svar"].question.help_nb == "Velg"


def test_a_form_of_which_nothing_can_be_held_is_refused_with_the_reasons(db):
    content = xlsx_bytes({"survey": [["type", "name", "label"], ["date", "when", "When?"]]})

    with pytest.raises(XLSFormImportError) as error:
        questionnaire_import_xlsform(content=content, questionnaire=Questionnaire.objects.create(title="x", year=2042))

    assert [(note.row, note.column) for note in error.value.errors] == [(0, ""), (2, "type")]


# 5. Numeric codes ---------------------------------------------------------------------------


def test_numeric_codes_are_kept_and_conditions_on_them_keep_working(db):
    questionnaire, report = _import("no-numeriske-koder.xlsx")

    items = _items(questionnaire)
    assert list(items["bosatt"].question.options.values_list("code", flat=True)) == ["1", "2", "9"]
    assert list(items["tiltak"].question.options.values_list("code", flat=True)) == ["1", "2", "99"]
    assert items["antall"].condition == "${bosatt} = '1'"
    assert items["tiltak"].condition == "${bosatt} = '1'"
    assert items["annet"].condition == "selected(${tiltak}, '99')"
    assert items["hvorfor_ikke"].condition == "${bosatt} = '2'"
    assert report.skipped == [] and questionnaire_problems(questionnaire) == []
    _xform(questionnaire_export_xlsform(questionnaire=questionnaire))


# 6. Answers in texts ------------------------------------------------------------------------


def test_a_text_that_shows_an_answer_leaves_its_row_out_with_the_reason(db):
    questionnaire, report = _import("no-svar-i-tekst.xlsx")

    assert set(_items(questionnaire)) == {"navn"}
    skipped = {(note.row, note.column): note.reason for note in report.skipped}
    assert set(skipped) == {(4, "label"), (5, "label")}
    assert "${navn}" in skipped[(4, "label")]


# 7. Formats, the result page ----------------------------------------------------------------


def test_an_xls_workbook_is_read(client, survey_admin):
    client.force_login(survey_admin)
    questionnaire = Questionnaire.objects.create(title="xls", year=2043)

    page = _post(client, questionnaire, "form.xls", (FORMS / "pyxform-yes_or_no_question.xls").read_bytes())

    assert page.status_code == 200 and questionnaire.items.count() == 1


def test_older_type_names_are_read(db):
    questionnaire, report = _import("no-gamle-typenavn.xlsx")

    types = {code: item.question.type for code, item in _items(questionnaire).items()}
    assert types == {
        "type_kommune": Question.Type.SINGLE_CHOICE,
        "typer": Question.Type.MULTIPLE_CHOICE,
        "navn": Question.Type.SHORT_TEXT,
        "innbyggere": Question.Type.INTEGER,
    }
    assert report.skipped == [] and report.notes == []


def test_a_sheet_formatted_to_its_last_row_is_read_to_its_data(db, django_assert_max_num_queries):
    # pyxform's UCL form: survey and choices sheets claim (and hold) 1,048,576 rows
    with django_assert_max_num_queries(400):
        questionnaire, report = _import("pyxform-UCL_Biomass_Plot_Form.xlsx")

    assert questionnaire.items.exists()
    assert max(note.row for note in report.skipped) <= 91


def test_the_result_page_is_norwegian_and_names_a_language_once(client, survey_admin):
    client.force_login(survey_admin)
    questionnaire = Questionnaire.objects.create(title="sv", year=2044)

    page = _post(client, questionnaire, "form.xlsx", (FORMS / "no-sprak-norsk-nynorsk-engelsk.xlsx").read_bytes())

    lines = re.findall(r"<li>(.*?)</li>", page.content.decode(), re.S)
    [swedish] = [line for line in lines if "Svenska" in line]
    assert swedish.startswith("survey, rad 1, kolonne label::Svenska")


def test_an_error_pyxform_finds_names_the_row_of_the_workbook_past_empty_rows(db):
    # given: two empty rows above a select whose list is missing
    survey = [["type", "name", "label"], [None, None, None], [None, None, None], ["select_one nowhere", "q", "Q"]]
    choices = [["list_name", "name", "label"], ["other", "a", "A"]]

    with pytest.raises(XLSFormImportError) as error:
        questionnaire_import_xlsform(
            content=xlsx_bytes({"survey": survey, "choices": choices}),
            questionnaire=Questionnaire.objects.create(title="x", year=2046),
        )

    [note] = error.value.errors
    assert (note.sheet, note.row) == ("survey", 4) and "nowhere" in note.reason
