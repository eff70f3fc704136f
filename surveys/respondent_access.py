"""What one invitation link may see: the municipality's response, its answers, and the
sections the link may open. Used by the respondent pages and by the tasks that build receipts.

The link, its round, municipality, response and profile come in one query (`link_resolve`);
the questionnaire's shape comes from the cache (surveys.respondent_plan); the answers and the
sections' progress are one query each, and an autosave reads only the answers its section's
conditions need.
"""

import functools
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, models
from django.http import Http404
from django.utils.translation import get_language, ngettext

from municipalities.models import Municipality, MunicipalityProfile
from surveys import rows
from surveys.answers import answer_display
from surveys.models import Answer, Invitation, Questionnaire, Response, Section, SectionProgress, Survey
from surveys.respondent_plan import (
    ItemPlan,
    PlanVisibility,
    QuestionnairePlan,
    SectionPlan,
    plan_get,
    plan_visibility,
    section_items_get,
    values_by_code,
)
from surveys.services.invitations import (
    InvitationInvalid,
    invitation_check,
    invitation_is_chief,
    token_hash,
    token_is_wellformed,
)
from surveys.services.questionnaires import profile_values
from surveys.services.responses import Actor, response_get_or_create, response_params, response_statement

PROFILE_FIELDS = ("settles_refugees", "is_partner", "population", "centrality_class", "immigrant_share")


class AnswerState(NamedTuple):
    """What the pages need of a stored answer."""

    question_id: int
    value: object
    comment: str
    version: int


# Left deferred (loaded if ever read): what no respondent page reads, and the round's invitation
# texts, which are long and only read when a link is given to a colleague.
_NOT_READ = {"created_at", "updated_at", "invitation_subject_nb", "invitation_subject_nn"}
_NOT_READ |= {"invitation_body_nb", "invitation_body_nn"}


def _fields_read(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if field.attname not in _NOT_READ]


@functools.cache
def _link_query(vendor: str) -> tuple[str, list[tuple[str, rows.Columns]]]:
    """The SQL of `_link_fetch` and the parts of its row, in order (per database vendor)."""
    parts = [
        ("invitation", Invitation, "i", _fields_read(Invitation)),
        ("survey", Survey, "s", _fields_read(Survey)),
        ("questionnaire", Questionnaire, "q", _fields_read(Questionnaire)),
        ("municipality", Municipality, "m", _fields_read(Municipality)),
        ("giver", Invitation, "g", [Invitation._meta.pk, Invitation._meta.get_field("revoked_at")]),
        ("response", Response, "r", [Response._meta.pk]),
        ("profile", MunicipalityProfile, "p", [MunicipalityProfile._meta.get_field(name) for name in PROFILE_FIELDS]),
    ]
    quote = rows.quoted
    columns = [f"{alias}.{quote(f.column)}" for _name, _model, alias, fields in parts for f in fields]
    # Prepared on PostgreSQL (planned once per connection), so what counts is running it: plain
    # joins, and one subquery that finds the profile row for the round's year (or the latest
    # before it). Written so that SQLite runs it too.
    sql = (
        f"SELECT {', '.join(columns)} FROM {rows.table(Invitation)} i"
        f" INNER JOIN {rows.table(Survey)} s ON s.id = i.survey_id"
        f" LEFT JOIN {rows.table(Questionnaire)} q ON q.id = s.questionnaire_id"
        f" INNER JOIN {rows.table(Municipality)} m ON m.id = i.municipality_id"
        f" LEFT JOIN {rows.table(Invitation)} g ON g.id = i.delegated_by_id"
        f" LEFT JOIN {rows.table(Response)} r ON r.survey_id = i.survey_id AND r.municipality_id = i.municipality_id"
        f" LEFT JOIN {rows.table(MunicipalityProfile)} p ON p.id = (SELECT latest.id"
        f" FROM {rows.table(MunicipalityProfile)} latest WHERE latest.municipality_id = i.municipality_id"
        " AND latest.year <= s.year ORDER BY latest.year DESC LIMIT 1)"
        " WHERE i.token_hash = %s"
    )
    return sql, [(name, rows.Columns(model, fields)) for name, model, _alias, fields in parts]


