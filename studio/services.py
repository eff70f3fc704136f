"""The studio's writes: the order of sections and items, questions added from the bank or
removed, next year's round, and opening a round through its checklist.

Drag and drop and the move buttons both call `item_place` and `section_place`, so a keyboard user
and a mouse user change the order the same way. A frozen questionnaire refuses every one of these
writes through its guard (surveys.models.freezing); a change of order that would leave a condition
on a later question is refused and undone.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Max, Value, When
from django.utils.translation import gettext as _

from reminders.services import schedule_copy
from studio.conditions import condition_with_codes
from studio.selectors import round_checklist
from surveys.conditions import condition_parse, condition_references
from surveys.models import FrozenError, Item, Question, Questionnaire, QuestionOption, Section, Survey
from surveys.services.questionnaires import (
    REVISABLE_FIELDS,
    condition_message,
    question_new_version,
    question_references,
    questionnaire_problems,
    references_for_condition,
    survey_create_next,
)
from surveys.services.rounds import survey_open

# Positions are unique per section (per questionnaire for sections): rows are first parked above
# any real position, then numbered 1, 2, 3..., so no two rows ever hold the same one.
PARKING = 10000


def _renumber(model, ids: list[int]) -> None:
    model.objects.filter(pk__in=ids).update(
        position=Case(*(When(pk=pk, then=Value(PARKING + n)) for n, pk in enumerate(ids)))
    )
    model.objects.filter(pk__in=ids).update(
        position=Case(*(When(pk=pk, then=Value(n + 1)) for n, pk in enumerate(ids)))
    )


def _refuse_new_problems(questionnaire: Questionnaire, before: list[str]) -> None:
    added = [p.message for p in questionnaire_problems(questionnaire) if p.message not in before]
    if added:
        raise ValidationError(added, code="condition_order")


def _refuse_frozen(questionnaire: Questionnaire) -> None:
    if Questionnaire.objects.filter(pk=questionnaire.pk, frozen_at__isnull=False).exists():
        raise FrozenError(questionnaire.title)


@transaction.atomic
def item_place(*, item: Item, section: Section, index: int) -> None:
    """Puts a question at `index` (0-based, clamped) among the items of `section`, which may be
    another section of the same questionnaire. Refused when a condition would then use a later
    question."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=item.questionnaire_id)
    _refuse_frozen(questionnaire)
    if section.questionnaire_id != questionnaire.pk:
        raise ValidationError(_("The section belongs to another questionnaire."), code="other_questionnaire")
    before = [p.message for p in questionnaire_problems(questionnaire)]
    old_section_id = item.section_id
    order = list(
        Item.objects.filter(section=section).exclude(pk=item.pk).order_by("position").values_list("pk", flat=True)
    )
    order.insert(max(0, min(index, len(order))), item.pk)
    if old_section_id != section.pk:
        # Parked first, so it takes no place of the section it joins before the renumbering.
        Item.objects.filter(pk=item.pk).update(section=section, position=PARKING * 2)
        rest = list(Item.objects.filter(section_id=old_section_id).order_by("position").values_list("pk", flat=True))
        if rest:
            _renumber(Item, rest)
    _renumber(Item, order)
    _refuse_new_problems(questionnaire, before)


@transaction.atomic
def section_place(*, section: Section, index: int) -> None:
    """Puts a section at `index` (0-based, clamped) in its questionnaire; refused when a
    condition would then use a later question."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=section.questionnaire_id)
    _refuse_frozen(questionnaire)
    before = [p.message for p in questionnaire_problems(questionnaire)]
    order = list(
        Section.objects.filter(questionnaire=questionnaire)
        .exclude(pk=section.pk)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    order.insert(max(0, min(index, len(order))), section.pk)
    _renumber(Section, order)
    _refuse_new_problems(questionnaire, before)


@transaction.atomic
def item_add(*, section: Section, question: Question) -> Item:
    """Places a bank question last in a section of a draft questionnaire."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=section.questionnaire_id)
    _refuse_frozen(questionnaire)
    if Item.objects.filter(questionnaire=questionnaire, question=question).exists():
        raise ValidationError(
            _("%(code)s is already in the questionnaire.") % {"code": question.code}, code="already_there"
        )
    last = Item.objects.filter(section=section).aggregate(last=Max("position"))["last"] or 0
    item = Item(questionnaire=questionnaire, section=section, position=last + 1, question=question)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def question_create_in(*, section: Section, fields: dict) -> Item:
    """Makes a new bank question (its series its code unless given) and places it last in a
    section of a draft questionnaire; nothing is made when either step is refused."""
    question = Question(**fields)
    question.series = question.series or question.code
    question.full_clean()
    question.save()
    return item_add(section=section, question=question)


