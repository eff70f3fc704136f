"""The respondent side through the Django test client: links, the form, autosave,
lost updates, the audit trail, submission, receipts and every token case."""

import datetime
import html
import io
import re
import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from municipalities.models import Contact, Municipality
from operations.models import OutboxTask
from operations.outbox import outbox_resend
from surveys.models import Answer, AnswerChange, Invitation, Response, Section, SectionProgress, Survey
from surveys.respondent.receipts import receipt_send
from surveys.services.invitations import (
    delegation_create,
    invitation_create,
    invitation_email,
    invitation_revoke,
    lost_link_send,
)
from surveys.services.responses import response_get_or_create
from surveys.services.rounds import survey_close


def url(name, token, *args):
    return reverse(name, args=[token, *args])


def autosave(client, token, section, question, version, **fields):
    return client.post(url("respondent-autosave", token, section), {"question": question, "version": version, **fields})


def test_the_landing_page_shows_the_municipality_deadline_and_sections(client, chief):
    _invitation, token = chief

    page = client.get(url("respondent-landing", token)).content.decode()

    assert "Bergen" in page and "Leder" in page and "Intro" in page
    assert "ikke startet" in page or "not started" in page


def test_autosave_saves_one_answer_and_reveals_conditioned_items(client, chief):
    _invitation, token = chief
    page = client.get(url("respondent-section", token, "chief")).content.decode()
    assert 'id="item-R1"' in page and "hidden" in page.split('id="item-R1"')[1][:80]

    reply = autosave(client, token, "chief", "Q1", 0, Q1="yes")

    assert reply.status_code == 200 and reply.json()["status"] == "saved" and reply.json()["version"] == 1
    assert "R1" not in reply.json()["hidden"]
    assert Answer.objects.get(question__code="Q1").value == "yes"


def test_autosave_validates_on_the_server(client, chief):
    _invitation, token = chief

    too_many = autosave(client, token, "chief", "Q2", 0, Q2=["housing", "jobs", "money"])
    unknown = autosave(client, token, "chief", "Q1", 0, Q1="perhaps")
    out_of_range = autosave(client, token, "chief", "C1", 0, C1="150")

    assert too_many.status_code == unknown.status_code == out_of_range.status_code == 422
    assert "2" in too_many.json()["errors"][0]
    assert not Answer.objects.exists()


def test_a_code_ticked_twice_counts_once_and_keeps_its_order(client, chief):
    _invitation, token = chief

    # when: an autosave repeats codes, up to more than the maximum of two
    reply = autosave(client, token, "chief", "Q2", 0, Q2=["jobs", "jobs", "housing", "jobs", "housing"])

    # then: saved once per code, in the order first given
    assert reply.status_code == 200, reply.content
    assert Answer.objects.get(question__code="Q2").value == ["jobs", "housing"]

    # when: the page without JavaScript posts a repeated code
    page = client.post(url("respondent-section", token, "chief"), {"v__Q2": 1, "Q2": ["money", "money"]})

    # then: the same rule
    assert page.status_code == 302
    assert Answer.objects.get(question__code="Q2").value == ["money"]


def test_a_stale_save_does_not_overwrite_and_reports_the_other_value(client, chief):
    invitation, token = chief
    colleague, colleague_token = delegation_create(
        invitation=invitation,
        section=invitation.survey.questionnaire.sections.get(code="chief"),
        name="Ola",
        email="ola@b.example",
    )
    autosave(client, token, "chief", "Q2", 0, Q2=["housing"])

    # when: the colleague, who loaded the page before, saves from version 0
    reply = autosave(client, colleague_token, "chief", "Q2", 0, Q2=["jobs"])

    # then: refused with the chief's value; saving again from what they now saw wins
    assert reply.status_code == 409 and reply.json()["by"] == "Kari Leder"
    assert Answer.objects.get(question__code="Q2").value == ["housing"]
    again = autosave(client, colleague_token, "chief", "Q2", reply.json()["version"], Q2=["jobs"])
    assert again.json()["status"] == "saved"
    assert Answer.objects.get(question__code="Q2").value == ["jobs"]


