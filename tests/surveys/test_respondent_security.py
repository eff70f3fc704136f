"""A link reaches only its own municipality, round and role or section; a bad link gets a
clear page on every respondent URL and changes nothing; answers with HTML are shown escaped."""

import datetime
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from municipalities.models import Municipality, MunicipalityProfile
from surveys.models import Answer, AnswerChange, Invitation, Item, Response, SectionProgress, Survey
from surveys.respondent.views import INVALID_LINK_MESSAGES
from surveys.services.invitations import delegation_create, invitation_create, invitation_revoke
from surveys.services.rounds import survey_close, survey_open
from tests.factories import QuestionFactory


@pytest.fixture
def units(db):
    """Two settlement municipalities: A (Bergen) and B (Tromsø)."""
    a = Municipality.objects.current().get(number="4601")
    b = Municipality.objects.current().get(number="5501")
    for unit in (a, b):
        MunicipalityProfile.objects.update_or_create(municipality=unit, year=2025, defaults={"settles_refugees": True})
    return a, b


@pytest.fixture
def comment_question(draft_round):
    """A long-text question with a comment box in the chief's section, added before the round opens."""
    chief = draft_round.questionnaire.sections.get(code="chief")
    question = QuestionFactory(code="T1", type="long_text", has_comment=True)
    Item.objects.create(questionnaire=draft_round.questionnaire, section=chief, position=6, question=question)
    return question


@pytest.fixture
def links(comment_question, draft_round, units):
    """A's chief, A's colleague with the delegated intro section, A's head of the introduction
    programme (a role link), and B's chief; A has answered Q1 and R1 already."""
    survey = survey_open(survey=draft_round)
    a, b = units
    intro = survey.questionnaire.sections.get(code="intro")
    a_chief, a_chief_token = invitation_create(
        survey=survey, municipality=a, role="chief_executive", name="Kari A", email="kari@a.example"
    )
    a_delegation, a_delegated_token = delegation_create(
        invitation=a_chief, section=intro, name="Per A", email="per@a.example"
    )
    _a_role, a_role_token = invitation_create(
        survey=survey, municipality=a, role="introduction_programme", name="Ida A", email="ida@a.example"
    )
    _b_chief, b_chief_token = invitation_create(
        survey=survey, municipality=b, role="chief_executive", name="Bjørn B", email="bjorn@b.example"
    )
    client_post_autosave(a_chief_token, "chief", "Q1", Q1="yes")
    client_post_autosave(a_chief_token, "chief", "R1", R1="Bergens hemmelige svar")
    return {
        "survey": survey,
        "a_chief": a_chief_token,
        "a_delegation": a_delegation,
        "a_delegated": a_delegated_token,
        "a_role": a_role_token,
        "b_chief": b_chief_token,
    }


def client_post_autosave(token, section, question, version=0, **fields):
    from django.test import Client

    reply = Client().post(
        reverse("respondent-autosave", args=[token, section]), {"question": question, "version": version, **fields}
    )
    assert reply.status_code == 200, reply.content
    return reply


def snapshot() -> tuple:
    """Everything a respondent URL could change, except when a link was last used."""
    return (
        list(Answer.objects.order_by("pk").values_list("pk", "response_id", "value", "comment", "version")),
        list(AnswerChange.objects.order_by("pk").values_list("pk", "new_value")),
        list(SectionProgress.objects.order_by("pk").values_list("pk", "status", "submitted_at", "last_worked_by")),
        list(Invitation.objects.order_by("pk").values_list("pk", "revoked_at", "section_id")),
        list(Response.objects.order_by("pk").values_list("pk", "municipality_id")),
        len(mail.outbox),
    )


def a_response() -> Response:
    return Response.objects.get(municipality__number="4601")


# --- another municipality's link ---------------------------------------------------------


def test_bs_link_on_the_same_section_sees_and_writes_only_bs_answers(client, links):
    # given: A's answers
    before = list(Answer.objects.filter(response=a_response()).values_list("question__code", "value", "version"))

    # when: B's chief opens the section and saves the same question
    page = client.get(reverse("respondent-section", args=[links["b_chief"], "chief"])).content.decode()
    review = client.get(reverse("respondent-review", args=[links["b_chief"]])).content.decode()
    landing = client.get(reverse("respondent-landing", args=[links["b_chief"]])).content.decode()
    saved = client.post(
        reverse("respondent-autosave", args=[links["b_chief"], "chief"]), {"question": "Q1", "version": 0, "Q1": "no"}
    )
    posted = client.post(
        reverse("respondent-section", args=[links["b_chief"], "chief"]),
        {"v__Q1": 1, "Q1": "no", "v__R1": 0, "R1": "Tromsøs svar"},
    )

    # then: B sees nothing of A and writes into its own response only
    for text in (page, review, landing):
        assert "Bergens hemmelige svar" not in text and "Kari A" not in text and "Bergen" not in text
    assert saved.json()["status"] == "saved" and posted.status_code == 302
    assert list(Answer.objects.filter(response=a_response()).values_list("question__code", "value", "version")) == (
        before
    )
    b_answers = dict(
        Answer.objects.filter(response__municipality__number="5501").values_list("question__code", "value")
    )
    assert b_answers == {"Q1": "no", "R1": "Tromsøs svar"}


