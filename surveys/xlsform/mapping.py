"""Mapping pyxform's reading of an XLSForm onto the question bank, all or nothing.

pyxform has read the workbook (surveys.xlsform.reading); what is left is ours: which XLSForm
types and columns the bank can hold, which language a label is in, where loose questions go,
how names become codes, and which constraints are ranges. Every row that is left out or changed
is reported with its sheet, row and column, and every error stops the import before anything is
saved (lengths are checked against the model fields first, so PostgreSQL never refuses a row).
"""

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.conditions import (
    BoolOp,
    Call,
    Compare,
    ConditionError,
    Literal,
    Not,
    Ref,
    condition_parse,
    condition_to_text,
)
from surveys.models import (
    CODE_PATTERN,
    OPTION_CODE_PATTERN,
    Item,
    MatrixItem,
    Question,
    Questionnaire,
    QuestionOption,
    Scale,
    ScalePoint,
    Section,
)
from surveys.services.questionnaires import NOT_RELEVANT, questionnaire_problems
from surveys.xlsform.reading import ROW_COLUMN, xlsform_read
from surveys.xlsform.report import ImportReport, RowNote, XLSFormImportError

# Language names and codes as people write them in headers (`label::Norsk`, `label::English (en)`).
LANGUAGE_NAMES = {
    "default": "nb",  # a plain `label` column beside language columns
    "nb": "nb",
    "nob": "nb",
    "no": "nb",
    "nor": "nb",
    "norsk": "nb",
    "bokmål": "nb",
    "bokmal": "nb",
    "norsk bokmål": "nb",
    "norsk bokmal": "nb",
    "norwegian": "nb",
    "norwegian bokmål": "nb",
    "norwegian bokmal": "nb",
    "nn": "nn",
    "nno": "nn",
    "nynorsk": "nn",
    "norsk nynorsk": "nn",
    "norwegian nynorsk": "nn",
    "en": "en",
    "eng": "en",
    "english": "en",
    "engelsk": "en",
}
LANGUAGE_CODE_IN_NAME = re.compile(r"\(\s*([A-Za-z-]+)\s*\)\s*$")

