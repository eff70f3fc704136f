"""Structured logs: one JSON line per request and per task, with the ids views and
tasks know, and never an invitation token, from whichever logger."""

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.celery import app
from operations.logging import TokenRedactionFilter, redact
from operations.request_log import RequestLogMiddleware, log_context_add


@pytest.fixture
def log_output():
    """What the configured handlers write (the real formatter and filter), as a string buffer."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, TokenRedactionFilter) for f in handler.filters)
    ]
    assert handlers, "settings.LOGGING puts the redaction filter on the root's handler"
    stream = io.StringIO()
    previous = [handler.setStream(stream) for handler in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def events(stream: io.StringIO, event: str) -> list[dict]:
    return [line for line in lines(stream) if line.get("event") == event]


@app.task(name="tests.operations.echo")
def echo_task(**kwargs) -> str:
    return "done"


@app.task(name="tests.operations.fail")
def fail_task(**kwargs) -> None:
    raise RuntimeError("no luck")


def test_a_request_is_one_json_line_with_its_fields(client, log_output, analyst, open_round):
    # given a staff user
    client.force_login(analyst)

    # when they open an analysis page of a round
    client.get(reverse("analysis-overview", args=[open_round.pk]) + "?region=nord")

    # then one JSON line says what was asked, by whom, about which round, how it went and how long it took
    [line] = [entry for entry in events(log_output, "request") if entry["route"] == "analysis-overview"]
    assert line["method"] == "GET"
    assert line["path"] == f"/staff/analysis/{open_round.pk}/"  # never the query string
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == analyst.pk
    assert line["survey_id"] == open_round.pk
    assert line["level"] == "INFO" and line["logger"] == "operations.request" and line["time"]


def test_a_view_adds_the_round_and_municipality_with_the_helper(log_output):
    # given a view that knows its round and municipality
    def view(request):
        log_context_add(request, survey_id=7, municipality="4601")
        return HttpResponse("ok")

    # when it answers through the middleware
    RequestLogMiddleware(view)(RequestFactory().get("/r/lost-link/"))

    # then the line carries both; no user was loaded, so none is named
    [line] = events(log_output, "request")
    assert (line["survey_id"], line["municipality"], line["path"]) == (7, "4601", "/r/lost-link/")
    assert "user_id" not in line


def test_the_helper_refuses_fields_that_could_hold_answers():
    request = RequestFactory().get("/")

    with pytest.raises(ValueError, match="answer"):
        log_context_add(request, answer="Mangel på boliger")


def test_a_respondents_token_never_reaches_the_log(client, chief_token, log_output):
    # given a respondent's link: opened, answered by autosave, submitted, with a mistyped page and a receipt
    base = f"/r/{chief_token}/"
    client.get(base)
    client.get(base + "s/settlement/")
    saved = client.post(base + "s/settlement/autosave/", {"question": "Q04", "version": 0, "Q04": "yes"})
    assert saved.json()["status"] == "saved"
    client.post(base + "submit/", {"section": "__all__", "confirm": "1"})
    client.get(base + "review/")
    client.get(base + "s/no-such-section/")  # django.request: "Not Found: /r/<token>/..."
    client.get(base + "receipt.pdf")
    # and code that logs a token outright, in a message, an argument and an exception
    logger = logging.getLogger("surveys")
    logger.warning("link %s opened", chief_token)
    logger.warning(f"visited {base}")
    try:
        raise ValueError(f"bad token {chief_token}")
    except ValueError:
        logger.exception("failed")

    # then the token is nowhere in the output, its place is marked
    output = log_output.getvalue()
    assert chief_token not in output
    assert "/r/<token>/s/settlement/autosave/" in output
    assert "Not Found: /r/<token>/s/no-such-section/" in output
    assert "bad token <token>" in output
    routes = {line["route"] for line in events(log_output, "request")}
    assert {"respondent-landing", "respondent-section", "respondent-autosave", "respondent-submit"} <= routes


def test_redaction_keeps_the_lost_link_page_and_other_paths():
    assert redact("/r/lost-link/") == "/r/lost-link/"
    assert redact("/staff/analysis/3/") == "/staff/analysis/3/"
    assert redact('"GET /r/not-even-a-token/ HTTP/1.1" 404') == '"GET /r/<token>/ HTTP/1.1" 404'


def test_a_task_run_is_one_line_with_its_ids_and_nothing_else(log_output, settings):
    # when a task runs (eagerly) with ids, a list of ids and personal data in its arguments
    echo_task.apply(
        kwargs={"survey_id": 3, "dispatch_ids": [1, 2, 3], "email": "kari@bergen.example", "text": "Svar: ja"}
    )

    # then its line names it, its state, duration and retries, and the ids only
    [line] = events(log_output, "task")
    assert line["task"] == "tests.operations.echo"
    assert line["state"] == "SUCCESS"
    assert line["task_id"]
    assert isinstance(line["duration_ms"], float)
    assert line["retries"] == 0
    assert line["survey_id"] == 3 and line["dispatch_count"] == 3
    output = log_output.getvalue()
    assert "kari@bergen.example" not in output and "Svar" not in output and "done" not in output


def test_a_failed_task_is_logged_as_a_warning(log_output):
    fail_task.apply(kwargs={"report_id": 9})

    [line] = events(log_output, "task")
    assert (line["state"], line["level"], line["report_id"]) == ("FAILURE", "WARNING", 9)
