"""The respondent pages' query counts do not grow with the number of questions, either way (the
plain ORM twins or the fast path); on the fast path they are the few its docstring promises.
Savepoints are not round trips of their own in production (they are the tests' transactions)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from municipalities.models import Municipality
from surveys import fastpath
from surveys.models import Item, Question, Questionnaire, Response, Section, SectionProgress, Survey
from surveys.respondent.plan import plan_get
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open
from tests.factories import QuestionFactory


def _round_with(questions: int, quality_scale):
    questionnaire = Questionnaire.objects.create(title=f"Stor {questions}", year=2025)
    section = Section.objects.create(
        questionnaire=questionnaire, position=1, code="main", role="chief_executive", title_nb="Alt"
    )
    kinds = ["single_choice", "multiple_choice", "yes_no", "scale", "matrix", "integer", "short_text"]
    for number in range(questions):
        kind = kinds[number % len(kinds)]
        extra = {}
        if kind in ("single_choice", "multiple_choice"):
            extra["options"] = ["a", "b", "c", "d"]
        if kind in ("scale", "matrix"):
            extra["scale"] = quality_scale
        if kind == "matrix":
            extra["rows"] = [f"r{row}" for row in range(8)]
        question = QuestionFactory(code=f"N{questions}_{number}", type=kind, **extra)
        Item.objects.create(questionnaire=questionnaire, section=section, position=number + 1, question=question)
    now = timezone.now()
    survey = Survey.objects.create(
        year=2000 + questions,
        title=f"Runde {questions}",
        questionnaire=questionnaire,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    survey = survey_open(survey=survey)
    unit = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=survey, municipality=unit, role="chief_executive", name="K", email="k@b.no"
    )
    return token


def statements(captured) -> list[str]:
    """The statements a request sent, without the savepoints of the test's own transaction."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


# The fast path's own counts: the plain run (SURVEYS_FASTPATH=false) leaves these out (-m "not fastpath").
fast_only = pytest.mark.fastpath


def _counts(client, token, size: int) -> dict[str, int]:
    counts = {}
    page_url = reverse("respondent-section", args=[token, "main"])
    client.get(page_url)  # the first visit creates the response
    with CaptureQueriesContext(connection) as page:
        assert client.get(page_url).status_code == 200
    counts["page"] = len(statements(page))
    question = Question.objects.get(code=f"N{size}_0")
    with CaptureQueriesContext(connection) as save:
        reply = client.post(
            reverse("respondent-autosave", args=[token, "main"]),
            {"question": question.code, "version": 0, question.code: "a"},
        )
        assert reply.json()["status"] == "saved"
    counts["autosave"] = len(statements(save))
    with CaptureQueriesContext(connection) as again:
        reply = client.post(
            reverse("respondent-autosave", args=[token, "main"]),
            {"question": question.code, "version": 1, question.code: "b"},
        )
        assert reply.json()["status"] == "saved"
    counts["autosave again"] = len(statements(again))
    with CaptureQueriesContext(connection) as submit:
        assert (
            client.post(reverse("respondent-submit", args=[token]), {"section": "main", "confirm": "1"}).status_code
            == 302
        )
    counts["submit"] = len(statements(submit))
    return counts


def test_query_counts_are_small_and_do_not_grow_with_the_questions(client, quality_scale):
    small = _counts(client, _round_with(5, quality_scale), 5)
    large = _counts(client, _round_with(60, quality_scale), 60)

    assert large == small
    if not fastpath.enabled():
        return
    # The page: the link with its round, municipality, response and profile; the answers; the
    # sections' progress. The questionnaire and its rendered form come from the cache.
    assert small["page"] <= 3, small
    # An autosave: the save as one call of the database function that checks the link may still
    # save, locks the section's progress and the answer, and writes the audit trail and the new
    # value (the first save of a question, which also makes its rows, the same). The link is the
    # one the page resolved moments ago in this process (the link's own query when it is not).
    assert small["autosave"] == 1 and small["autosave again"] == 1, small
    # A submit: one statement, which checks that the link (from the page's ticket) may still
    # change that section and makes or turns the section's progress submitted, and the receipt
    # kept in the outbox for the worker, in one transaction (no condition here reads an answer, so
    # none is read to know which sections show).
    assert small["submit"] == 2, small