# pyxform keeps a type as the form wrote it when it is an alias of another.
TYPE_ALIASES = {
    "select one": "select_one",
    "select1": "select_one",
    "select all that apply": "select_multiple",
    "select multiple": "select_multiple",
    "string": "text",
    "int": "integer",
    "select all that apply from": "select_multiple",
    "select one from": "select_one",
}
UNSUPPORTED_TYPES = {
    "calculate": gettext_lazy("calculations are not supported"),
    "geopoint": gettext_lazy("locations are not supported"),
    "geotrace": gettext_lazy("locations are not supported"),
    "geoshape": gettext_lazy("locations are not supported"),
    "start-geopoint": gettext_lazy("locations are not supported"),
    "image": gettext_lazy("file uploads are not supported"),
    "photo": gettext_lazy("file uploads are not supported"),
    "audio": gettext_lazy("file uploads are not supported"),
    "video": gettext_lazy("file uploads are not supported"),
    "file": gettext_lazy("file uploads are not supported"),
    "background-audio": gettext_lazy("file uploads are not supported"),
    "barcode": gettext_lazy("barcodes are not supported"),
    "date": gettext_lazy("dates are not supported"),
    "time": gettext_lazy("times are not supported"),
    "datetime": gettext_lazy("dates are not supported"),
    "acknowledge": gettext_lazy("acknowledgements are not supported"),
    "trigger": gettext_lazy("acknowledgements are not supported"),
    "range": gettext_lazy("range widgets are not supported; use a whole number with a minimum and maximum"),
    "rank": gettext_lazy("ranking is not supported"),
    "hidden": gettext_lazy("hidden fields are not supported"),
    "select_one_external": gettext_lazy("external choice lists are not supported"),
    "select one external": gettext_lazy("external choice lists are not supported"),
    "xml-external": gettext_lazy("external data is not supported"),
    "csv-external": gettext_lazy("external data is not supported"),
}
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
    "email",
}
# Columns the bank has nothing for, by where pyxform puts them, each reported on its row.
NOT_KEPT = {
    ("bind", "required"): gettext_lazy("answers are never required here; the required column was not kept"),
    ("bind", "jr:requiredMsg"): gettext_lazy("answers are never required here; the message was not kept"),
    ("bind", "jr:constraintMsg"): gettext_lazy("the platform writes its own messages; this one was not kept"),
    ("bind", "readonly"): gettext_lazy("read-only questions are not supported; the column was not kept"),
    ("bind", "calculate"): gettext_lazy("calculations are not supported; the column was not kept"),
    ("bind", "jr:preload"): gettext_lazy("preloaded values are not supported; the column was not kept"),
    ("control", "jr:count"): gettext_lazy("repeats are not supported; the column was not kept"),
    ("", "default"): gettext_lazy("default answers are not supported; the column was not kept"),
    ("", "choice_filter"): gettext_lazy("choice filters are not supported; every choice is shown"),
    ("", "trigger"): gettext_lazy("triggers are not supported; the column was not kept"),
    ("", "guidance_hint"): gettext_lazy("guidance hints are not supported; the column was not kept"),
    ("", "media"): gettext_lazy("images and sounds are not supported; the column was not kept"),
    ("", "parameters"): gettext_lazy("parameters are not supported; the column was not kept"),
}
COLUMN_NAMES = {
    "jr:requiredMsg": "required_message",
    "jr:constraintMsg": "constraint_message",
    "calculate": "calculation",
}
KEPT_APPEARANCES = {"multiline", "field-list"}
REFERENCE_IN_TEXT = re.compile(r"\$\{[^}]*\}")
NUMBER = r"(-?\d+(?:\.\d+)?)"
BOUND = re.compile(rf"^\.\s*(>=|<=|>|<)\s*{NUMBER}$|^{NUMBER}\s*(<=|<)\s*\.$")
EXTRA_VALUE = re.compile(rf"^(.*?)\s+or\s+\.\s*=\s*{NUMBER}$", re.S)
COUNT_SELECTED = re.compile(r"^count-selected\(\s*\.\s*\)\s*<=\s*(\d+)$")


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
    scale_values: dict[str, int] = field(default_factory=dict)
    condition: str = ""
    option_rows: list[int] = field(default_factory=list)
    exclusive: set[str] = field(default_factory=set)  # option codes chosen only alone (x_exclusive)


@dataclass
class _PlannedSection:
    row: int
    code: str
    role: str
    titles: dict
    condition: str
    questions: list[_PlannedQuestion] = field(default_factory=list)
    loose: bool = False  # made for questions outside any group


def questionnaire_import_xlsform(*, content: bytes, questionnaire: Questionnaire) -> ImportReport:
    """Fills an empty draft questionnaire from an XLSForm (.xlsx or .xls); all or nothing."""
    if Questionnaire.objects.filter(pk=questionnaire.pk, frozen_at__isnull=False).exists():
        raise ValidationError(_("The questionnaire is frozen: import into a new draft instead."), code="frozen")
    if questionnaire.sections.exists():
        raise ValidationError(_("Import only into an empty questionnaire."), code="not_empty")
    form = xlsform_read(content)
    report = ImportReport()
    planner = _Planner(form, report)
    sections = planner.plan()
    errors = planner.errors + _check_lengths(sections) + _check_bank(sections)
    if errors:
        raise XLSFormImportError(errors)
    if not sections:
        raise XLSFormImportError(
            [RowNote("survey", 0, "-", _("the form has no question this platform can hold"))] + report.skipped
        )
    with transaction.atomic():
        _write(questionnaire, sections, report)
        _drop_broken_conditions(questionnaire, sections, report)
    return report


def language_code(name: str) -> str | None:
    """nb, nn or en for a language as a header names it, or None for another language."""
    text = " ".join(name.strip().lower().split())
    if text in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text]
    match = LANGUAGE_CODE_IN_NAME.search(text)
    if match and match.group(1) in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[match.group(1)]
    without_code = LANGUAGE_CODE_IN_NAME.sub("", text).strip()
    return LANGUAGE_NAMES.get(without_code)


def _row(element: dict) -> int:
    return int(element.get(ROW_COLUMN) or 0)