def test_bs_chief_cannot_revoke_or_see_as_delegations(client, links):
    delegation = links["a_delegation"]
    landing = client.get(reverse("respondent-landing", args=[links["b_chief"]])).content.decode()
    before = snapshot()

    revoke = client.post(reverse("respondent-delegation-revoke", args=[links["b_chief"], delegation.pk]))

    assert revoke.status_code == 404 and snapshot() == before
    assert "Per A" not in landing and "per@a.example" not in landing
    assert client.get(reverse("respondent-landing", args=[links["a_delegated"]])).status_code == 200


def test_bs_submit_and_receipt_touch_only_b(client, links):
    client.post(reverse("respondent-submit", args=[links["b_chief"]]), {"section": "__all__", "confirm": "1"})

    assert not SectionProgress.objects.filter(response=a_response(), status="submitted").exists()
    pdf = client.get(reverse("respondent-receipt", args=[links["b_chief"]]))
    assert pdf.status_code == 200 and b"Bergens hemmelige svar" not in pdf.content
    # A has submitted nothing, so A's receipt does not exist yet
    assert client.get(reverse("respondent-receipt", args=[links["a_chief"]])).status_code == 404


# --- a link for one section or role ----------------------------------------------------------

OTHER_SECTION_REQUESTS = [
    ("get", "respondent-section", ["chief"], {}),
    ("post", "respondent-section", ["chief"], {"v__Q1": "1", "Q1": "no", "v__R1": "1", "R1": "overwritten"}),
    ("post", "respondent-autosave", ["chief"], {"question": "Q1", "version": "1", "Q1": "no"}),
    ("post", "respondent-submit", [], {"section": "chief", "confirm": "1"}),
    ("post", "respondent-submit", [], {"section": "__all__", "confirm": "1"}),
    ("post", "respondent-delegate", [], {"section": "intro", "name": "X", "email": "x@a.example"}),
]


@pytest.mark.parametrize("link", ["a_delegated", "a_role"])
@pytest.mark.parametrize(("method", "name", "args", "data"), OTHER_SECTION_REQUESTS)
def test_a_section_or_role_link_reaches_no_other_section(client, links, link, method, name, args, data):
    before = snapshot()

    reply = getattr(client, method)(reverse(name, args=[links[link], *args]), data)

    assert reply.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("link", ["a_delegated", "a_role"])
def test_a_section_link_cannot_save_a_question_of_another_section_through_its_own(client, links, link):
    before = snapshot()

    reply = client.post(
        reverse("respondent-autosave", args=[links[link], "intro"]), {"question": "Q1", "version": "1", "Q1": "no"}
    )

    assert reply.status_code == 400 and snapshot() == before


@pytest.mark.parametrize("link", ["a_delegated", "a_role"])
def test_a_section_or_role_link_cannot_revoke(client, links, link):
    before = snapshot()

    reply = client.post(reverse("respondent-delegation-revoke", args=[links[link], links["a_delegation"].pk]))

    assert reply.status_code == 404 and snapshot() == before


@pytest.mark.parametrize("link", ["a_delegated", "a_role"])
def test_a_section_or_role_link_sees_only_its_section(client, links, link):
    landing = client.get(reverse("respondent-landing", args=[links[link]])).content.decode()
    review = client.get(reverse("respondent-review", args=[links[link]])).content.decode()

    assert "/s/intro/" in landing and "/s/chief/" not in landing
    assert "Bergens hemmelige svar" not in review and "Spørsmål Q4" in review
    assert "__all__" not in review
    assert client.get(reverse("respondent-section", args=[links[link], "intro"])).status_code == 200


def test_an_unknown_section_code_is_not_found(client, links):
    for name in ("respondent-section", "respondent-autosave"):
        assert client.post(reverse(name, args=[links["a_chief"], "nope"]), {"question": "Q1"}).status_code == 404
    assert (
        client.post(
            reverse("respondent-submit", args=[links["a_chief"]]), {"section": "nope", "confirm": "1"}
        ).status_code
        == 404
    )


# --- bad links on every URL ------------------------------------------------------------------

