"""Questionnaire checks, conditions and the next year's draft.

Every write that shapes a questionnaire goes through here, so the rules hold
for the admin, the design pages, the XLSForm import and the tests alike.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from municipalities.models import Municipality, MunicipalityProfile
from surveys.conditions import (
    PROFILE_REFERENCES,
    ConditionError,
    Reference,
    condition_check,
    condition_evaluate,
    condition_parse,
    condition_references,
)
from surveys.models import (
    DONT_KNOW,
    NOT_RELEVANT,
    Item,
    MatrixItem,
    Question,
    Questionnaire,
    QuestionOption,
    RespondentRole,
    ScalePoint,
    Section,
    Survey,
)

YES_NO_CODES = ("yes", "no")


@dataclass
class Problem:
    """Something that keeps a questionnaire from being opened."""

    where: str  # the section or item code the problem is in
    message: str


def _dont_know(question: Question) -> frozenset[str]:
    return frozenset([DONT_KNOW]) if question.offers_dont_know else frozenset()


def question_references(question: Question) -> dict[str, Reference]:
    """The names a question contributes to conditions, with their types.
    Expects options, matrix items and scale points prefetched."""
    kind = question.type
    if kind == Question.Type.NOTE:
        return {}
    if kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
        return {question.code: Reference("number")}
    if kind in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
        return {question.code: Reference("string")}
    if kind == Question.Type.YES_NO:
        return {question.code: Reference("choice", options=frozenset(YES_NO_CODES))}
    if kind in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
        codes = frozenset(option.code for option in question.options.all()) | _dont_know(question)
        value_type = "choice" if kind == Question.Type.SINGLE_CHOICE else "multichoice"
        return {question.code: Reference(value_type, options=codes)}
    points = {point.code for point in question.scale.points.all()}
    if question.offers_not_relevant:
        points.add(NOT_RELEVANT)
    points |= _dont_know(question)
    if kind == Question.Type.SCALE:
        return {question.code: Reference("choice", options=frozenset(points))}
    return {
        f"{question.code}_{row.code}": Reference("choice", options=frozenset(points))
        for row in question.matrix_items.all()
    }


def questionnaire_load(questionnaire_id: int) -> Questionnaire:
    """A questionnaire with everything its pages and checks read, in a fixed number of queries."""
    questions = Question.objects.select_related("scale").prefetch_related(
        Prefetch("options", queryset=QuestionOption.objects.order_by("position", "pk")),
        Prefetch("matrix_items", queryset=MatrixItem.objects.order_by("position", "pk")),
        Prefetch("scale__points", queryset=ScalePoint.objects.order_by("value")),
    )
    items = Item.objects.order_by("position").prefetch_related(Prefetch("question", queryset=questions))
    return Questionnaire.objects.prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("position").prefetch_related(Prefetch("items", items)))
    ).get(pk=questionnaire_id)


def questionnaire_items_in_order(questionnaire: Questionnaire) -> list[Item]:
    return [item for section in questionnaire.sections.all() for item in section.items.all()]


def questionnaire_problems(questionnaire: Questionnaire) -> list[Problem]:
    """Every reason the questionnaire cannot be opened: no sections, a section for a role the
    questionnaire does not define, a code that clashes with a profile variable, or a condition
    that does not check (unknown code, later question, type mismatch, syntax), each with its position."""
    questionnaire = questionnaire_load(questionnaire.pk)
    sections = list(questionnaire.sections.all())
    if not sections:
        return [Problem("", _("The questionnaire has no sections."))]
    items = questionnaire_items_in_order(questionnaire)
    problems = []
    roles = set(questionnaire.roles.values_list("code", flat=True))
    for section in sections:
        if section.role not in roles:
            message = _("%(section)s is for the role “%(role)s”, which the questionnaire does not define.")
            problems.append(Problem(section.code, message % {"section": section.code, "role": section.role}))
    later: dict[str, Reference] = {}
    for item in items:
        if item.question.code in PROFILE_REFERENCES:
            problems.append(
                Problem(
                    item.question.code,
                    _("The code %(code)s is reserved for a profile variable.") % {"code": item.question.code},
                )
            )
        for name, reference in question_references(item.question).items():
            later[name] = Reference(reference.type, reference.options, is_later=True)

    def check(where: str, text: str, references: dict[str, Reference]) -> None:
        if not text.strip():
            return
        try:
            condition_check(text, references=references)
        except ConditionError as error:
            problems.append(Problem(where, f"{where}: {error.message}"))

    earlier: dict[str, Reference] = {}
    for section in sections:
        section_items = list(section.items.all())
        check(section.code, section.condition, {**later, **PROFILE_REFERENCES, **earlier})
        for item in section_items:
            # An item's own code counts as later: a question cannot depend on itself.
            check(item.question.code, item.condition, {**later, **PROFILE_REFERENCES, **earlier})
            for name in question_references(item.question):
                later.pop(name, None)
            earlier.update(question_references(item.question))
    return problems


def references_for_condition(
    *,
    questionnaire: Questionnaire,
    section_position: int,
    section_questions: list[Question],
    row_index: int | None = None,
    exclude_section_id: int | None = None,
) -> dict[str, Reference]:
    """What a condition may refer to at one place in a questionnaire: profile variables
    and questions placed before it. Questions at or after the place are marked later,
    so the checker can say so. `section_questions` is the section's questions in their
    (new) order; `row_index` None means the section's own condition."""
    questionnaire = questionnaire_load(questionnaire.pk)
    earlier: dict[str, Reference] = {}
    later: dict[str, Reference] = {}
    for section in questionnaire.sections.all():
        if section.pk == exclude_section_id:
            continue
        target = earlier if section.position < section_position else later
        for item in section.items.all():
            target.update(question_references(item.question))
    split = 0 if row_index is None else row_index
    for question in section_questions[:split]:
        earlier.update(question_references(question))
    for question in section_questions[split:]:
        later.update(question_references(question))
    later_marked = {name: Reference(ref.type, ref.options, is_later=True) for name, ref in later.items()}
    return {**later_marked, **PROFILE_REFERENCES, **earlier}


