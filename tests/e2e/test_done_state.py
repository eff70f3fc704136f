"""Submitted means done (issue 16): once everything the link may submit is submitted, the landing
page says so at the top with the time, who, the receipt and how to ask for a reopening; nothing
offers to submit again, and a second submit from a page left open sends nothing."""

from celery import current_app
from django.core import mail
from playwright.sync_api import expect

from operations.models import OutboxTask
from surveys.models import SectionProgress
from surveys.respondent.receipts import RECEIPT_TASK
from tests.e2e.axe import assert_no_violations


def _deliver_outbox() -> None:
    """What beat and a worker do with the kept calls, here in the test's process."""
    for entry in OutboxTask.objects.all():
        current_app.tasks[entry.task].apply(kwargs=entry.kwargs, throw=True)
        entry.delete()


def test_after_submitting_the_landing_shows_done_and_a_second_submit_sends_nothing(browser, chief_link, settings):
    settings.SUPPORT_EMAIL = "hjelp@direktoratet.example"
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.goto(chief_link)
    # before anything is submitted there is no receipt to offer
    expect(page.get_by_role("link", name="Last ned kvittering")).to_have_count(0)
    expect(page.locator("#done")).to_have_count(0)
    # a second tab keeps the review page open from before the submission
    stale = context.new_page()
    stale.goto(chief_link + "review/")

    page.goto(chief_link + "review/")
    page.get_by_role("button", name="Send inn alt for kommunen").click()
    page.get_by_role("button", name="Send inn likevel").click()  # some questions are left unanswered

    # the landing page says it is done, at the top
    done = page.locator("#done")
    expect(done).to_contain_text("Alt er sendt inn")
    expect(done).to_contain_text("Kari Leder")
    expect(done).to_contain_text("hjelp@direktoratet.example")
    expect(done.get_by_role("link", name="Last ned kvitteringen (PDF)")).to_be_visible()
    assert page.locator("h1 + #done").count() == 1
    expect(page.get_by_role("link", name="Start eller fortsett")).to_have_count(0)
    expect(page.get_by_role("button", name="Send lenken")).to_have_count(0)
    assert_no_violations(page, "landing, done")
    assert set(SectionProgress.objects.values_list("status", flat=True)) == {"submitted"}
    _deliver_outbox()
    assert len(mail.outbox) == 1

    # the review page offers no submit any more
    page.goto(chief_link + "review/")
    expect(page.locator("form[action$='/submit/']")).to_have_count(0)
    assert_no_violations(page, "review, done")

    # and the submit pressed in the tab left open changes nothing and sends nothing
    stale.get_by_role("button", name="Send inn alt for kommunen").click()
    expect(stale.locator(".alert-info")).to_contain_text("allerede sendt inn")
    assert not OutboxTask.objects.filter(task=RECEIPT_TASK).exists()
    _deliver_outbox()
    assert len(mail.outbox) == 1

    # the receipt downloads
    with page.expect_download() as download:
        page.goto(chief_link)
        page.locator("#done").get_by_role("link", name="Last ned kvitteringen (PDF)").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
