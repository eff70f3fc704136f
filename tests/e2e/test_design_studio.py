"""A survey admin in a real browser makes next year's questionnaire from this year's, adds a rotating
question from the bank, moves it by keyboard, gives it a condition in the builder, test-runs the
questionnaire as a municipality that settles no refugees in Nynorsk (the condition hides it), and
opens the round through its checklist. Every click and form
fill past the sign-in is counted (the issue's aim: at most 15), and axe-core checks every studio
page on the way. With STUDIO_SCREENSHOTS=1 the pages are saved to docs/design-studio/."""

import datetime
import os
from pathlib import Path

from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from municipalities.models import Contact, Municipality, MunicipalityProfile, StaffProfile
from municipalities.services import staff_user_create
from reminders.services import schedule_create_default
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Survey
from surveys.services.rounds import survey_close
from tests.e2e.axe import assert_no_violations
from tests.support import SignedInClient, demo_round_open

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "design-studio"
MAX_ACTIONS = 15


class Counted:
    """The survey admin's hands: each click, fill, choice and key press counts one action."""

    def __init__(self, page):
        self.page = page
        self.actions: list[str] = []

    def click(self, locator, what: str) -> None:
        locator.click()
        self.page.mouse.move(0, 0)  # no hover state left behind for axe
        self.actions.append(f"click {what}")

    def fill(self, locator, value: str) -> None:
        locator.fill(value)
        self.actions.append(f"fill {value}")

    def choose(self, locator, value: str) -> None:
        locator.select_option(value)
        self.actions.append(f"choose {value}")

    def press(self, locator, key: str, what: str) -> None:
        locator.press(key)
        self.actions.append(f"{key} on {what}")