class _Planner:
    def __init__(self, form: dict, report: ImportReport):
        self.form = form
        self.report = report
        self.errors: list[RowNote] = []
        self.sections: list[_PlannedSection] = []
        self.question_codes: set[str] = set()
        self.section_codes: set[str] = set()
        self.languages = self._languages()

    # Languages ---------------------------------------------------------------------------

    def _languages(self) -> dict[str, str]:
        """Each language name of the form's texts mapped to nb, nn or en; another language is
        reported once, and kept as Bokmål when the form has no language the platform has."""
        names: dict[str, int] = {}

        def collect(element: dict) -> None:
            for key in ("label", "hint"):
                if isinstance(element.get(key), dict):
                    for name in element[key]:
                        names.setdefault(name, _row(element))
            choices = element.get("choices")
            for child in element.get("children", []) + (choices if isinstance(choices, list) else []):
                collect(child)

        collect(self.form)
        for options in self.form.get("choices", {}).values():
            for option in options:
                collect(option)
        mapping = {name: code for name in names if (code := language_code(name))}
        unknown = [name for name in names if name not in mapping]
        for name in unknown:
            if "nb" not in mapping.values() and not mapping:
                mapping[name] = "nb"
                reason = _("the language %(language)s is not one of the platform's; its texts were kept as Bokmål")
            else:
                reason = _("the language %(language)s is not one of the platform's; its texts were not kept")
            self.report.note(RowNote("survey", 1, name, reason % {"language": name}, f"label::{name}"))
        return mapping

    def texts(self, element: dict, key: str) -> dict[str, str]:
        value = element.get(key)
        if value is None:
            return {}
        if isinstance(value, str):
            return {"nb": value}
        texts: dict[str, str] = {}
        for name, text in value.items():
            code = self.languages.get(name)
            if code and isinstance(text, str) and text.strip() and not texts.get(code):
                texts[code] = text.strip()
        return texts

    def reference_in_texts(self, element: dict) -> str | None:
        """The first `${name}` a label or hint shows: XLSForm fills in the answer there, and this
        platform shows texts as they are written, so such a row is not taken in."""
        for key in ("label", "hint"):
            value = element.get(key)
            texts = value.values() if isinstance(value, dict) else [value] if isinstance(value, str) else []
            for text in texts:
                found = REFERENCE_IN_TEXT.search(str(text))
                if found:
                    return found.group(0)
        return None

    def skip_for_reference(self, element: dict, sheet: str, reference: str, what: str) -> None:
        reason = _(
            "the text shows the answer %(reference)s, which this platform does not fill in for respondents; "
            "%(what)s (write the text without it to keep it)"
        ) % {"reference": reference, "what": what}
        self.report.skipped.append(RowNote(sheet, _row(element), element.get("name", "-"), reason, "label"))

    # Names -------------------------------------------------------------------------------

    def code(
        self, name: str, row: int, used: set[str], sheet: str = "survey", *, option: bool = False, report: bool = True
    ) -> str:
        """A code the bank accepts, unique among `used`; a change is reported. Option codes may
        start with a digit: numeric codes are kept as they are."""
        code = re.sub(r"[^A-Za-z0-9_]", "_", name) or "x"
        if not option and code[0].isdigit():
            code = f"q_{code}"
        code = code[:40]
        base, number = code, 1
        while code in used:
            number += 1
            suffix = f"_{number}"
            code = base[: 40 - len(suffix)] + suffix
        used.add(code)
        if code != name and report:
            reason = _("renamed to %(code)s") % {"code": code}
            if base == code:
                self.report.note(RowNote(sheet, row, name, reason, "name"))
            else:
                reason = _("the name is used before; renamed to %(code)s") % {"code": code}
                self.report.note(RowNote(sheet, row, name, reason, "name"))
            if sheet == "survey":
                self.report.renamed.setdefault(name, code)
        return code

    # Structure ---------------------------------------------------------------------------

    def plan(self) -> list[_PlannedSection]:
        loose: _PlannedSection | None = None
        for element in self.form.get("children", []):
            row = _row(element)
            if not row:
                continue  # pyxform's own additions (the meta group, or_other's text)
            if element.get("type") == "group" and not element.get("x_matrix"):
                loose = None
                self.plan_section(element)
                continue
            if loose is None:
                loose = self.loose_section(row)
            self.plan_element(element, loose, [])
        self.sections = [s for s in self.sections if s.questions or not s.loose]
        self.numeric_codes_in_conditions()
        return self.sections

    def loose_section(self, row: int) -> _PlannedSection:
        """Questions outside any group become a section of their own, one for each run of them."""
        number = sum(1 for s in self.sections if s.loose) + 1
        code = self.code(f"part_{number}", row, self.section_codes, report=False)
        titles = {"nb": "Skjema", "nn": "Skjema", "en": "Form"}
        section = _PlannedSection(row, code, Section.Role.CHIEF_EXECUTIVE, titles, "", loose=True)
        self.sections.append(section)
        return section

    def plan_section(self, element: dict) -> None:
        row, name = _row(element), element.get("name", "")
        titles = self.texts(element, "label") or {"nb": name}
        reference = self.reference_in_texts(element)
        if reference:
            self.skip_for_reference(element, "survey", reference, _("the group's name is its title"))
            titles = {"nb": name}
        role = element.get("x_role") or Section.Role.CHIEF_EXECUTIVE
        if role not in Section.Role.values:
            self.report.note(RowNote("survey", row, name, _("unknown role; chief executive used"), "x_role"))
            role = Section.Role.CHIEF_EXECUTIVE
        self.not_kept(element, row, name, section=True)
        section = _PlannedSection(
            row,
            self.code(name or f"section_{row}", row, self.section_codes),
            role,
            titles,
            element.get("bind", {}).get("relevant", "").strip(),
        )
        self.sections.append(section)
        for child in element.get("children", []):
            if _row(child):
                self.plan_element(child, section, [])

    def plan_element(self, element: dict, section: _PlannedSection, conditions: list[str]) -> None:
        row, name, kind = _row(element), element.get("name", ""), element.get("type", "")
        if kind == "group" and element.get("x_matrix"):
            self.plan_matrix(element, section, conditions)
        elif kind == "group":
            self.report.note(
                RowNote(
                    "survey",
                    row,
                    name,
                    _("group inside a group: its questions were put in the section, with its condition on each"),
                )
            )
            self.not_kept(element, row, name, section=True)
            inner = [*conditions, element.get("bind", {}).get("relevant", "").strip()]
            for child in element.get("children", []):
                if _row(child):
                    self.plan_element(child, section, inner)
        elif kind in ("repeat", "loop"):
            self.skip_repeat(element)
        else:
            planned = self.plan_question(element)
            if planned is not None:
                planned.condition = _combined([*conditions, planned.condition])
                section.questions.append(planned)

    def skip_repeat(self, element: dict, *, inside: bool = False) -> None:
        """A repeat and every row in it (groups and repeats within it too) are reported."""
        if inside:
            reason = _("inside a repeat, which is not supported")
        else:
            reason = _("repeats are not supported")
        self.report.skipped.append(RowNote("survey", _row(element), element.get("name", "-"), reason))
        for child in element.get("children", []):
            if _row(child):
                self.skip_repeat(child, inside=True)

    def plan_matrix(self, element: dict, section: _PlannedSection, conditions: list[str]) -> None:
        row = _row(element)
        code = self.code(element["x_matrix"], row, self.question_codes)
        matrix = _PlannedQuestion(
            row,
            code,
            self.question_fields(element, Question.Type.MATRIX),
            condition=_combined([*conditions, element.get("bind", {}).get("relevant", "").strip()]),
        )
        matrix.scale_code = element.get("x_scale") or None
        matrix.scale_name = element.get("x_scale_name", "")
        used: set[str] = set()
        for child in element.get("children", []):
            child_row, child_name = _row(child), child.get("name", "")
            if not child_row or child.get("x_comment_for"):
                continue
            if not matrix.scale_points:
                matrix.scale_points, matrix.scale_values = self.options(child)
            item = child_name[len(code) + 1 :] if child_name.startswith(code + "_") else child_name
            matrix.rows.append((self.code(item, child_row, used), self.texts(child, "label")))
            matrix.option_rows.append(child_row)
        section.questions.append(matrix)

    # Questions ---------------------------------------------------------------------------

    def plan_question(self, element: dict) -> _PlannedQuestion | None:
        row, name = _row(element), element.get("name", "")
        raw = str(element.get("type", "")).strip()
        kind = TYPE_ALIASES.get(raw.lower(), raw.lower())
        if element.get("x_comment_for") or (kind == "calculate" and element.get("x_profile")):
            return None  # our own export's comment boxes and stand-ins for profile variables
        if kind in METADATA_TYPES or kind.startswith("uri:"):
            self.report.skipped.append(
                RowNote("survey", row, name or kind, _("metadata is not collected here"), "type")
            )
            return None
        if kind in UNSUPPORTED_TYPES:
            self.report.skipped.append(RowNote("survey", row, name or kind, UNSUPPORTED_TYPES[kind], "type"))
            return None
        reference = self.reference_in_texts(element)
        if reference:
            self.skip_for_reference(element, "survey", reference, _("the question was left out"))
            return None
        for choice in element.get("choices") or []:
            reference = self.reference_in_texts(choice) if _row(choice) else None
            if reference:
                self.skip_for_reference(choice, "choices", reference, _("its question was left out"))
                return None
        if kind == "note":
            question_type = Question.Type.NOTE
        elif kind == "integer":
            question_type = Question.Type.INTEGER
        elif kind == "decimal":
            question_type = Question.Type.DECIMAL
        elif kind == "text":
            multiline = "multiline" in element.get("control", {}).get("appearance", "")
            question_type = Question.Type.LONG_TEXT if multiline else Question.Type.SHORT_TEXT
        elif kind in ("select_one", "select_multiple") and element.get("choices") is not None:
            codes = [str(c.get("name")) for c in element["choices"] if _row(c)]
            if kind == "select_multiple":
                question_type = Question.Type.MULTIPLE_CHOICE
            elif element.get("x_scale"):
                question_type = Question.Type.SCALE
            elif sorted(codes) == ["no", "yes"]:
                question_type = Question.Type.YES_NO
            else:
                question_type = Question.Type.SINGLE_CHOICE
        else:
            itemset = str(element.get("itemset", ""))
            if kind in ("select_one", "select_multiple") and "." in itemset:
                reason = _("choice lists from files (%(file)s) are not supported") % {"file": itemset}
            else:
                reason = _("type %(type)s is not supported") % {"type": raw}
            self.report.skipped.append(RowNote("survey", row, name or raw, reason, "type"))
            return None
        planned = _PlannedQuestion(
            row,
            self.code(name, row, self.question_codes),
            self.question_fields(element, question_type),
            condition=element.get("bind", {}).get("relevant", "").strip(),
        )
        if question_type in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE, Question.Type.SCALE):
            options, values = self.options(element)
            if question_type == Question.Type.SCALE:
                planned.scale_code = element["x_scale"]
                planned.scale_name = element.get("x_scale_name", "")
                planned.scale_points, planned.scale_values = options, values
            else:
                planned.options = options
                planned.exclusive = self.exclusive_codes(element, options)
        self.constraint(element, planned)
        self.not_kept(element, row, name)
        return planned

    def question_fields(self, element: dict, kind: str) -> dict:
        texts, hints = self.texts(element, "label"), self.texts(element, "hint")
        classification = element.get("x_classification") or Question.Classification.RECURRING
        if classification not in Question.Classification.values:
            classification = Question.Classification.RECURRING
        return {
            "type": kind,
            "classification": classification,
            "theme": element.get("x_theme", ""),
            "series": element.get("x_series", ""),
            "text_nb": texts.get("nb") or texts.get("en") or texts.get("nn") or element.get("name", ""),
            "text_nn": texts.get("nn", ""),
            "text_en": texts.get("en", ""),
            "help_nb": hints.get("nb") or hints.get("en") or hints.get("nn", ""),
            "help_nn": hints.get("nn", ""),
            "help_en": hints.get("en", ""),
            "offers_not_relevant": str(element.get("x_not_relevant", "")).lower() == "yes",
            "has_comment": str(element.get("x_comment", "")).lower() == "yes",
            "offers_dont_know": str(element.get("x_dont_know", "")).lower() == "yes",
        }

    @staticmethod
    def exclusive_codes(element: dict, options: list[tuple[str, dict]]) -> set[str]:
        """The codes of the choices marked `x_exclusive` (in the order `options` kept them)."""
        kept = [choice for choice in element.get("choices", []) if _row(choice)]
        return {
            code
            for (code, _labels), choice in zip(options, kept, strict=False)
            if str(choice.get("x_exclusive", "")).lower() == "yes"
        }

    def options(self, element: dict) -> tuple[list[tuple[str, dict]], dict[str, int]]:
        """The question's choices with codes the bank accepts (numeric codes kept as they are,
        a name twice in the list renamed), and the scale values our own export writes (x_value)."""
        options, values = [], {}
        # Names that are codes already keep them; a name that must change gives way to them.
        used = {str(c.get("name")) for c in element.get("choices", []) if _row(c) and _is_option_code(c.get("name"))}
        kept: set[str] = set()
        for choice in element.get("choices", []):
            row, name = _row(choice), str(choice.get("name", ""))
            if not row:
                if name == "other":
                    self.report.note(
                        RowNote(
                            "survey",
                            _row(element),
                            element.get("name", ""),
                            _("the “other, specify” part of or_other was left out"),
                            "type",
                        )
                    )
                continue
            if name == NOT_RELEVANT or (name in used and name not in kept):
                code = name
                kept.add(name)
            else:
                code = self.code(name, row, used, "choices", option=True)
            options.append((code, self.texts(choice, "label")))
            value = str(choice.get("x_value", ""))
            if value.isascii() and value.isdigit() and len(value) <= 5:
                values[code] = int(value)
        return options, values

    def constraint(self, element: dict, planned: _PlannedQuestion) -> None:
        """Ranges and maximum choices are kept; any other constraint is reported on its row."""
        text = " ".join(str(element.get("bind", {}).get("constraint", "")).split())
        kind = planned.fields["type"]
        if kind == Question.Type.MULTIPLE_CHOICE:
            match = COUNT_SELECTED.match(text)
            maximum = element.get("x_max_choices") or (match.group(1) if match else "")
            planned.fields["max_choices"] = maximum or None  # the model's own check makes it a number
            if text and not match:
                self.constraint_not_kept(planned, text)
            return
        if kind not in (Question.Type.INTEGER, Question.Type.DECIMAL):
            if text:
                self.constraint_not_kept(planned, text)
            return
        low, high = element.get("x_min", ""), element.get("x_max", "")
        if not (low or high) and text:
            parsed = _range(text, whole=kind == Question.Type.INTEGER)
            if parsed is None:
                self.constraint_not_kept(planned, text)
            else:
                low, high, extra = parsed
                if extra is not None:
                    reason = _(
                        "the range was kept; the extra allowed answer %(value)s (such as “don't know”) cannot "
                        "be held by the question bank yet, so %(value)s is refused as outside the range"
                    ) % {"value": extra}
                    self.report.note(RowNote("survey", planned.row, planned.code, reason, "constraint"))
        planned.fields["min_value"] = low or None
        planned.fields["max_value"] = high or None

    def constraint_not_kept(self, planned: _PlannedQuestion, text: str) -> None:
        reason = _(
            "the constraint %(constraint)s was not kept: the platform checks only ranges and how many choices"
        ) % {"constraint": text}
        self.report.note(RowNote("survey", planned.row, planned.code, reason, "constraint"))

    def not_kept(self, element: dict, row: int, name: str, *, section: bool = False) -> None:
        for (place, key), reason in NOT_KEPT.items():
            value = element.get(place, {}).get(key) if place else element.get(key)
            if value in (None, "", {}, []) or (key == "required" and str(value).lower() in ("no", "false", "false()")):
                continue
            column = COLUMN_NAMES.get(key, key)
            self.report.note(RowNote("survey", row, name, reason, column))
        for key in element:
            if key.startswith("jr:"):  # a one-colon column pyxform kept as it was
                self.report.note(RowNote("survey", row, name, _("the column was not kept"), key))
        appearance = str(element.get("control", {}).get("appearance", "")).strip()
        if appearance and not set(appearance.split()) <= KEPT_APPEARANCES:
            reason = _("the appearance %(appearance)s was not kept; the platform lays out questions itself") % {
                "appearance": appearance
            }
            self.report.note(RowNote("survey", row, name, reason, "appearance"))

    # Conditions --------------------------------------------------------------------------

    def numeric_codes_in_conditions(self) -> None:
        """`${q} = 1` on a question with numeric codes compares with the code '1': codes are text."""
        choice_questions = {
            planned.code
            for section in self.sections
            for planned in section.questions
            if planned.fields["type"] in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE)
        }
        renamed = self.report.renamed
        for section in self.sections:
            section.condition = _conditions_on_codes(_rename_references(section.condition, renamed), choice_questions)
            for planned in section.questions:
                planned.condition = _conditions_on_codes(
                    _rename_references(planned.condition, renamed), choice_questions
                )


