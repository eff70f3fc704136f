"""backup_platform and restore_platform: a backup of a round with people, answers, an audit trail,
messages, a chase log and stored files restores into an empty PostgreSQL database with every row
and file; SQLite (the embedded default) round-trips through its online backup API."""

import io
import os
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from operations.backup import Manifest
from surveys.models.analytics import AnalysisExport, AnalysisReport
from tests.scenarios import round_with_people_create
from tests.support import ROOT

COMPARED_TABLES = [
    "surveys_survey",
    "surveys_response",
    "surveys_answer",
    "surveys_answerchange",
    "surveys_invitation",
    "surveys_sectionprogress",
    "reminders_dispatch",
    "reminders_chaseentry",
    "municipalities_contact",
    "municipalities_municipality",
    "surveys_analysisexport",
    "surveys_analysisreport",
]


def _parameters(name: str) -> dict:
    database = connection.settings_dict
    parameters = {
        "dbname": name,
        "user": database["USER"],
        "password": database["PASSWORD"],
        "host": database["HOST"],
        "port": database["PORT"],
    }
    return {key: str(value) for key, value in parameters.items() if value}


def _url(name: str) -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"
    )


def _rows(name: str, table: str) -> list[tuple]:
    with closing(psycopg.connect(**_parameters(name))) as database:
        return database.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


@pytest.fixture
def empty_database(transactional_db):
    """A new, empty PostgreSQL database next to the test database; dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.fail("the test command runs on PostgreSQL; pg_dump and pg_restore need it")
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    with closing(psycopg.connect(**_parameters("postgres"), autocommit=True)) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with closing(psycopg.connect(**_parameters("postgres"), autocommit=True)) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(
    registry_reloaded, transactional_db, empty_database, tmp_path, settings
):
    # given: a round with answers, changes, messages, a chase log, an export file and a report PDF
    settings.MEDIA_ROOT = tmp_path / "media"
    people = round_with_people_create()
    export = AnalysisExport.objects.create(survey=people.survey, format="csv", status="running")
    export.file.save("survey-2027.csv", ContentFile(b"kommune;Q04\n4601;no\n5501;yes\n"), save=False)
    export.status, export.progress = "done", 100
    export.save()
    AnalysisReport.objects.create(survey=people.survey, status="done", progress=100, pdf=b"%PDF-1.7 national report")
    source = connection.settings_dict["NAME"]
    archive = tmp_path / "backups" / "platform.tar"

    # when
    out = io.StringIO()
    call_command("backup_platform", output=archive, stdout=out)
    call_command(
        "restore_platform",
        str(archive),
        database_url=_url(empty_database),
        media_root=tmp_path / "restored",
        stdout=out,
    )

    # then: every row of the tables that matter is there as it was, and the manifest's counts hold for all
    assert "1 rounds, 2 responses, 3 answers, 4 audit rows, 1 files" in out.getvalue()
    assert archive.stat().st_mode & 0o777 == 0o600, "the archive holds personal data"
    for table in COMPARED_TABLES:
        original = _rows(source, table)
        assert original, f"{table} has rows to compare"
        assert _rows(empty_database, table) == original, table
    with tarfile.open(archive) as tar:
        manifest = Manifest.from_json(tar.extractfile("manifest.json").read())
    for table in manifest.tables:
        assert len(_rows(empty_database, table["table"])) == table["rows"], table["model"]
    changes = _rows(empty_database, "surveys_answerchange")
    with closing(psycopg.connect(**_parameters(empty_database))) as restored:
        actors = restored.execute("SELECT actor_name FROM surveys_answerchange ORDER BY id").fetchall()
        answers = restored.execute(
            "SELECT m.number, q.code, a.value FROM surveys_answer a JOIN surveys_question q ON q.id = a.question_id "
            "JOIN surveys_response r ON r.id = a.response_id JOIN municipalities_municipality m ON m.id = r.municipality_id "
            "ORDER BY 1, 2"
        ).fetchall()
        pdf = restored.execute("SELECT pdf FROM surveys_analysisreport").fetchone()[0]
    assert [actor for (actor,) in actors] == ["Kari Nordmann"] * 3 + ["Per Persen"]
    assert answers == [("4601", "Q04", "no"), ("4601", "Q05", "yes"), ("5501", "Q04", "yes")]
    assert bytes(pdf) == b"%PDF-1.7 national report"
    restored_file = tmp_path / "restored" / export.file.name
    assert restored_file.read_bytes() == b"kommune;Q04\n4601;no\n5501;yes\n"

    # and: the restored database is no longer empty, so a second restore needs --force
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore_platform", str(archive), database_url=_url(empty_database), media_root=tmp_path / "x")
    call_command(
        "restore_platform",
        str(archive),
        database_url=_url(empty_database),
        media_root=tmp_path / "restored",
        force=True,
        stdout=out,
    )
    assert _rows(empty_database, "surveys_answerchange") == changes


def test_restore_refuses_an_archive_of_another_engine_and_a_file_that_is_no_backup(db, tmp_path):
    not_a_backup = tmp_path / "other.tar"
    with tarfile.open(not_a_backup, "w") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    with pytest.raises(CommandError, match="is not a platform backup"):
        call_command("restore_platform", str(not_a_backup), database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")

    postgres_backup = tmp_path / "postgres.tar"
    with tarfile.open(postgres_backup, "w") as tar:
        data = Manifest(engine="postgresql").to_json()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="restore a PostgreSQL backup into PostgreSQL"):
        call_command("restore_platform", str(postgres_backup), database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert not (tmp_path / "x.sqlite3").exists()


def test_the_embedded_sqlite_database_round_trips(tmp_path):
    """The embedded default: a copy by SQLite's online backup API, restored into a new file."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'platform.sqlite3'}",
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    environment.pop("REDIS_URL", None)

    def manage(*arguments: str) -> str:
        finished = subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        assert finished.returncode == 0, finished.stderr
        return finished.stdout

    manage("migrate", "--verbosity=0")
    with closing(sqlite3.connect(tmp_path / "platform.sqlite3")) as database, database:
        database.execute(
            "INSERT INTO accounts_staffevent (username, kind, what, created_at) VALUES ('kari', 'login', '', '2026-12-01')"
        )
    (tmp_path / "media" / "analysis").mkdir(parents=True)
    (tmp_path / "media" / "analysis" / "export.csv").write_bytes(b"a;b\n1;2\n")
    manage("backup_platform", f"--output={tmp_path / 'backup.tar'}")
    restored = manage(
        "restore_platform",
        str(tmp_path / "backup.tar"),
        f"--database-url=sqlite:///{tmp_path / 'restored.sqlite3'}",
        f"--media-root={tmp_path / 'restored-media'}",
    )

    assert "match the manifest" in restored
    assert (tmp_path / "restored-media" / "analysis" / "export.csv").read_bytes() == b"a;b\n1;2\n"
    with closing(sqlite3.connect(tmp_path / "restored.sqlite3")) as database:
        events = database.execute("SELECT username, kind FROM accounts_staffevent").fetchall()
    assert events == [("kari", "login")]