def screenshot(page, name: str) -> None:
    if os.environ.get("STUDIO_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        # A palette of 64 colours keeps the documentation's pictures small and readable.
        Image.open(path).convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(path, optimize=True)


def test_a_survey_admin_makes_next_years_round_and_opens_it_within_fifteen_actions(browser, live_server, settings):
    # given: this year's round, opened a year ago less two days and closed, with its schedule; the
    # 2025 questionnaire's rotating questions in the bank; every unit with its contacts; Tromsø
    # settles no refugees
    from django.core.management import call_command

    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo_questionnaire_create(year=2025, earlier=True)
    this_year = demo_round_open(year=2026, days_open=362, days_left=-300)
    schedule_create_default(survey=this_year)
    survey_close(survey=this_year)
    units = list(Municipality.objects.valid_on(timezone.now().date()))
    for role in (Contact.Role.CHIEF_EXECUTIVE, Contact.Role.INTRODUCTION_PROGRAMME):
        Contact.objects.bulk_create(
            Contact(municipality=unit, name="Kontakt", role=role, email=f"{role}@{unit.number}.example")
            for unit in units
        )
    tromso = Municipality.objects.current().get(number="5501")
    MunicipalityProfile.objects.update_or_create(municipality=tromso, year=2026, defaults={"settles_refugees": False})
    admin = staff_user_create(username="designer", password="pw-design-123!", role=StaffProfile.Role.SURVEY_ADMIN)
    signed_in = SignedInClient()
    signed_in.force_login(admin)
    # Without transitions axe never reads a button's colours halfway through its hover fade.
    context = browser.new_context(locale="nb-NO", viewport={"width": 1100, "height": 800}, reduced_motion="reduce")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    refused = []  # the browser reports each thing the Content-Security-Policy blocks on the console
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    hands = Counted(page)
    page.goto(f"{live_server.url}/staff/")  # where the sign-in ends

    # when: the studio, next year's round with one rotating question kept
    hands.click(page.get_by_role("link", name="Skjemaverksted: spørreskjemaer og åpning av runder"), "studio")
    assert_no_violations(page, "studio home")
    hands.click(page.get_by_role("link", name="Lag neste års (2026)"), "make next year's")
    expect(page.locator("#id_title")).to_have_value("Kommuneundersøkelsen 2027")
    assert_no_violations(page, "next year's")
    hands.click(page.get_by_role("button", name="Lag utkastet"), "make the draft")
    expect(page.locator("h1")).to_contain_text("Kommuneundersøkelsen 2027")

    # a rotating question from the bank, last in the first section, then one up by keyboard
    hands.fill(page.get_by_label("Søk i spørsmålsbanken"), "bolig")
    expect(page.locator("#bank-results")).to_contain_text("R24_1")
    expect(page.locator("#bank-results")).to_contain_text("Aldri stilt i en runde")
    assert_no_violations(page, "questionnaire with bank results")
    hands.click(page.get_by_role("button", name="Legg til R24_1"), "add R24_1")
    expect(page.locator("#questionnaire-body")).to_contain_text("R24_1")
    up = page.get_by_role("button", name="Flytt R24_1 opp")
    up.focus()
    hands.press(up, "Enter", "move R24_1 up")
    expect(page.locator(".studio-section").first.locator(".studio-item").last).to_contain_text("Q07")
    # the focus stays on the button, so the key works again
    assert page.evaluate("document.activeElement.id").startswith("up-item-")
    screenshot(page, "questionnaire")

    # the question editor, seen on the side (no action of the journey)
    side = context.new_page()
    side.goto(live_server.url + page.get_by_role("link", name="Rediger spørsmålet R24_1").get_attribute("href"))
    expect(side.locator("h1")).to_contain_text("R24_1")
    assert_no_violations(side, "question editor")
    screenshot(side, "question-editor")
    side.close()

    # a condition built in the builder: only where refugees are settled (the first variable, =, yes)
    hands.click(page.get_by_role("link", name="Vilkår R24_1"), "condition of R24_1")
    hands.click(page.get_by_role("button", name="Legg til i vilkåret"), "add to the condition")
    expect(page.locator("#id_condition")).to_have_value("${settles_refugees} = true")
    expect(page.locator("#condition-check")).to_contain_text("Vilkåret er gyldig")
    assert_no_violations(page, "condition builder")
    screenshot(page, "condition-builder")
    hands.click(page.get_by_role("button", name="Lagre vilkåret"), "save the condition")
    expect(page.locator("#questionnaire-body")).to_contain_text("${settles_refugees} = true")

    # a test run in Nynorsk as Tromsø: Q02 and R24_1 (only where refugees are settled) are hidden
    hands.click(page.get_by_role("link", name="Prøvekjøring"), "test run")
    hands.choose(page.locator("#id_municipality"), str(tromso.pk))
    hands.choose(page.locator("#id_language"), "nn")
    hands.click(page.get_by_role("button", name="Start prøvekjøringen"), "start")
    expect(page.locator("#tryout-hidden")).to_contain_text("Q02, R24_1")
    expect(page.locator("#item-R24_1")).to_be_hidden()
    expect(page.locator("#tryout-form")).to_contain_text("Busetjing og tenester")
    assert_no_violations(page, "test run")

    # and the round opened through its checklist
    hands.click(page.get_by_role("link", name="Sjekkliste og åpning"), "checklist")
    expect(page.locator(".studio-check-refusal")).to_have_count(0)
    expect(page.locator(".studio-check-warning")).to_have_count(0)
    assert_no_violations(page, "checklist")
    screenshot(page, "checklist")
    hands.click(page.get_by_role("button", name="Åpne runden"), "open the round")

    # then
    expect(page.locator(".alert-success")).to_contain_text("er åpen")
    next_year = Survey.objects.get(year=2027)
    assert next_year.status == Survey.Status.OPEN
    assert next_year.questionnaire.title == "Kommuneundersøkelsen 2027"
    codes = list(
        next_year.questionnaire.items.filter(section__code="settlement").values_list("question__code", flat=True)
    )
    assert codes[-2:] == ["R24_1", "Q07"]
    assert next_year.questionnaire.items.get(question__code="R24_1").condition == "${settles_refugees} = true"
    assert abs(next_year.opens_at - this_year.opens_at - datetime.timedelta(weeks=52)) < datetime.timedelta(minutes=1)
    # htmx and SortableJS work within the Content-Security-Policy: nothing was blocked on the way
    assert refused == []
    print(f"\ndesign studio: {len(hands.actions)} actions past the sign-in: " + "; ".join(hands.actions))
    assert len(hands.actions) <= MAX_ACTIONS, hands.actions


def _next_years_draft_and_designer(browser, open_round, live_server):
    """Next year's draft round (no schedule) made from `open_round`, and a browser page signed in
    as a survey admin."""
    from studio.services import survey_make_next

    draft = survey_make_next(
        source=open_round,
        year=open_round.year + 1,
        title="Neste runde",
        opens_at=open_round.opens_at + datetime.timedelta(weeks=52),
        closes_at=open_round.closes_at + datetime.timedelta(weeks=52),
        keep_question_ids=set(),
        copy_schedule=False,
    )
    admin = staff_user_create(username="designer", password="pw-design-123!", role=StaffProfile.Role.SURVEY_ADMIN)
    signed_in = SignedInClient()
    signed_in.force_login(admin)
    context = browser.new_context(locale="nb-NO", viewport={"width": 1100, "height": 800}, reduced_motion="reduce")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    return draft, context.new_page()


def test_the_studio_pages_a_journey_does_not_pass_have_no_accessibility_violations(browser, open_round, live_server):
    # given: this year's round open (its questionnaire frozen), next year's draft without a schedule
    draft, page = _next_years_draft_and_designer(browser, open_round, live_server)
    frozen = open_round.questionnaire
    frozen_item = frozen.items.get(question__code="Q02")
    base = f"{live_server.url}/staff/design"

    pages = {
        "the frozen questionnaire, read-only": f"{base}/questionnaires/{frozen.pk}/",
        "the bank without JavaScript's help": f"{base}/questionnaires/{draft.questionnaire_id}/bank/?q=Q0",
        "a frozen question in the editor": f"{base}/questions/{frozen_item.question_id}/",
        "a frozen item's condition": f"{base}/items/{frozen_item.pk}/condition/",
        "the test run before it starts": f"{base}/questionnaires/{draft.questionnaire_id}/test-run/",
        "a new question": f"{base}/questionnaires/{draft.questionnaire_id}/new-question/",
        "a checklist that refuses": f"{base}/rounds/{draft.pk}/open/",
    }
    for what, url in pages.items():
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert_no_violations(page, what)

    # the refusing checklist offers the standard schedule in one click, then lets the round open
    expect(page.locator("[data-check=schedule]")).to_contain_text("Må rettes")
    page.get_by_role("button", name="Legg til standard purreplan").click()
    expect(page.locator("[data-check=schedule]")).to_contain_text("I orden")
    assert_no_violations(page, "the checklist with its warnings")


def test_dragging_a_question_by_its_handle_moves_it_as_the_buttons_do(browser, open_round, live_server):
    # given: next year's draft, whose first section begins Q01, Q02
    draft, page = _next_years_draft_and_designer(browser, open_round, live_server)
    page.goto(f"{live_server.url}/staff/design/questionnaires/{draft.questionnaire_id}/")
    items = page.locator(".studio-section").first.locator(".studio-item")
    expect(items.nth(0)).to_contain_text("Q01")

    # when: Q03's handle is dragged onto Q01
    handle = items.nth(2).locator(".studio-handle")
    target = items.nth(0)
    box, goal = handle.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(goal["x"] + goal["width"] / 2, box["y"] + (goal["y"] + 5 - box["y"]) * step / 10)
    with page.expect_response(lambda response: response.url.endswith("/move/")) as moved:
        page.mouse.up()

    # then: the page is drawn again from the server with Q03 first, and the database agrees
    assert moved.value.status == 200
    expect(page.locator(".studio-section").first.locator(".studio-item").nth(0)).to_contain_text("Q03")
    codes = draft.questionnaire.items.filter(section__code="settlement").order_by("position")
    assert list(codes.values_list("question__code", flat=True))[:3] == ["Q03", "Q01", "Q02"]


def test_a_survey_admin_makes_a_new_question_and_gives_it_a_condition_in_the_builder(browser, open_round, live_server):
    # given next year's draft, made from this year's round
    draft, page = _next_years_draft_and_designer(browser, open_round, live_server)
    hands = Counted(page)
    page.goto(f"{live_server.url}/staff/design/questionnaires/{draft.questionnaire_id}/")

    # when: a new rotating yes/no question, placed last in the first section
    hands.click(page.get_by_role("link", name="Lag et nytt spørsmål"), "make a new question")
    assert_no_violations(page, "new question")
    hands.fill(page.get_by_label("Kode"), "R27_1")
    hands.choose(page.get_by_label("Type"), "yes_no")
    hands.choose(page.get_by_label("Klassifisering"), "rotating")
    hands.fill(page.get_by_label("Tekst (bokmål)"), "Har kommunen nok boliger til dem den bosetter?")
    hands.click(page.get_by_role("button", name="Lag spørsmålet"), "make the question")
    expect(page.locator("h1")).to_contain_text("R27_1")  # its editor, for options and languages
    hands.click(page.get_by_role("link", name="Tilbake til spørreskjemaet"), "back to the questionnaire")

    # and its condition built in the builder: only where refugees are settled
    hands.click(page.get_by_role("link", name="Vilkår R27_1"), "condition of R27_1")
    hands.click(page.get_by_role("button", name="Legg til i vilkåret"), "add to the condition")
    expect(page.locator("#id_condition")).to_have_value("${settles_refugees} = true")
    hands.click(page.get_by_role("button", name="Lagre vilkåret"), "save the condition")

    # then
    expect(page.locator("#questionnaire-body")).to_contain_text("R27_1")
    item = draft.questionnaire.items.get(question__code="R27_1")
    assert item.condition == "${settles_refugees} = true" and item.question.classification == "rotating"
    assert item.position == item.section.items.count()
    print(f"\nnew question with a condition: {len(hands.actions)} actions: " + "; ".join(hands.actions))