def _combined(conditions: list[str]) -> str:
    parts = [text for text in conditions if text]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return " and ".join(f"({text})" for text in parts)


def _rename_references(text: str, renamed: dict[str, str]) -> str:
    """XLSForm's relevant is our language; only names that had to change are rewritten."""
    return re.sub(r"\$\{([^}]*)\}", lambda match: "${" + renamed.get(match.group(1), match.group(1)) + "}", text)


def _conditions_on_codes(text: str, choice_questions: set[str]) -> str:
    if not text:
        return text
    try:
        node = condition_parse(text)
    except ConditionError:
        return text  # left for the check after writing, which reports it
    changed = _quote_codes(node, choice_questions)
    return condition_to_text(changed) if changed != node else condition_to_text(node)


def _quote_codes(node, choice_questions: set[str]):
    if isinstance(node, Compare):
        left, right = node.left, node.right
        if isinstance(left, Ref) and left.name in choice_questions and _is_number(right):
            right = Literal("string", _code_text(right.value), right.position)
        if isinstance(right, Ref) and right.name in choice_questions and _is_number(left):
            left = Literal("string", _code_text(left.value), left.position)
        return dataclasses.replace(node, left=left, right=right)
    if isinstance(node, Call):
        arguments = tuple(
            Literal("string", _code_text(a.value), a.position) if index and _is_number(a) else a
            for index, a in enumerate(node.arguments)
        )
        return dataclasses.replace(node, arguments=arguments)
    if isinstance(node, BoolOp):
        return dataclasses.replace(node, operands=tuple(_quote_codes(o, choice_questions) for o in node.operands))
    if isinstance(node, Not):
        return dataclasses.replace(node, operand=_quote_codes(node.operand, choice_questions))
    return node


