"""The screenshots in docs/respondent, taken by hand (not part of the suite; the name is not test_*):
SHOT_TAG=after /work/tools/pt tests/e2e/screenshots_respondent.py. The "before" ones were taken
the same way on the code before issue 16."""

import os
from pathlib import Path

from PIL import Image

from municipalities.models import Municipality
from surveys.services.invitations import invitation_create

OUT = Path(__file__).resolve().parents[2] / "docs" / "respondent"
TAG = os.environ.get("SHOT_TAG", "before")


def _shot(page, name, width=640):
    path = OUT / f"{name}-{TAG}.png"
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(path)
    ratio = width / image.width
    image = image.resize((width, int(image.height * ratio)), Image.LANCZOS)
    image = image.crop((0, 0, width, min(image.height, 1400)))
    image.convert("P", palette=Image.ADAPTIVE, colors=64).save(path, optimize=True)


def test_shots(browser, wide_matrix_round, live_server):
    bergen = Municipality.objects.current().get(number="4601")
    _inv, token = invitation_create(
        survey=wide_matrix_round,
        municipality=bergen,
        role="chief_executive",
        name="Kari Leder",
        email="kari@bergen.example",
    )
    link = f"{live_server.url}/r/{token}/"
    page = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(link + "s/settlement/")
    page.locator("#item-Q02 input").fill("12")
    page.locator("#item-Q02 input").blur()
    _shot(page, "section-page")
    page.goto(link + "s/directorate/")
    _shot(page, "matrix")
    page.goto(link + "review/")
    page.locator("form[action$='/submit/'] button").last.click()
    page.goto(link)
    _shot(page, "done-state")
