"""The demo's two imported earlier years, and the import on the embedded SQLite (whose answers
go in through SQLite's own JSON functions, where PostgreSQL unpacks the document with its own)."""

import os
import subprocess
import sys

import pytest

from surveys.analytics.series import series_compare
from surveys.demo import demo_rounds_ensure
from surveys.models import PastRoundImport
from surveys.past_rounds.demo import demo_past_rounds_ensure
from tests.support import ROOT


@pytest.mark.django_db
def test_the_demo_gains_two_imported_years_and_its_series_start_there():
    # given
    earlier, current = demo_rounds_ensure()

    # when
    imported = demo_past_rounds_ensure(years=[earlier.year - 2, earlier.year - 1])

    # then
    assert [survey.year for survey in imported] == [earlier.year - 2, earlier.year - 1]
    assert PastRoundImport.objects.count() == 2
    assert series_compare(series="Q04").years == [earlier.year - 2, earlier.year - 1, earlier.year, current.year]
    assert demo_past_rounds_ensure(years=[earlier.year - 2, earlier.year - 1]) == []  # a second run adds nothing


def test_the_import_holds_on_the_embedded_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/past_rounds/test_import.py"]
        + ["-k", "sav_is_imported or removed_as_a_whole"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout
