"""The import of a past round, all or nothing, and its removal as a whole.

The import writes the dry run's plan (surveys.past_rounds.dry_run) in one transaction: the new
bank questions, a questionnaire of one section holding the mapped questions in the file's order,
a closed round of that year, and for every matched unit with an answer a response with its section submitted,
its answers and their first entries in the audit trail, each kind of row in one bulk insert (the
number of queries does not grow with the rows). The round records where it came from
(`PastRoundImport`) and the staff log says who imported it.

An imported questionnaire is not frozen: freezing is forever (the database refuses to delete
frozen rows), and an import must stay removable. Its round is closed, so nobody answers it, and
the questions it reuses from the bank are frozen already when a round that opened asked them.
"""

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import StaffEvent
from accounts.services import staff_event_record
from operations.outbox import task_enqueue_on_commit
from surveys import fastpath
from surveys.fastpath import imports as fastpath_imports
from surveys.models import (
    Answer,
    AnswerChange,
    Item,
    OpenAnswerTag,
    PastRoundImport,
    PastRoundUpload,
    Question,
    Questionnaire,
    QuestionOption,
    Response,
    Section,
    SectionProgress,
    Survey,
)
from surveys.past_rounds.dry_run import Plan, past_round_plan
from surveys.past_rounds.matching import bank_load, mapping_suggest, new_question_proposal, values_suggest
from surveys.past_rounds.reading import DataFile, past_round_file_read

IMPORT_SECTION_CODE = "imported"
IMPORTED_BY_ACTOR = "Import: %(file)s"


class PastRoundRefused(ValidationError):
    """The dry run found problems: nothing was written. `plan` holds the report."""

    def __init__(self, plan: Plan):
        super().__init__(plan.problems, code="past_round_refused")
        self.plan = plan


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@transaction.atomic
def past_round_import(*, data_file: DataFile, mapping: dict, imported_by: User | None) -> Survey:
    """Imports the file by the mapping as a closed round of its year, or raises `PastRoundRefused`
    with the dry run's report and writes nothing."""
    plan = past_round_plan(data_file=data_file, mapping=mapping)
    if not plan.ok:
        raise PastRoundRefused(plan)
    now = timezone.now()
    who = imported_by.get_username() if imported_by is not None else "manage.py"
    created_questions = _questions_create(plan)
    questions = {question.code: question for question in plan.questions} | created_questions
    questionnaire = Questionnaire.objects.create(
        title=_("Imported: %(file)s") % {"file": data_file.name}, year=plan.year
    )
    section = Section.objects.create(
        questionnaire=questionnaire,
        position=1,
        code=IMPORT_SECTION_CODE,
        role=Section.Role.CHIEF_EXECUTIVE,
        title_nb=f"Kommuneundersøkelsen {plan.year}",
        title_nn=f"Kommuneundersøkinga {plan.year}",
        title_en=f"The municipal survey {plan.year}",
    )
    Item.objects.bulk_create(
        [
            Item(questionnaire=questionnaire, section=section, position=position, question=questions[code])
            for position, code in enumerate(plan.question_order, start=1)
        ]
    )
    opens_at = _local_midnight(plan.reference_day)
    survey = Survey.objects.create(
        year=plan.year,
        title=f"Kommuneundersøkelsen {plan.year}",
        questionnaire=questionnaire,
        opens_at=opens_at,
        closes_at=opens_at + datetime.timedelta(days=1),
        status=Survey.Status.CLOSED,
    )
    PastRoundImport.objects.create(
        survey=survey,
        file_name=data_file.name[:255],
        sha256=data_file.sha256,
        imported_by=imported_by,
        imported_by_name=who,
        imported_at=now,
        reference_day=plan.reference_day,
        rows=len(data_file.rows),
        mapping={key: value for key, value in mapping.items() if key != "suggested_because"},
        created_question_ids=sorted(question.pk for question in created_questions.values()),
    )
    _answers_write(plan, survey, section, questions, imported_by, opens_at)
    staff_event_record(
        request=None,
        kind=StaffEvent.Kind.PAST_ROUND_IMPORTED,
        user=imported_by,
        username=who,
        what=f"{plan.year}: {data_file.name} sha256 {data_file.sha256}",
    )
    # Reports exist for every closed round (as survey_close gives them to a round answered online);
    # not a report per municipality: no chief executive has a link to an imported round to read it.
    task_enqueue_on_commit("surveys.analytics.reports_for_closed_round", survey_id=survey.pk, municipal=False)
    return survey


