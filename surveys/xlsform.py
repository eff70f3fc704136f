"""XLSForm export and import: the questionnaire format of ODK, KoboToolbox and SurveyCTO.

Export writes the `survey`, `choices` and `settings` sheets with
`label::Norsk bokmål (nb)`-style language columns, `relevant` (our condition
language is XLSForm's syntax), `constraint` for ranges and maximum choices,
and `begin group`/`end group` for sections and matrices. Columns starting with
`x_` carry what XLSForm has no column for (series, classification, theme,
role, scale and its name, "not relevant", comment box, and on the choices
sheet the value of a scale point); other tools ignore them, and they make our
own round trip lossless. Every text is written as a text cell (operations/spreadsheets.py):
a wording that starts with "=" is a wording, not a formula, in Excel and in our
import.

Profile variables such as `${settles_refugees}` are not questions in XLSForm;
in another tool they need a `calculate` row or preloaded data.

Import fills an empty draft questionnaire, all or nothing, and reports row by
row what it skipped and why.
"""

import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from operations.spreadsheets import xlsx_bytes
from surveys.conditions import ConditionError, condition_parse, condition_to_text
from surveys.models import (
    CODE_PATTERN,
    Item,
    MatrixItem,
    Question,
    Questionnaire,
    QuestionOption,
    Scale,
    ScalePoint,
    Section,
)
from surveys.services.questionnaires import NOT_RELEVANT, questionnaire_load, questionnaire_problems

LANGUAGES = [("nb", "Norsk bokmål (nb)"), ("nn", "Norsk nynorsk (nn)"), ("en", "English (en)")]
EXTENSIONS = [
    "x_series",
    "x_classification",
    "x_theme",
    "x_role",
    "x_scale",
    "x_scale_name",
    "x_not_relevant",
    "x_max_choices",
    "x_min",
    "x_max",
    "x_comment",
    "x_comment_for",
    "x_matrix",
]
SURVEY_COLUMNS = (
    ["type", "name"]
    + [f"label::{name}" for _code, name in LANGUAGES]
    + [f"hint::{name}" for _code, name in LANGUAGES]
    + ["relevant", "constraint", "appearance"]
    + EXTENSIONS
)
NOT_RELEVANT_LABELS = {"nb": "Ikke relevant", "nn": "Ikkje relevant", "en": "Not relevant"}
YES_NO_LABELS = {"yes": {"nb": "Ja", "nn": "Ja", "en": "Yes"}, "no": {"nb": "Nei", "nn": "Nei", "en": "No"}}

UNSUPPORTED_TYPES = {
    "calculate": gettext_lazy("calculations are not supported"),
    "geopoint": gettext_lazy("locations are not supported"),
    "geotrace": gettext_lazy("locations are not supported"),
    "geoshape": gettext_lazy("locations are not supported"),
    "image": gettext_lazy("file uploads are not supported"),
    "audio": gettext_lazy("file uploads are not supported"),
    "video": gettext_lazy("file uploads are not supported"),
    "file": gettext_lazy("file uploads are not supported"),
    "barcode": gettext_lazy("barcodes are not supported"),
    "date": gettext_lazy("dates are not supported"),
    "time": gettext_lazy("times are not supported"),
    "datetime": gettext_lazy("dates are not supported"),
    "acknowledge": gettext_lazy("acknowledgements are not supported"),
    "range": gettext_lazy("range widgets are not supported; use a whole number with a minimum and maximum"),
    "rank": gettext_lazy("ranking is not supported"),
    "hidden": gettext_lazy("hidden fields are not supported"),
    "select_one_external": gettext_lazy("external choice lists are not supported"),
    "select_one_from_file": gettext_lazy("choice lists from files are not supported"),
    "select_multiple_from_file": gettext_lazy("choice lists from files are not supported"),
    "trigger": gettext_lazy("triggers are not supported"),
}
METADATA_TYPES = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber", "audit"}
IGNORED_COLUMNS = {
    "required": gettext_lazy("answers are never required here, so the required column is ignored"),
    "required_message": gettext_lazy("answers are never required here"),
    "choice_filter": gettext_lazy("choice filters are not supported and were ignored"),
    "default": gettext_lazy("default answers are not supported and were ignored"),
    "read_only": gettext_lazy("read-only questions are not supported and were ignored"),
    "calculation": gettext_lazy("calculations are not supported and were ignored"),
    "repeat_count": gettext_lazy("repeats are not supported"),
}