def item_users(item: Item) -> list[str]:
    """The codes of the sections and questions whose conditions use this item's question."""
    names = set(question_references(item.question)) or {item.question.code}
    users = []
    conditioned = [(s.code, s.condition) for s in Section.objects.filter(questionnaire_id=item.questionnaire_id)]
    conditioned += [
        (other.question.code, other.condition)
        for other in Item.objects.filter(questionnaire_id=item.questionnaire_id)
        .exclude(pk=item.pk)
        .select_related("question")
    ]
    for code, condition in conditioned:
        if condition.strip() and condition_references(condition_parse(condition)) & names:
            users.append(code)
    return users


@transaction.atomic
def item_remove(*, item: Item) -> None:
    """Takes a question out of a draft questionnaire (it stays in the bank); refused, with the
    reason, while a condition uses it."""
    _refuse_frozen(item.questionnaire)
    users = item_users(item)
    if users:
        raise ValidationError(
            _("%(code)s cannot be removed: the condition of %(users)s uses it. Change that condition first.")
            % {"code": item.question.code, "users": ", ".join(users)},
            code="used_by_condition",
        )
    section_id = item.section_id
    item.delete()
    rest = list(Item.objects.filter(section_id=section_id).order_by("position").values_list("pk", flat=True))
    if rest:
        _renumber(Item, rest)


@transaction.atomic
def survey_make_next(
    *,
    source: Survey,
    year: int,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    keep_question_ids: set[int],
    copy_schedule: bool,
) -> Survey:
    """Next year's draft round (surveys.services.questionnaires.survey_create_next) and, when
    asked, this round's reminder schedule: its rules count from the round's dates, so they move
    with the dates chosen here."""
    survey = survey_create_next(
        source=source,
        year=year,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        keep_question_ids=keep_question_ids,
    )
    if copy_schedule and hasattr(source, "reminder_schedule"):
        schedule_copy(source=source.reminder_schedule, survey=survey)
    return survey


@transaction.atomic
def survey_open_checked(*, survey: Survey, warnings_accepted: bool) -> Survey:
    """Opens a round once its checklist has no refusal left and its warnings were read."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    checklist = round_checklist(survey=survey)
    if checklist.refusals:
        raise ValidationError([check.message for check in checklist.refusals], code="checklist_refused")
    if checklist.warnings and not warnings_accepted:
        raise ValidationError(_("Read the warnings and tick that you have before opening."), code="warnings_unread")
    return survey_open(survey=survey)


def item_condition_message(*, item: Item, text: str) -> tuple[str, str | None]:
    """(the condition with codes written for labels, None when it checks at the item's place or
    else the message with its position) for the live check and for saving alike."""
    text = condition_with_codes(text, item=item)
    section_items = list(item.section.items.select_related("question").order_by("position"))
    references = references_for_condition(
        questionnaire=item.questionnaire,
        section_position=item.section.position,
        section_questions=[placed.question for placed in section_items],
        row_index=[placed.pk for placed in section_items].index(item.pk),
        exclude_section_id=item.section_id,
    )
    return text, condition_message(text, references)


@transaction.atomic
def item_condition_set(*, item: Item, condition: str) -> Item:
    """Saves the condition under which a question shows, checked at its place."""
    _refuse_frozen(item.questionnaire)
    condition, message = item_condition_message(item=item, text=condition)
    if message:
        raise ValidationError(message, code="condition")
    item.condition = condition.strip()
    item.save(update_fields=["condition", "updated_at"])
    return item


@transaction.atomic
def question_edit(*, question: Question, changes: dict, options: list[dict] | None) -> Question:
    """Saves a bank question's texts and answer settings, and its options in the order given.
    A frozen question was asked in an opened round: its changed texts become a new version in
    the same series (surveys.services.questionnaires.question_new_version), which takes its
    place in draft questionnaires; the rest of it stays as asked."""
    if question.is_frozen:
        revised = {name: value for name, value in changes.items() if name in REVISABLE_FIELDS}
        revised = {name: value for name, value in revised.items() if getattr(question, name) != value}
        return question_new_version(question=question, changes=revised) if revised else question
    for name, value in changes.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    if options is not None and question.has_options:
        codes = [option["code"] for option in options]
        if len(set(codes)) != len(codes):
            raise ValidationError(_("Each option needs a code of its own."), code="option_code_twice")
        made = [
            QuestionOption(question=question, position=position, **option) for position, option in enumerate(options)
        ]
        for option in made:
            option.clean()  # the model's own rules: an exclusive option only on a multiple choice
        question.options.all().delete()
        QuestionOption.objects.bulk_create(made)
    return question