def _questions_create(plan: Plan) -> dict[str, Question]:
    """The new bank questions and their options, each kind in one insert. Their fields are validated
    here; that their codes are free the dry run checked against the bank (and the database's unique
    constraints stand behind it)."""
    questions = []
    options_of: list[list[QuestionOption]] = []
    for column in plan.by_action("new"):
        new = column.new
        question = Question(
            code=new["code"],
            series=new.get("series") or new["code"],
            classification=new["classification"],
            theme=new.get("theme", "")[:120],
            type=new["type"],
            text_nb=new.get("text") or column.column.label or column.column.name,
        )
        question.full_clean(validate_unique=False, validate_constraints=False)
        questions.append(question)
        options = [
            QuestionOption(code=code, position=position, label_nb=label[:300])
            for position, (code, label, _raw) in enumerate(new.get("options", []))
        ]
        for option in options:
            option.full_clean(exclude=["question"], validate_unique=False, validate_constraints=False)
        options_of.append(options)
    Question.objects.bulk_create(questions)
    for question, options in zip(questions, options_of, strict=True):
        for option in options:
            option.question = question
    QuestionOption.objects.bulk_create([option for options in options_of for option in options])
    return {question.code: question for question in questions}


def _answers_write(plan, survey, section, questions, imported_by, answered_at) -> None:
    units = [match.unit for match in plan.respondents]
    responses = Response.objects.bulk_create([Response(survey=survey, municipality_id=unit.id) for unit in units])
    actor = (IMPORTED_BY_ACTOR % {"file": plan.data_file.name})[:200]
    SectionProgress.objects.bulk_create(
        [
            SectionProgress(
                response=response,
                section=section,
                status=SectionProgress.Status.SUBMITTED,
                last_worked_by=actor,
                last_worked_at=answered_at,
                submitted_at=answered_at,
                submitted_by=actor,
            )
            for response in responses
        ]
    )
    rows = [
        (response.pk, questions[code].pk, value)
        for response, unit in zip(responses, units, strict=True)
        for code, value in plan.answers.get(unit.id, {}).items()
    ]
    write = fastpath_imports.answers_write if fastpath.enabled() else answers_write_plain
    write(
        rows=rows,
        survey_id=survey.pk,
        user_id=imported_by.pk if imported_by is not None else None,
        actor=actor,
        now=answered_at,
    )


def answers_write_plain(*, rows: list[tuple[int, int, object]], survey_id: int, user_id: int | None, actor: str, now):
    """Writes `rows` (response id, question id, value) as answers of version 1, each with its first
    audit entry: the plain twin of surveys.fastpath.imports.answers_write (and the way on SQLite)."""
    answers = Answer.objects.bulk_create(
        [
            Answer(response_id=response, question_id=question, value=value, comment="", version=1)
            for response, question, value in rows
        ],
        batch_size=2000,
    )
    # auto_now_add stamps the time of writing; an imported answer was given on the round's day
    Answer.objects.filter(response__survey_id=survey_id).update(created_at=now, updated_at=now)
    AnswerChange.objects.bulk_create(
        [
            AnswerChange(answer=answer, user_id=user_id, actor_name=actor, new_value=answer.value, version=1)
            for answer in answers
        ],
        batch_size=2000,
    )
    AnswerChange.objects.filter(answer__response__survey_id=survey_id).update(created_at=now)


REMOVE_REFUSED_CODED = _(
    "Analysts have coded open answers of this round; removing it would lose their work. Remove the codes first."
)


def past_round_removal_blockers(*, survey: Survey) -> list[str]:
    """Why the imported round cannot be removed (nothing: it can)."""
    blockers = []
    if not PastRoundImport.objects.filter(survey=survey).exists():
        blockers.append(_("Only an imported round can be removed; a round answered online keeps its history."))
    if OpenAnswerTag.objects.filter(answer__response__survey=survey).exists():
        blockers.append(str(REMOVE_REFUSED_CODED))
    return blockers