def test_every_change_is_in_the_audit_trail(client, chief):
    invitation, token = chief
    autosave(client, token, "chief", "Q3", 0, Q3__advice="good", Q3__courses="not_relevant")
    autosave(client, token, "chief", "Q3", 1, Q3__advice="poor", Q3__courses="not_relevant")

    changes = list(
        AnswerChange.objects.order_by("version").values_list("old_value", "new_value", "invitation", "actor_name")
    )

    assert changes == [
        (None, {"advice": "good", "courses": "not_relevant"}, invitation.pk, "Kari Leder"),
        (
            {"advice": "good", "courses": "not_relevant"},
            {"advice": "poor", "courses": "not_relevant"},
            invitation.pk,
            "Kari Leder",
        ),
    ]


def test_without_javascript_the_section_saves_on_next(client, chief):
    _invitation, token = chief
    page = client.get(url("respondent-section", token, "chief"))
    assert page.status_code == 200

    response = client.post(
        url("respondent-section", token, "chief"),
        {"v__Q1": 0, "v__Q2": 0, "v__Q3": 0, "v__R1": 0, "v__C1": 0, "Q1": "no", "Q2": ["money"], "R1": "", "C1": ""},
    )

    assert response.status_code == 302 and response.url.endswith("/s/intro/")
    assert dict(Answer.objects.values_list("question__code", "value")) == {"Q1": "no", "Q2": ["money"]}
    assert SectionProgress.objects.get(section__code="chief").status == SectionProgress.Status.IN_PROGRESS


def test_a_field_error_is_shown_next_to_the_question_and_in_the_summary(client, chief):
    _invitation, token = chief

    response = client.post(url("respondent-section", token, "chief"), {"Q2": ["housing", "jobs", "money"], "C1": "x"})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in page and 'href="#id_Q2_0"' in page
    assert not Answer.objects.exists()