def _link_fetch(token: str) -> Invitation | None:
    """The invitation with its round, questionnaire, municipality and giver's revocation, the
    municipality's response in the round and its profile for the round's year (the latest
    earlier one when that year's is missing), in one query. Hand-written (surveys.rows): the
    ORM took longer to build this query than the database to answer it."""
    sql, parts = _link_query(connection.vendor)
    with rows.prepared_cursor() as cursor:
        cursor.execute(sql, [token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    found: dict[str, list] = {}
    position = 0
    for name, columns in parts:
        found[name] = columns.values(row[position : position + len(columns)])
        position += len(columns)
    readers = dict(parts)

    def build(name: str) -> models.Model:
        return readers[name].instance(found[name])

    invitation = build("invitation")
    survey = build("survey")
    # None when an outer join found nothing: a round without a questionnaire, a unit without a response.
    survey.questionnaire = build("questionnaire") if found["questionnaire"][0] is not None else None
    invitation.survey = survey
    invitation.municipality = build("municipality")
    if invitation.delegated_by_id is not None:
        invitation.delegated_by = build("giver")
    invitation.response_pk = found["response"][0]
    for name, value in zip(PROFILE_FIELDS, found["profile"], strict=True):
        setattr(invitation, f"profile_{name}", value)
    return invitation


def link_resolve(*, token: str) -> Invitation:
    """The invitation behind a token with what the pages read of it, in one query;
    raises InvitationInvalid like invitation_resolve."""
    if not token_is_wellformed(token):
        raise InvitationInvalid("malformed")
    return invitation_check(_link_fetch(token))


def link_mark_used(invitation: Invitation, now) -> None:
    """Writes when the link was last used. On its first use it also makes the municipality's
    response, which every page of a link shows or changes: on PostgreSQL in the same statement
    (prepared, like the link's query), so a link's first page writes once."""
    I = Invitation  # noqa: E741 - as the other hand-written statements name their models
    mark = f"UPDATE {rows.table(I)} SET {rows.column(I, 'last_used_at')} = %s WHERE {rows.column(I, 'id')} = %s"
    params = [rows.to_db(I, "last_used_at", now), invitation.pk]
    if getattr(invitation, "response_pk", False) is None and connection.vendor == "postgresql":
        with rows.prepared_cursor() as cursor:
            cursor.execute(f"WITH used AS ({mark}) {response_statement()}", params + response_params(invitation, now))
            made = cursor.fetchone()
        if made is not None:  # else made at the same moment by another request: found when needed
            invitation.response_pk, invitation.response_made = made[0], True
    else:
        with rows.prepared_cursor() as cursor:
            cursor.execute(mark, params)
    invitation.last_used_at = now


def link_profile(invitation: Invitation) -> dict[str, object]:
    """The profile values conditions use (as surveys.services.questionnaires.profile_values)."""
    if not hasattr(invitation, "profile_settles_refugees"):
        return profile_values(municipality=invitation.municipality, year=invitation.survey.year)
    values: dict[str, object] = {"kind": invitation.municipality.kind}
    values.update({name: getattr(invitation, f"profile_{name}") for name in PROFILE_FIELDS})
    return values


def link_response(invitation: Invitation) -> Response:
    """The municipality's response (made on the link's first use), with the round and municipality."""
    pk = getattr(invitation, "response_pk", None)
    if pk is None:
        response = response_get_or_create(survey=invitation.survey, municipality=invitation.municipality)
        invitation.response_pk = pk = response.pk
    response = _RESPONSE.instance([pk, invitation.survey_id, invitation.municipality_id])
    response.survey, response.municipality = invitation.survey, invitation.municipality
    return response


_RESPONSE = rows.Columns(Response, [Response._meta.get_field(name) for name in ("id", "survey", "municipality")])


def link_may_open(invitation: Invitation, section: Section) -> bool:
    """A delegated link opens its section, the chief executive's every section, any other its role's."""
    if invitation.section_id:
        return section.pk == invitation.section_id
    return invitation_is_chief(invitation) or section.role == invitation.role


_ANSWER_FIELDS = [Answer._meta.get_field(name) for name in ("question", "value", "comment", "version")]
_ANSWER = rows.Columns(Answer, _ANSWER_FIELDS)


def answers_load(*, response: Response, question_ids=None) -> dict[int, AnswerState]:
    """The response's answers (or only those of `question_ids`), by question id. Hand-written
    (surveys.rows) as it runs on every page and most autosaves."""
    sql = (
        f"SELECT {', '.join(rows.quoted(f.column) for f in _ANSWER_FIELDS)} FROM {rows.table(Answer)}"
        f" WHERE {rows.column(Answer, 'response')} = %s"
    )
    params = [response.pk]
    if question_ids is not None:
        ids = sorted(question_ids)
        if not ids:
            return {}
        sql += f" AND {rows.column(Answer, 'question')} IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    with rows.prepared_cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return {row[0]: AnswerState(*_ANSWER.values(row)) for row in found}


_PROGRESS_FIELDS = list(SectionProgress._meta.concrete_fields)
_PROGRESS = rows.Columns(SectionProgress, _PROGRESS_FIELDS)


def progress_load(*, response: Response) -> dict[int, SectionProgress]:
    """The response's section progress rows, by section id (hand-written, like answers_load)."""
    sql = (
        f"SELECT {', '.join(rows.quoted(f.column) for f in _PROGRESS_FIELDS)} FROM {rows.table(SectionProgress)}"
        f" WHERE {rows.column(SectionProgress, 'response')} = %s"
    )
    with rows.prepared_cursor() as cursor:
        cursor.execute(sql, [response.pk])
        found = cursor.fetchall()
    progress = (_PROGRESS.row_instance(row) for row in found)
    return {p.section_id: p for p in progress}


def progress_text(answered: int | str, total: int | str, *, count: int | None = None) -> str:
    """ "12 of 30 questions answered"; `count` chooses the plural form when the numbers are placeholders."""
    return ngettext(
        "%(answered)s of %(total)s question answered",
        "%(answered)s of %(total)s questions answered",
        total if count is None else count,
    ) % {"answered": answered, "total": total}


@dataclass
class Access:
    """What one link may see and do."""

    invitation: Invitation
    token: str
    response: Response
    plan: QuestionnairePlan
    profile: dict
    answers: dict[int, AnswerState]  # question id -> answer (only those conditions read, if built so)
    visibility: PlanVisibility
    sections: list[Section]  # visible sections this link may open
    _progress: dict[int, SectionProgress] | None = None

    @property
    def progress(self) -> dict[int, SectionProgress]:
        """Section id -> progress, read when first asked for (a submit never asks)."""
        if self._progress is None:
            self._progress = progress_load(response=self.response)
        return self._progress

    @property
    def is_chief(self) -> bool:
        return invitation_is_chief(self.invitation)

    @property
    def actor(self) -> Actor:
        return Actor(name=self.invitation.name, invitation=self.invitation)

    def section_by_code(self, code: str) -> Section:
        for section in self.sections:
            if section.code == code:
                return section
        raise Http404

    def status_of(self, section: Section) -> str:
        progress = self.progress.get(section.pk)
        return progress.status if progress else SectionProgress.Status.NOT_STARTED

    def section_plan(self, section: Section) -> SectionPlan:
        return self.plan.section_by_pk(section.pk)

    def visible_items(self, section: Section) -> list[ItemPlan]:
        return self.visibility.items.get(section.pk, [])

    def hidden_codes(self, section: Section) -> set[str]:
        shown = {item.code for item in self.visible_items(section)}
        return {item.code for item in self.section_plan(section).items if item.code not in shown}

    def answered(self, section: Section) -> tuple[int, int]:
        """How many of the section's questions that show have an answer, and how many show."""
        questions = [item for item in self.visible_items(section) if item.answerable]
        answered = sum(
            1
            for item in questions
            if item.question_id in self.answers and self.answers[item.question_id].value is not None
        )
        return answered, len(questions)

    def progress_text(self, section: Section) -> str:
        return progress_text(*self.answered(section))

    def section_items(self, section: Section):
        """The section's items with their questions (for validation and answer texts)."""
        return section_items_get(self.invitation.survey.questionnaire, self.section_plan(section))


def access_build(
    *, invitation: Invitation, token: str = "", plan: QuestionnairePlan | None = None, answers: str = "all"
) -> Access:
    """What an invitation may see, from the municipality's answers so far. With
    answers="conditions" only the answers the conditions read are loaded (what a submit needs
    to know which sections show), and `Access.answers` holds only those."""
    questionnaire = invitation.survey.questionnaire
    plan = plan or plan_get(questionnaire)
    # A response this request makes (or made) has nothing stored yet: no answers or progress to read.
    fresh = getattr(invitation, "response_pk", False) is None or getattr(invitation, "response_made", False)
    response = link_response(invitation)
    profile = link_profile(invitation)
    if fresh:
        loaded = {}
    elif answers == "all":
        loaded = answers_load(response=response)
    else:
        reads = frozenset().union(*(section.reads for section in plan.sections))
        loaded = answers_load(response=response, question_ids=reads) if reads else {}
    visibility = plan_visibility(plan, profile=profile, values=values_by_code(plan, loaded.values()))
    sections = [s.section for s in visibility.sections if link_may_open(invitation, s.section)]
    return Access(invitation, token, response, plan, profile, loaded, visibility, sections, {} if fresh else None)


def review_rows(access: Access) -> list[dict]:
    language = get_language()
    result = []
    for section in access.sections:
        shown = {item.pk for item in access.visible_items(section)}
        entries = []
        for item in access.section_items(section):
            question = item.question
            if item.pk not in shown or question.type == question.Type.NOTE:
                continue
            answer = access.answers.get(question.pk)
            entries.append(
                {
                    "question": question,
                    "text": question.text(language),
                    "answer": answer_display(question, answer.value if answer else None, language),
                    "comment": answer.comment if answer else "",
                }
            )
        result.append(
            {
                "section": section,
                "title": section.title(language),
                "status": access.status_of(section),
                "progress": access.progress.get(section.pk),
                "entries": entries,
                "unanswered": sum(1 for entry in entries if not entry["answer"]),
            }
        )
    return result