EVERY_URL = [
    ("get", "respondent-landing", [], {}),
    ("get", "respondent-review", [], {}),
    ("get", "respondent-receipt", [], {}),
    ("get", "respondent-section", ["chief"], {}),
    ("post", "respondent-section", ["chief"], {"v__Q1": "1", "Q1": "no"}),
    ("post", "respondent-autosave", ["chief"], {"question": "Q1", "version": "1", "Q1": "no"}),
    ("post", "respondent-submit", [], {"section": "__all__", "confirm": "1"}),
    ("post", "respondent-delegate", [], {"section": "intro", "name": "X", "email": "x@a.example"}),
    ("post", "respondent-delegation-revoke", ["DELEGATION"], {}),
]


def _call(client, links, token, method, name, args, data):
    args = [links["a_delegation"].pk if arg == "DELEGATION" else arg for arg in args]
    return getattr(client, method)(reverse(name, args=[token, *args]), data)


def _assert_clear_page(reply, status):
    assert reply.status_code == status
    if reply["Content-Type"].startswith("application/json"):  # the autosave: the page shows the message
        with translation.override("nb"):
            expected = {str(message) for message in INVALID_LINK_MESSAGES.values()}
        assert reply.json()["status"] == "error" and reply.json()["message"] in expected
    else:
        assert "Lenken virker ikke" in reply.content.decode()


@pytest.mark.parametrize(("method", "name", "args", "data"), EVERY_URL)
@pytest.mark.parametrize(
    ("token", "status"), [("short", 404), ("A" * 43, 404), ("A" * 42 + "!", 404), ("<b>" + "A" * 40, 404)]
)
def test_malformed_and_unknown_links_get_a_clear_page_and_change_nothing(
    client, links, method, name, args, data, token, status
):
    before = snapshot()

    reply = _call(client, links, token, method, name, args, data)

    _assert_clear_page(reply, status)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "name", "args", "data"), EVERY_URL)
def test_a_revoked_link_gets_a_clear_page_and_changes_nothing(client, links, method, name, args, data):
    invitation_revoke(invitation=Invitation.objects.get(name="Kari A"))
    before = snapshot()

    reply = _call(client, links, links["a_chief"], method, name, args, data)

    _assert_clear_page(reply, 410)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "name", "args", "data"), EVERY_URL)
def test_a_delegated_link_dies_with_the_chiefs(client, links, method, name, args, data):
    invitation_revoke(invitation=Invitation.objects.get(name="Kari A"))
    before = snapshot()

    reply = _call(client, links, links["a_delegated"], method, name, args, data)

    _assert_clear_page(reply, 410)
    assert snapshot() == before


@pytest.fixture
def closed_round(links, monkeypatch):
    """The round closed ten days ago with the default grace period of seven days; returns a
    function that sets the clock relative to the moment the links expire."""
    survey = survey_close(survey=links["survey"])
    expires_at = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=expires_at - datetime.timedelta(days=60),
        closes_at=expires_at - datetime.timedelta(days=survey.invitation_grace_days),
    )

    def clock(offset: datetime.timedelta) -> None:
        monkeypatch.setattr(timezone, "now", lambda: expires_at + offset)

    return clock


@pytest.mark.parametrize(("method", "name", "args", "data"), EVERY_URL)
def test_a_link_expires_exactly_at_the_end_of_the_grace_period(client, links, closed_round, method, name, args, data):
    closed_round(datetime.timedelta(0))
    before = snapshot()

    reply = _call(client, links, links["a_chief"], method, name, args, data)

    _assert_clear_page(reply, 410)
    assert snapshot() == before


WRITES = [(m, n, a, d) for m, n, a, d in EVERY_URL if m == "post" and n != "respondent-delegation-revoke"]


@pytest.mark.parametrize(("method", "name", "args", "data"), WRITES)
def test_a_second_before_the_end_the_link_still_opens_but_changes_nothing(
    client, links, closed_round, method, name, args, data
):
    closed_round(-datetime.timedelta(seconds=1))
    before = snapshot()

    reply = _call(client, links, links["a_chief"], method, name, args, data)

    assert reply.status_code in (302, 409)
    assert snapshot() == before
    if reply["Content-Type"].startswith("application/json"):
        message = reply.json()["message"]
    else:
        message = (client.get(reply.url) if reply.status_code == 302 else reply).content.decode()
    assert "Runden er ikke åpen for svar." in message
    assert client.get(reverse("respondent-landing", args=[links["a_chief"]])).status_code == 200