def _is_option_code(name) -> bool:
    return bool(OPTION_CODE_PATTERN.match(str(name or "")))


def _is_number(node) -> bool:
    return isinstance(node, Literal) and node.type == "number"


def _code_text(value) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _range(text: str, *, whole: bool) -> tuple[str, str, str | None] | None:
    """(low, high, extra allowed value) of a range constraint such as `. >= 0 and . <= 500` or
    `(. >= 0 and . <= 500) or . = 999`; None for anything else."""
    extra = None
    match = EXTRA_VALUE.match(text)
    if match:
        text, extra = match.group(1), match.group(2)
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    low = high = ""
    for part in re.split(r"\s+and\s+", text):
        part = part.strip()
        while part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        bound = BOUND.match(part)
        if not bound:
            return None
        if bound.group(1):
            operator, number = bound.group(1), bound.group(2)
        else:  # `0 <= .` is `. >= 0`
            number, operator = bound.group(3), {"<=": ">=", "<": ">"}[bound.group(4)]
        try:
            value = Decimal(number)
        except InvalidOperation:
            return None
        if operator in (">", "<"):
            if not whole or value != int(value):
                return None  # a strict bound on decimals is not a range the bank holds
            value = value + 1 if operator == ">" else value - 1
            operator += "="
        if operator == ">=":
            low = str(value)
        else:
            high = str(value)
    return low, high, extra


