"""Matching a past round's file to the platform: rows to units of the registry, columns to
questions of the bank, values to option and scale codes. The platform suggests; the mapping it
returns is plain JSON the admin confirms or edits, and it is kept with the round so that next
year's file starts from it (`mapping_suggest(previous=...)`). The rules are in docs/past-rounds.md.

A mapping:

    {"year": 2015, "reference_day": "2015-12-03", "unit_column": "knr", "name_column": "kommune",
     "unit_guesses": {"Våler": "0137"},
     "columns": {"q4": {"action": "map", "question": "Q04", "values": {"1": "yes", "2": "no", "8": "@dont_know"}},
                 "q9": {"action": "new", "new": {"code": "Q9_2015", "type": "single_choice", ...}, "values": {...}},
                 "respid": {"action": "ignore"}}}

A value's target is an option or scale point code (or "yes"/"no", a number, a text), or one of the
missing kinds below, written with "@" (no code of the bank may start with it).
"""

import datetime
import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from municipalities.models import Municipality, MunicipalityChange, MunicipalityProfile
from surveys.models import MatrixItem, Question, QuestionOption, ScalePoint
from surveys.past_rounds.reading import Column, DataFile, value_key, value_plain

# The registry holds every unit back to the reforms of 2017; before them the lists of 2014–2016
# are the same (municipalities/data/README.md: 428 for 2014–2016). Earlier reforms (2013, Harstad
# and Bjarkøy) are not in it, so it cannot place a year before 2014.
REGISTRY_FIRST_YEAR = 2014

BLANK = "@blank"
DONT_KNOW = "@dont_know"
NOT_RELEVANT_KIND = "@not_relevant"
MISSING = "@missing"  # an SPSS user-missing code with no other meaning (e.g. 99 "Ikke besvart")
NOT_CHOSEN = "@not_chosen"  # a multiple-choice dummy that is 0 / unticked
CHOSEN = "@chosen"
MISSING_KINDS = (BLANK, DONT_KNOW, NOT_RELEVANT_KIND, MISSING)

DONT_KNOW_WORDS = {"vet ikke", "veit ikkje", "veit ikke", "vet ikkje", "vet ikke/usikker", "dont know", "don't know"}
NOT_RELEVANT_WORDS = {
    "ikke relevant",
    "ikkje relevant",
    "ikke aktuelt",
    "ikkje aktuelt",
    "not relevant",
    "not applicable",
    "i ikke relevant",
}
CHOSEN_WORDS = {"valgt", "vald", "ja", "x", "chosen", "selected", "1"}
NOT_CHOSEN_WORDS = {"ikke valgt", "ikkje vald", "nei", "0", "not chosen", "not selected"}
YES_WORDS = {"ja", "yes"}
NO_WORDS = {"nei", "no"}

UNIT_COLUMN_NAMES = {"knr", "komnr", "kommunenr", "kommunenummer", "kommune_nr", "kommunenr_bydel", "nr", "number"}
UNIT_COLUMN_NAMES |= {"enhetsnr", "enhet_nr", "unit", "unit_number", "municipality_number", "bydelsnr", "komm_nr"}
NAME_COLUMN_NAMES = {"kommune", "kommunenavn", "navn", "name", "enhet", "municipality", "bydel", "kommune_navn"}
LABEL_SIMILARITY = 0.8  # a column label this close to a question's text is suggested for it

CHOICE_TYPES = {
    Question.Type.SINGLE_CHOICE,
    Question.Type.MULTIPLE_CHOICE,
    Question.Type.YES_NO,
    Question.Type.SCALE,
    Question.Type.MATRIX,
}
NUMBER_TYPES = {Question.Type.INTEGER, Question.Type.DECIMAL}
TEXT_TYPES = {Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT}
NEW_QUESTION_TYPES = {Question.Type.SINGLE_CHOICE, Question.Type.YES_NO} | NUMBER_TYPES | TEXT_TYPES


