"""Backup and restore of the whole platform: the database and the stored files in one archive.

An archive is an uncompressed tar (the dump is compressed already) holding

- `database.dump` (PostgreSQL: pg_dump's custom format) or `database.sqlite3` (the embedded default),
- `media/...`: every file under MEDIA_ROOT (analysis exports; report PDFs live in the database),
- `manifest.json`: when, from which engine, the row count of every table and the size and SHA-256
  of every file.

On PostgreSQL the counts and the dump come from one snapshot: a REPEATABLE READ transaction exports
its snapshot and pg_dump reads through it, so the manifest describes exactly the rows in the dump
while respondents go on saving. On SQLite the file is copied with SQLite's online backup API, which
is consistent while the app writes, and counted in the copy.

A restore refuses a database that already has tables unless forced, restores the database and the
files, then counts every table again and checks every file against the manifest.
"""

import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import dj_database_url
from django.apps import apps

ARCHIVE_FORMAT = 1
MANIFEST_NAME = "manifest.json"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media/"
# The command reports these; the manifest counts, and the restore checks, every table.
HEADLINE_MODELS = {
    "surveys.Survey": "rounds",
    "surveys.Response": "responses",
    "surveys.Answer": "answers",
    "surveys.AnswerChange": "audit rows",
}
# libpq's environment variables for the connection settings Django may hold.
PG_ENVIRONMENT = {
    "HOST": "PGHOST",
    "PORT": "PGPORT",
    "USER": "PGUSER",
    "PASSWORD": "PGPASSWORD",
    "NAME": "PGDATABASE",
}
PG_OPTION_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}

ERROR_ENGINE = "Backups support PostgreSQL and SQLite, not {engine}."
ERROR_NOT_AN_ARCHIVE = "{path} is not a platform backup: it has no {manifest}."
ERROR_FORMAT = "{path} is archive format {found}; this version of the platform reads format {expected}."
ERROR_ENGINE_MISMATCH = (
    "The archive holds a {archive} database and the target is {target}: restore a PostgreSQL backup into "
    "PostgreSQL and a SQLite backup into SQLite."
)
ERROR_NOT_EMPTY = (
    "The target database {name} is not empty ({tables} tables). Restore into an empty database, or pass "
    "--force to replace what is in it."
)
ERROR_IN_MEMORY = "An in-memory SQLite database cannot be backed up or restored: set DATABASE_URL to a file."
ERROR_NO_DATABASE_FILE = "The SQLite database {path} does not exist."
ERROR_TOOL_MISSING = (
    "{tool} was not found. Install PostgreSQL's client programs (Debian: apt-get install postgresql-client), "
    "in the server's version or newer."
)
ERROR_TOOL_FAILED = "{tool} failed (exit status {status}):\n{stderr}"
ERROR_UNSAFE_PATH = "The archive holds a file outside the media folder: {name}."
ERROR_MISMATCH = "The restored platform does not match the backup's manifest:\n{problems}"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    engine: str
    tables: list[dict] = field(default_factory=list)  # {"model", "table", "rows"}
    files: list[dict] = field(default_factory=list)  # {"path", "size", "sha256"}, path relative to MEDIA_ROOT
    created_at: str = ""
    format: int = ARCHIVE_FORMAT

    @property
    def counts(self) -> dict[str, int]:
        return {table["model"]: table["rows"] for table in self.tables}

    def headline(self) -> str:
        counts = self.counts
        parts = [f"{counts.get(model, 0)} {what}" for model, what in HEADLINE_MODELS.items()]
        size = sum(item["size"] for item in self.files)
        parts.append(f"{len(self.files)} files ({size / 1_000_000:.1f} MB)")
        return ", ".join(parts)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        return cls(**json.loads(data))


# --- the database --------------------------------------------------------------------------------


def database_from_url(url: str) -> dict:
    """Django's settings for a database URL (the same parser as DATABASE_URL)."""
    return dj_database_url.parse(url)


