"""The WSGI application a web process serves is ready before its first request."""

import json
import subprocess
import sys

from tests.servers import production_env
from tests.support import ROOT

PROBE = """
import gc, json, sys
import config.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "views": "surveys.respondent.views" in sys.modules}))
"""


def test_the_views_are_imported_and_what_lives_as_long_as_the_process_is_frozen():
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120
    )

    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    # the URLconf and the respondents' views are in, and the collector skips the objects made
    # until then (tens of thousands: Django, the apps, their modules and classes)
    assert found["views"] is True and found["frozen"] > 50_000, found
