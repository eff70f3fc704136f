"""What the respondent pages need from a frozen questionnaire, built once and kept.

A questionnaire is frozen when its round opens and never changes again, so every entry is keyed
by the questionnaire's id and freeze time and cannot go stale. Entries are kept in the Django
cache (Redis in production and tests, files in the embedded default), which shares what one
process built with the others; on the fast path a process also keeps what it has read in its own
memory (surveys.fastpath.memory), sparing a request the cache's round trip and the unpickling.
Per request only what depends on a municipality is worked out: its answers, which conditions
hold, and the values filled into the section's form. Nothing read from either is changed by the
pages.

- the plan: sections and items with their conditions parsed, for the pages;
- each section's rules: what an autosave needs, including which answers the section's
  conditions read, so that it loads only those;
- each question's item with its options, scale and matrix rows (model instances, pickled):
  the autosave validates one answer with the same SectionForm the page renders;
- on the fast path, each section's compiled form per language (surveys.fastpath.forms).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import crispy_bootstrap5
import crispy_forms
import django
from django.conf import settings
from django.core.cache import cache
from django.db import models

import surveys.forms
from surveys import fastpath
from surveys.conditions import ConditionError, Node, condition_evaluate, condition_parse, condition_references
from surveys.fastpath.memory import memory
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
from surveys.numbering import question_numbers
from surveys.services.questionnaires import (
    answer_values,
    question_references,
    questionnaire_items_in_order,
    questionnaire_load,
)

CACHE_VERSION = 1  # raise when what is cached changes shape in a way _fingerprint does not see
CACHE_TIMEOUT = 24 * 60 * 60  # a frozen questionnaire's entries never go stale; this only frees the space


def frozen_get_many(keys: list[str]) -> dict[str, object]:
    """Entries of frozen questionnaires: from the process's memory on the fast path, else from the
    Django cache."""
    fast = fastpath.enabled()
    found = memory.get_many(keys) if fast else {}
    missing = [key for key in keys if key not in found]
    if missing:
        shared = cache.get_many(missing)
        if fast:
            memory.set_many(shared)
        found.update(shared)
    return found


def frozen_get(key: str) -> object | None:
    return frozen_get_many([key]).get(key)


def frozen_set_many(entries: Mapping[str, object]) -> None:
    cache.set_many(entries, timeout=CACHE_TIMEOUT)
    if fastpath.enabled():
        memory.set_many(entries)


@dataclass(frozen=True)
class Condition:
    """A condition parsed once. An empty one always holds; one that does not parse never does
    (conditions are checked when the round opens, so that is a questionnaire from before the checks)."""

    tree: Node | None
    broken: bool
    names: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Condition:
        if not text.strip():
            return ALWAYS
        try:
            tree = condition_parse(text)
        except ConditionError:
            return cls(None, True, frozenset())
        return cls(tree, False, frozenset(condition_references(tree)))

    def holds(self, values: Mapping[str, object]) -> bool:
        if self.broken:
            return False
        if self.tree is None:
            return True
        try:
            return condition_evaluate(self.tree, values=values)
        except ConditionError:
            return False


ALWAYS = Condition(None, False, frozenset())  # one object, so a plan pickles and loads it once


@dataclass(frozen=True)
class ItemPlan:
    """One question placed in a section. Has the attributes of a Question that
    surveys.answers.initial_from_answer reads (code, type, has_comment)."""

    pk: int
    question_id: int
    code: str
    type: str
    has_comment: bool
    condition: Condition
    rows: int = 0  # a matrix's rows: it counts as answered when every row is

    @property
    def answerable(self) -> bool:
        return self.type != Question.Type.NOTE

    def is_answered(self, value: object) -> bool:
        """Whether a stored value answers the question: a matrix only with every row answered."""
        if value is None:
            return False
        return not self.rows or len(value) >= self.rows


@dataclass
class SectionPlan:
    section: Section  # the model instance, without related objects
    condition: Condition
    items: list[ItemPlan]
    reads: frozenset[int] = frozenset()  # question ids whose answers the section's conditions read

    @property
    def pk(self) -> int:
        return self.section.pk

    def item(self, code: str) -> ItemPlan | None:
        return next((item for item in self.items if item.code == code), None)


@dataclass
class SectionRules:
    """What an autosave needs of a section, and no more: who may open it, whether it shows, which
    questions are in it, which items a condition may hide and the answers those conditions read."""

    section: Section
    condition: Condition
    codes: frozenset[str]
    conditioned: tuple[tuple[str, Condition], ...]
    reads: dict[int, str]  # question id -> code

    def _values(self, profile: Mapping[str, object], values: Mapping[str, object]) -> dict[str, object]:
        return {**answer_values(questionnaire=None, answers=values), **profile}

    def shows(self, *, profile: Mapping[str, object], values: Mapping[str, object]) -> bool:
        return self.condition.holds(self._values(profile, values))

    def hidden(self, *, profile: Mapping[str, object], values: Mapping[str, object]) -> list[str]:
        merged = self._values(profile, values)
        return sorted(code for code, condition in self.conditioned if not condition.holds(merged))


@dataclass
class QuestionnairePlan:
    questionnaire_id: int
    sections: list[SectionPlan]
    codes: dict[int, str] = field(default_factory=dict)  # question id -> code
    numbers: dict[int, int] = field(default_factory=dict)  # question id -> its number (question_numbers)

    def section_by_code(self, code: str) -> SectionPlan | None:
        return next((plan for plan in self.sections if plan.section.code == code), None)

    def section_by_pk(self, pk: int) -> SectionPlan:
        return next(plan for plan in self.sections if plan.pk == pk)


@dataclass
class PlanVisibility:
    sections: list[SectionPlan]  # the sections whose condition holds
    items: dict[int, list[ItemPlan]]  # section id -> items shown


@functools.cache
def _fingerprint() -> str:
    """What the cached entries were made with besides the questionnaire: the models' fields (entries
    hold pickled instances), the form code and templates' packages and the translations (compiled
    forms hold their text). Worked out once per process, so a deploy never reads an older entry."""
    parts = [str(CACHE_VERSION), django.get_version(), crispy_forms.__version__, crispy_bootstrap5.__version__]
    for model in (Section, Item, Question, QuestionOption, MatrixItem, Scale, ScalePoint):
        parts.append(",".join(field.attname for field in model._meta.concrete_fields))
    files = [Path(__file__), Path(surveys.forms.__file__), *sorted(Path(settings.BASE_DIR, "locale").glob("*/*/*.mo"))]
    parts += [f"{path.name}:{path.stat().st_mtime_ns}" for path in files if path.exists()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _key(questionnaire: Questionnaire, what: str) -> str:
    frozen = f"{questionnaire.frozen_at.timestamp():.6f}"
    return f"respondent:{_fingerprint()}:{questionnaire.pk}:{frozen}:{what}"


def _bare(instance: models.Model) -> models.Model:
    """A copy with the fields only: none of the related objects it was loaded with."""
    fields = type(instance)._meta.concrete_fields
    names = [field.attname for field in fields]
    return type(instance).from_db(instance._state.db, names, [getattr(instance, name) for name in names])


def _question_key(questionnaire: Questionnaire, code: str) -> str:
    return _key(questionnaire, f"item:{code}")


def _build(questionnaire: Questionnaire) -> tuple[QuestionnairePlan, dict[str, Item], dict[str, SectionRules]]:
    loaded = questionnaire_load(questionnaire.pk)
    names: dict[str, int] = {}  # a name conditions use -> the question it is an answer of
    sections: list[SectionPlan] = []
    items: dict[str, Item] = {}
    codes: dict[int, str] = {}
    for section in loaded.sections.all():
        plans = []
        for item in section.items.all():
            question = item.question
            # Without the section and questionnaire it was loaded with: each is cached on its own.
            bare_item = _bare(item)
            bare_item.question = question
            items[question.code] = bare_item
            codes[question.pk] = question.code
            names.update(dict.fromkeys(question_references(question), question.pk))
            plans.append(
                ItemPlan(
                    pk=item.pk,
                    question_id=question.pk,
                    code=question.code,
                    type=question.type,
                    has_comment=question.has_comment,
                    condition=Condition.parse(item.condition),
                    rows=len(question.matrix_items.all()) if question.type == Question.Type.MATRIX else 0,
                )
            )
        sections.append(SectionPlan(section=_bare(section), condition=Condition.parse(section.condition), items=plans))
    rules = {}
    for plan in sections:
        read = set(plan.condition.names).union(*(item.condition.names for item in plan.items))
        plan.reads = frozenset(names[name] for name in read if name in names)
        rules[plan.section.code] = SectionRules(
            section=plan.section,
            condition=plan.condition,
            codes=frozenset(item.code for item in plan.items),
            conditioned=tuple((item.code, item.condition) for item in plan.items if item.condition is not ALWAYS),
            reads={question_id: codes[question_id] for question_id in plan.reads},
        )
    numbers = question_numbers(questionnaire_items_in_order(loaded))
    plan = QuestionnairePlan(questionnaire_id=questionnaire.pk, sections=sections, codes=codes, numbers=numbers)
    return plan, items, rules


def _build_and_store(
    questionnaire: Questionnaire,
) -> tuple[QuestionnairePlan, dict[str, Item], dict[str, SectionRules]]:
    plan, items, rules = _build(questionnaire)
    if questionnaire.frozen_at is not None:
        entries = {_question_key(questionnaire, code): item for code, item in items.items()}
        entries.update({_key(questionnaire, f"rules:{code}"): section for code, section in rules.items()})
        entries[_key(questionnaire, "plan")] = plan
        frozen_set_many(entries)
    return plan, items, rules


def plan_get(questionnaire: Questionnaire) -> QuestionnairePlan:
    """The plan of a questionnaire (built from the database only when a draft or not cached)."""
    if questionnaire.frozen_at is not None:
        plan = frozen_get(_key(questionnaire, "plan"))
        if plan is not None:
            return plan
    return _build_and_store(questionnaire)[0]


def rules_and_item_get(
    questionnaire: Questionnaire, section_code: str, question_code: str
) -> tuple[SectionRules | None, Item | None]:
    """A section's rules and one question's item, in one cache round trip: what an autosave
    needs. None for a section or question the questionnaire does not have."""
    if not (CODE_PATTERN.match(section_code) and CODE_PATTERN.match(question_code)):
        return None, None
    if questionnaire.frozen_at is not None:
        keys = [_key(questionnaire, f"rules:{section_code}"), _question_key(questionnaire, question_code)]
        found = frozen_get_many(keys)
        rules, item = found.get(keys[0]), found.get(keys[1])
        if rules is not None and (item is not None or question_code not in rules.codes):
            return rules, item
        # Not built yet, or a section that does not exist: only the plan can tell, and is cheaper than a build.
        plan = frozen_get(_key(questionnaire, "plan"))
        if plan is not None and plan.section_by_code(section_code) is None:
            return None, None
    _plan, items, rules = _build_and_store(questionnaire)
    return rules.get(section_code), items.get(question_code)


def section_items_get(questionnaire: Questionnaire, plan: SectionPlan) -> list[Item]:
    """A section's items with their questions, options, scales and matrix rows, in order."""
    if questionnaire.frozen_at is not None:
        keys = [_question_key(questionnaire, item.code) for item in plan.items]
        found = frozen_get_many(keys)
        if len(found) == len(keys):
            return [found[key] for key in keys]
    items = _build_and_store(questionnaire)[1]
    return [items[item.code] for item in plan.items]