def words(text: object) -> str:
    """Lower case, accents kept (ø is not o), punctuation and repeated spaces gone."""
    text = unicodedata.normalize("NFC", str(text)).lower().replace("’", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w' /]", " ", text)).strip()


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryUnit:
    id: int
    number: str
    name: str
    kind: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    def valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass
class Registry:
    """Every unit the registry has ever held and the reform links, read in two queries."""

    units: list[RegistryUnit]
    successors: dict[int, list[int]]
    predecessors: dict[int, list[int]]

    @classmethod
    def load(cls) -> "Registry":
        units = [
            RegistryUnit(*row)
            for row in Municipality.objects.order_by("number", "valid_from").values_list(
                "id", "number", "name", "kind", "valid_from", "valid_to"
            )
        ]
        successors: dict[int, list[int]] = {}
        predecessors: dict[int, list[int]] = {}
        for old, new in MunicipalityChange.objects.values_list("predecessor_id", "successor_id"):
            successors.setdefault(old, []).append(new)
            predecessors.setdefault(new, []).append(old)
        return cls(units, successors, predecessors)

    def valid_on(self, day: datetime.date) -> dict[str, RegistryUnit]:
        return {unit.number: unit for unit in self.units if unit.valid_on(day)}

    def by_id(self) -> dict[int, RegistryUnit]:
        return {unit.id: unit for unit in self.units}


def unit_number(raw: object) -> str | None:
    """A unit number as the registry writes it: 301 and "301" are 0301, 30101 is 030101."""
    raw = value_plain(raw)
    if isinstance(raw, float):
        return None
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        return None
    if len(text) <= 4:
        return text.zfill(4)
    if len(text) <= 6:
        return text.zfill(6)
    return None


def name_forms(name: str) -> set[str]:
    """The ways a unit's name may be written: whole, each parallel name (Sami, Kven), without
    "kommune" or a county qualifier."""
    base = re.sub(r"\(.*?\)", "", words(name)).strip()
    base = re.sub(r"\b(kommune|kommun|bydel)\b", "", base).strip()
    forms = {base}
    forms.update(part.strip() for part in re.split(r" - | / ", base) if part.strip())
    return {form for form in forms if form}


@dataclass
class UnitMatch:
    row: int  # 2 = the first row under the header, as a spreadsheet numbers it
    raw_number: str
    raw_name: str
    unit: RegistryUnit | None = None
    how: str = ""  # number, name, reform, confirmed
    note: str = ""


def units_match(
    *, data_file: DataFile, mapping: dict, registry: Registry, day: datetime.date
) -> tuple[list[UnitMatch], dict[str, int]]:
    """Each row's unit: by number valid on the day; else by name among the day's units; else by a
    name the registry held at another time whose reform links lead to one unit of the day. Returns
    the matches and how many rows each day-unit got (duplicates have more than one)."""
    valid = registry.valid_on(day)
    ids = registry.by_id()
    by_name: dict[str, list[RegistryUnit]] = {}
    for unit in valid.values():
        for form in name_forms(unit.name):
            by_name.setdefault(form, []).append(unit)
    any_time: dict[str, list[RegistryUnit]] = {}
    for unit in registry.units:
        for form in name_forms(unit.name):
            any_time.setdefault(form, []).append(unit)
    number_index = _index(data_file, mapping.get("unit_column"))
    name_index = _index(data_file, mapping.get("name_column"))
    confirmed = {words(name): number for name, number in (mapping.get("unit_guesses") or {}).items()}
    matches = []
    for offset, row in enumerate(data_file.rows):
        raw_number = value_key(row[number_index]) if number_index is not None else ""
        raw_name = value_key(row[name_index]) if name_index is not None else ""
        match = UnitMatch(row=offset + 2, raw_number=raw_number, raw_name=raw_name)
        number = unit_number(raw_number)
        if number is not None and number in valid:
            match.unit, match.how = valid[number], "number"
        elif raw_number:
            # A number that is there but wrong is an error, never overruled by the name beside it.
            _explain_number(match, number, registry)
        elif raw_name and words(raw_name) in confirmed and confirmed[words(raw_name)] in valid:
            match.unit, match.how = valid[confirmed[words(raw_name)]], "confirmed"
        elif raw_name:
            _match_by_name(match, raw_name, by_name, any_time, registry, ids, day)
        matches.append(match)
    counts = Counter(match.unit.number for match in matches if match.unit is not None)
    return matches, dict(counts)


def _explain_number(match: UnitMatch, number: str | None, registry: Registry) -> None:
    elsewhere = [unit for unit in registry.units if unit.number == number] if number else []
    if elsewhere:
        spans = ", ".join(_span(unit) for unit in elsewhere)
        match.note = f"{number} {elsewhere[0].name} is in the registry only for {spans}"
    else:
        match.note = f"{match.raw_number} is no unit number of the registry"
    if match.raw_name:
        match.note += f" (the row names “{match.raw_name}”)"


def _span(unit: RegistryUnit) -> str:
    start = unit.valid_from.isoformat() if unit.valid_from else "…"
    end = unit.valid_to.isoformat() if unit.valid_to else "…"
    return f"{start}–{end}"


def _match_by_name(match, raw_name, by_name, any_time, registry, ids, day) -> None:
    forms = name_forms(raw_name)
    candidates = {unit.id: unit for form in forms for unit in by_name.get(form, [])}
    if len(candidates) == 1:
        match.unit, match.how = next(iter(candidates.values())), "name"
        match.note = f"name “{raw_name}” → {match.unit.number} {match.unit.name}"
        return
    if len(candidates) > 1:
        match.note = f"name “{raw_name}” fits several units: " + ", ".join(
            f"{unit.number} {unit.name}" for unit in candidates.values()
        )
        return
    reached = {}
    for form in forms:
        for unit in any_time.get(form, []):
            for other in _reform_relatives(unit.id, registry):
                if ids[other].valid_on(day):
                    reached[other] = ids[other]
    if len(reached) == 1:
        match.unit, match.how = next(iter(reached.values())), "reform"
        match.note = f"name “{raw_name}” → {match.unit.number} {match.unit.name} through the reform history"


def _reform_relatives(unit_id: int, registry: Registry) -> set[int]:
    """The unit and every unit before or after it along the reform links."""
    seen = {unit_id}
    frontier = [unit_id]
    while frontier:
        current = frontier.pop()
        for other in registry.successors.get(current, []) + registry.predecessors.get(current, []):
            if other not in seen:
                seen.add(other)
                frontier.append(other)
    return seen


def _index(data_file: DataFile, name: str | None) -> int | None:
    if not name:
        return None
    try:
        return data_file.column_index(name)
    except KeyError:
        return None


def unit_columns_guess(data_file: DataFile, registry: Registry, day: datetime.date) -> tuple[str | None, str | None]:
    """The column of unit numbers (by its name, else the first whose values are mostly numbers of
    the day's units) and the column of unit names."""
    valid = registry.valid_on(day)
    number_column = next((c.name for c in data_file.columns if words(c.name) in UNIT_COLUMN_NAMES), None)
    if number_column is None:
        for index, column in enumerate(data_file.columns):
            values = [value for value in data_file.values(index) if value is not None]
            if values and sum(1 for value in values if unit_number(value) in valid) >= 0.8 * len(values):
                number_column = column.name
                break
    name_column = next(
        (c.name for c in data_file.columns if words(c.name) in NAME_COLUMN_NAMES and c.name != number_column), None
    )
    return number_column, name_column


# --- the bank -------------------------------------------------------------------------------


def bank_load() -> list[Question]:
    """Every question with its options, matrix items and scale points (four queries)."""
    return list(
        Question.objects.select_related("scale")
        .prefetch_related(
            Prefetch("options", queryset=QuestionOption.objects.order_by("position", "pk")),
            Prefetch("matrix_items", queryset=MatrixItem.objects.order_by("position", "pk")),
            Prefetch("scale__points", queryset=ScalePoint.objects.order_by("value")),
        )
        .order_by("code")
    )


def question_targets(question: Question, item: str | None = None, option: str | None = None) -> list[tuple]:
    """The codes a value of this question may take, with their labels and numeric codes:
    (code, labels, number)."""
    if option is not None:
        # A ticked box is written 1, "Valgt", or (as survey tools export it) the option's own label.
        chosen = next((o for o in question.options.all() if o.code == option), None)
        own = {words(chosen.label_nb), words(chosen.label_nn), words(chosen.label_en)} - {""} if chosen else set()
        return [(CHOSEN, CHOSEN_WORDS | own, 1), (NOT_CHOSEN, NOT_CHOSEN_WORDS, 0)]
    if question.type == Question.Type.YES_NO:
        return [("yes", YES_WORDS, 1), ("no", NO_WORDS, 2)]
    if question.type in (Question.Type.SCALE, Question.Type.MATRIX) and question.scale_id:
        return [
            (point.code, {words(point.label_nb), words(point.label_nn), words(point.label_en)} - {""}, point.value)
            for point in question.scale.points.all()
        ]
    if question.type in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
        return [
            (
                option.code,
                {words(option.label_nb), words(option.label_nn), words(option.label_en)} - {""},
                position,
            )
            for position, option in enumerate(question.options.all(), start=1)
        ]
    return []


def value_target(
    raw: object, column: Column, question: Question, item: str | None = None, option: str | None = None
) -> str | None:
    """The suggested target of one value: an option or point whose label matches the value's label
    (or the value's text), the missing kinds by their words or the file's missing codes, else a
    numeric code (option position, scale value, 1 = yes / 2 or 0 = no). None: nothing fits."""
    raw = value_plain(raw)
    if raw is None:
        return NOT_CHOSEN if option is not None else BLANK
    label = column.value_labels.get(raw, raw if isinstance(raw, str) else None)
    targets = question_targets(question, item, option)
    if label is not None:
        said = words(label)
        for code, labels, _number in targets:
            if said in labels:
                return code
        if said in DONT_KNOW_WORDS:
            return DONT_KNOW
        if said in NOT_RELEVANT_WORDS:
            return NOT_RELEVANT_KIND
    if raw in column.missing_codes:
        return MISSING
    if isinstance(raw, int):
        for code, _labels, number in targets:
            if number == raw:
                return code
        if question.type == Question.Type.YES_NO and raw == 0:
            return "no"
    if question.type in NUMBER_TYPES and isinstance(raw, int | float) and raw not in column.value_labels:
        return str(raw)
    if question.type in TEXT_TYPES and isinstance(raw, str):
        return raw
    return None


def new_value_target(raw: object, column: Column, proposal: dict) -> str | None:
    """`value_target` for a question the import makes: the proposal's options by the file's code or
    by label, the missing kinds, numbers and texts as themselves."""
    raw = value_plain(raw)
    if raw is None:
        return BLANK
    options = proposal.get("options", [])
    key = value_key(raw)
    said = words(column.value_labels.get(raw, raw))
    for code, label, option_raw in options:
        if key == option_raw or said == words(label):
            return code
    if said in DONT_KNOW_WORDS:
        return DONT_KNOW
    if said in NOT_RELEVANT_WORDS:
        return NOT_RELEVANT_KIND
    if raw in column.missing_codes:
        return MISSING
    if proposal.get("type") in (*NUMBER_TYPES, *TEXT_TYPES):
        return key
    if proposal.get("type") == Question.Type.YES_NO:
        return {"ja": "yes", "yes": "yes", "1": "yes", "nei": "no", "no": "no", "0": "no", "2": "no"}.get(said)
    return None


def column_kind(column: Column, values: list) -> str:
    """What the column holds: "coded" (value labels, or a few distinct texts), "number" or "text"."""
    present = [value for value in values if value is not None]
    # Labels only on missing codes ("-1 Ikke besvart", "98 Vet ikke") leave a number a number.
    answer_labels = {
        raw
        for raw, label in column.value_labels.items()
        if raw not in column.missing_codes and words(label) not in DONT_KNOW_WORDS | NOT_RELEVANT_WORDS
    }
    if answer_labels:
        return "coded"
    if all(isinstance(value, int | float) for value in present):
        return "number"
    distinct = {value for value in present}
    return "coded" if len(distinct) <= 12 and len(distinct) < max(2, len(present) // 3) else "text"


def type_fits(kind: str, question: Question, values: list, column: Column) -> bool:
    """Whether a column of this kind can hold answers to the question: coded columns go to choice,
    yes/no and scale questions (numbers too, as codes), numbers to number questions, text to text."""
    if question.type in CHOICE_TYPES:
        return kind in ("coded", "number")
    if question.type in NUMBER_TYPES:
        if kind != "number":
            return False
        if question.type == Question.Type.INTEGER:
            return all(isinstance(value, int) or value in column.missing_codes for value in values if value is not None)
        return True
    if question.type in TEXT_TYPES:
        return kind in ("text", "coded") and not column.value_labels
    return False


# --- suggestions ----------------------------------------------------------------------------


@dataclass
class Suggestion:
    column: str
    entry: dict
    why: str
    score: float = 0.0
    alternatives: list[str] = field(default_factory=list)


def _by_series(bank: list[Question]) -> dict[str, Question]:
    """The latest question of each series (the newest code; a series' versions share a prefix)."""
    latest: dict[str, Question] = {}
    for question in bank:
        kept = latest.get(question.series.lower())
        if kept is None or question.created_at > kept.created_at:
            latest[question.series.lower()] = question
    return latest


def column_suggest(column: Column, values: list, bank: list[Question], by_code: dict, by_series: dict) -> Suggestion:
    name = column.name.lower()
    question = by_code.get(name) or by_series.get(name)
    if question is not None and question.type not in (Question.Type.MATRIX, Question.Type.NOTE):
        return Suggestion(column.name, {"action": "map", "question": question.code}, "code")
    # <question>_<matrix row> or <question>_<option>; either part may hold underscores itself.
    for split in [index for index, character in enumerate(name) if character == "_"]:
        head, tail = name[:split], name[split + 1 :]
        question = by_code.get(head) or by_series.get(head)
        if question is not None and question.type == Question.Type.MATRIX:
            item = next((row.code for row in question.matrix_items.all() if row.code.lower() == tail), None)
            if item:
                return Suggestion(column.name, {"action": "map", "question": question.code, "item": item}, "code")
        if question is not None and question.type == Question.Type.MULTIPLE_CHOICE:
            option = next((opt.code for opt in question.options.all() if opt.code.lower() == tail), None)
            if option:
                return Suggestion(column.name, {"action": "map", "question": question.code, "option": option}, "code")
    label = words(column.label)
    if label:
        scored = sorted(
            (
                (difflib.SequenceMatcher(None, label, words(question.text_nb)).ratio(), question.code)
                for question in by_series.values()
                if question.type not in (Question.Type.MATRIX, Question.Type.MULTIPLE_CHOICE, Question.Type.NOTE)
            ),
            reverse=True,
        )
        if scored and scored[0][0] >= LABEL_SIMILARITY:
            return Suggestion(
                column.name,
                {"action": "map", "question": scored[0][1]},
                "label",
                score=round(scored[0][0], 2),
                alternatives=[code for score, code in scored[1:4] if score >= LABEL_SIMILARITY - 0.1],
            )
        return Suggestion(column.name, {"action": "new", "new": new_question_proposal(column, values)}, "new")
    return Suggestion(column.name, {"action": "ignore"}, "no label")


def new_question_proposal(column: Column, values: list) -> dict:
    """A bank question made from the column: its label as the text, its value labels as options
    (the missing kinds left out). Classification, theme and type are the admin's to confirm."""
    kind = column_kind(column, values)
    code = re.sub(r"[^A-Za-z0-9_]", "_", column.name)[:40]
    if not re.match(r"[A-Za-z_]", code):
        code = f"V{code}"[:40]
    proposal = {
        "code": code,
        "series": code,
        "classification": Question.Classification.RECURRING.value,
        "theme": "",
        "text": column.label or column.name,
    }
    if kind == "number":
        present = [value for value in values if value is not None and value not in column.missing_codes]
        all_whole = all(isinstance(value, int) for value in present)
        proposal["type"] = Question.Type.INTEGER.value if all_whole else Question.Type.DECIMAL.value
    elif kind == "text":
        proposal["type"] = Question.Type.LONG_TEXT.value
    else:
        labelled = column.value_labels or {
            value: str(value) for value in sorted({v for v in values if v is not None}, key=str)
        }
        options = []
        taken: set[str] = set()
        for raw, label in labelled.items():
            said = words(label)
            if said in DONT_KNOW_WORDS or said in NOT_RELEVANT_WORDS or raw in column.missing_codes:
                continue
            option_code = _option_code(label, taken)
            options.append([option_code, str(label), value_key(raw)])
        proposal["type"] = Question.Type.SINGLE_CHOICE.value
        proposal["options"] = options
    return proposal


def _option_code(label: str, taken: set[str]) -> str:
    ascii_text = unicodedata.normalize("NFKD", label.replace("ø", "o").replace("æ", "ae").replace("å", "a"))
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.encode("ascii", "ignore").decode().lower()).strip("_")[:36] or "v"
    if not re.match(r"[a-z_]", base):
        base = f"v{base}"[:36]
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    taken.add(code)
    return code


def values_suggest(entry: dict, column: Column, values: list, bank_by_code: dict) -> dict[str, str]:
    """The target of each distinct value of the column (None where nothing fits, for the admin)."""
    distinct = {value_key(value): value_plain(value) for value in values}
    if entry.get("action") == "new":
        return {key: new_value_target(raw, column, entry["new"]) for key, raw in distinct.items()}
    question = bank_by_code.get(entry.get("question", "").lower())
    if question is None:
        return {}
    return {
        key: value_target(raw, column, question, entry.get("item"), entry.get("option"))
        for key, raw in distinct.items()
    }


def mapping_suggest(
    *,
    data_file: DataFile,
    year: int,
    reference_day: datetime.date | None = None,
    previous: dict | None = None,
    bank: list[Question] | None = None,
    registry: Registry | None = None,
) -> dict:
    """A mapping for the file: the unit columns, a suggestion for every column (or the previous
    year's entry for a column of the same name), and the targets of its values."""
    registry = registry or Registry.load()
    bank = bank if bank is not None else bank_load()
    day = reference_day or default_reference_day(year)
    by_code = {question.code.lower(): question for question in bank}
    by_series = _by_series(bank)
    previous = previous or {}
    number_column, name_column = unit_columns_guess(data_file, registry, day)
    mapping = {
        "year": year,
        "reference_day": day.isoformat(),
        "unit_column": previous.get("unit_column") if previous.get("unit_column") in _names(data_file) else None,
        "name_column": previous.get("name_column") if previous.get("name_column") in _names(data_file) else None,
        "unit_guesses": dict(previous.get("unit_guesses") or {}),
        "columns": {},
        "suggested_because": {},
    }
    mapping["unit_column"] = mapping["unit_column"] or number_column
    mapping["name_column"] = mapping["name_column"] or name_column
    earlier_columns = previous.get("columns") or {}
    for index, column in enumerate(data_file.columns):
        if column.name in (mapping["unit_column"], mapping["name_column"]):
            continue
        values = data_file.values(index)
        if column.name in earlier_columns:
            entry = {key: value for key, value in earlier_columns[column.name].items() if key != "values"}
            why = "previous mapping"
        else:
            suggestion = column_suggest(column, values, bank, by_code, by_series)
            entry, why = suggestion.entry, suggestion.why
            if suggestion.score:
                why = f"label {suggestion.score:.2f}"
        if entry["action"] in ("map", "new"):
            suggested = values_suggest(entry, column, values, by_code)
            earlier_values = (earlier_columns.get(column.name) or {}).get("values") or {}
            entry["values"] = {key: earlier_values.get(key, target) for key, target in suggested.items()}
        mapping["columns"][column.name] = entry
        mapping["suggested_because"][column.name] = why
    return mapping


def _names(data_file: DataFile) -> set[str]:
    return {column.name for column in data_file.columns}


def default_reference_day(year: int) -> datetime.date:
    """The survey is fielded in the late autumn: the units of 1 December of the year took part."""
    return datetime.date(year, 12, 1)


def profiles_of_year(year: int) -> set[int]:
    return set(MunicipalityProfile.objects.filter(year=year).values_list("municipality_id", flat=True))
