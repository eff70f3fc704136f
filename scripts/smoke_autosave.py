"""CI's smoke test of the embedded default: opens the respondent link that `scripts/run` printed,
saves one answer through the page's autosave and checks it, on SQLite as a newcomer runs it.

    python3 scripts/smoke_autosave.py var/ci-run.log

Standard library only: it runs before and outside the project's virtualenv."""

import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request


def main(log_path: str) -> None:
    log = open(log_path, encoding="utf-8").read()
    link = re.search(r"Respondent link \([^)]*\): (\S+)", log)
    if not link:
        sys.exit("scripts/run printed no respondent link")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    landing = opener.open(link.group(1), timeout=30).read().decode()
    section = re.search(r'href="(/r/[^"]+/s/[^"/]+/)"', landing)
    if not section:
        sys.exit("the landing page links no section")
    base = urllib.parse.urljoin(link.group(1), "/")
    page = opener.open(urllib.parse.urljoin(base, section.group(1)), timeout=30).read().decode()
    autosave = re.search(r'data-autosave-url="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    # A short-text question: number questions are text inputs too, with an inputmode for the keypad.
    texts = [
        match.group(1)
        for match in re.finditer(r'<input type="text" name="([A-Za-z0-9_]+)"([^>]*)>', page)
        if "inputmode" not in match.group(2)
    ]
    if not texts:
        sys.exit("the first section has no short-text question to save")
    code = texts[0]
    version = re.search(rf'name="v__{code}" value="(\d+)"', page).group(1)
    body = urllib.parse.urlencode({"question": code, "version": version, code: "Røyktest fra CI"}).encode()
    request = urllib.request.Request(
        urllib.parse.urljoin(base, autosave), data=body, headers={"X-CSRFToken": csrf, "Referer": base}
    )
    reply = json.loads(opener.open(request, timeout=30).read())
    if reply.get("status") != "saved" or reply.get("version") != int(version) + 1:
        sys.exit(f"the autosave answered {reply}")
    again = opener.open(urllib.parse.urljoin(base, section.group(1)), timeout=30).read().decode()
    if "Røyktest fra CI" not in again:
        sys.exit("the saved answer is not on the page when it is opened again")
    print(f"autosave on the embedded default: {code} saved as version {reply['version']}")


if __name__ == "__main__":
    main(sys.argv[1])