def condition_message(text: str, references: dict[str, Reference]) -> str | None:
    """None when the condition checks (or is empty), else the message with its position."""
    if not text.strip():
        return None
    try:
        condition_check(text, references=references)
    except ConditionError as error:
        return error.message
    return None


def profile_values(*, municipality: Municipality, year: int) -> dict[str, object]:
    """The municipality's attributes that conditions can use, from its profile of `year`."""
    # The round's year, or the latest earlier profile when that year's is not loaded yet.
    profile = MunicipalityProfile.objects.filter(municipality=municipality, year__lte=year).order_by("-year").first()
    values: dict[str, object] = {"kind": municipality.kind}
    for name in MunicipalityProfile.CONDITION_FIELDS:
        values[name] = getattr(profile, name) if profile else None
    return values


def answer_values(*, questionnaire: Questionnaire, answers: dict[str, object]) -> dict[str, object]:
    """Answers keyed by question code, spread into the names conditions use
    (a matrix answer {item: code} becomes one value per `<code>_<item>`)."""
    values = {}
    for code, value in answers.items():
        if isinstance(value, dict):
            for item_code, item_value in value.items():
                values[f"{code}_{item_code}"] = item_value
        else:
            values[code] = value
    return values


@dataclass
class Visibility:
    sections: list[Section]
    items: dict[int, list[Item]]  # section id -> visible items
    hidden_items: list[Item]
    hidden_sections: list[Section]


def questionnaire_visibility(
    *, questionnaire: Questionnaire, profile: dict[str, object], answers: dict[str, object]
) -> Visibility:
    """Which sections and items a municipality sees given its profile and answers so far.
    Conditions were checked when the questionnaire was saved; an unparsable one hides its item."""
    values = {**answer_values(questionnaire=questionnaire, answers=answers), **profile}

    def holds(text: str) -> bool:
        if not text.strip():
            return True
        try:
            return condition_evaluate(condition_parse(text), values=values)
        except ConditionError:
            return False

    visibility = Visibility([], {}, [], [])
    for section in questionnaire.sections.all():
        if not holds(section.condition):
            visibility.hidden_sections.append(section)
            visibility.hidden_items.extend(section.items.all())
            continue
        visibility.sections.append(section)
        shown = []
        for item in section.items.all():
            (shown if holds(item.condition) else visibility.hidden_items).append(item)
        visibility.items[section.pk] = shown
    return visibility


@dataclass
class ClonePlan:
    recurring: list[Item]
    optional: list[Item]  # rotating themes and current affairs: keep or drop