# Checks and writing -------------------------------------------------------------------------


def _max_length(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def _check_lengths(sections: list[_PlannedSection]) -> list[RowNote]:
    """Texts longer than their model field, found before anything is written."""
    errors = []

    def check(model, name: str, text: str, row: int, code: str, column: str, sheet: str = "survey") -> None:
        limit = _max_length(model, name)
        if limit and len(text or "") > limit:
            reason = _("the text has %(length)s characters; at most %(max)s fit here") % {
                "length": len(text),
                "max": limit,
            }
            errors.append(RowNote(sheet, row, code, reason, column))

    for section in sections:
        for language in ("nb", "nn", "en"):
            check(Section, f"title_{language}", section.titles.get(language, ""), section.row, section.code, "label")
        for planned in section.questions:
            for name in ("theme", "series"):
                check(Question, name, planned.fields.get(name, ""), planned.row, planned.code, f"x_{name}")
            check(Scale, "name", planned.scale_name, planned.row, planned.code, "x_scale_name")
            for code, labels in [*planned.options, *planned.scale_points, *planned.rows]:
                for language in ("nb", "nn", "en"):
                    sheet = "survey" if (code, labels) in planned.rows else "choices"
                    check(
                        QuestionOption, f"label_{language}", labels.get(language, ""), planned.row, code, "label", sheet
                    )
    return errors


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
    for section in sections:
        for planned in section.questions:
            if not CODE_PATTERN.match(planned.code):
                errors.append(RowNote("survey", planned.row, planned.code, _("not a usable code"), "name"))
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
                        "name",
                    )
                )
            if planned.scale_code:
                scale = Scale.objects.filter(code=planned.scale_code).first()
                points = [code for code, _l in _scale_points(planned)]
                if scale is not None and [p.code for p in scale.points.all()] != points:
                    errors.append(
                        RowNote(
                            "survey", planned.row, planned.code, _("scale %(s)s differs") % {"s": scale.code}, "x_scale"
                        )
                    )
    return errors


