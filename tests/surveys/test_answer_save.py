"""The rules of saving one answer, held for both ways the platform saves: PostgreSQL's
`surveys_answer_save` function in one call, and the same steps as statements, which the
embedded SQLite runs (they are plain SQL, so they run here on PostgreSQL too, and
tests/surveys/test_sqlite_default.py runs this module on SQLite, without the tests marked
`postgresql`)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import OutboxTask
from surveys.models import (
    Answer,
    AnswerChange,
    Invitation,
    Item,
    Question,
    Response,
    Section,
    SectionProgress,
    Survey,
)
from surveys.services.invitations import delegation_create
from surveys.services.responses import (
    Actor,
    Outcome,
    StaleAnswer,
    answer_save,
    answer_save_in_one_call,
    answer_save_in_steps,
    response_get_or_create,
    section_submit,
)
from surveys.tasks import receipt_send_task

WAYS = {"one call": answer_save_in_one_call, "in steps": answer_save_in_steps}
if connection.vendor != "postgresql":
    del WAYS["one call"]


class Place:
    """Where the saves go: Bergen's response in the open round, the chief's section, the chief."""

    def __init__(self, invitation):
        self.response = Response.objects.create(survey=invitation.survey, municipality=invitation.municipality)
        self.section = Section.objects.get(questionnaire=invitation.survey.questionnaire, code="chief")
        self.actor = Actor(name="Kari Leder", invitation=invitation)


@pytest.fixture
def place(chief):
    return Place(chief[0])


@pytest.fixture(params=list(WAYS))
def save(request, place):
    """`save(question_code, value, expected_version, comment="")` with one of the two ways."""
    response, section, actor = place.response, place.section, place.actor
    way = WAYS[request.param]

    def call(code: str, value, expected: int, comment: str = "", who: Actor = actor):
        return way(
            response=response,
            section=section,
            question=Question.objects.get(code=code),
            value=value,
            comment=comment,
            expected_version=expected,
            actor=who,
            now=timezone.now(),
        )

    call.response, call.section, call.actor = response, section, actor
    return call


def _progress(save) -> SectionProgress | None:
    return SectionProgress.objects.filter(response=save.response, section=save.section).first()


def test_a_first_save_makes_the_answer_its_audit_row_and_marks_the_section_worked_on(save):
    outcome, answer = save("Q2", ["housing"], 0)

    stored = Answer.objects.get(response=save.response, question__code="Q2")
    assert outcome == Outcome.SAVED and answer.pk == stored.pk and answer.version == stored.version == 1
    assert stored.value == ["housing"] and answer.value == ["housing"]
    change = AnswerChange.objects.get(answer=stored)
    assert (change.old_value, change.new_value, change.version, change.actor_name) == (
        None,
        ["housing"],
        1,
        "Kari Leder",
    )
    assert change.invitation_id == save.actor.invitation.pk and change.user_id is None
    progress = _progress(save)
    assert progress.status == SectionProgress.Status.IN_PROGRESS and progress.last_worked_by == "Kari Leder"


def test_a_change_from_the_current_version_is_saved_and_audited_with_the_old_value(save):
    save("Q2", ["housing"], 0, comment="første")

    outcome, answer = save("Q2", ["jobs"], 1, comment="andre")

    assert outcome == Outcome.SAVED and answer.version == 2
    changes = list(AnswerChange.objects.order_by("version").values_list("old_value", "new_value", "old_comment"))
    assert changes == [(None, ["housing"], ""), (["housing"], ["jobs"], "første")]
    stored = Answer.objects.get(question__code="Q2")
    assert (stored.value, stored.comment, stored.version) == (["jobs"], "andre", 2)


def test_a_save_from_an_older_version_is_refused_with_the_stored_answer(save):
    save("Q2", ["housing"], 0)
    save("Q2", ["jobs"], 1)

    outcome, answer = save("Q2", ["capacity"], 1)

    assert outcome == Outcome.STALE and answer.value == ["jobs"] and answer.version == 2 and answer.pk
    assert Answer.objects.get(question__code="Q2").value == ["jobs"]
    assert AnswerChange.objects.count() == 2


def test_the_same_value_from_an_older_version_is_no_conflict_and_no_change(save):
    save("Q2", ["housing"], 0)
    worked_at = _progress(save).last_worked_at

    outcome, answer = save("Q2", ["housing"], 0, who=Actor(name="Ola"))

    assert outcome == Outcome.UNCHANGED and answer.version == 1
    assert AnswerChange.objects.count() == 1
    assert _progress(save).last_worked_at == worked_at and _progress(save).last_worked_by == "Kari Leder"


def test_nothing_sent_over_nothing_stored_leaves_no_answer_row(save):
    outcome, answer = save("Q2", None, 0)

    assert outcome == Outcome.UNCHANGED and answer.version == 0 and answer.value is None
    assert not Answer.objects.exists() and not AnswerChange.objects.exists()


def test_a_save_from_a_version_of_an_answer_that_does_not_exist_is_gone(save):
    outcome, _answer = save("Q2", ["housing"], 3)

    assert outcome == Outcome.GONE and not Answer.objects.exists()


def test_a_submitted_section_takes_no_save(save):
    save("Q2", ["housing"], 0)
    section_submit(response=save.response, section=save.section, actor=save.actor)

    outcome, answer = save("Q2", ["jobs"], 1)

    assert outcome == Outcome.SUBMITTED and answer is None
    assert Answer.objects.get(question__code="Q2").value == ["housing"]
    assert _progress(save).status == SectionProgress.Status.SUBMITTED


def test_answer_save_turns_the_outcomes_into_errors(place):
    save = place
    invitation = save.actor.invitation
    arguments = {"response": save.response, "section": save.section, "comment": "", "actor": save.actor}
    answer_save(question=Question.objects.get(code="Q2"), value=["housing"], expected_version=0, **arguments)

    with pytest.raises(StaleAnswer) as stale:
        answer_save(question=Question.objects.get(code="Q2"), value=["jobs"], expected_version=0, **arguments)
    with pytest.raises(ValidationError) as gone:
        answer_save(question=Question.objects.get(code="Q1"), value="yes", expected_version=5, **arguments)
    section_submit(response=save.response, section=save.section, actor=save.actor)
    with pytest.raises(ValidationError) as submitted:
        answer_save(question=Question.objects.get(code="Q2"), value=["jobs"], expected_version=1, **arguments)

    assert stale.value.answer.value == ["housing"] and stale.value.answer.version == 1
    assert gone.value.code == "gone" and submitted.value.code == "submitted"
    assert invitation.survey.status == invitation.survey.Status.OPEN


@pytest.mark.postgresql
def test_on_postgresql_a_save_is_one_statement(place):
    save = place
    question = Question.objects.get(code="Q2")
    with CaptureQueriesContext(connection) as queries:
        answer_save(
            response=save.response,
            section=save.section,
            question=question,
            value=["housing"],
            comment="",
            expected_version=0,
            actor=save.actor,
        )

    assert connection.vendor == "postgresql"
    assert len(queries.captured_queries) == 1 and "surveys_answer_save(" in queries.captured_queries[0]["sql"]


@pytest.mark.postgresql
@pytest.mark.parametrize("way", list(WAYS))
def test_two_people_saving_the_same_question_at_once_lose_no_update(way, registry_reloaded, transactional_db, chief):
    # given: two savers who both loaded version 0 of Q2, in threads with their own connections
    place = Place(chief[0])
    response, section, question = place.response, place.section, Question.objects.get(code="Q2")
    outcomes = []
    barrier = threading.Barrier(2)

    def saver(name: str, value: list[str]) -> None:
        try:
            barrier.wait()
            outcome, _answer = WAYS[way](
                response=response,
                section=section,
                question=question,
                value=value,
                comment="",
                expected_version=0,
                actor=Actor(name=name),
                now=timezone.now(),
            )
            outcomes.append(outcome)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=saver, args=args) for args in [("Kari", ["housing"]), ("Ola", ["jobs"])]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one wins, the other is told it is stale; one answer row, one audit row
    assert sorted(outcomes) == [Outcome.SAVED, Outcome.STALE]
    assert Answer.objects.count() == 1 and AnswerChange.objects.count() == 1
    assert Answer.objects.get().value in (["housing"], ["jobs"])


def test_a_response_is_made_once_and_found_after(chief):
    invitation, _token = chief

    made = response_get_or_create(survey=invitation.survey, municipality=invitation.municipality)
    found = response_get_or_create(survey=invitation.survey, municipality=invitation.municipality)

    assert made.pk == found.pk and Response.objects.filter(survey=invitation.survey).count() == 1
    assert found.created_at == Response.objects.get().created_at


def test_a_submit_makes_or_turns_the_progress_submitted_and_a_second_changes_nothing(place):
    untouched = Section.objects.get(questionnaire=place.section.questionnaire, code="intro")
    answer_save_in_steps(
        response=place.response,
        section=place.section,
        question=Question.objects.get(code="Q1"),
        value="yes",
        comment="",
        expected_version=0,
        actor=place.actor,
        now=timezone.now(),
    )

    worked_on = section_submit(response=place.response, section=place.section, actor=place.actor)
    never_opened = section_submit(response=place.response, section=untouched, actor=Actor(name="Ola"))
    again = section_submit(response=place.response, section=place.section, actor=Actor(name="Ola"))

    assert worked_on.status == never_opened.status == SectionProgress.Status.SUBMITTED
    assert worked_on.submitted_by == worked_on.last_worked_by == "Kari Leder" and never_opened.submitted_by == "Ola"
    assert again.pk == worked_on.pk and again.submitted_by == "Kari Leder"
    assert again.submitted_at == worked_on.submitted_at
    assert SectionProgress.objects.filter(response=place.response).count() == 2


def test_a_submit_keeps_its_receipt_in_the_outbox_with_it_once_however_often(place):
    receipt = (receipt_send_task, {"invitation_id": place.actor.invitation.pk, "language": "nn"})
    other = Section.objects.get(questionnaire=place.section.questionnaire, code="intro")

    with CaptureQueriesContext(connection) as queries:
        section_submit(response=place.response, section=place.section, actor=place.actor, then_queue=receipt)
    section_submit(response=place.response, section=other, actor=place.actor, then_queue=receipt)

    # one call waiting for beat, with the submission: one statement on PostgreSQL
    waiting = OutboxTask.objects.get()
    assert (waiting.task, waiting.kwargs) == ("surveys.tasks.receipt_send_task", receipt[1])
    assert waiting.attempts == 0 and waiting.last_error == ""
    written = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(written) == (1 if connection.vendor == "postgresql" else 2)
    assert SectionProgress.objects.filter(response=place.response, status=SectionProgress.Status.SUBMITTED).count() == 2


def test_a_submit_refused_keeps_no_receipt(place):
    Survey.objects.filter(pk=place.response.survey_id).update(status=Survey.Status.CLOSED)
    place.response.survey.refresh_from_db()
    receipt = (receipt_send_task, {"invitation_id": place.actor.invitation.pk, "language": "nb"})

    with pytest.raises(ValidationError):
        section_submit(response=place.response, section=place.section, actor=place.actor, then_queue=receipt)

    assert not OutboxTask.objects.exists() and not SectionProgress.objects.exists()


def test_a_save_through_a_revoked_link_or_in_a_closed_round_is_refused_as_the_link(save):
    invitation = save.actor.invitation
    save("Q2", ["housing"], 0)

    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    revoked, _answer = save("Q2", ["jobs"], 1)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=None)
    Survey.objects.filter(pk=invitation.survey_id).update(status=Survey.Status.CLOSED)
    closed, _answer = save("Q2", ["jobs"], 1)

    assert revoked == closed == Outcome.LINK
    assert Answer.objects.get(question__code="Q2").value == ["housing"] and AnswerChange.objects.count() == 1


def test_a_save_through_a_link_given_from_a_revoked_link_is_refused_as_the_link(save, place):
    colleague, _token = delegation_create(
        invitation=place.actor.invitation, section=place.section, name="Ola", email="ola@b.example"
    )
    Invitation.objects.filter(pk=place.actor.invitation.pk).update(revoked_at=timezone.now())

    outcome, _answer = save("Q2", ["jobs"], 0, who=Actor(name="Ola", invitation=colleague))

    assert outcome == Outcome.LINK and not Answer.objects.exists()


@pytest.mark.parametrize("change", ["revoked", "closed", "giver revoked"])
def test_a_submit_through_a_link_that_may_no_longer_change_answers_is_refused(change, place):
    # given: the link's round as the submitter's page last saw it, open
    invitation = place.actor.invitation
    if change == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    elif change == "closed":
        Survey.objects.filter(pk=invitation.survey_id).update(status=Survey.Status.CLOSED)
    else:
        colleague = delegation_create(invitation=invitation, section=place.section, name="Per", email="per@b.no")[0]
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        place.actor = Actor(name="Per", invitation=colleague)
    receipt = (receipt_send_task, {"invitation_id": place.actor.invitation.pk, "language": "nb"})

    with pytest.raises(ValidationError) as refused:
        section_submit(response=place.response, section=place.section, actor=place.actor, then_queue=receipt)

    assert refused.value.code == "link"
    assert not SectionProgress.objects.exists() and not OutboxTask.objects.exists()


def _bergen_section(place, code: str) -> Section:
    return Section.objects.get(questionnaire=place.section.questionnaire, code=code)


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize(
    "wrong",
    ["another unit's response", "a section of another questionnaire", "a question not in the section"],
)
def test_a_link_saves_only_into_its_own_units_response_section_and_questions(way, wrong, place, small_questionnaire):
    # given: what a forged or mistaken ticket could name besides Bergen's chief link
    from municipalities.models import Municipality

    response, section, question = place.response, place.section, Question.objects.get(code="Q2")
    if wrong == "another unit's response":
        tromso = Municipality.objects.current().get(number="5501")
        response = Response.objects.create(survey=place.response.survey, municipality=tromso)
    elif wrong == "a section of another questionnaire":
        from surveys.models import Questionnaire

        elsewhere = Questionnaire.objects.create(title="Annet", year=2025)
        section = Section.objects.create(questionnaire=elsewhere, position=1, code="chief", role="chief_executive")
        Item.objects.create(questionnaire=elsewhere, section=section, position=1, question=question)
    else:
        question = Question.objects.get(code="Q4")  # the introduction programme's

    # when
    outcome, _answer = WAYS[way](
        response=response,
        section=section,
        question=question,
        value=["housing"] if question.code == "Q2" else "good",
        comment="",
        expected_version=0,
        actor=place.actor,
        now=timezone.now(),
    )

    # then
    assert outcome == Outcome.LINK
    assert not Answer.objects.exists() and not AnswerChange.objects.exists() and not SectionProgress.objects.exists()


@pytest.mark.parametrize("way", list(WAYS))
def test_a_colleagues_link_saves_only_into_the_section_it_was_given(way, place):
    colleague, _token = delegation_create(
        invitation=place.actor.invitation, section=place.section, name="Ola", email="ola@b.example"
    )
    intro = _bergen_section(place, "intro")

    def save(section, code, value):
        return WAYS[way](
            response=place.response,
            section=section,
            question=Question.objects.get(code=code),
            value=value,
            comment="",
            expected_version=0,
            actor=Actor(name="Ola", invitation=colleague),
            now=timezone.now(),
        )[0]

    assert save(intro, "Q4", "good") == Outcome.LINK
    assert save(place.section, "Q1", "yes") == Outcome.SAVED
    assert list(Answer.objects.values_list("question__code", flat=True)) == ["Q1"]


@pytest.mark.parametrize("way", list(WAYS))
def test_a_role_link_saves_only_into_its_roles_sections(way, place):
    from surveys.services.invitations import invitation_create

    invitation = place.actor.invitation
    intro_head, _token = invitation_create(
        survey=invitation.survey,
        municipality=invitation.municipality,
        role="introduction_programme",
        name="Ina",
        email="ina@b.example",
    )

    def save(section, code, value):
        return WAYS[way](
            response=place.response,
            section=section,
            question=Question.objects.get(code=code),
            value=value,
            comment="",
            expected_version=0,
            actor=Actor(name="Ina", invitation=intro_head),
            now=timezone.now(),
        )[0]

    assert save(place.section, "Q1", "yes") == Outcome.LINK
    assert save(_bergen_section(place, "intro"), "Q4", "good") == Outcome.SAVED


def test_a_submit_through_a_link_into_another_units_response_is_refused(place):
    from municipalities.models import Municipality

    tromso = Municipality.objects.current().get(number="5501")
    foreign = Response.objects.create(survey=place.response.survey, municipality=tromso)
    receipt = (receipt_send_task, {"invitation_id": place.actor.invitation.pk, "language": "nb"})

    with pytest.raises(ValidationError) as refused:
        section_submit(response=foreign, section=place.section, actor=place.actor, then_queue=receipt)

    assert refused.value.code == "link"
    assert not SectionProgress.objects.exists() and not OutboxTask.objects.exists()
