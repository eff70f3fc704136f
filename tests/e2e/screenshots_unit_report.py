"""The screenshots in docs/reports/ of the report for each municipality, taken by hand (not part of the
suite; the name is not test_*): /work/tools/pt tests/e2e/screenshots_unit_report.py, or pytest with the
test command's environment."""

from pathlib import Path

from PIL import Image

from municipalities.models import Region, StaffProfile
from municipalities.services import staff_user_create
from tests.scenarios import bergen_report_built
from tests.support import SignedInClient

OUT = Path(__file__).resolve().parents[2] / "docs" / "reports"


def _shot(page, name: str, width: int = 640) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(path)
    image = image.resize((width, int(image.height * width / image.width)), Image.LANCZOS)
    image = image.crop((0, 0, width, min(image.height, 1400)))
    image.convert("P", palette=Image.ADAPTIVE, colors=64).save(path, optimize=True)


def test_shots(browser, live_server, open_round):
    OUT.mkdir(parents=True, exist_ok=True)
    token, _report = bergen_report_built(open_round)
    context = browser.new_context(locale="nb-NO", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{token}/")
    _shot(page, "municipal-report-on-the-landing-page")
    officer = staff_user_create(
        username="vest-bilder",
        password="pw-vest-123!x",
        role=StaffProfile.Role.REGIONAL_OFFICER,
        region=Region.objects.get(scheme__is_active=True, code="vest"),
    )
    signed_in = SignedInClient()
    signed_in.force_login(officer)
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/staff/reminders/{open_round.pk}/chase/")
    _shot(page, "municipal-reports-on-the-chase-board")
    context.close()