def test_submission_locks_the_section_and_the_receipt_holds_the_answers(client, chief):
    _invitation, token = chief
    autosave(client, token, "chief", "Q1", 0, Q1="yes")
    autosave(client, token, "chief", "R1", 0, R1="<script>alert(1)</script> Bolig først")

    client.post(url("respondent-submit", token), {"section": "__all__", "confirm": "1"})

    assert set(SectionProgress.objects.values_list("status", flat=True)) == {"submitted"}
    review = client.get(url("respondent-review", token)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bolig først" in review and "<script>alert(1)" not in review
    assert autosave(client, token, "chief", "Q1", 1, Q1="no").status_code == 409
    pdf = client.get(url("respondent-receipt", token))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "<script>alert(1)</script> Bolig først" in text and "Kari Leder" in text


def test_the_receipt_embeds_fonts_for_sami_letters_and_emoji(client, chief):
    # given an answer in Northern Sami with an emoji, as people write them
    _invitation, token = chief
    autosave(client, token, "chief", "Q1", 0, Q1="yes")
    autosave(client, token, "chief", "R1", 0, R1="Guovdageaidnu: ŋ đ ŧ š ž č á 🙂")
    client.post(url("respondent-submit", token), {"section": "__all__", "confirm": "1"})

    # when
    pdf = PdfReader(io.BytesIO(client.get(url("respondent-receipt", token)).content))

    # then the letters are text in the PDF, and the fonts embedded for them are DejaVu Sans (Latin,
    # Sami) and Symbola (emoji): no glyph is left to a font the reader's machine may lack
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Guovdageaidnu: ŋ đ ŧ š ž č á" in text
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(name.startswith("DejaVu-Sans") for name in fonts), fonts
    assert any(name.startswith("Symbola") for name in fonts), fonts


def test_the_receipt_email_carries_the_pdf(chief, client):
    invitation, token = chief
    autosave(client, token, "chief", "Q1", 0, Q1="yes")
    client.post(url("respondent-submit", token), {"section": "chief", "confirm": "1"})

    receipt_send(invitation=invitation, language="nb")

    message = mail.outbox[-1]
    assert message.to == ["kari@bergen.example"]
    assert message.attachments[0][2] == "application/pdf" and message.attachments[0][1][:4] == b"%PDF"


def test_a_delegated_link_reaches_only_its_section_and_the_chief_can_take_it_back(client, chief):
    invitation, token = chief
    intro = invitation.survey.questionnaire.sections.get(code="intro")
    delegation, delegated_token = delegation_create(
        invitation=invitation, section=intro, name="Per", email="per@b.example"
    )

    assert client.get(url("respondent-section", delegated_token, "intro")).status_code == 200
    assert client.get(url("respondent-section", delegated_token, "chief")).status_code == 404
    assert autosave(client, delegated_token, "chief", "Q1", 0, Q1="yes").status_code == 404
    assert (
        client.post(url("respondent-submit", delegated_token), {"section": "__all__", "confirm": "1"}).status_code
        == 404
    )

    client.post(url("respondent-delegation-revoke", token, delegation.pk))

    assert client.get(url("respondent-landing", delegated_token)).status_code == 410


def test_the_chief_delegates_from_the_landing_page_and_the_colleague_gets_mail(client, chief):
    _invitation, token = chief

    response = client.post(
        url("respondent-delegate", token), {"section": "intro", "name": "Per", "email": "per@b.example"}
    )

    assert response.status_code == 302
    assert Invitation.objects.filter(section__code="intro", email="per@b.example").exists()


def test_a_colleague_cannot_delegate_or_revoke(client, chief):
    invitation, token = chief
    intro = invitation.survey.questionnaire.sections.get(code="intro")
    delegation, delegated_token = delegation_create(
        invitation=invitation, section=intro, name="Per", email="per@b.example"
    )

    assert (
        client.post(
            url("respondent-delegate", delegated_token), {"section": "intro", "name": "X", "email": "x@y.no"}
        ).status_code
        == 404
    )
    assert client.post(url("respondent-delegation-revoke", delegated_token, delegation.pk)).status_code == 404


@pytest.mark.parametrize(
    ("token", "status"),
    [("short", 404), ("A" * 43, 404), ("A" * 42 + "!", 404), ("%3Cscript%3E" + "A" * 31, 404)],
)
def test_malformed_and_unknown_links_get_a_clear_page(client, open_round, token, status):
    for name in ["respondent-landing", "respondent-review", "respondent-receipt"]:
        response = client.get(reverse(name, args=[token]))
        assert response.status_code == status
        assert "lenken" in response.content.decode().lower() or "link" in response.content.decode().lower()


def test_revoked_expired_and_not_yet_open_links(client, open_round, bergen):
    revoked, revoked_token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="A", email="a@b.no"
    )
    invitation_revoke(invitation=revoked)
    assert client.get(url("respondent-landing", revoked_token)).status_code == 410

    _live, live_token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="B", email="b@b.no"
    )
    Survey.objects.filter(pk=open_round.pk).update(
        closes_at=timezone.now() - datetime.timedelta(days=8), opens_at=timezone.now() - datetime.timedelta(days=60)
    )
    assert client.get(url("respondent-landing", live_token)).status_code == 410

    Survey.objects.filter(pk=open_round.pk).update(
        closes_at=timezone.now() + datetime.timedelta(days=8), status="draft"
    )
    assert client.get(url("respondent-landing", live_token)).status_code == 403


def test_a_closed_round_keeps_links_readable_during_the_grace_period_but_refuses_changes(client, chief):
    _invitation, token = chief
    survey_close(survey=Survey.objects.get())

    assert client.get(url("respondent-landing", token)).status_code == 200
    assert autosave(client, token, "chief", "Q1", 0, Q1="yes").status_code == 409


def test_tokens_are_stored_only_as_hashes(chief):
    invitation, token = chief

    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert len(token) == 43  # 32 bytes = 256 bits