def database_engine(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith(("postgresql", "postgresql_psycopg2", "postgis")):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(ERROR_ENGINE.format(engine=engine))


def database_label(database: dict) -> str:
    if database_engine(database) == "sqlite":
        return str(database["NAME"])
    return f"{database['NAME']} on {database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"


def platform_tables() -> dict[str, str]:
    """Every table the platform's models own (many-to-many tables too), and Django's record of the
    migrations applied: model label -> table."""
    tables = {"migrations": "django_migrations"}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            tables[meta.label] = meta.db_table
    return dict(sorted(tables.items()))


def _count_rows(cursor, tables: dict[str, str]) -> list[dict]:
    rows = []
    for model, table in tables.items():
        cursor.execute('SELECT COUNT(*) FROM "{}"'.format(table.replace('"', '""')))
        rows.append({"model": model, "table": table, "rows": cursor.fetchone()[0]})
    return rows


def _pg_environment(database: dict) -> dict[str, str]:
    """The connection for pg_dump and pg_restore, in libpq's variables (a password never on a command line)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for setting, variable in PG_ENVIRONMENT.items():
        if database.get(setting):
            environment[variable] = str(database[setting])
    for option, variable in PG_OPTION_ENVIRONMENT.items():
        if (database.get("OPTIONS") or {}).get(option):
            environment[variable] = str(database["OPTIONS"][option])
    return environment


def _pg_connect(database: dict):
    import psycopg

    options = database.get("OPTIONS") or {}
    parameters = {
        "dbname": database["NAME"],
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
        **{option: options[option] for option in PG_OPTION_ENVIRONMENT if options.get(option)},
    }
    return psycopg.connect(**{key: str(value) for key, value in parameters.items() if value})


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    try:
        finished = subprocess.run(arguments, env=environment, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(ERROR_TOOL_MISSING.format(tool=arguments[0])) from error
    if finished.returncode != 0:
        raise BackupError(
            ERROR_TOOL_FAILED.format(tool=arguments[0], status=finished.returncode, stderr=finished.stderr.strip())
        )


def _sqlite_path(database: dict) -> Path:
    name = str(database["NAME"])
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError(ERROR_IN_MEMORY)
    return Path(name)


def _dump_postgresql(database: dict, target: Path) -> list[dict]:
    import psycopg

    with closing(_pg_connect(database)) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _count_rows(cursor, platform_tables())
            # The transaction stays open while pg_dump reads through its snapshot.
            _run(
                ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"],
                _pg_environment(database),
            )
        connection.rollback()
    return tables


def _dump_sqlite(database: dict, target: Path) -> list[dict]:
    source = _sqlite_path(database)
    if not source.exists():
        raise BackupError(ERROR_NO_DATABASE_FILE.format(path=source))
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)
        return _count_rows(copy.cursor(), platform_tables())


def _existing_tables(database: dict) -> int:
    if database_engine(database) == "sqlite":
        path = _sqlite_path(database)
        if not path.exists():
            return 0
        with closing(sqlite3.connect(path)) as connection:
            query = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            return connection.execute(query).fetchone()[0]
    with closing(_pg_connect(database)) as connection:
        query = "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        return connection.execute(query).fetchone()[0]


def _restore_postgresql(database: dict, dump: Path, *, replace: bool) -> None:
    arguments = [
        "pg_restore",
        "--no-password",
        "--no-owner",
        "--no-privileges",
        # pg_dump writes COMMENT ON EXTENSION, which only the extension's owner may run; the schema has no comments.
        "--no-comments",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={database['NAME']}",
    ]
    if replace:
        arguments += ["--clean", "--if-exists"]
    _run([*arguments, str(dump)], _pg_environment(database))


def _restore_sqlite(database: dict, copy: Path) -> None:
    target = _sqlite_path(database)
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(copy)) as origin, closing(sqlite3.connect(target)) as destination:
        origin.backup(destination)  # replaces every page of the target


def _counts_in(database: dict, manifest: Manifest) -> dict[str, int | None]:
    """The rows now in each table the manifest lists (None for a table that is missing)."""
    if database_engine(database) == "sqlite":
        connection = sqlite3.connect(_sqlite_path(database))
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        connection = _pg_connect(database)
        query = "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
    with closing(connection):
        cursor = connection.cursor()
        cursor.execute(query)
        present = {row[0] for row in cursor.fetchall()}
        tables = {table["model"]: table["table"] for table in manifest.tables if table["table"] in present}
        counts: dict[str, int | None] = {table["model"]: None for table in manifest.tables}
        counts.update({row["model"]: row["rows"] for row in _count_rows(cursor, tables)})
    return counts


# --- the files ---------------------------------------------------------------------------------


class _HashingReader:
    """Hands a file to tarfile and hashes what it reads, so the manifest describes the bytes archived."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_member_path(name: str, media_root: Path) -> Path:
    relative = PurePosixPath(name[len(MEDIA_PREFIX) :])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(ERROR_UNSAFE_PATH.format(name=name))
    return media_root.joinpath(*relative.parts)


# --- backup and restore ------------------------------------------------------------------------


def backup_create(*, database: dict, media_root: Path, destination: Path) -> Manifest:
    """Writes the archive to `destination` (readable by its owner only: it holds personal data)."""
    engine = database_engine(database)
    manifest = Manifest(engine=engine, created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as output, tarfile.open(fileobj=output, mode="w") as archive:
            with tempfile.TemporaryDirectory() as folder:
                dump = Path(folder) / DUMP_NAMES[engine]
                manifest.tables = (_dump_postgresql if engine == "postgresql" else _dump_sqlite)(database, dump)
                archive.add(dump, arcname=DUMP_NAMES[engine])
            if media_root.is_dir():
                for path in sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink()):
                    relative = path.relative_to(media_root).as_posix()
                    info = archive.gettarinfo(path, arcname=MEDIA_PREFIX + relative)
                    with path.open("rb") as file:
                        reader = _HashingReader(file)
                        archive.addfile(info, reader)
                    manifest.files.append({"path": relative, "size": info.size, "sha256": reader.digest.hexdigest()})
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime, info.mode = len(data), int(datetime.datetime.now(datetime.UTC).timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def backup_read_manifest(*, archive: Path) -> Manifest:
    with tarfile.open(archive, "r:") as tar:
        return _manifest_of(tar, archive)


def _manifest_of(tar: tarfile.TarFile, path: Path) -> Manifest:
    try:
        member = tar.getmember(MANIFEST_NAME)
    except KeyError as error:
        raise BackupError(ERROR_NOT_AN_ARCHIVE.format(path=path, manifest=MANIFEST_NAME)) from error
    manifest = Manifest.from_json(tar.extractfile(member).read())
    if manifest.format != ARCHIVE_FORMAT:
        raise BackupError(ERROR_FORMAT.format(path=path, found=manifest.format, expected=ARCHIVE_FORMAT))
    return manifest


def backup_restore(*, archive: Path, database: dict, media_root: Path, force: bool = False) -> Manifest:
    """Restores the archive into `database` and `media_root`, then checks both against the manifest.
    Refuses a database that has tables unless `force` (which replaces what the archive holds)."""
    engine = database_engine(database)
    with tarfile.open(archive, "r:") as tar:
        manifest = _manifest_of(tar, archive)
        if manifest.engine != engine:
            raise BackupError(ERROR_ENGINE_MISMATCH.format(archive=manifest.engine, target=engine))
        existing = _existing_tables(database)
        if existing and not force:
            raise BackupError(ERROR_NOT_EMPTY.format(name=database_label(database), tables=existing))
        members = [member for member in tar.getmembers() if member.name.startswith(MEDIA_PREFIX) and member.isfile()]
        targets = [(member, _media_member_path(member.name, media_root)) for member in members]
        with tempfile.TemporaryDirectory() as folder:
            tar.extract(DUMP_NAMES[engine], folder, filter="data")
            dump = Path(folder) / DUMP_NAMES[engine]
            if engine == "postgresql":
                _restore_postgresql(database, dump, replace=bool(existing))
            else:
                _restore_sqlite(database, dump)
        for member, target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            with tar.extractfile(member) as source, partial.open("wb") as output:
                for block in iter(lambda source=source: source.read(1 << 20), b""):
                    output.write(block)
            os.replace(partial, target)
    problems = backup_verify(manifest=manifest, database=database, media_root=media_root)
    if problems:
        raise BackupError(ERROR_MISMATCH.format(problems="\n".join(problems)))
    return manifest


def backup_verify(*, manifest: Manifest, database: dict, media_root: Path) -> list[str]:
    """What differs between the manifest and the database and files as they are now (nothing: [])."""
    problems = []
    counts = _counts_in(database, manifest)
    for model, expected in manifest.counts.items():
        found = counts.get(model)
        if found is None:
            problems.append(f"{model}: the table is missing")
        elif found != expected:
            problems.append(f"{model}: {found} rows, the backup has {expected}")
    for item in manifest.files:
        path = _media_member_path(MEDIA_PREFIX + item["path"], media_root)
        if not path.is_file():
            problems.append(f"{item['path']}: the file is missing")
        elif path.stat().st_size != item["size"] or _sha256(path) != item["sha256"]:
            problems.append(f"{item['path']}: the file differs from the backup")
    return problems
