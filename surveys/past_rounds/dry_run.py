"""The dry run: everything the import would write, worked out and checked without writing.

`past_round_plan` reads the registry and the bank once, matches every row and column by the
mapping, and returns a `Plan`: the report a person reads before importing (units matched and
not, columns mapped, ignored and new, values that match no code with their counts, duplicate
units, a year the registry cannot place, units without a profile, the frequencies each mapped
column will produce) and, when it has no problems, the answers the import writes. The import
(surveys.past_rounds.services) writes exactly this plan, so the dry run cannot disagree with it.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import NOT_RELEVANT, Question, Survey
from surveys.past_rounds.matching import (
    BLANK,
    CHOSEN,
    DONT_KNOW,
    MISSING,
    MISSING_KINDS,
    NEW_QUESTION_TYPES,
    NOT_CHOSEN,
    NOT_RELEVANT_KIND,
    NUMBER_TYPES,
    REGISTRY_FIRST_YEAR,
    TEXT_TYPES,
    Registry,
    UnitMatch,
    bank_load,
    column_kind,
    default_reference_day,
    new_value_target,
    profiles_of_year,
    type_fits,
    units_match,
    value_target,
)
from surveys.past_rounds.reading import Column, DataFile, value_key

SHOWN = 20  # rows or values a problem lists before "and N more"


@dataclass
class ColumnPlan:
    column: Column
    index: int
    action: str  # map, new, ignore
    question_code: str = ""
    item: str | None = None
    option: str | None = None
    new: dict | None = None
    targets: dict[str, str] = field(default_factory=dict)  # value key -> target
    frequencies: Counter = field(default_factory=Counter)  # target -> rows
    unmatched: Counter = field(default_factory=Counter)  # value key -> rows

    @property
    def target_name(self) -> str:
        suffix = f"_{self.item}" if self.item else (f" ({self.option})" if self.option else "")
        return f"{self.question_code}{suffix}"


@dataclass
class Plan:
    data_file: DataFile
    mapping: dict
    year: int
    reference_day: datetime.date
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    units: list[UnitMatch] = field(default_factory=list)
    columns: list[ColumnPlan] = field(default_factory=list)
    lacking_profile: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)  # the bank questions the round asks, in order
    question_order: list[str] = field(default_factory=list)  # codes, existing and new, in column order
    answers: dict[int, dict[str, object]] = field(default_factory=dict)  # unit id -> code -> value
    units_total: int = 0  # units of the registry on the day

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def matched(self) -> list[UnitMatch]:
        return [match for match in self.units if match.unit is not None]

    @property
    def respondents(self) -> list[UnitMatch]:
        """The matched rows with at least one answer; a row of blanks is a unit that did not answer."""
        return [match for match in self.matched if self.answers.get(match.unit.id)]

    @property
    def guesses(self) -> list[UnitMatch]:
        return [match for match in self.units if match.how in ("name", "reform", "confirmed")]

    def by_action(self, action: str) -> list[ColumnPlan]:
        return [column for column in self.columns if column.action == action]

    def report_lines(self) -> list[str]:
        """The report as lines of text (the command prints them; the page shows the same parts)."""
        lines = [
            _("File %(name)s (SHA-256 %(sha)s), %(rows)s rows, %(columns)s columns.")
            % {
                "name": self.data_file.name,
                "sha": self.data_file.sha256,
                "rows": len(self.data_file.rows),
                "columns": len(self.data_file.columns),
            },
            _("Round %(year)s: units of the registry on %(day)s: %(total)s.")
            % {"year": self.year, "day": self.reference_day.isoformat(), "total": self.units_total},
            _("Units matched: %(matched)s of %(rows)s rows; not matched: %(unmatched)s.")
            % {
                "matched": len(self.matched),
                "rows": len(self.units),
                "unmatched": len(self.units) - len(self.matched),
            },
        ]
        if self.ok:
            lines.append(
                _("Respondents (rows with at least one answer): %(count)s.") % {"count": len(self.respondents)}
            )
        for match in self.guesses:
            lines.append("  " + _("guess, row %(row)s: %(note)s") % {"row": match.row, "note": match.note})
        if self.lacking_profile:
            lines.append(
                _("Units without a profile for %(year)s (%(count)s): %(units)s")
                % {"year": self.year, "count": len(self.lacking_profile), "units": _listed(self.lacking_profile)}
            )
        lines.append(
            _("Columns: %(mapped)s mapped, %(new)s new questions, %(ignored)s ignored.")
            % {
                "mapped": len(self.by_action("map")),
                "new": len(self.by_action("new")),
                "ignored": len(self.by_action("ignore")),
            }
        )
        for column in self.columns:
            if column.action == "ignore":
                lines.append("  " + _("%(column)s: ignored") % {"column": column.column.name})
                continue
            target = (
                column.target_name if column.action == "map" else _("new %(code)s") % {"code": column.question_code}
            )
            counts = ", ".join(f"{code} {count}" for code, count in sorted(column.frequencies.items(), key=_order))
            lines.append(f"  {column.column.name} → {target}: {counts}")
            if column.unmatched:
                lines.append(
                    "    "
                    + _("values that match no code: %(values)s")
                    % {"values": ", ".join(f"{value!r} ×{count}" for value, count in column.unmatched.most_common())}
                )
        for warning in self.warnings:
            lines.append(_("Note: %(text)s") % {"text": warning})
        for problem in self.problems:
            lines.append(_("Problem: %(text)s") % {"text": problem})
        lines.append(_("Ready to import.") if self.ok else _("Nothing can be imported until the problems are solved."))
        return lines


def _order(pair: tuple[str, int]) -> tuple[int, str]:
    code = pair[0]
    return (1 if code.startswith("@") else 0, code)


def _listed(items: list[str]) -> str:
    head = ", ".join(items[:SHOWN])
    rest = len(items) - SHOWN
    return head + (_(" and %(count)s more") % {"count": rest} if rest > 0 else "")


def past_round_plan(*, data_file: DataFile, mapping: dict, registry: Registry | None = None) -> Plan:
    """The dry run of the mapping on the file (a fixed number of queries, whatever its size)."""
    year = int(mapping["year"])
    day = (
        datetime.date.fromisoformat(mapping["reference_day"])
        if mapping.get("reference_day")
        else default_reference_day(year)
    )
    plan = Plan(data_file=data_file, mapping=mapping, year=year, reference_day=day)
    registry = registry or Registry.load()
    _check_year(plan, registry)
    plan.units_total = len(registry.valid_on(day))
    _plan_units(plan, registry)
    bank = {question.code: question for question in bank_load()}
    _plan_columns(plan, bank)
    if plan.ok:
        _plan_answers(plan, bank)
    return plan


def _check_year(plan: Plan, registry: Registry) -> None:
    today = timezone.localdate()
    if plan.year < REGISTRY_FIRST_YEAR or plan.reference_day > today:
        plan.problems.append(
            _(
                "The registry cannot place the year %(year)s: it holds the units of %(first)s to today, "
                "and a past round's day (%(day)s) must lie in that span."
            )
            % {"year": plan.year, "first": REGISTRY_FIRST_YEAR, "day": plan.reference_day.isoformat()}
        )
    if plan.reference_day.year != plan.year:
        plan.problems.append(
            _("The registry day %(day)s is not in the round's year %(year)s.")
            % {"day": plan.reference_day.isoformat(), "year": plan.year}
        )
    if Survey.objects.filter(year=plan.year).exists():
        plan.problems.append(_("There is already a round for %(year)s; a year has one round.") % {"year": plan.year})


def _plan_units(plan: Plan, registry: Registry) -> None:
    if not plan.mapping.get("unit_column") and not plan.mapping.get("name_column"):
        plan.problems.append(_("Say which column holds the unit numbers (or names)."))
        return
    plan.units, counts = units_match(
        data_file=plan.data_file, mapping=plan.mapping, registry=registry, day=plan.reference_day
    )
    unmatched = [match for match in plan.units if match.unit is None]
    if unmatched:
        described = [
            _("row %(row)s: %(what)s")
            % {"row": match.row, "what": match.note or match.raw_number or match.raw_name or "—"}
            for match in unmatched
        ]
        plan.problems.append(
            _("Rows that match no unit valid on %(day)s (%(count)s): %(rows)s")
            % {"count": len(unmatched), "day": plan.reference_day.isoformat(), "rows": _listed(described)}
        )
        better = _better_year(plan, registry)
        if better is not None:
            plan.problems.append(
                _(
                    "The file's unit numbers fit the registry of %(better)s better than that of %(year)s: "
                    "is the year right?"
                )
                % {"better": better, "year": plan.year}
            )
    rows_of: dict[str, list[int]] = defaultdict(list)
    for match in plan.units:
        if match.unit is not None:
            rows_of[match.unit.number].append(match.row)
    duplicates = [
        _("%(unit)s on rows %(rows)s")
        % {"unit": f"{number} {plan.units[rows[0] - 2].unit.name}", "rows": ", ".join(map(str, rows))}
        for number, rows in rows_of.items()
        if len(rows) > 1
    ]
    if duplicates:
        plan.problems.append(_("A unit is in the file more than once: %(units)s") % {"units": _listed(duplicates)})
    with_profile = profiles_of_year(plan.year)
    plan.lacking_profile = [
        f"{match.unit.number} {match.unit.name}" for match in plan.matched if match.unit.id not in with_profile
    ]
    if plan.lacking_profile:
        plan.warnings.append(
            _(
                "%(count)s units have no profile for %(year)s: breakdowns and representativeness leave them out "
                "until the year's profiles are uploaded (Registry → profiles)."
            )
            % {"count": len(plan.lacking_profile), "year": plan.year}
        )


def _better_year(plan: Plan, registry: Registry) -> int | None:
    from surveys.past_rounds.matching import unit_number

    numbers = {unit_number(match.raw_number) for match in plan.units} - {None}
    if not numbers:
        return None
    fits = {}
    for year in range(REGISTRY_FIRST_YEAR, timezone.localdate().year + 1):
        valid = registry.valid_on(min(default_reference_day(year), timezone.localdate()))
        fits[year] = len(numbers & valid.keys())
    best = max(fits, key=lambda year: (fits[year], -abs(year - plan.year)))
    return best if best != plan.year and fits[best] > fits.get(plan.year, 0) else None


def _plan_columns(plan: Plan, bank: dict[str, Question]) -> None:
    entries = plan.mapping.get("columns") or {}
    names = {column.name for column in plan.data_file.columns}
    for name in entries:
        if name not in names:
            plan.problems.append(_("The mapping names a column the file does not have: %(column)s.") % {"column": name})
    taken: dict[tuple, str] = {}
    new_codes: set[str] = set()
    for index, column in enumerate(plan.data_file.columns):
        if column.name in (plan.mapping.get("unit_column"), plan.mapping.get("name_column")):
            continue
        entry = entries.get(column.name) or {"action": "ignore"}
        action = entry.get("action", "ignore")
        column_plan = ColumnPlan(column=column, index=index, action=action, targets=dict(entry.get("values") or {}))
        plan.columns.append(column_plan)
        if action == "ignore":
            continue
        values = plan.data_file.values(index)
        kind = column_kind(column, values)
        if action == "new":
            _check_new(plan, column_plan, entry.get("new") or {}, bank, new_codes, kind)
            continue
        if action != "map":
            plan.problems.append(
                _("%(column)s: the action must be map, new or ignore, not %(action)r.")
                % {"column": column.name, "action": action}
            )
            continue
        question = bank.get(entry.get("question") or "")
        if question is None:
            plan.problems.append(
                _("%(column)s is mapped to %(code)r, which is not a question of the bank.")
                % {"column": column.name, "code": entry.get("question")}
            )
            continue
        column_plan.question_code, column_plan.item, column_plan.option = (
            question.code,
            entry.get("item"),
            entry.get("option"),
        )
        problem = _shape_problem(question, column_plan, kind, values)
        if problem:
            plan.problems.append(problem)
            continue
        key = (question.code, column_plan.item, column_plan.option)
        if key in taken:
            plan.problems.append(
                _("%(first)s and %(second)s are both mapped to %(target)s.")
                % {"first": taken[key], "second": column.name, "target": column_plan.target_name}
            )
            continue
        taken[key] = column.name
        if question.code not in plan.question_order:
            plan.question_order.append(question.code)
            plan.questions.append(question)


def _shape_problem(question: Question, column_plan: ColumnPlan, kind: str, values: list) -> str | None:
    name = column_plan.column.name
    kinds = {"coded": _("coded answers"), "number": _("numbers"), "text": _("text")}
    if question.type == Question.Type.NOTE:
        return _("%(column)s is mapped to %(code)s, a note that takes no answer.") % {
            "column": name,
            "code": question.code,
        }
    if question.type == Question.Type.MATRIX:
        items = {row.code for row in question.matrix_items.all()}
        if column_plan.item not in items:
            return _("%(column)s is mapped to the matrix %(code)s: say which of its rows (item: %(items)s).") % {
                "column": name,
                "code": question.code,
                "items": ", ".join(sorted(items)),
            }
    elif column_plan.item:
        return _("%(column)s names a row, but %(code)s is not a matrix.") % {"column": name, "code": question.code}
    if question.type == Question.Type.MULTIPLE_CHOICE:
        options = {option.code for option in question.options.all()}
        if column_plan.option not in options:
            return _(
                "%(column)s is mapped to the multiple-choice %(code)s: map one column per option (option: %(options)s)."
            ) % {"column": name, "code": question.code, "options": ", ".join(sorted(options))}
    elif column_plan.option:
        return _("%(column)s names an option, but %(code)s is not a multiple-choice question.") % {
            "column": name,
            "code": question.code,
        }
    if not type_fits(kind, question, values, column_plan.column):
        return _("%(column)s holds %(kind)s, but %(code)s is a question of another type (%(type)s).") % {
            "column": name,
            "kind": kinds[kind],
            "code": question.code,
            "type": question.get_type_display(),
        }
    return None


def _check_new(plan: Plan, column_plan: ColumnPlan, new: dict, bank: dict, new_codes: set, kind: str) -> None:
    from surveys.models import CODE_PATTERN

    name = column_plan.column.name
    code = new.get("code") or ""
    column_plan.new = new
    column_plan.question_code = code
    if not CODE_PATTERN.match(code):
        plan.problems.append(
            _("%(column)s: the new question's code %(code)r is not a valid code.") % {"column": name, "code": code}
        )
    elif code in bank or code in new_codes:
        plan.problems.append(
            _("%(column)s: the code %(code)s is taken; give the new question another.") % {"column": name, "code": code}
        )
    new_codes.add(code)
    if new.get("type") not in NEW_QUESTION_TYPES:
        plan.problems.append(
            _("%(column)s: a new question from one column is single choice, yes/no, a number or a text, not %(type)r.")
            % {"column": name, "type": new.get("type")}
        )
    elif new["type"] in NUMBER_TYPES and kind != "number" or new["type"] in TEXT_TYPES and kind == "number":
        plan.problems.append(
            _("%(column)s holds values that do not fit a new %(type)s question.")
            % {"column": name, "type": new["type"]}
        )
    if new.get("classification") not in Question.Classification.values:
        plan.problems.append(
            _("%(column)s: choose the new question's classification (%(choices)s).")
            % {"column": name, "choices": ", ".join(Question.Classification.values)}
        )
    if code not in plan.question_order:
        plan.question_order.append(code)


def _plan_answers(plan: Plan, bank: dict[str, Question]) -> None:
    """Every value through its target into the answer it stores (or the missing kind it counts as)."""
    rows = [(match, plan.data_file.rows[match.row - 2]) for match in plan.matched]
    for column_plan in plan.columns:
        if column_plan.action == "ignore":
            continue
        question = bank.get(column_plan.question_code)
        resolve = _resolver(column_plan, question)
        for match, row in rows:
            raw = row[column_plan.index]
            key = value_key(raw)
            target = column_plan.targets.get(key)
            if target is None:
                target = resolve(raw)
            stored = _stored(column_plan, question, target)
            if stored is _UNMATCHED:
                column_plan.unmatched[key] += 1
                continue
            column_plan.frequencies[_frequency_key(target, stored, question, column_plan)] += 1
            answers = plan.answers.setdefault(match.unit.id, {})
            code = column_plan.question_code
            if column_plan.item is not None:
                if stored is not None:
                    answers.setdefault(code, {})[column_plan.item] = stored
            elif column_plan.option is not None:
                if target == CHOSEN:
                    answers.setdefault(code, []).append(column_plan.option)
                elif target == NOT_CHOSEN:
                    answers.setdefault(code, [])
            elif stored is not None:
                answers[code] = stored
        if column_plan.unmatched:
            plan.problems.append(
                _("%(column)s: values that match no code of %(target)s (%(count)s): %(values)s.")
                % {
                    "column": column_plan.column.name,
                    "count": sum(column_plan.unmatched.values()),
                    "target": column_plan.target_name,
                    "values": _listed([f"{value!r} ×{count}" for value, count in column_plan.unmatched.most_common()]),
                }
            )
    for answers in plan.answers.values():
        for code in [code for code, value in answers.items() if value == [] or value == {}]:
            del answers[code]  # nothing chosen in any option column: not answered
        for code, value in answers.items():
            if isinstance(value, list):
                order = _option_order(bank.get(code))
                value.sort(key=lambda option: order.get(option, 0))


def _option_order(question: Question | None) -> dict[str, int]:
    if question is None:
        return {}
    return {option.code: position for position, option in enumerate(question.options.all())}


_UNMATCHED = object()
TEXT_ANSWER = "(text)"
NUMBER_ANSWER = "(number)"


def _frequency_key(target: str, stored: object, question: Question | None, column_plan: ColumnPlan) -> str:
    """How the report counts a value: its code or missing kind; numbers as themselves; texts together."""
    if target in MISSING_KINDS or target in (CHOSEN, NOT_CHOSEN):
        return target
    question_type = question.type if question is not None else (column_plan.new or {}).get("type")
    if question_type in TEXT_TYPES:
        return TEXT_ANSWER
    if question_type in NUMBER_TYPES:
        return NUMBER_ANSWER
    return str(stored)


def _resolver(column_plan: ColumnPlan, question: Question | None):
    if question is not None:
        return lambda raw: value_target(raw, column_plan.column, question, column_plan.item, column_plan.option)
    return lambda raw: new_value_target(raw, column_plan.column, column_plan.new or {})


def _stored(column_plan: ColumnPlan, question: Question | None, target: str | None) -> object:
    """The stored value a target becomes: a code, a number, a text; None for a missing kind."""
    if target is None:
        return _UNMATCHED
    if target in (BLANK, MISSING, DONT_KNOW, NOT_CHOSEN, CHOSEN):
        return None
    question_type = question.type if question is not None else column_plan.new.get("type")
    if target == NOT_RELEVANT_KIND:
        offers = question is not None and question.offers_not_relevant
        return NOT_RELEVANT if offers else None
    if question_type in NUMBER_TYPES:
        try:
            number = float(target)
        except ValueError:
            return _UNMATCHED
        if question_type == Question.Type.INTEGER:
            return int(number) if number.is_integer() else _UNMATCHED
        return number
    if question_type in TEXT_TYPES:
        return str(target)
    valid = _codes(question, column_plan)
    return target if target in valid else _UNMATCHED


def _codes(question: Question | None, column_plan: ColumnPlan) -> set[str]:
    if question is None:
        new = column_plan.new or {}
        if new.get("type") == Question.Type.YES_NO:
            return {"yes", "no"}
        return {code for code, _label, _raw in new.get("options", [])}
    if question.type == Question.Type.YES_NO:
        return {"yes", "no"}
    if question.scale_id:
        return {point.code for point in question.scale.points.all()}
    return {option.code for option in question.options.all()}