def survey_clone_plan(*, source: Survey) -> ClonePlan:
    questionnaire = questionnaire_load(source.questionnaire_id)
    items = questionnaire_items_in_order(questionnaire)
    recurring = [i for i in items if i.question.classification == Question.Classification.RECURRING]
    optional = [i for i in items if i.question.classification != Question.Classification.RECURRING]
    return ClonePlan(recurring, optional)


def questionnaire_title_for_year(title: str, *, old_year: int, year: int) -> str:
    """Last year's title with this year's in it: "Kommuneundersøkelsen 2026" becomes
    "Kommuneundersøkelsen 2027"; a title without its year gets the year added."""
    if str(old_year) in title:
        return title.replace(str(old_year), str(year))
    return f"{title} {year}"


@transaction.atomic
def survey_create_next(
    *,
    source: Survey,
    year: int,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    keep_question_ids: set[int],
) -> Survey:
    """A draft round and questionnaire for a new year from an earlier one: every
    recurring question is kept (the same bank question, so the series holds),
    rotating and current-affairs questions only when kept. Refuses to drop a
    question that a kept condition still refers to."""
    if source.questionnaire_id is None:
        raise ValidationError(_("The round to copy has no questionnaire."), code="no_questionnaire")
    if Survey.objects.filter(year=year).exists():
        raise ValidationError(_("There is already a round for %(year)s.") % {"year": year}, code="year_taken")
    old = questionnaire_load(source.questionnaire_id)
    items = questionnaire_items_in_order(old)
    kept = [
        item
        for item in items
        if item.question.classification == Question.Classification.RECURRING or item.question_id in keep_question_ids
    ]
    dropped_names: dict[str, str] = {}
    for item in items:
        if item not in kept:
            for name in question_references(item.question):
                dropped_names[name] = item.question.code
    broken = []
    for thing, code in [(s, s.code) for s in old.sections.all()] + [(i, i.question.code) for i in kept]:
        if not thing.condition.strip():
            continue
        for name in condition_references(condition_parse(thing.condition)) & dropped_names.keys():
            broken.append(
                _("%(code)s is shown on a condition about %(dropped)s: keep %(dropped)s or drop %(code)s too.")
                % {"code": code, "dropped": dropped_names[name]}
            )
    if broken:
        raise ValidationError(broken, code="condition_on_dropped")

    questionnaire = Questionnaire.objects.create(
        title=questionnaire_title_for_year(old.title, old_year=old.year, year=year), year=year, copied_from=old
    )
    role_fields = (
        "position",
        "code",
        "name_nb",
        "name_nn",
        "name_en",
        "contact_role",
        "unit_kind",
        "is_chief_executive",
    )
    RespondentRole.objects.bulk_create(
        RespondentRole(questionnaire=questionnaire, **{name: getattr(role, name) for name in role_fields})
        for role in old.roles.all()
    )
    kept_ids = {item.pk for item in kept}
    for section in old.sections.all():
        section_items = [item for item in section.items.all() if item.pk in kept_ids]
        new_section = Section.objects.create(
            questionnaire=questionnaire,
            position=section.position,
            code=section.code,
            role=section.role,
            title_nb=section.title_nb,
            title_nn=section.title_nn,
            title_en=section.title_en,
            condition=section.condition,
        )
        Item.objects.bulk_create(
            Item(
                questionnaire=questionnaire,
                section=new_section,
                position=item.position,
                question=item.question,
                condition=item.condition,
            )
            for item in section_items
        )
    survey = Survey(year=year, title=title, questionnaire=questionnaire, opens_at=opens_at, closes_at=closes_at)
    survey.full_clean()
    survey.save()
    return survey


def _next_version_code(question: Question) -> str:
    number = Question.objects.filter(series=question.series).count() + 1
    while True:
        code = f"{question.series}_v{number}"[:40]
        if not Question.objects.filter(code=code).exists():
            return code
        number += 1


REVISABLE_FIELDS = ("text_nb", "text_nn", "text_en", "help_nb", "help_nn", "help_en", "theme", "has_comment")