def form_cache_key(questionnaire: Questionnaire, section_code: str, language: str) -> str | None:
    """Where a section's compiled form in one language is kept (surveys.fastpath.forms); None for a draft."""
    if questionnaire.frozen_at is None:
        return None
    return _key(questionnaire, f"form:{section_code}:{language}")


def plan_and_form_get(
    questionnaire: Questionnaire, section_code: str, language: str
) -> tuple[QuestionnairePlan, object]:
    """The plan and a section's compiled form (None when not compiled yet), in one cache round
    trip: what the section page needs."""
    form_key = form_cache_key(questionnaire, section_code, language)
    if form_key is None or not CODE_PATTERN.match(section_code):
        return plan_get(questionnaire), None
    plan_key = _key(questionnaire, "plan")
    found = frozen_get_many([plan_key, form_key])
    plan = found.get(plan_key) or _build_and_store(questionnaire)[0]
    return plan, found.get(form_key)


def plan_visibility(plan: QuestionnairePlan, *, profile: Mapping[str, object], values: Mapping[str, object]):
    """Which sections and items show, as surveys.services.questionnaires.questionnaire_visibility
    decides it; `values` are answers by question code (only those the conditions read are needed)."""
    merged = {**answer_values(questionnaire=None, answers=values), **profile}
    visibility = PlanVisibility([], {})
    for section in plan.sections:
        if not section.condition.holds(merged):
            continue
        visibility.sections.append(section)
        visibility.items[section.pk] = [item for item in section.items if item.condition.holds(merged)]
    return visibility


def values_by_code(plan: QuestionnairePlan, answers: Iterable) -> dict[str, object]:
    """{question code: value} from answer rows that have question_id and value."""
    return {plan.codes[answer.question_id]: answer.value for answer in answers if answer.question_id in plan.codes}