def test_a_second_before_the_end_the_chief_can_still_take_a_link_back(client, links, closed_round):
    closed_round(-datetime.timedelta(seconds=1))

    reply = client.post(reverse("respondent-delegation-revoke", args=[links["a_chief"], links["a_delegation"].pk]))

    assert reply.status_code == 302
    assert Invitation.objects.get(pk=links["a_delegation"].pk).revoked_at is not None


@pytest.mark.parametrize(("method", "name", "args", "data"), EVERY_URL)
@pytest.mark.parametrize(("status", "code"), [("archived", 410), ("draft", 403)])
def test_archived_and_draft_rounds_get_a_clear_page_and_change_nothing(
    client, links, method, name, args, data, status, code
):
    Survey.objects.filter(pk=links["survey"].pk).update(status=status)
    before = snapshot()

    reply = _call(client, links, links["a_chief"], method, name, args, data)

    _assert_clear_page(reply, code)
    assert snapshot() == before


def test_a_link_of_an_earlier_round_does_not_reach_the_open_one(client, links, units, small_questionnaire):
    # given: last year's round, archived, with a link for A
    now = timezone.now()
    earlier = Survey.objects.create(
        year=2024,
        title="Runde 2024",
        opens_at=now - datetime.timedelta(days=400),
        closes_at=now - datetime.timedelta(days=300),
    )
    _old, old_token = invitation_create(
        survey=earlier, municipality=units[0], role="chief_executive", name="Gammel", email="old@a.example"
    )
    Survey.objects.filter(pk=earlier.pk).update(status="archived")
    before = snapshot()

    # when / then
    for method, name, args, data in EVERY_URL:
        _assert_clear_page(_call(client, links, old_token, method, name, args, data), 410)
    assert snapshot() == before


# --- escaping --------------------------------------------------------------------------------

SCRIPT = '<script>alert("x")</script>'


def test_a_stored_answer_with_html_is_shown_escaped_on_the_section_page(client, links):
    token = links["a_chief"]
    client_post_autosave(token, "chief", "R1", 1, R1=SCRIPT + " & co")
    client_post_autosave(token, "chief", "T1", 0, T1="</textarea>" + SCRIPT, T1__comment="</textarea><b>fet</b>")

    page = client.get(reverse("respondent-section", args=[token, "chief"])).content.decode()

    assert SCRIPT not in page and "</textarea><b>" not in page
    assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"' in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</textarea>" in page
    assert "&lt;/textarea&gt;&lt;b&gt;fet&lt;/b&gt;</textarea>" in page


def test_a_delegates_name_with_html_is_refused_and_shown_escaped_in_the_form(client, links):
    token = links["a_chief"]
    given = Invitation.objects.filter(delegated_by__isnull=False).count()

    reply = client.post(
        reverse("respondent-delegate", args=[token]),
        {"section": "intro", "name": "<img src=x onerror=alert(1)>Per", "email": "per2@a.example"},
        follow=True,
    )

    page = reply.content.decode()
    assert reply.status_code == 400 and "<img src=x" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;Per") == 1  # the form gives back what was typed
    assert "Skriv navnet til kollegaen med bokstaver" in page
    assert Invitation.objects.filter(delegated_by__isnull=False).count() == given


def test_the_conflict_list_shows_the_other_persons_answer_and_name_escaped(client, links):
    # given: a colleague with HTML in the name (as a contact register could hold it; the delegation
    # form refuses such names) saved R1 with HTML after the chief loaded the page
    invitation = Invitation.objects.get(name="Kari A")
    chief_section = links["survey"].questionnaire.sections.get(code="chief")
    _colleague, colleague_token = invitation_create(
        survey=invitation.survey,
        municipality=invitation.municipality,
        role="chief_executive",
        section=chief_section,
        delegated_by=invitation,
        name="<i>Ola</i>",
        email="ola@a.example",
    )
    client_post_autosave(colleague_token, "chief", "R1", 1, R1=SCRIPT)

    # when: the chief goes on with what they saw (version 1)
    reply = client.post(reverse("respondent-section", args=[links["a_chief"], "chief"]), {"v__R1": "1", "R1": "mitt"})

    # then
    page = reply.content.decode()
    assert reply.status_code == 409
    assert SCRIPT not in page and "<i>Ola</i>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (&lt;i&gt;Ola&lt;/i&gt;)" in page


def test_an_autosave_conflict_carries_plain_text_for_the_page_to_insert_as_text(client, links):
    client_post_autosave(links["a_delegated"], "intro", "Q4", 0, Q4="good")

    reply = client.post(
        reverse("respondent-autosave", args=[links["a_chief"], "intro"]), {"question": "Q4", "version": 0, "Q4": "poor"}
    )

    assert reply.status_code == 409
    assert json.loads(reply.content)["theirs"] == "God" and json.loads(reply.content)["by"] == "Per A"
