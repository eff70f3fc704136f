"""XLSForm: a lossless round trip of our own questionnaires, and a form written by another tool."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Question, Questionnaire, QuestionOption, Scale, ScalePoint, Section
from surveys.services.questionnaires import questionnaire_problems
from surveys.services.rounds import survey_open
from surveys.xlsform import XLSFormImportError, questionnaire_export_xlsform, questionnaire_import_xlsform
from tests.support import FORMULA_PAYLOADS, assert_payloads_are_text


def _cells(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _structure(questionnaire: Questionnaire) -> list:
    return [
        (
            s.code,
            s.role,
            s.title_nb,
            s.title_nn,
            s.title_en,
            s.condition,
            [(i.position, i.question_id, i.condition) for i in s.items.order_by("position")],
        )
        for s in questionnaire.sections.order_by("position")
    ]


@pytest.mark.parametrize("source", ["demo", "fixture"])
def test_export_then_import_then_export_is_lossless(db, small_questionnaire, source):
    original = demo_questionnaire_create(year=2026) if source == "demo" else small_questionnaire
    first = questionnaire_export_xlsform(questionnaire=original)
    copy = Questionnaire.objects.create(title=original.title, year=original.year)

    report = questionnaire_import_xlsform(content=first, questionnaire=copy)

    assert report.skipped == [] and report.created_questions == []
    assert _structure(copy) == _structure(original)
    assert _cells(questionnaire_export_xlsform(questionnaire=copy)) == _cells(first)
    assert questionnaire_problems(copy) == []


def _labels(obj, field: str = "label") -> tuple:
    return tuple(getattr(obj, f"{field}_{language}") for language in ("nb", "nn", "en"))


def _question_snapshot(question: Question) -> dict:
    scale = question.scale
    return {
        "code": question.code,
        "series": question.series,
        "classification": question.classification,
        "theme": question.theme,
        "type": question.type,
        "texts": _labels(question, "text"),
        "help": _labels(question, "help"),
        "options": [(o.code, _labels(o), o.is_exclusive) for o in question.options.order_by("position", "pk")],
        "matrix items": [(m.code, _labels(m)) for m in question.matrix_items.order_by("position", "pk")],
        "scale": None
        if scale is None
        else (scale.code, scale.name, [(p.value, p.code, _labels(p)) for p in scale.points.order_by("value")]),
        "max_choices": question.max_choices,
        "min": question.min_value,
        "max": question.max_value,
        "has_comment": question.has_comment,
        "offers_not_relevant": question.offers_not_relevant,
        "offers_dont_know": question.offers_dont_know,
    }


def _snapshot(questionnaire: Questionnaire) -> list[dict]:
    """Everything a questionnaire holds, by code, without database ids."""
    return [
        {
            "code": section.code,
            "role": section.role,
            "titles": _labels(section, "title"),
            "condition": section.condition,
            "items": [
                (_question_snapshot(item.question), item.condition)
                for item in section.items.select_related("question__scale").order_by("position")
            ],
        }
        for section in questionnaire.sections.order_by("position")
    ]


@pytest.mark.parametrize("source", ["demo", "fixture"])
def test_a_questionnaire_comes_back_field_for_field_into_an_empty_bank(db, small_questionnaire, source):
    # given: a questionnaire, exported, and then a fresh database state without it,
    # its questions or its scales
    original = demo_questionnaire_create(year=2026) if source == "demo" else small_questionnaire
    if source == "fixture":  # help texts, every language, a comment box; scale values need not start at 1
        Question.objects.filter(code="Q1").update(
            text_nn="Spørsmål Q1 (nn)",
            text_en="Question Q1",
            help_nb="Hjelp\nover to linjer",
            help_nn="Hjelp (nn)",
            help_en="Help",
            theme="Plan",
            has_comment=True,
        )
        QuestionOption.objects.filter(question__code="Q2").update(label_nn="Val", label_en="Choice")
        Question.objects.filter(code__in=["Q3", "Q4"]).update(offers_dont_know=True)
        QuestionOption.objects.filter(question__code="Q2", code="money").update(is_exclusive=True)
        Section.objects.filter(questionnaire=original).update(title_nn="Tittel", title_en="Title")
        ScalePoint.objects.filter(scale__code="quality4").update(value=F("value") + 10, label_en="Point")
    before = _snapshot(original)
    content = questionnaire_export_xlsform(questionnaire=original)
    Questionnaire.objects.all().delete()
    Question.objects.all().delete()
    Scale.objects.all().delete()

    # when
    draft = Questionnaire.objects.create(title="Importert", year=2027)
    report = questionnaire_import_xlsform(content=content, questionnaire=draft)

    # then: every question, option, matrix item, scale, condition and section is as it was
    assert report.skipped == [] and report.notes == [] and report.reused_questions == []
    assert sorted(report.created_questions) == sorted(q["code"] for s in before for q, _c in s["items"])
    after = _snapshot(draft)
    for section_before, section_after in zip(before, after, strict=True):
        for (question_before, condition_before), (question_after, condition_after) in zip(
            section_before.pop("items"), section_after.pop("items"), strict=True
        ):
            assert question_after == question_before
            assert condition_after == condition_before, question_before["code"]
        assert section_after == section_before
    assert questionnaire_problems(draft) == []


def test_the_export_has_the_xlsform_sheets_and_columns(small_questionnaire):
    cells = _cells(questionnaire_export_xlsform(questionnaire=small_questionnaire))

    header = cells["survey"][0]
    assert {"type", "name", "label::Norsk bokmål (nb)", "label::Norsk nynorsk (nn)", "relevant", "constraint"} <= set(
        header
    )
    rows = {row[header.index("name")]: row for row in cells["survey"][1:]}
    assert rows["Q2"][header.index("type")] == "select_multiple Q2"
    assert rows["Q2"][header.index("constraint")] == "count-selected(.) <= 2"
    assert rows["C1"][header.index("constraint")] == ". >= 0 and . <= 100"
    assert rows["R1"][header.index("relevant")] == "${Q1} = 'yes'"
    assert rows["Q3_advice"][header.index("type")] == "select_one quality4_nr"
    assert cells["settings"][1][3] == "Norsk bokmål (nb)"


def _foreign_form() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    rows = [
        [
            "type",
            "name",
            "label",
            "label::English (en)",
            "required",
            "relevant",
            "constraint",
            "appearance",
            "calculation",
        ],
        ["start", "start", None, None, None, None, None, None],
        ["end", "end", None, None, None, None, None, None],
        ["begin_group", "household-info", "Om kommunen", "About the municipality", None, None, None, None],
        [
            "select_one yes_no or_other",
            "has-plan",
            "Har kommunen en plan?",
            "Does it have a plan?",
            "yes",
            None,
            None,
            None,
        ],
        [
            "integer",
            "staff_count",
            "Antall ansatte",
            "Staff",
            "yes",
            "${has-plan} = 'yes'",
            ". >= 0 and . <= 500",
            None,
        ],
        ["calculate", "double", None, None, None, None, None, None, "${staff_count} * 2"],
        ["geopoint", "where", "Hvor?", "Where?", None, None, None, None],
        ["date", "when", "Når?", "When?", None, None, None, None],
        [
            "text",
            "name_of_head",
            "Navn på leder",
            "Name of head",
            None,
            "string-length(${staff_count}) > 3",
            None,
            None,
        ],
        ["end_group", "household-info", None, None, None, None, None, None],
        ["begin repeat", "members", "Ansatte", "Members", None, None, None, None],
        ["text", "member_name", "Navn", "Name", None, None, None, None],
        ["integer", "member_age", "Alder", "Age", None, None, None, None],
        ["end repeat", "members", None, None, None, None, None, None],
        ["select_multiple areas", "areas", "Områder", "Areas", None, None, None, None],
        ["text", "advice", "Råd", "Advice", None, None, None, "multiline"],
    ]
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [
        ["list_name", "name", "label", "label::English (en)"],
        ["yes_no", "yes", "Ja", "Yes"],
        ["yes_no", "no", "Nei", "No"],
        ["areas", "housing", "Bolig", "Housing"],
        ["areas", "work-life", "Arbeid", "Work"],
    ]:
        choices.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_form_written_by_another_tool_imports_the_supported_subset_and_reports_the_rest(db):
    questionnaire = Questionnaire.objects.create(title="Fra Kobo", year=2027)

    report = questionnaire_import_xlsform(content=_foreign_form(), questionnaire=questionnaire)

    items = {i.question.code: i for i in questionnaire.items.select_related("question")}
    assert set(items) == {"has_plan", "staff_count", "name_of_head", "areas", "advice"}
    assert items["has_plan"].question.type == "yes_no" and items["advice"].question.type == "long_text"
    assert items["staff_count"].condition == "${has_plan} = 'yes'"
    assert (items["staff_count"].question.min_value, items["staff_count"].question.max_value) == (0, 500)
    assert items["name_of_head"].condition == "", "string-length() is not in our language"
    assert list(items["areas"].question.options.values_list("code", flat=True)) == ["housing", "work_life"]
    assert items["has_plan"].question.text_en == "Does it have a plan?"
    skipped = {(note.row, note.name): note.reason for note in report.skipped}
    assert set(skipped) == {
        (2, "start"),
        (3, "end"),
        (7, "double"),
        (8, "where"),
        (9, "when"),
        (10, "name_of_head"),
        (12, "members"),
        (13, "member_name"),
        (14, "member_age"),
    }
    assert "calculations" in skipped[(7, "double")] and "repeat" in skipped[(13, "member_name")]
    notes = " ".join(str(note) for note in report.notes)
    assert "required" in notes and "or_other" not in notes.lower() or "other" in notes
    assert "renamed to has_plan" in notes


def test_import_refuses_a_frozen_or_non_empty_questionnaire(draft_round, small_questionnaire):
    content = questionnaire_export_xlsform(questionnaire=small_questionnaire)
    with pytest.raises(ValidationError, match="empty"):
        questionnaire_import_xlsform(content=content, questionnaire=small_questionnaire)

    survey_open(survey=draft_round)
    with pytest.raises(ValidationError, match="frozen"):
        questionnaire_import_xlsform(content=content, questionnaire=small_questionnaire)


def test_a_clash_with_a_different_question_in_the_bank_imports_nothing(small_questionnaire):
    content = questionnaire_export_xlsform(questionnaire=small_questionnaire)
    Question.objects.filter(code="Q1").update(text_nb="Endret ordlyd")
    copy = Questionnaire.objects.create(title="Kopi", year=2030)

    with pytest.raises(XLSFormImportError) as error:
        questionnaire_import_xlsform(content=content, questionnaire=copy)

    names = [row[1] for row in _cells(content)["survey"]]
    assert any(note.name == "Q1" and note.row == names.index("Q1") + 1 for note in error.value.errors)
    assert not copy.sections.exists() and not Question.objects.filter(code="Q1_v2").exists()


def test_a_broken_workbook_gives_a_clear_error(db):
    questionnaire = Questionnaire.objects.create(title="x", year=2031)
    with pytest.raises(XLSFormImportError, match="readable"):
        questionnaire_import_xlsform(content=b"not a workbook", questionnaire=questionnaire)
    book = Workbook()
    book.active.title = "choices"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(XLSFormImportError, match="survey sheet"):
        questionnaire_import_xlsform(content=buffer.getvalue(), questionnaire=questionnaire)


def test_the_admin_exports_and_imports_xlsform(client, survey_admin, small_questionnaire):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(survey_admin)
    exported = client.get(reverse("admin:surveys_questionnaire_xlsform", args=[small_questionnaire.pk]))
    copy = Questionnaire.objects.create(title="Kopi", year=2032)

    page = client.post(
        reverse("admin:surveys_questionnaire_xlsform_import", args=[copy.pk]),
        {"file": SimpleUploadedFile("form.xlsx", exported.content)},
    )

    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    assert page.status_code == 200 and copy.items.count() == small_questionnaire.items.count()


def test_wordings_that_look_like_formulas_are_exported_as_text_and_read_back(client, survey_admin, small_questionnaire):
    # given a question and two options whose wordings start like formulas
    Question.objects.filter(code="Q1").update(
        text_nb=FORMULA_PAYLOADS[0], text_nn=FORMULA_PAYLOADS[1], text_en=FORMULA_PAYLOADS[2]
    )
    QuestionOption.objects.filter(question__code="Q2", code="housing").update(label_nb=FORMULA_PAYLOADS[3])
    QuestionOption.objects.filter(question__code="Q2", code="jobs").update(label_nb=FORMULA_PAYLOADS[4])
    client.force_login(survey_admin)

    # when the questionnaire is exported as XLSForm
    exported = client.get(reverse("admin:surveys_questionnaire_xlsform", args=[small_questionnaire.pk])).content

    # then the wordings are text cells, and an import finds them equal to the bank's (it reuses the questions)
    assert_payloads_are_text(xlsx=exported)
    copy = Questionnaire.objects.create(title="Kopi", year=2032)
    report = questionnaire_import_xlsform(content=exported, questionnaire=copy)
    assert report.skipped == [] and report.created_questions == [] and {"Q1", "Q2"} <= set(report.reused_questions)