@dataclass
class RowNote:
    sheet: str
    row: int
    name: str
    reason: str

    def __post_init__(self):
        self.reason = str(self.reason)

    def __str__(self) -> str:
        return f"{self.sheet}, {_('row')} {self.row} ({self.name}): {self.reason}"


@dataclass
class ImportReport:
    created_questions: list[str] = field(default_factory=list)
    reused_questions: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    skipped: list[RowNote] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)


class XLSFormImportError(Exception):
    def __init__(self, errors: list[RowNote]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


# Export -------------------------------------------------------------------------------------


def _labels(obj, field_name: str) -> list[str]:
    return [getattr(obj, f"{field_name}_{code}") or "" for code, _name in LANGUAGES]


def _condition_text(text: str) -> str:
    if not text.strip():
        return ""
    try:
        return condition_to_text(condition_parse(text))
    except ConditionError:
        return text


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value.normalize())


def questionnaire_export_xlsform(*, questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an .xlsx XLSForm."""
    questionnaire = questionnaire_load(questionnaire.pk)
    survey: list[list[object]] = [list(SURVEY_COLUMNS)]
    choices: list[list[object]] = [
        ["list_name", "name"] + [f"label::{name}" for _code, name in LANGUAGES] + ["x_value"]
    ]
    lists_written: set[str] = set()

    def put_row(values: dict) -> None:
        survey.append([values.get(column, "") for column in SURVEY_COLUMNS])

    def write_list(name: str, entries: list[tuple], values: dict[str, int] | None = None) -> None:
        if name in lists_written:
            return
        lists_written.add(name)
        for code, labels in entries:
            choices.append([name, code, *labels, str(values[code]) if values and code in values else ""])

    def scale_list(question: Question) -> str:
        points = [(p.code, _labels(p, "label")) for p in question.scale.points.all()]
        values = {p.code: p.value for p in question.scale.points.all()}
        name = question.scale.code
        if question.offers_not_relevant:
            name = f"{question.scale.code}_nr"
            points.append((NOT_RELEVANT, [NOT_RELEVANT_LABELS[code] for code, _n in LANGUAGES]))
        write_list(name, points, values)
        return name

    for section in questionnaire.sections.all():
        values = {"type": "begin group", "name": section.code, "relevant": _condition_text(section.condition)}
        values["x_role"] = section.role
        for (_code, name), text in zip(LANGUAGES, _labels(section, "title"), strict=True):
            values[f"label::{name}"] = text
        put_row(values)
        for item in section.items.all():
            question = item.question
            base = {
                "name": question.code,
                "relevant": _condition_text(item.condition),
                "x_series": question.series,
                "x_classification": question.classification,
                "x_theme": question.theme,
                "x_comment": "yes" if question.has_comment else "",
            }
            for (_code, name), text, hint in zip(
                LANGUAGES, _labels(question, "text"), _labels(question, "help"), strict=True
            ):
                base[f"label::{name}"] = text
                base[f"hint::{name}"] = hint
            kind = question.type
            if kind == Question.Type.MATRIX:
                put_row(
                    {
                        **base,
                        "type": "begin group",
                        "appearance": "field-list",
                        "x_matrix": question.code,
                        "x_scale": question.scale.code,
                        "x_scale_name": question.scale.name,
                        "x_not_relevant": "yes" if question.offers_not_relevant else "",
                    }
                )
                list_name = scale_list(question)
                for matrix_row in question.matrix_items.all():
                    cells = {"type": f"select_one {list_name}", "name": f"{question.code}_{matrix_row.code}"}
                    for (_code, name), text in zip(LANGUAGES, _labels(matrix_row, "label"), strict=True):
                        cells[f"label::{name}"] = text
                    put_row(cells)
                put_row({"type": "end group", "name": question.code})
            else:
                if kind == Question.Type.NOTE:
                    base["type"] = "note"
                elif kind == Question.Type.YES_NO:
                    base["type"] = "select_one yes_no"
                    write_list(
                        "yes_no", [(c, [YES_NO_LABELS[c][code] for code, _n in LANGUAGES]) for c in YES_NO_LABELS]
                    )
                elif kind in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
                    verb = "select_one" if kind == Question.Type.SINGLE_CHOICE else "select_multiple"
                    base["type"] = f"{verb} {question.code}"
                    write_list(question.code, [(o.code, _labels(o, "label")) for o in question.options.all()])
                    if question.max_choices:
                        base["constraint"] = f"count-selected(.) <= {question.max_choices}"
                        base["x_max_choices"] = str(question.max_choices)
                elif kind == Question.Type.SCALE:
                    base["type"] = f"select_one {scale_list(question)}"
                    base["x_scale"] = question.scale.code
                    base["x_scale_name"] = question.scale.name
                    base["x_not_relevant"] = "yes" if question.offers_not_relevant else ""
                elif kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
                    base["type"] = kind
                    bounds = []
                    if question.min_value is not None:
                        bounds.append(f". >= {_number(question.min_value)}")
                        base["x_min"] = _number(question.min_value)
                    if question.max_value is not None:
                        bounds.append(f". <= {_number(question.max_value)}")
                        base["x_max"] = _number(question.max_value)
                    base["constraint"] = " and ".join(bounds)
                else:
                    base["type"] = "text"
                    if kind == Question.Type.LONG_TEXT:
                        base["appearance"] = "multiline"
                put_row(base)
            if question.has_comment:
                comment = {"type": "text", "name": f"{question.code}_comment", "x_comment_for": question.code}
                for code, name in LANGUAGES:
                    comment[f"label::{name}"] = {"nb": "Kommentar", "nn": "Kommentar", "en": "Comment"}[code]
                put_row(comment)
        put_row({"type": "end group", "name": section.code})

    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [
            questionnaire.title,
            slugify(f"{questionnaire.title}-{questionnaire.year}"),
            str(questionnaire.year),
            LANGUAGES[0][1],
        ],
    ]
    return xlsx_bytes({"survey": survey, "choices": choices, "settings": settings})


# Import -------------------------------------------------------------------------------------

LANGUAGE_IN_HEADER = re.compile(r"^(label|hint)(?:::(.*))?$")


def _language_of(header_rest: str | None) -> str | None:
    if header_rest is None:
        return "nb"
    text = header_rest.strip().lower()
    match = re.search(r"\((\w+)\)\s*$", text)
    code = match.group(1) if match else text
    aliases = {"nb": "nb", "nob": "nb", "no": "nb", "nn": "nn", "nno": "nn", "en": "en", "eng": "en"}
    if code in aliases:
        return aliases[code]
    for word, language in (("bokmål", "nb"), ("bokmal", "nb"), ("nynorsk", "nn"), ("english", "en")):
        if word in text:
            return language
    return None


@dataclass
class _Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _read_sheet(book, name: str) -> _Sheet | None:
    sheet = next((s for s in book.worksheets if s.title.strip().lower() == name), None)
    if sheet is None:
        return None
    values = list(sheet.iter_rows(values_only=True))
    if not values:
        return _Sheet(name, [], [])
    header = [str(cell).strip() if cell is not None else "" for cell in values[0]]
    rows = []
    for number, cells in enumerate(values[1:], start=2):
        texts = ["" if cell is None else str(cell).strip() for cell in cells]
        if not any(texts):
            continue
        texts += [""] * (len(header) - len(texts))
        rows.append((number, {column: text for column, text in zip(header, texts, strict=False) if column}))
    return _Sheet(name, header, rows)


def _texts(row: dict[str, str], kind: str, report: ImportReport, noted: set) -> dict[str, str]:
    texts: dict[str, str] = {}
    for column, value in row.items():
        match = LANGUAGE_IN_HEADER.match(column.lower()) if column.lower().startswith(kind) else None
        if not match or match.group(1) != kind:
            continue
        language = _language_of(match.group(2))
        if language is None:
            if column not in noted:
                noted.add(column)
                report.notes.append(RowNote("survey", 1, column, _("a language this platform does not have; ignored")))
            continue
        if value and not texts.get(language):
            texts[language] = value
    return texts


def _sanitise(name: str, sheet: str, row: int, report: ImportReport) -> str:
    code = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if code and code[0].isdigit():
        code = f"q_{code}"
    code = code[:40]
    if code != name:
        report.notes.append(RowNote(sheet, row, name, _("renamed to %(code)s") % {"code": code}))
        if sheet == "survey":
            report.renamed[name] = code
    return code


def _rename_references(text: str, renamed: dict[str, str]) -> str:
    """XLSForm's relevant is our language; only names that had to change are rewritten."""
    return re.sub(r"\$\{([^}]*)\}", lambda match: "${" + renamed.get(match.group(1), match.group(1)) + "}", text)


@dataclass
class _PlannedQuestion:
    row: int
    code: str
    fields: dict
    options: list[tuple[str, dict]] = field(default_factory=list)
    rows: list[tuple[str, dict]] = field(default_factory=list)
    scale_code: str | None = None
    scale_name: str = ""
    scale_points: list[tuple[str, dict]] = field(default_factory=list)
    scale_list: str = ""  # the choice list the scale points came from
    scale_values: dict[str, int] = field(default_factory=dict)
    condition: str = ""


@dataclass
class _PlannedSection:
    row: int
    code: str
    role: str
    titles: dict
    condition: str
    questions: list[_PlannedQuestion] = field(default_factory=list)


def questionnaire_import_xlsform(*, content: bytes, questionnaire: Questionnaire) -> ImportReport:
    """Fills an empty draft questionnaire from an XLSForm; all or nothing."""
    if Questionnaire.objects.filter(pk=questionnaire.pk, frozen_at__isnull=False).exists():
        raise ValidationError(_("The questionnaire is frozen: import into a new draft instead."), code="frozen")
    if questionnaire.sections.exists():
        raise ValidationError(_("Import only into an empty questionnaire."), code="not_empty")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise XLSFormImportError(
            [RowNote("-", 0, "-", _("not a readable .xlsx workbook (%(e)s)") % {"e": error})]
        ) from None
    survey = _read_sheet(book, "survey")
    if survey is None:
        raise XLSFormImportError([RowNote("survey", 0, "-", _("the workbook has no survey sheet"))])
    report = ImportReport()
    choice_values: dict[str, dict[str, int]] = {}
    choices = _read_choices(_read_sheet(book, "choices"), report, choice_values)
    sections = _plan(survey, choices, report)
    for planned_section in sections:
        for planned in planned_section.questions:
            planned.scale_values = choice_values.get(planned.scale_list, {})
    for planned_section in sections:
        planned_section.condition = _rename_references(planned_section.condition, report.renamed)
        for planned in planned_section.questions:
            planned.condition = _rename_references(planned.condition, report.renamed)
    errors = _check_bank(sections)
    if errors:
        raise XLSFormImportError(errors)
    with transaction.atomic():
        _write(questionnaire, sections, report)
        _drop_broken_conditions(questionnaire, sections, report)
    return report


def _read_choices(
    sheet: _Sheet | None, report: ImportReport, values: dict[str, dict[str, int]]
) -> dict[str, list[tuple[str, dict]]]:
    """The choice lists by name; `values` gets the scale point values our export writes (x_value)."""
    lists: dict[str, list[tuple[str, dict]]] = {}
    if sheet is None:
        return lists
    noted: set = set()
    for number, row in sheet.rows:
        list_name, name = row.get("list_name", "") or row.get("list name", ""), row.get("name", "")
        if not list_name or not name:
            report.skipped.append(RowNote("choices", number, name or "-", _("a choice needs a list name and a name")))
            continue
        code = name if name == NOT_RELEVANT else _sanitise(name, "choices", number, report)
        lists.setdefault(list_name, []).append((code, _texts(row, "label", report, noted)))
        if row.get("x_value", "").isdigit():
            values.setdefault(list_name, {})[code] = int(row["x_value"])
    return lists


def _plan(sheet: _Sheet, choices: dict, report: ImportReport) -> list[_PlannedSection]:
    sections: list[_PlannedSection] = []
    stack: list[str] = []  # "section", "matrix", "group", "repeat"
    matrix: _PlannedQuestion | None = None
    current: _PlannedSection | None = None
    noted: set = set()
    for column in sheet.header:
        reason = IGNORED_COLUMNS.get(column.lower())
        if reason and any(row.get(column) for _n, row in sheet.rows):
            report.notes.append(RowNote("survey", 1, column, reason))

    def section_for(number: int) -> _PlannedSection:
        nonlocal current
        if current is None:
            current = _PlannedSection(number, "main", Section.Role.CHIEF_EXECUTIVE, {"nb": "Skjema"}, "")
            sections.append(current)
        return current

    for number, row in sheet.rows:
        raw_type = " ".join(row.get("type", "").split())
        verb_raw, _space, rest_raw = raw_type.partition(" ")
        kind = (
            (verb_raw.lower() + (" " + rest_raw if rest_raw else ""))
            .replace("begin_", "begin ")
            .replace("end_", "end ")
        )
        if kind.lower() in ("begin group", "end group", "begin repeat", "end repeat"):
            kind = kind.lower()
        name = row.get("name", "")
        if "repeat" in stack:
            if kind == "end repeat":
                stack.pop()
            elif kind == "begin repeat":
                stack.append("repeat")
            report.skipped.append(
                RowNote("survey", number, name or raw_type, _("inside a repeat, which is not supported"))
            )
            continue
        if kind == "begin repeat":
            stack.append("repeat")
            report.skipped.append(RowNote("survey", number, name, _("repeats are not supported")))
            continue
        if kind == "begin group":
            if row.get("x_matrix"):
                fields = _question_fields(row, report, noted, Question.Type.MATRIX)
                code = _sanitise(row["x_matrix"], "survey", number, report)
                matrix = _PlannedQuestion(number, code, fields, condition=row.get("relevant", "").strip())
                matrix.scale_code = row.get("x_scale") or None
                matrix.scale_name = row.get("x_scale_name", "")
                section_for(number).questions.append(matrix)
                stack.append("matrix")
            elif not [s for s in stack if s == "section"]:
                titles = _texts(row, "label", report, noted) or {"nb": name}
                role = row.get("x_role") or Section.Role.CHIEF_EXECUTIVE
                if role not in Section.Role.values:
                    report.notes.append(RowNote("survey", number, name, _("unknown role; chief executive used")))
                    role = Section.Role.CHIEF_EXECUTIVE
                current = _PlannedSection(
                    number,
                    _sanitise(name or f"section_{number}", "survey", number, report),
                    role,
                    titles,
                    row.get("relevant", "").strip(),
                )
                sections.append(current)
                stack.append("section")
            else:
                report.notes.append(RowNote("survey", number, name, _("nested group flattened into its section")))
                stack.append("group")
            continue
        if kind == "end group":
            popped = stack.pop() if stack else None
            if popped == "matrix":
                matrix = None
            elif popped == "section":
                current = None
            continue
        if not kind:
            continue
        if kind in METADATA_TYPES:
            report.skipped.append(RowNote("survey", number, name or kind, _("metadata is not collected here")))
            continue
        verb, _space, rest = kind.partition(" ")
        if verb in UNSUPPORTED_TYPES:
            report.skipped.append(RowNote("survey", number, name or kind, UNSUPPORTED_TYPES[verb]))
            continue
        if row.get("x_comment_for"):
            continue  # the comment box of the question before, carried by its x_comment
        if matrix is not None:
            list_name = rest.split()[0] if rest else ""
            if not matrix.scale_points:
                matrix.scale_points, matrix.scale_list = choices.get(list_name, []), list_name
            item_code = name[len(matrix.code) + 1 :] if name.startswith(matrix.code + "_") else name
            matrix.rows.append((_sanitise(item_code, "survey", number, report), _texts(row, "label", report, noted)))
            continue
        planned = _plan_question(number, verb, rest, row, choices, report, noted)
        if planned is not None:
            section_for(number).questions.append(planned)
    return sections


def _question_fields(row: dict, report: ImportReport, noted: set, kind: str) -> dict:
    texts = _texts(row, "label", report, noted)
    hints = _texts(row, "hint", report, noted)
    classification = row.get("x_classification") or Question.Classification.RECURRING
    if classification not in Question.Classification.values:
        classification = Question.Classification.RECURRING
    return {
        "type": kind,
        "classification": classification,
        "theme": row.get("x_theme", ""),
        "series": row.get("x_series", ""),
        "text_nb": texts.get("nb") or texts.get("en") or texts.get("nn") or row.get("name", ""),
        "text_nn": texts.get("nn", ""),
        "text_en": texts.get("en", ""),
        "help_nb": hints.get("nb", ""),
        "help_nn": hints.get("nn", ""),
        "help_en": hints.get("en", ""),
        "offers_not_relevant": row.get("x_not_relevant", "").lower() == "yes",
        "has_comment": row.get("x_comment", "").lower() == "yes",
    }


def _plan_question(number, verb, rest, row, choices, report, noted) -> _PlannedQuestion | None:
    name = row.get("name", "")
    if not name:
        report.skipped.append(RowNote("survey", number, verb, _("a question needs a name")))
        return None
    words = rest.split()
    if "or_other" in words:
        words.remove("or_other")
        report.notes.append(RowNote("survey", number, name, _("the “other, specify” part of or_other was left out")))
    if verb == "note":
        kind = Question.Type.NOTE
    elif verb == "integer":
        kind = Question.Type.INTEGER
    elif verb == "decimal":
        kind = Question.Type.DECIMAL
    elif verb == "text":
        multiline = "multiline" in row.get("appearance", "")
        kind = Question.Type.LONG_TEXT if multiline else Question.Type.SHORT_TEXT
    elif verb in ("select_one", "select_multiple") and words:
        list_name = words[0]
        if list_name not in choices:
            report.skipped.append(
                RowNote("survey", number, name, _("choice list %(list)s is missing") % {"list": list_name})
            )
            return None
        codes = [code for code, _labels in choices[list_name]]
        if verb == "select_multiple":
            kind = Question.Type.MULTIPLE_CHOICE
        elif row.get("x_scale"):
            kind = Question.Type.SCALE
        elif sorted(codes) == ["no", "yes"]:
            kind = Question.Type.YES_NO
        else:
            kind = Question.Type.SINGLE_CHOICE
    else:
        report.skipped.append(RowNote("survey", number, name, _("type %(type)s is not supported") % {"type": verb}))
        return None
    code = _sanitise(name, "survey", number, report)
    fields = _question_fields(row, report, noted, kind)
    planned = _PlannedQuestion(number, code, fields, condition=row.get("relevant", "").strip())
    if kind in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
        planned.options = choices[words[0]]
    if kind == Question.Type.SCALE:
        planned.scale_code = row["x_scale"]
        planned.scale_name = row.get("x_scale_name", "")
        planned.scale_points, planned.scale_list = choices[words[0]], words[0]
    if kind == Question.Type.MULTIPLE_CHOICE:
        maximum = row.get("x_max_choices") or _max_from_constraint(row.get("constraint", ""))
        planned.fields["max_choices"] = int(maximum) if maximum else None
    if kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
        low, high = row.get("x_min", ""), row.get("x_max", "")
        if not (low or high) and row.get("constraint"):
            low, high = _range_from_constraint(row["constraint"])
        planned.fields["min_value"] = low or None
        planned.fields["max_value"] = high or None
    return planned


def _max_from_constraint(text: str) -> str:
    match = re.search(r"count-selected\(\s*\.\s*\)\s*<=\s*(\d+)", text)
    return match.group(1) if match else ""


def _range_from_constraint(text: str) -> tuple[str, str]:
    low = re.search(r"\.\s*>=\s*(-?[\d.]+)", text)
    high = re.search(r"\.\s*<=\s*(-?[\d.]+)", text)
    return (low.group(1) if low else "", high.group(1) if high else "")


def _scale_points(planned: _PlannedQuestion) -> list[tuple[str, dict]]:
    return [(code, labels) for code, labels in planned.scale_points if code != NOT_RELEVANT]


def _same_question(existing: Question, planned: _PlannedQuestion) -> bool:
    fields = planned.fields
    for name in ("type", "text_nb", "text_nn", "text_en", "help_nb", "help_nn", "help_en", "has_comment"):
        if getattr(existing, name) != fields[name]:
            return False
    if [o.code for o in existing.options.all()] != [code for code, _l in planned.options]:
        return False
    if [m.code for m in existing.matrix_items.all()] != [code for code, _l in planned.rows]:
        return False
    return True


def _check_bank(sections: list[_PlannedSection]) -> list[RowNote]:
    errors = []
    codes: dict[str, int] = {}
    for section in sections:
        for planned in section.questions:
            if not CODE_PATTERN.match(planned.code):
                errors.append(RowNote("survey", planned.row, planned.code, _("not a usable code")))
            if planned.code in codes:
                errors.append(RowNote("survey", planned.row, planned.code, _("the name is used twice")))
            codes[planned.code] = planned.row
            existing = Question.objects.filter(code=planned.code).first()
            if existing is not None and not _same_question(existing, planned):
                errors.append(
                    RowNote(
                        "survey",
                        planned.row,
                        planned.code,
                        _(
                            "the question bank already has %(code)s with another wording; "
                            "rename it or make a new version"
                        )
                        % {"code": planned.code},
                    )
                )
            if planned.scale_code:
                scale = Scale.objects.filter(code=planned.scale_code).first()
                points = [code for code, _l in _scale_points(planned)]
                if scale is not None and [p.code for p in scale.points.all()] != points:
                    errors.append(
                        RowNote("survey", planned.row, planned.code, _("scale %(s)s differs") % {"s": scale.code})
                    )
    return errors


def _write(questionnaire: Questionnaire, sections: list[_PlannedSection], report: ImportReport) -> None:
    for position, planned_section in enumerate(sections, start=1):
        titles = planned_section.titles
        section = Section.objects.create(
            questionnaire=questionnaire,
            position=position,
            code=planned_section.code,
            role=planned_section.role,
            title_nb=titles.get("nb") or titles.get("en") or planned_section.code,
            title_nn=titles.get("nn", ""),
            title_en=titles.get("en", ""),
            condition=planned_section.condition,
        )
        report.sections.append(section.code)
        for item_position, planned in enumerate(planned_section.questions, start=1):
            question = Question.objects.filter(code=planned.code).first()
            if question is None:
                question = _create_question(planned)
                report.created_questions.append(question.code)
            else:
                report.reused_questions.append(question.code)
            Item.objects.create(
                questionnaire=questionnaire,
                section=section,
                position=item_position,
                question=question,
                condition=planned.condition,
            )


def _labels_kwargs(labels: dict, fallback: str) -> dict:
    return {
        "label_nb": labels.get("nb") or labels.get("en") or fallback,
        "label_nn": labels.get("nn", ""),
        "label_en": labels.get("en", ""),
    }


def _create_question(planned: _PlannedQuestion) -> Question:
    fields = dict(planned.fields)
    fields["series"] = fields["series"] or planned.code
    if planned.scale_code:
        scale = Scale.objects.filter(code=planned.scale_code).first()
        if scale is None:
            scale = Scale(code=planned.scale_code, name=planned.scale_name or planned.scale_code)
            scale.full_clean()
            scale.save()
            for position, (code, labels) in enumerate(_scale_points(planned), start=1):
                value = planned.scale_values.get(code, position)
                ScalePoint.objects.create(scale=scale, value=value, code=code, **_labels_kwargs(labels, code))
        fields["scale"] = scale
        fields["offers_not_relevant"] = fields["offers_not_relevant"] or any(
            code == NOT_RELEVANT for code, _l in planned.scale_points
        )
    question = Question(code=planned.code, **fields)
    question.full_clean()
    question.save()
    for position, (code, labels) in enumerate(planned.options):
        QuestionOption.objects.create(question=question, code=code, position=position, **_labels_kwargs(labels, code))
    for position, (code, labels) in enumerate(planned.rows):
        MatrixItem.objects.create(question=question, code=code, position=position, **_labels_kwargs(labels, code))
    return question


def _drop_broken_conditions(
    questionnaire: Questionnaire, sections: list[_PlannedSection], report: ImportReport
) -> None:
    """Conditions our language cannot read, or that point at skipped or later questions,
    are left out (the question itself stays) and reported."""
    rows = {p.code: p.row for s in sections for p in s.questions}
    rows.update({s.code: s.row for s in sections})
    for _round in range(len(rows) + 1):
        problems = [p for p in questionnaire_problems(questionnaire) if p.where in rows]
        if not problems:
            return
        for problem in problems:
            for model, lookup in ((Item, {"question__code": problem.where}), (Section, {"code": problem.where})):
                row = model.objects.filter(questionnaire=questionnaire, **lookup).exclude(condition="").first()
                if row is not None:
                    report.skipped.append(
                        RowNote(
                            "survey",
                            rows[problem.where],
                            problem.where,
                            _("condition left out: %(message)s") % {"message": problem.message},
                        )
                    )
                    row.condition = ""
                    row.save(update_fields=["condition", "updated_at"])
