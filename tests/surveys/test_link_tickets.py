"""The ticket a section page gives its autosaves and its submit (surveys.fastpath.tickets): trusted
only when it is the page's own, for its own token and young enough; otherwise the link is read.
A trusted ticket never outlives its link: the save or the submission checks it."""

import json

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from municipalities.models import Municipality
from operations.models import OutboxTask
from surveys.fastpath import tickets as link_tickets
from surveys.fastpath.memory import memory_forget
from surveys.fastpath.tickets import TICKET_COOKIE
from surveys.models import Answer, Invitation, SectionProgress, Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_close

pytestmark = pytest.mark.fastpath  # tickets are a trick of the fast path

LINK_QUERY = "WHERE i.token_hash = "


def _page(client: Client, token: str):
    reply = client.get(reverse("respondent-section", args=[token, "chief"]))
    assert reply.status_code == 200
    return reply


def _save(client: Client, token: str, value: str):
    with CaptureQueriesContext(connection) as queries:
        reply = client.post(
            reverse("respondent-autosave", args=[token, "chief"]), {"question": "Q1", "version": 0, "Q1": value}
        )
    return reply, [query["sql"] for query in queries.captured_queries]


@pytest.fixture
def other(open_round):
    unit = Municipality.objects.current().get(number="0301")
    return invitation_create(survey=open_round, municipality=unit, role="chief_executive", name="Ola", email="o@x.no")


def test_the_page_gives_a_ticket_only_its_own_link_gets_back(client, chief):
    _invitation, token = chief

    cookie = _page(client, token).cookies[TICKET_COOKIE]

    assert cookie["path"] == f"/r/{token}/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == link_tickets.TICKET_SECONDS
    assert "Kari" in link_tickets.ticket_invitation(cookie.value, token).name


def test_with_the_pages_ticket_an_autosave_reads_nothing_before_its_save(client, chief):
    _invitation, token = chief
    _page(client, token)

    reply, queries = _save(client, token, "yes")

    # the save, and the answers this section's conditions read: nothing of the link
    assert reply.json()["status"] == "saved" and len(queries) == 2
    assert "surveys_answer_save(" in queries[-1] and "FROM surveys_answer" in queries[0]


def test_another_links_ticket_is_not_trusted_and_the_save_goes_to_its_own_municipality(client, chief, other):
    # given: Bergen's page, whose ticket the browser holds
    _invitation, bergen_token = chief
    oslo_invitation, oslo_token = other
    _page(client, bergen_token)

    # when: the same browser saves through Oslo's link, sending Bergen's ticket along
    reply, queries = _save(client, oslo_token, "no")

    # then: the ticket is not Oslo's, so the link is read, and the answer is Oslo's
    assert reply.json()["status"] == "saved" and any(LINK_QUERY in sql for sql in queries)
    saved = Answer.objects.get()
    assert saved.response.municipality_id == oslo_invitation.municipality_id and saved.value == "no"
    # and Oslo's link now has a ticket of its own
    assert link_tickets.ticket_invitation(reply.cookies[TICKET_COOKIE].value, oslo_token).pk == oslo_invitation.pk


@pytest.mark.parametrize("spoil", ["altered", "old", "empty"])
def test_an_altered_old_or_empty_ticket_makes_the_autosave_read_the_link(spoil, client, chief, monkeypatch):
    invitation, token = chief
    ticket = _page(client, token).cookies[TICKET_COOKIE].value
    if spoil == "altered":  # another invitation's id, with the signature of the original
        payload, signature = ticket.split(":", 1)
        data = json.loads(signing.b64_decode(payload.encode()))
        data["i"][0] += 1
        client.cookies[TICKET_COOKIE] = signing.b64_encode(json.dumps(data).encode()).decode() + ":" + signature
    elif spoil == "old":
        monkeypatch.setattr(link_tickets, "TICKET_SECONDS", -1)
    else:
        client.cookies[TICKET_COOKIE] = ""

    reply, queries = _save(client, token, "yes")

    assert reply.json()["status"] == "saved" and any(LINK_QUERY in sql for sql in queries)
    assert Answer.objects.get().response.municipality_id == invitation.municipality_id


