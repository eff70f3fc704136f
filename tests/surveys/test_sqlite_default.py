"""The embedded default (SQLite) saves answers, makes responses and submits sections its own
way: the steps as statements, where PostgreSQL has a function (surveys.services.responses).
This runs the rules of tests/surveys/test_answer_save.py on SQLite, in a process of its own."""

import os
import subprocess
import sys

from tests.support import ROOT


def test_the_answer_rules_hold_on_the_embedded_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-m", "not postgresql"]
        + ["tests/surveys/test_answer_save.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout and "skipped" not in run.stdout
    # On SQLite only the steps run: the module leaves PostgreSQL's function out there.
    assert "[plain] PASSED" in run.stdout and "[one call]" not in run.stdout