def test_the_lost_link_page_answers_the_same_and_sends_only_to_known_contacts(
    client, open_round, bergen, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    Contact.objects.create(municipality=bergen, name="Kari", role="chief_executive", email="kari@bergen.example")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("respondent-lost-link"), {"email": "KARI@bergen.example"})
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(reverse("respondent-lost-link"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert (
        known.content.decode().replace("KARI@bergen.example", "").count("alert-success")
        == unknown.content.decode().count("alert-success")
        == 1
    )
    assert [m.to for m in mailoutbox] == [["kari@bergen.example"]]
    assert lost_link_send(email="nobody@example.org") == 0


def test_the_lost_link_page_leaves_the_work_to_a_worker_after_the_commit(
    client, open_round, bergen, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    # given: a known and an unknown address
    Contact.objects.create(municipality=bergen, name="Kari", role="chief_executive", email="kari@bergen.example")
    queued = []
    monkeypatch.setattr("surveys.tasks.lost_link_send_task.delay", lambda **kwargs: queued.append(kwargs))

    # when: both are typed in
    counts = []
    for index, email in enumerate(["kari@bergen.example", "nobody@example.org"]):
        with django_capture_on_commit_callbacks(execute=False) as callbacks, CaptureQueriesContext(connection) as sql:
            assert client.post(reverse("respondent-lost-link"), {"email": email}).status_code == 200
        counts.append(len(sql.captured_queries))
        assert len(callbacks) == 1 and len(queued) == index  # queued only once the transaction commits
        callbacks[0]()

    # then: the request itself sends nothing, makes no link and does the same work for both
    assert queued == [{"email": "kari@bergen.example"}, {"email": "nobody@example.org"}]
    assert counts[0] == counts[1] and not mailoutbox and not Invitation.objects.exists()


def test_a_lost_link_goes_only_to_contacts_of_current_municipalities(open_round, mailoutbox):
    merged_away = Municipality.objects.exclude(pk__in=Municipality.objects.current()).first()
    Contact.objects.create(municipality=merged_away, name="Gammel", role="chief_executive", email="old@unit.example")

    assert lost_link_send(email="old@unit.example") == 0
    assert not mailoutbox and not Invitation.objects.exists()


def test_the_lost_link_page_is_rate_limited(client, open_round, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    replies = [client.post(reverse("respondent-lost-link"), {"email": "x@example.org"}).status_code for _ in range(7)]

    assert replies[:5] == [200] * 5 and replies[5:] == [429, 429]


def test_every_form_carries_a_csrf_token(client, chief):
    _invitation, token = chief
    client = type(client)(enforce_csrf_checks=True)

    assert (
        client.post(
            url("respondent-autosave", token, "chief"), {"question": "Q1", "version": 0, "Q1": "yes"}
        ).status_code
        == 403
    )
    assert client.post(url("respondent-submit", token), {"section": "__all__", "confirm": "1"}).status_code == 403


def test_two_requests_at_once_create_one_response(registry_reloaded, transactional_db):
    from django.db import connections

    now = timezone.now()
    survey = Survey.objects.create(year=2040, title="x", opens_at=now, closes_at=now + datetime.timedelta(days=1))
    unit = Municipality.objects.current().get(number="4601")
    barrier = threading.Barrier(2)
    results = []

    def create():
        barrier.wait()
        results.append(response_get_or_create(survey=survey, municipality=unit).pk)
        connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 2 and results[0] == results[1]
    assert Response.objects.filter(survey=survey).count() == 1
    assert connection.vendor == "postgresql"


def test_submitting_e_mails_the_receipt_as_plain_text_with_the_pdf(
    client, open_round, bergen, celery_eager, mailoutbox
):
    # given: names with characters that HTML would escape
    Survey.objects.filter(pk=open_round.pk).update(title="Bosetting & integrering")
    _invitation, token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="Kari O'Neil & Co", email="kari@b.example"
    )
    autosave(client, token, "chief", "Q1", 0, Q1="yes")

    # when: the section is submitted
    assert client.post(url("respondent-submit", token), {"section": "chief", "confirm": "1"}).status_code == 302

    # then the receipt waits in the outbox, written with the submission, and nothing is sent yet
    waiting = OutboxTask.objects.get()
    assert (waiting.task, waiting.kwargs) == (
        "surveys.tasks.receipt_send_task",
        {"invitation_id": _invitation.pk, "language": "nb"},
    )
    assert not mailoutbox

    # when beat's resend queues it (the task runs eagerly), then it is e-mailed, once
    assert outbox_resend() == 1 and outbox_resend() == 0
    assert len(mailoutbox) == 1
    message = mailoutbox[-1]
    assert message.to == ["kari@b.example"]
    assert "Bosetting & integrering" in message.subject and "Bergen" in message.subject
    assert "Kari O'Neil & Co" in message.body and "Bosetting & integrering" in message.body
    assert "&amp;" not in message.subject + message.body and "&#x27;" not in message.body
    filename, content, mimetype = message.attachments[0]
    assert filename == "kvittering-4601-2025.pdf" and mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Kari O'Neil & Co" in text and "Ja" in text


@pytest.fixture
def nynorsk_titles(draft_round):
    """Nynorsk section titles, set before the round opens and freezes them."""
    draft_round.questionnaire.sections.filter(code="intro").update(title_nn="Introprogrammet (nynorsk)")


def test_the_delegation_list_shows_section_titles_in_the_chosen_language(nynorsk_titles, client, chief):
    invitation, token = chief
    intro = invitation.survey.questionnaire.sections.get(code="intro")
    delegation_create(invitation=invitation, section=intro, name="Per", email="per@b.example")
    client.cookies["django_language"] = "nn"

    page = client.get(url("respondent-landing", token)).content.decode()

    assert "Per (per@b.example): Introprogrammet (nynorsk)" in page


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_invitation_deadline_is_written_in_the_contacts_language(open_round, bergen, language):
    # given: a deadline in March, and an admin working in English (the active language in tests)
    year = timezone.now().year + 1
    Survey.objects.filter(pk=open_round.pk).update(closes_at=datetime.datetime(year, 3, 14, 14, 0, tzinfo=datetime.UTC))
    contact = Contact.objects.create(
        municipality=bergen, name="Kari", role="chief_executive", email="kari@b.example", language=language
    )
    invitation, token = invitation_create(
        survey=Survey.objects.get(pk=open_round.pk),
        municipality=bergen,
        role="chief_executive",
        name="Kari",
        email="kari@b.example",
        contact=contact,
    )

    email = invitation_email(invitation=invitation, token=token)

    assert f"14. mars {year} 15:00" in email.body and "March" not in email.body
    assert ("Kommuneundersøkinga" if language == "nn" else "Kommuneundersøkelsen") in email.body


def test_a_delegated_link_is_written_in_the_givers_language(open_round, bergen):
    contact = Contact.objects.create(
        municipality=bergen, name="Kari", role="chief_executive", email="kari@b.example", language="nn"
    )
    chief, _token = invitation_create(
        survey=open_round,
        municipality=bergen,
        role="chief_executive",
        name="Kari",
        email="kari@b.example",
        contact=contact,
    )
    intro = open_round.questionnaire.sections.get(code="intro")
    delegation, token = delegation_create(invitation=chief, section=intro, name="Per", email="per@b.example")

    email = invitation_email(invitation=delegation, token=token)

    assert email.subject == "Kommuneundersøkinga 2025: Bergen"
    assert "Kari i Bergen har gitt deg delen «Intro» av svaret frå Bergen" in email.body
    assert "Lenkja er personleg" in email.body and "Per" not in email.body


def form_values(page: str) -> dict[str, list[str]]:
    """What a browser without JavaScript would post from the page's form: checked options, typed
    values, the text of text areas and the hidden versions."""
    values: dict[str, list[str]] = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        attributes = dict(re.findall(r'\s([\w-]+)="([^"]*)"', tag))
        name, kind = attributes.get("name"), attributes.get("type")
        if not name or name == "csrfmiddlewaretoken" or kind in ("radio", "checkbox") and " checked" not in tag:
            continue
        values.setdefault(name, []).append(html.unescape(attributes.get("value", "")))
    for name, text in re.findall(r'<textarea name="(\w+)"[^>]*>\n?(.*?)</textarea>', page, re.S):
        values[name] = [html.unescape(text)]
    return values


def test_without_javascript_a_conflict_shows_the_stored_answer_and_going_on_again_keeps_it(client, chief):
    # given: the chief's page, loaded before a colleague answers Q1
    invitation, token = chief
    chief_section = invitation.survey.questionnaire.sections.get(code="chief")
    _colleague, colleague_token = delegation_create(
        invitation=invitation, section=chief_section, name="Ola", email="ola@b.example"
    )
    before = form_values(client.get(url("respondent-section", token, "chief")).content.decode())
    assert before["v__Q1"] == ["0"] and "Q1" not in before
    autosave(client, colleague_token, "chief", "Q1", 0, Q1="yes")

    # when: the chief goes on with "no" for Q1 and "money" for Q2, from the versions they saw
    reply = client.post(url("respondent-section", token, "chief"), {**before, "Q1": "no", "Q2": ["money"]})

    # then: the page shows the colleague's answer to Q1 with its version, and the chief's own to Q2
    page = reply.content.decode()
    shown = form_values(page)
    assert reply.status_code == 409 and "Ola" in page
    assert shown["Q1"] == ["yes"] and shown["v__Q1"] == ["1"]
    assert shown["Q2"] == ["money"] and shown["v__Q2"] == ["1"]
    assert Answer.objects.get(question__code="Q1").value == "yes"

    # when: the chief goes on again without choosing: nothing is overwritten
    assert client.post(url("respondent-section", token, "chief"), shown).status_code == 302
    assert Answer.objects.get(question__code="Q1").value == "yes"
    assert AnswerChange.objects.filter(answer__question__code="Q1").count() == 1

    # and the old page sent again still cannot overwrite the colleague
    assert client.post(url("respondent-section", token, "chief"), {**before, "Q1": "no"}).status_code == 409
    assert Answer.objects.get(question__code="Q1").value == "yes"

    # when: the chief chooses "no" again on the page that showed "yes": that is kept
    assert client.post(url("respondent-section", token, "chief"), {**shown, "Q1": "no"}).status_code == 302
    assert Answer.objects.get(question__code="Q1").value == "no"


def test_a_closed_round_refuses_the_no_javascript_save_with_a_clear_page(client, chief):
    _invitation, token = chief
    survey_close(survey=Survey.objects.get())

    reply = client.post(url("respondent-section", token, "chief"), {"v__Q1": 0, "Q1": "yes"})

    assert reply.status_code == 409 and "Runden er ikke åpen for svar." in reply.content.decode()
    assert not Answer.objects.exists()


def test_progress_is_shown_on_the_section_page_and_per_section_on_the_landing_page(client, chief):
    # given: Q1 and Q2 answered; R1 shows only when Q1 is yes, C1 only when Q2 has housing
    _invitation, token = chief
    autosave(client, token, "chief", "Q1", 0, Q1="no")
    autosave(client, token, "chief", "Q2", 0, Q2=["money"])

    section = client.get(url("respondent-section", token, "chief")).content.decode()
    landing = client.get(url("respondent-landing", token)).content.decode()

    assert "2 av 3 spørsmål er besvart" in section
    assert "2 av 3 spørsmål er besvart" in landing and "0 av 1 spørsmål er besvart" in landing

    # when: a question appears and is answered with 0, which is an answer too
    autosave(client, token, "chief", "Q2", 1, Q2=["housing"])
    autosave(client, token, "chief", "C1", 0, C1="0")
    client.cookies["django_language"] = "nn"

    assert "3 av 4 spørsmål er svart på" in client.get(url("respondent-section", token, "chief")).content.decode()


def test_a_page_shown_again_with_errors_keeps_the_versions_the_input_was_made_from(client, chief):
    # given: a page loaded before a colleague answered Q1
    invitation, token = chief
    chief_section = invitation.survey.questionnaire.sections.get(code="chief")
    _colleague, colleague_token = delegation_create(
        invitation=invitation, section=chief_section, name="Ola", email="ola@b.example"
    )
    before = form_values(client.get(url("respondent-section", token, "chief")).content.decode())
    autosave(client, colleague_token, "chief", "Q1", 0, Q1="yes")

    # when: the chief's input has an error, is shown again, corrected and sent
    shown = client.post(url("respondent-section", token, "chief"), {**before, "Q1": "no", "Q2": ["a", "b", "c"]})
    again = form_values(shown.content.decode())
    reply = client.post(url("respondent-section", token, "chief"), {**again, "Q2": ["money"]})

    # then: the colleague's answer is not overwritten without the chief seeing it
    assert shown.status_code == 400 and again["v__Q1"] == ["0"] and again["Q1"] == ["no"]
    assert reply.status_code == 409 and Answer.objects.get(question__code="Q1").value == "yes"


def test_a_chief_sees_and_takes_back_links_given_from_an_earlier_link(client, open_round, bergen, chief):
    earlier, earlier_token = chief
    section = Section.objects.get(questionnaire=open_round.questionnaire, code="intro")
    delegation, _token = delegation_create(
        invitation=earlier, section=section, name="Per Intro", email="per@bergen.example"
    )
    # a reminder brought the chief a fresh link
    _newer, newer_token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="Kari", email="kari@bergen.example"
    )

    landing = client.get(reverse("respondent-landing", args=[newer_token])).content.decode()
    client.post(reverse("respondent-delegation-revoke", args=[newer_token, delegation.pk]))

    assert "Per Intro" in landing
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


class MailServerAway(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is away")


def test_a_delegation_while_the_mail_server_is_away_succeeds_and_the_link_follows(
    client, open_round, chief, settings, mailoutbox, django_capture_on_commit_callbacks
):
    import redis
    from django.core import mail

    from surveys.services.invitations import invitation_link_resend

    _invitation, token = chief
    settings.EMAIL_BACKEND = "tests.surveys.test_respondent.MailServerAway"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("respondent-delegate", args=[token]),
            {"section": "intro", "name": "Per Intro", "email": "per@bergen.example"},
        )

    delegation = Invitation.objects.get(email="per@bergen.example")
    unsent_hash = delegation.token_hash
    assert response.status_code == 302
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery") == 1  # the resend, queued
    # the worker's turn, with the mail server back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    invitation_link_resend(invitation=delegation)
    link = mail.outbox[-1].body.split("/r/")[1].split("/")[0]
    assert mail.outbox[-1].to == ["per@bergen.example"]
    assert client.get(reverse("respondent-landing", args=[link])).status_code == 200
    delegation.refresh_from_db()
    assert delegation.token_hash != unsent_hash


def test_an_autosave_through_a_link_revoked_since_the_last_save_is_refused(client, chief):
    # given: the chief's link saved a moment ago, so this process holds it resolved
    invitation, token = chief
    assert autosave(client, token, "chief", "Q1", 0, Q1="yes").json()["status"] == "saved"

    # when: the link is taken back, then the page saves again
    invitation_revoke(invitation=Invitation.objects.get(pk=invitation.pk))
    reply = autosave(client, token, "chief", "Q1", 1, Q1="no")

    # then: refused, saying why, and nothing changed
    assert reply.status_code == 410 and "trukket tilbake" in reply.json()["message"]
    assert Answer.objects.get(question__code="Q1").value == "yes" and AnswerChange.objects.count() == 1


def test_an_autosave_after_the_round_closed_since_the_last_save_is_refused(client, chief):
    invitation, token = chief
    assert autosave(client, token, "chief", "Q1", 0, Q1="yes").json()["status"] == "saved"

    survey_close(survey=Survey.objects.get(pk=invitation.survey_id))
    reply = autosave(client, token, "chief", "Q1", 1, Q1="no")

    assert reply.status_code == 409 and reply.json()["message"] == "Runden er ikke åpen for svar."
    assert Answer.objects.get(question__code="Q1").value == "yes" and AnswerChange.objects.count() == 1