@transaction.atomic
def past_round_remove(*, survey: Survey, removed_by: User | None) -> None:
    """Removes an imported round as a whole: its answers and their audit entries, responses, round,
    questionnaire, its reports and exports, and the bank questions it created that nothing else uses."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    blockers = past_round_removal_blockers(survey=survey)
    if blockers:
        raise ValidationError(blockers, code="past_round_removal_refused")
    provenance = survey.past_round_import
    description = f"{survey.year}: {provenance.file_name} sha256 {provenance.sha256}"
    created_ids = list(provenance.created_question_ids)
    AnswerChange.objects.filter(answer__response__survey=survey).delete()
    Answer.objects.filter(response__survey=survey).delete()
    SectionProgress.objects.filter(response__survey=survey).delete()
    Response.objects.filter(survey=survey).delete()
    questionnaire_id = survey.questionnaire_id
    survey.delete()  # with it the provenance, reports and exports (their foreign keys cascade)
    Questionnaire.objects.filter(pk=questionnaire_id).delete()
    unused = Question.objects.filter(
        pk__in=created_ids, items__isnull=True, answers__isnull=True, frozen_at__isnull=True
    )
    QuestionOption.objects.filter(question__in=unused).delete()
    unused.delete()
    staff_event_record(
        request=None,
        kind=StaffEvent.Kind.PAST_ROUND_REMOVED,
        user=removed_by,
        username=removed_by.get_username() if removed_by is not None else "manage.py",
        what=description,
    )


def past_round_upload_create(
    *, name: str, content: bytes, year: int, reference_day: datetime.date | None, previous: dict | None, uploaded_by
) -> PastRoundUpload:
    """Reads the file (refusing what cannot be read, `UploadRefused`) and keeps it with the suggested
    mapping, starting from an earlier year's when given."""
    data_file = past_round_file_read(name=name, content=content)
    mapping = mapping_suggest(data_file=data_file, year=year, reference_day=reference_day, previous=previous)
    return PastRoundUpload.objects.create(
        file_name=data_file.name[:255],
        content=content,
        sha256=data_file.sha256,
        year=year,
        mapping=mapping,
        uploaded_by=uploaded_by,
    )


def past_round_upload_file(upload: PastRoundUpload) -> DataFile:
    return past_round_file_read(name=upload.file_name, content=bytes(upload.content))


@transaction.atomic
def past_round_upload_map(*, upload: PastRoundUpload, columns: dict[str, dict]) -> PastRoundUpload:
    """The admin's decisions per column (action, question, item, option); a column whose decision
    changed gets its values suggested again, the others keep theirs."""
    data_file = past_round_upload_file(upload)
    mapping = dict(upload.mapping)
    entries = dict(mapping.get("columns") or {})
    bank = {question.code.lower(): question for question in bank_load()}
    for index, column in enumerate(data_file.columns):
        decision = columns.get(column.name)
        if decision is None:
            continue
        entry = dict(entries.get(column.name) or {"action": "ignore"})

        def shape(entry: dict) -> tuple:
            return (
                entry.get("action"),
                entry.get("question"),
                entry.get("item"),
                entry.get("option"),
                (entry.get("new") or {}).get("type"),
            )

        before = shape(entry)
        entry["action"] = decision["action"]
        for key in ("question", "item", "option"):
            if decision.get(key):
                entry[key] = decision[key]
            else:
                entry.pop(key, None)
        if entry["action"] == "new":
            new = dict(entry.get("new") or new_question_proposal(column, data_file.values(index)))
            for key in ("code", "type", "classification", "theme"):
                if decision.get(f"new_{key}"):
                    new[key] = decision[f"new_{key}"]
            if decision.get("new_code"):
                new["series"] = decision["new_code"]  # a new question starts its own series
            entry["new"] = new
        after = shape(entry)
        if before != after or "values" not in entry:
            entry["values"] = (
                values_suggest(entry, column, data_file.values(index), bank) if entry["action"] != "ignore" else {}
            )
        entries[column.name] = entry
        mapping["suggested_because"] = {
            **(mapping.get("suggested_because") or {}),
            **({column.name: "confirmed"} if before != after else {}),
        }
    mapping["columns"] = entries
    upload.mapping = mapping
    upload.save(update_fields=["mapping", "updated_at"])
    return upload


def past_round_upload_import(*, upload: PastRoundUpload, imported_by: User) -> Survey:
    """Imports the upload by its mapping (all or nothing) and lets the upload go."""
    with transaction.atomic():
        survey = past_round_import(
            data_file=past_round_upload_file(upload), mapping=upload.mapping, imported_by=imported_by
        )
        upload.delete()
    return survey