def _write(questionnaire: Questionnaire, sections: list[_PlannedSection], report: ImportReport) -> None:
    for position, planned_section in enumerate(sections, start=1):
        titles = planned_section.titles
        section = _saved(
            Section(
                questionnaire=questionnaire,
                position=position,
                code=planned_section.code,
                role=planned_section.role,
                title_nb=titles.get("nb") or titles.get("en") or titles.get("nn") or planned_section.code,
                title_nn=titles.get("nn", ""),
                title_en=titles.get("en", ""),
                condition=planned_section.condition,
            ),
            planned_section.row,
            planned_section.code,
        )
        report.sections.append(section.code)
        for item_position, planned in enumerate(planned_section.questions, start=1):
            question = Question.objects.filter(code=planned.code).first()
            if question is None:
                question = _create_question(planned)
                report.created_questions.append(question.code)
            else:
                report.reused_questions.append(question.code)
            _saved(
                Item(
                    questionnaire=questionnaire,
                    section=section,
                    position=item_position,
                    question=question,
                    condition=planned.condition,
                ),
                planned.row,
                planned.code,
            )


def _saved(instance, row: int, name: str):
    """Saves one object of the import after the model's own checks (lengths, codes, numbers),
    or stops the import with an error on the survey row it came from. The database's constraints
    give the same error; the transaction is then undone."""
    relations = [field.name for field in instance._meta.fields if field.is_relation]
    try:
        # The fields first, alone: the model's clean() compares values it expects converted.
        instance.clean_fields(exclude=relations)
        instance.clean()
        instance.save()
    except ValidationError as error:
        raise XLSFormImportError([RowNote("survey", row, name, "; ".join(error.messages))]) from None
    except (IntegrityError, DataError) as error:
        reason = _("the question bank cannot hold this row (%(error)s)") % {"error": str(error).splitlines()[0]}
        raise XLSFormImportError([RowNote("survey", row, name, reason)]) from None
    return instance