def _chief_link(survey: Survey, number: str) -> str:
    unit = Municipality.objects.current().get(number=number)
    return invitation_create(survey=survey, municipality=unit, role="chief_executive", name="K", email="k@b.no")[1]


@fast_only
def test_an_autosave_reads_only_the_answers_its_sections_conditions_need(client, draft_round):
    # given: the chief's section, where R1 shows when Q1 is yes and C1 when Q2 has housing
    survey = survey_open(survey=draft_round)
    token = _chief_link(survey, "4601")
    autosave_url = reverse("respondent-autosave", args=[token, "chief"])
    client.post(autosave_url, {"question": "Q1", "version": 0, "Q1": "no"})

    # when
    with CaptureQueriesContext(connection) as save:
        reply = client.post(autosave_url, {"question": "Q1", "version": 1, "Q1": "yes"})

    # then: one query more than without conditions (the save; the link was resolved by the first
    # autosave), for the answers of Q1 and Q2 only
    assert reply.json()["status"] == "saved" and reply.json()["hidden"] == ["C1"]
    reads = [sql for sql in statements(save) if "FROM surveys_answer" in sql and "surveys_answer_save" not in sql]
    assert len(statements(save)) == 2 and len(reads) == 1
    q1, q2 = (Question.objects.get(code=code).pk for code in ("Q1", "Q2"))
    assert f"ANY('{{{min(q1, q2)},{max(q1, q2)}}}'" in reads[0]


@fast_only
def test_a_submit_reads_only_the_answers_that_decide_which_sections_show(client, draft_round):
    # given: the small questionnaire, whose conditions read Q1, Q2 and Q3; the chief has answered Q1 and R1
    survey = survey_open(survey=draft_round)
    token = _chief_link(survey, "4601")
    autosave_url = reverse("respondent-autosave", args=[token, "chief"])
    client.post(autosave_url, {"question": "Q1", "version": 0, "Q1": "yes"})
    client.post(autosave_url, {"question": "R1", "version": 0, "R1": "tekst"})

    # when
    with CaptureQueriesContext(connection) as submit:
        reply = client.post(reverse("respondent-submit", args=[token]), {"section": "chief", "confirm": "1"})

    # then: the answers the questionnaire's conditions read (not R1), the submit and its receipt (the
    # link is the one in the ticket the first autosave gave)
    assert reply.status_code == 302
    reads = [sql for sql in statements(submit) if "FROM surveys_answer" in sql and "surveys_answer_save" not in sql]
    assert len(statements(submit)) == 3 and len(reads) == 1
    conditioned = sorted(frozenset().union(*(section.reads for section in plan_get(survey.questionnaire).sections)))
    assert Question.objects.get(code="Q1").pk in conditioned and Question.objects.get(code="R1").pk not in conditioned
    assert f"ANY('{{{','.join(map(str, conditioned))}}}'" in reads[0]
    assert SectionProgress.objects.get(section__code="chief").status == SectionProgress.Status.SUBMITTED


@fast_only
def test_a_links_first_page_reads_no_answers_or_progress_of_the_response_it_makes(client, draft_round):
    survey = survey_open(survey=draft_round)
    token = _chief_link(survey, "4601")
    client.get(reverse("respondent-section", args=[_chief_link(survey, "0301"), "chief"]))  # the plan is cached

    with CaptureQueriesContext(connection) as first:
        reply = client.get(reverse("respondent-section", args=[token, "chief"]))

    assert reply.status_code == 200 and Response.objects.filter(survey=survey, municipality__number="4601").exists()
    sent = statements(first)
    tables = " ".join(sent)
    assert "FROM surveys_answer" not in tables and "FROM surveys_sectionprogress" not in tables
    # the link, then its last use and the response made, in one statement
    assert len(sent) == 2
    assert "WITH used AS (UPDATE surveys_invitation" in sent[1] and "INSERT INTO surveys_response" in sent[1]
