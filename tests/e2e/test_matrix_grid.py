"""A long matrix is a grid on a wide screen and a list on a phone (issue 16), both without axe
violations; the form controls' borders keep 3:1 against the page (WCAG 1.4.11), measured from the
computed colours."""

import pytest
from playwright.sync_api import expect

from municipalities.models import Municipality
from surveys.models import Answer
from surveys.services.invitations import invitation_create
from tests.e2e.axe import assert_no_violations

CONTRAST = """(selector) => Array.from(document.querySelectorAll(selector)).map((field) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const parse = (text) => { const n = text.match(/[\\d.]+/g).map(Number); return [n[0], n[1], n[2], n.length > 3 ? n[3] : 1]; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  let page = [255, 255, 255, 1];
  for (let node = field.parentElement; node; node = node.parentElement) {
    const paint = parse(getComputedStyle(node).backgroundColor);
    if (paint[3] > 0) { page = paint; break; }
  }
  // a translucent border is seen over the page behind it
  const [r, g, b, a] = parse(getComputedStyle(field).borderTopColor);
  const seen = [r * a + page[0] * (1 - a), g * a + page[1] * (1 - a), b * a + page[2] * (1 - a)];
  const border = luminance(seen), back = luminance(page);
  return (Math.max(border, back) + 0.05) / (Math.min(border, back) + 0.05);
})"""


@pytest.fixture
def matrix_link(wide_matrix_round, live_server):
    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=wide_matrix_round,
        municipality=bergen,
        role="chief_executive",
        name="Kari Leder",
        email="k@bergen.example",
    )
    return f"{live_server.url}/r/{token}/s/directorate/"


def test_a_sixteen_row_matrix_is_a_grid_on_a_wide_screen(browser, matrix_link):
    page = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(matrix_link)
    grid = page.locator("#item-Q08 table.matrix-grid")
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(16)
    # a column header per point, a row header per row, and a row's points side by side
    expect(grid.locator("thead th[scope=col]")).to_have_count(5)
    expect(grid.locator("thead th[scope=col]").first).to_be_visible()
    expect(rows.first.locator("th[scope=row]")).to_have_text("Bosetting")
    tops = {round(box["y"]) for box in (r.bounding_box() for r in rows.first.locator("input[type=radio]").all())}
    assert len(tops) == 1
    # one radio group per row, each point read with its row
    first = rows.first.locator("input[type=radio]")
    assert len({name for name in (r.get_attribute("name") for r in first.all())}) == 1
    expect(first.first).to_have_accessible_name("Svært lite nyttig")
    expect(first.first).to_have_accessible_description("Bosetting")
    # a row is one line: the 16 rows take about a screen, where the stacked list took 3,500 px
    assert grid.bounding_box()["height"] < 16 * 70
    assert_no_violations(page, "matrix grid at 1280 px")

    # the grid saves a row as before
    point = rows.nth(2).locator("input[type=radio]").nth(1)
    point.check()
    expect(page.locator("#save-status")).to_contain_text("Lagret", timeout=10_000)
    assert Answer.objects.get(question__code="Q08").value == {"qualification": point.get_attribute("value")}


def test_the_same_matrix_is_a_list_on_a_phone(browser, matrix_link):
    page = browser.new_context(locale="nb-NO", viewport={"width": 360, "height": 800}).new_page()
    page.goto(matrix_link)
    grid = page.locator("#item-Q08 table.matrix-grid")
    expect(grid.locator("thead")).to_be_hidden()
    first = grid.locator("tbody tr").first
    # the points stacked under the row, their labels showing
    expect(first.locator(".matrix-point").first).to_be_visible()
    tops = [round(r.bounding_box()["y"]) for r in first.locator("input[type=radio]").all()]
    assert tops == sorted(tops) and len(set(tops)) == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_violations(page, "matrix list at 360 px")


def test_form_controls_keep_three_to_one_against_the_page(browser, chief_link):
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(chief_link + "s/settlement/")
    for selector in ["input[type=radio]", "input[type=checkbox]", "input.form-control", "textarea"]:
        ratios = page.evaluate(CONTRAST, selector)
        assert ratios, selector
        assert min(ratios) >= 3, (selector, min(ratios))