def _labels_kwargs(labels: dict, fallback: str) -> dict:
    return {
        "label_nb": labels.get("nb") or labels.get("en") or labels.get("nn") or fallback,
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
            _saved(scale, planned.row, planned.code)
            for position, (code, labels) in enumerate(_scale_points(planned), start=1):
                value = planned.scale_values.get(code, position)
                point = ScalePoint(scale=scale, value=value, code=code, **_labels_kwargs(labels, code))
                _saved(point, planned.row, planned.code)
        fields["scale"] = scale
        fields["offers_not_relevant"] = fields["offers_not_relevant"] or any(
            code == NOT_RELEVANT for code, _l in planned.scale_points
        )
    question = _saved(Question(code=planned.code, **fields), planned.row, planned.code)
    for position, (code, labels) in enumerate(planned.options):
        option = QuestionOption(
            question=question,
            code=code,
            position=position,
            is_exclusive=code in planned.exclusive,
            **_labels_kwargs(labels, code),
        )
        _saved(option, planned.row, planned.code)
    for position, (code, labels) in enumerate(planned.rows):
        item = MatrixItem(question=question, code=code, position=position, **_labels_kwargs(labels, code))
        _saved(item, planned.row, planned.code)
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
                            "relevant",
                        )
                    )
                    row.condition = ""
                    row.save(update_fields=["condition", "updated_at"])