@transaction.atomic
def question_new_version(*, question: Question, changes: dict[str, object], code: str | None = None) -> Question:
    """A new question in the same series with changed wording, put in place of the
    old one in every questionnaire that is still a draft (conditions follow the new code).
    This is how a frozen question changes: the old one stays as it was asked."""
    unknown = set(changes) - set(REVISABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Only texts, theme and the comment box can change in a new version, not %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            code="not_revisable",
        )
    fields = {
        name: getattr(question, name)
        for name in (
            "series",
            "classification",
            "theme",
            "type",
            "scale",
            "offers_not_relevant",
            "offers_dont_know",
            "max_choices",
            "min_value",
            "max_value",
            "has_comment",
        )
        + REVISABLE_FIELDS
    }
    fields.update(changes)
    new = Question(code=code or _next_version_code(question), previous_version=question, **fields)
    new.full_clean()
    new.save()
    QuestionOption.objects.bulk_create(
        QuestionOption(
            question=new,
            code=o.code,
            position=o.position,
            is_exclusive=o.is_exclusive,
            label_nb=o.label_nb,
            label_nn=o.label_nn,
            label_en=o.label_en,
        )
        for o in question.options.all()
    )
    MatrixItem.objects.bulk_create(
        MatrixItem(
            question=new,
            code=m.code,
            position=m.position,
            label_nb=m.label_nb,
            label_nn=m.label_nn,
            label_en=m.label_en,
        )
        for m in question.matrix_items.all()
    )
    names = {question.code: new.code}
    names.update({f"{question.code}_{m.code}": f"{new.code}_{m.code}" for m in question.matrix_items.all()})
    pattern = re.compile(r"\$\{(" + "|".join(re.escape(name) for name in names) + r")\}")
    for item in Item.objects.filter(questionnaire__frozen_at__isnull=True, question=question):
        item.question = new
        item.save(update_fields=["question", "updated_at"])
    for model in (Item, Section):
        for row in model.objects.filter(questionnaire__frozen_at__isnull=True, condition__contains="${"):
            rewritten = pattern.sub(lambda match: "${" + names[match.group(1)] + "}", row.condition)
            if rewritten != row.condition:
                row.condition = rewritten
                row.save(update_fields=["condition", "updated_at"])
    return new


# --- answers kept apart: exclusive options and "don't know" (the design studio's writes) ----------


@transaction.atomic
def option_exclusive_set(*, option: QuestionOption, exclusive: bool) -> QuestionOption:
    """Marks a multiple-choice option exclusive ("None of these": chosen only alone, see
    surveys.forms.exclusive_conflict) or not. Raises ValidationError {"is_exclusive": ...} for an
    option of another type of question, and FrozenError (a ValidationError) when its question was
    asked in an opened round: a frozen question's answers keep their meaning."""
    option.is_exclusive = exclusive
    option.full_clean()
    option.save(update_fields=["is_exclusive", "updated_at"])
    return option


@transaction.atomic
def question_dont_know_set(*, question: Question, offered: bool) -> Question:
    """Offers "don't know" (the answer code DONT_KNOW) on a choice, scale or matrix question, or stops
    offering it. It is kept apart from the values like "not relevant": counted apart in statistics,
    -6 in exports; on a multiple choice it is chosen only alone. Raises ValidationError
    {"offers_dont_know": ...} for another type of question, and FrozenError when the question is
    frozen (make a new version in the studio instead)."""
    question.offers_dont_know = offered
    question.full_clean()
    question.save(update_fields=["offers_dont_know", "updated_at"])
    return question


# --- respondent roles (the design studio's writes) -------------------------------------------------


@transaction.atomic
def respondent_role_add(
    *,
    questionnaire: Questionnaire,
    code: str,
    name_nb: str,
    name_nn: str = "",
    name_en: str = "",
    contact_role: str = "",
    unit_kind: str = "",
) -> RespondentRole:
    """A new respondent role of a draft questionnaire, e.g. code "health", invited from the registry's
    contacts with `contact_role` (a municipalities.Contact.Role value; "" invites nobody) in units
    of `unit_kind` ("municipality", "district", or "" for both), placed last. Sections are then
    made for it with role=code. Raises ValidationError for a code the questionnaire has or a
    contact role another role already invites in the same units (field errors), and FrozenError
    when the questionnaire was opened. New roles are never the chief executive's: the link rule
    knows the chief executive's roles by code (RespondentRole.is_chief_executive, CHIEF_ROLE_CODES)."""
    last = questionnaire.roles.order_by("-position").values_list("position", flat=True).first()
    role = RespondentRole(
        questionnaire=questionnaire,
        position=0 if last is None else last + 1,
        code=code,
        name_nb=name_nb,
        name_nn=name_nn,
        name_en=name_en,
        contact_role=contact_role,
        unit_kind=unit_kind,
    )
    role.full_clean()
    role.save()
    return role
