"""No migration loses data: the demo database as the last release built it (a pg_dump in
snapshots/, made by scripts/migration_snapshot) is restored into its own database, today's
`manage.py migrate` runs over it as a release would, and then

- every row of every table the release had is still there, column for column (new columns and
  rows may be added; nothing the release stored may change or go);
- what the release handed out still works through today's code: the respondent link opens and
  saves, the admin signs in with the password and authenticator key, the closed round reads;
- beat's schedule, now defined in settings, lands on the entries the old data migrations wrote
  instead of beside them (the same names, no task twice).
"""

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.support import ROOT

SNAPSHOT = Path(__file__).parent / "snapshots" / "demo-cfd292a.sql.gz"
HANDED_OUT = SNAPSHOT.with_suffix("").with_suffix(".txt")
# Columns a migration moved on purpose, each with the query that finds its old value where it lives
# now (given the row's id); every other column must stay where it was.
MOVED_COLUMNS = {
    # migration 0019_classification_schemes: a band's variable is its classification scheme's
    ("surveys_analysisband", "variable"): "SELECT s.variable FROM surveys_analysisband b"
    " JOIN surveys_classificationscheme s ON s.id = b.scheme_id WHERE b.id = %s",
}


def _url(database: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


@pytest.fixture
def released_demo():
    """A database holding the snapshot, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_released_demo"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    restored = subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", _url(name)],
        input=gzip.decompress(SNAPSHOT.read_bytes()),
        capture_output=True,
    )
    assert restored.returncode == 0, restored.stderr.decode()
    yield _url(name)
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name != 'django_migrations'"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _rows(url: str, tables: dict[str, list[str]]) -> dict[str, set[str]]:
    """Each table's rows as text, in the given columns only."""
    found = {}
    with psycopg.connect(url) as db:
        for table, columns in tables.items():
            listed = ", ".join(f'"{c}"' for c in columns)
            found[table] = {
                r[0] for r in db.execute(f'SELECT row_to_json(t)::text FROM (SELECT {listed} FROM "{table}") t')
            }
    return found


def _moved_values(rows: dict[str, set[str]], tables: dict[str, list[str]]) -> dict[tuple, dict]:
    """The moved columns' values before the migration, by (table, column) and row id."""
    moved = {}
    for table, column in MOVED_COLUMNS:
        if column in tables.get(table, []):
            values = (json.loads(row) for row in rows[table])
            moved[(table, column)] = {value["id"]: value[column] for value in values}
    return moved


def _moved_values_after(url: str, moved: dict[tuple, dict]) -> dict[tuple, dict]:
    """The same values read where the migration put them."""
    found = {}
    with psycopg.connect(url) as db:
        for key, by_id in moved.items():
            found[key] = {pk: db.execute(MOVED_COLUMNS[key], (pk,)).fetchone()[0] for pk in by_id}
    return found


def _project(rows: set[str], columns: list[str]) -> set[str]:
    """Rows (as _rows reads them) in the given columns only, each in one canonical text."""
    return {json.dumps({c: value[c] for c in columns}, sort_keys=True) for value in map(json.loads, rows)}


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_HOST", "PLATFORM_ENV"}
    }
    env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_todays_migrations_keep_every_row_of_the_released_demo_and_what_it_handed_out_still_works(released_demo):
    tables_before = _tables(released_demo)
    rows_before = _rows(released_demo, tables_before)
    assert sum(len(rows) for rows in rows_before.values()) > 10_000  # the demo's rounds, not an empty shell

    migrated = _manage(released_demo, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr

    tables_after = _tables(released_demo)
    missing_tables = set(tables_before) - set(tables_after)
    assert not missing_tables
    moved_before = _moved_values(rows_before, tables_before)
    missing_columns = {
        t: set(c) - set(tables_after[t]) - {column for table, column in MOVED_COLUMNS if table == t}
        for t, c in tables_before.items()
    }
    assert not {t: c for t, c in missing_columns.items() if c}
    assert _moved_values_after(released_demo, moved_before) == moved_before
    kept = {t: [c for c in columns if (t, c) not in MOVED_COLUMNS] for t, columns in tables_before.items()}
    rows_before = {t: _project(rows, kept[t]) for t, rows in rows_before.items()}
    rows_after = {t: _project(rows, kept[t]) for t, rows in _rows(released_demo, kept).items()}
    lost = {table: len(rows - rows_after[table]) for table, rows in rows_before.items() if rows - rows_after[table]}
    assert not lost, f"rows changed or gone, by table: {lost}"
    _assert_the_four_roles_became_rows(released_demo)

    handed_out = HANDED_OUT.read_text()
    token = re.search(r"/r/([\w-]+)/", handed_out).group(1)
    password = re.search(r"Username: admin\s+Password: (\S+)", handed_out).group(1)
    totp_key = re.search(r"^\s+admin\s+key (\w+)", handed_out, re.MULTILINE).group(1)
    day_after = _manage(
        released_demo,
        "shell",
        "-c",
        "from tests.operations.migrated_demo import main; "
        f"main(token={token!r}, password={password!r}, totp_key={totp_key!r})",
    )
    assert day_after.returncode == 0, day_after.stderr
    seen = json.loads(day_after.stdout.strip().splitlines()[-1])

    assert seen["respondent"] == {"landing": 200, "section_page": 200, "autosave": 200, "answer": "yes"}
    assert seen["staff"] == {
        "password_step": 302,
        "code_step": 302,
        "frequencies": 200,
        "frequencies_mention_Q04": True,
    }
    assert seen["closed"]["responses"] == 304 and seen["closed"]["submitted_sections"] > 0
    assert seen["beat"] == sorted(settings.CELERY_BEAT_SCHEDULE)


def _assert_the_four_roles_became_rows(url: str) -> None:
    """Migration 0015: the roles fixed in code until then are rows of every questionnaire, and every
    role a section or a link holds is one of its questionnaire's rows."""
    with psycopg.connect(url) as db:
        questionnaires = {row[0] for row in db.execute("SELECT id FROM surveys_questionnaire")}
        roles = db.execute(
            "SELECT questionnaire_id, code, contact_role, unit_kind, is_chief_executive FROM surveys_respondentrole"
        ).fetchall()
        used = set(
            db.execute(
                "SELECT questionnaire_id, role FROM surveys_section UNION SELECT s.questionnaire_id, i.role"
                " FROM surveys_invitation i JOIN surveys_survey s ON s.id = i.survey_id"
            ).fetchall()
        )
    expected = {
        ("chief_executive", "chief_executive", "municipality", True),
        ("introduction_programme", "introduction_programme", "", False),
        ("schools", "schools", "", False),
        ("district_director", "chief_executive", "district", True),
    }
    assert questionnaires and used
    for questionnaire in questionnaires:
        assert {tuple(row[1:]) for row in roles if row[0] == questionnaire} == expected
    assert used <= {(row[0], row[1]) for row in roles}
