"""axe-core (from node_modules) run in the browser page: no WCAG 2.1 A/AA violation."""

import json

from tests.support import ROOT

AXE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_no_violations(page, what: str) -> None:
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy rightly
    # refuses an inline <script> tag, and axe is no part of the page.
    page.evaluate(AXE)
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert violations == [], f"{what}: " + json.dumps(violations, indent=1, ensure_ascii=False)
