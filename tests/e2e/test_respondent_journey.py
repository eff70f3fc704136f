"""A chief executive answers for Bergen in a real browser: autosave, conditions, a server
error next to the question, reload, delegation, the colleague's own link, submission and
the receipt PDF."""

import io
import re

from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from surveys.models import Answer, SectionProgress


def _saved(page):
    """Every autosave of the page has come back, and the last one saved."""
    expect(page.locator("#section-form")).to_have_attribute("data-busy", "0", timeout=10_000)
    expect(page.locator("#save-status")).to_contain_text("Lagret", timeout=10_000)


def test_the_chief_answers_delegates_and_submits(browser, chief_link, live_server):
    chief = browser.new_context(locale="nb-NO")
    page = chief.new_page()

    # the landing page
    page.goto(chief_link)
    expect(page.locator("h1")).to_contain_text("Bergen")
    page.get_by_role("link", name="Start eller fortsett").click()

    # pick-three: three boxes save, a fourth is refused by the server next to the question
    barriers = page.locator("#item-Q07")
    for label in ["Mangel på egnede boliger", "Få arbeidsplasser", "Kapasitet i tjenestene"]:
        barriers.get_by_label(label).check()
        _saved(page)
    barriers.get_by_label("Kommunens økonomi").check()
    expect(barriers.locator(".autosave-message")).to_contain_text("3")
    # the message is tied to the fields, so a screen reader reads it with them
    fourth = barriers.get_by_label("Kommunens økonomi")
    expect(fourth).to_have_attribute("aria-describedby", re.compile(r"\bautosave-message-Q07\b"))
    expect(fourth).to_have_attribute("aria-invalid", "true")
    barriers.get_by_label("Kommunens økonomi").uncheck()
    _saved(page)
    expect(barriers.locator(".autosave-message")).to_have_count(0)
    assert "autosave-message-Q07" not in (fourth.get_attribute("aria-describedby") or "")
    page.locator("#item-Q02 input").fill("42")
    page.locator("#item-Q02 input").blur()
    _saved(page)
    expect(page.locator("#progress")).to_contain_text("2 av ")
    page.get_by_role("button", name="Lagre og gå videre").click()

    # the matrix: one answer per row
    expect(page.locator("h1")).to_contain_text("Direktoratet")
    rows = page.locator("#item-Q08 tbody tr")
    for index in range(rows.count()):
        rows.nth(index).locator("input[type=radio]").nth(index % 4).check()
        _saved(page)

    # reload: everything is still there
    page.reload()
    rows = page.locator("#item-Q08 tbody tr")
    for index in range(rows.count()):
        expect(rows.nth(index).locator("input[type=radio]").nth(index % 4)).to_be_checked()
    assert Answer.objects.get(question__code="Q07").value == ["housing", "jobs", "capacity"]

    # delegate the introduction programme to a colleague
    page.goto(chief_link)
    page.locator("#id_section").select_option("intro")
    page.get_by_label("Kollegaens navn").fill("Per Intro")
    page.get_by_label("Kollegaens e-post").fill("per@bergen.example")
    page.get_by_role("button", name="Send lenken").click()
    expect(page.locator(".alert-success")).to_contain_text("Per Intro")
    link = re.search(r"/r/[A-Za-z0-9_-]{43}/", mail.outbox[-1].body).group(0)

    # the colleague answers from their own link; the target percentage appears after "yes"
    colleague = browser.new_context(locale="nb-NO").new_page()
    colleague.goto(live_server.url + link + "s/intro/")
    expect(colleague.locator("#item-I03")).to_be_hidden()
    colleague.locator("#item-I02").get_by_label("Ja").check()
    expect(colleague.locator("#item-I03")).to_be_visible(timeout=10_000)
    colleague.locator("#item-I03 input").fill("55.5")
    colleague.locator("#item-I03 input").blur()
    _saved(colleague)
    assert colleague.goto(live_server.url + link + "s/settlement/").status == 404

    # the chief submits everything and downloads the receipt
    page.goto(chief_link + "review/")
    page.get_by_role("button", name="Send inn alt for kommunen").click()
    page.get_by_role("button", name="Send inn likevel").click()  # some questions are left unanswered
    expect(page.locator(".alert-success").first).to_be_visible()
    assert set(SectionProgress.objects.values_list("status", flat=True)) == {"submitted"}
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned kvitteringen (PDF)").click()
    pdf = download.value.path().read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Mangel på egnede boliger" in text and "55,5" in text and "Kari Leder" in text


def test_without_javascript_the_form_saves_on_next(browser, chief_link):
    page = browser.new_context(java_script_enabled=False, locale="nb-NO").new_page()
    page.goto(chief_link + "s/settlement/")

    page.locator("#item-Q04").get_by_label("Ja").check()
    page.get_by_role("button", name="Lagre og gå videre").click()

    expect(page.locator("h1")).to_contain_text("Direktoratet")
    assert Answer.objects.get(question__code="Q04").value == "yes"