def test_a_ticket_outlives_no_revocation(client, chief):
    invitation, token = chief
    _page(client, token)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=invitation.created_at)

    reply, _queries = _save(client, token, "yes")

    assert reply.status_code == 410 and not Answer.objects.exists()


def _submit(client: Client, token: str):
    with CaptureQueriesContext(connection) as queries:
        reply = client.post(reverse("respondent-submit", args=[token]), {"section": "chief", "confirm": "1"})
    return reply, [query["sql"] for query in queries.captured_queries]


def test_with_the_pages_ticket_a_submit_reads_nothing_of_the_link(client, chief):
    _invitation, token = chief
    _page(client, token)

    reply, queries = _submit(client, token)

    assert reply.status_code == 302 and not any(LINK_QUERY in sql for sql in queries)
    assert SectionProgress.objects.get(section__code="chief").status == SectionProgress.Status.SUBMITTED
    assert OutboxTask.objects.filter(task="surveys.tasks.receipt_send_task").count() == 1


def test_a_submit_through_a_link_revoked_since_its_page_says_why_and_changes_nothing(client, chief):
    invitation, token = chief
    _page(client, token)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=invitation.created_at)

    reply, _queries = _submit(client, token)

    assert reply.status_code == 410 and "trukket tilbake" in reply.content.decode()
    assert not SectionProgress.objects.filter(status=SectionProgress.Status.SUBMITTED).exists()
    assert not OutboxTask.objects.exists()


def test_a_submit_after_the_round_closed_since_its_page_says_the_round_is_not_open(client, chief):
    invitation, token = chief
    _page(client, token)
    survey_close(survey=Survey.objects.get(pk=invitation.survey_id))  # closed, its links in their grace period

    reply, _queries = _submit(client, token)

    assert reply.status_code == 302
    assert "Runden er ikke åpen for svar." in client.get(reply["Location"]).content.decode()
    assert not SectionProgress.objects.filter(status=SectionProgress.Status.SUBMITTED).exists()
    assert not OutboxTask.objects.exists()


def test_a_ticket_signed_with_the_key_but_naming_another_units_response_saves_nothing(client, chief, other):
    # given: someone who knows the signing key makes Bergen's link's ticket name Oslo's response
    from surveys.link_rule import token_hash
    from surveys.models import Response

    bergen_invitation, bergen_token = chief
    oslo_invitation, _oslo_token = other
    oslo_response = Response.objects.create(survey=oslo_invitation.survey, municipality=oslo_invitation.municipality)
    _page(client, bergen_token)
    data = signing.loads(client.cookies[TICKET_COOKIE].value, salt=link_tickets._SALT)
    data["r"] = oslo_response.pk
    client.cookies[TICKET_COOKIE] = signing.dumps(data, salt=link_tickets._SALT, serializer=link_tickets._Serializer)
    memory_forget()
    assert data["t"] == token_hash(bergen_token)[: link_tickets._BINDING]

    # when: the forged ticket's autosave and submit
    saved, _queries = _save(client, bergen_token, "no")
    submitted = client.post(reverse("respondent-submit", args=[bergen_token]), {"section": "chief", "confirm": "1"})

    # then: the database refuses the forged pairing, the link is read again, and what was typed
    # lands in Bergen's own response; nothing is written to Oslo's
    assert not Answer.objects.filter(response=oslo_response).exists()
    assert not SectionProgress.objects.filter(response=oslo_response).exists()
    assert saved.json()["status"] == "saved" and submitted.status_code == 302
    assert Answer.objects.get().response.municipality_id == bergen_invitation.municipality_id
    assert SectionProgress.objects.get().status == SectionProgress.Status.SUBMITTED
