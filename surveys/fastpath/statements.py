"""The fast path's SQL: plain text in sql/*.sql, run prepared, read into model instances.

Each statement is a file in sql/ and a constant here, read once when this module is imported. On
PostgreSQL they run prepared (`prepared_cursor`): the link's query took the server about a
millisecond to parse and plan against a tenth of that to run, on every page and every autosave.
Django sends its own queries with their parameters bound on the client, which cannot be prepared.

Values cross in both directions through the model fields' own conversions (`to_db`, `Columns`),
so what is read and written here is exactly what the ORM would read and write.
"""

from collections.abc import Sequence
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import signals
from django.db.models.base import ModelState

from surveys.models import Answer, SectionProgress

SQL = Path(__file__).resolve().parent / "sql"


def sql_text(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


LINK_READ = sql_text("link_read")
LINK_USED = sql_text("link_used")
LINK_FIRST_USED = sql_text("link_first_used")
ANSWERS_READ = sql_text("answers_read")
ANSWERS_OF_QUESTIONS_READ = sql_text("answers_of_questions_read")
PROGRESS_READ = sql_text("progress_read")
SECTION_SUBMIT = sql_text("section_submit")
ANSWER_SAVE_CALL = sql_text("answer_save_call")


def database():
    """This thread's connection itself. `django.db.connection` is a proxy that looks the
    connection up again on each attribute, which the hot path would do dozens of times."""
    return connections[DEFAULT_DB_ALIAS]


def to_db(model: type[models.Model], name: str, value: object) -> object:
    """A Python value as the database takes it for this field (JSON, times, ...)."""
    return model._meta.get_field(name).get_db_prep_save(value, database())


def prepared_cursor():
    """A cursor whose statements PostgreSQL prepares once per connection and then only runs.

    psycopg prepares what a cursor that binds its parameters on the server sends, once the
    connection's `prepare_threshold` (set in the settings' OPTIONS) is reached; Django's own
    cursors bind on the client and never are. Wrapped as Django wraps its cursors, so errors
    become django.db errors and tests see the queries."""
    import psycopg

    db = database()
    db.ensure_connection()
    with db.wrap_database_errors:
        raw = psycopg.Cursor(db.connection)
    return _PreparedDebugWrapper(raw, db) if db.queries_logged else db.make_cursor(raw)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs a statement with its parameters filled in, as Django logs its own."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


class Columns:
    """Some fields of a model as the columns of a hand-written query: a row's values through the
    converters the ORM's compiler applies, and model instances from them with the fields not
    read deferred. Made once per query, at import, so each row pays only for the conversions."""

    def __init__(self, model: type[models.Model], names: Sequence[str]):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in names]
        self.attnames = [field.attname for field in self.fields]
        self._converters = None
        self._signalled: bool | None = None

    def __len__(self) -> int:
        return len(self.fields)

    def _converters_of(self, db) -> list[tuple]:
        if self._converters is None:
            found = []
            for field in self.fields:
                col = field.get_col(self.model._meta.db_table)
                found.append((col, db.ops.get_db_converters(col) + col.get_db_converters(db)))
            self._converters = found
        return self._converters

    def values(self, row: Sequence[object]) -> list[object]:
        db = database()
        converted = []
        for (col, converters), value in zip(self._converters_of(db), row, strict=True):
            for converter in converters:
                value = converter(value, col, db)
            converted.append(value)
        return converted

    def instance(self, values: Sequence[object]) -> models.Model:
        """A model instance from converted values, as Model.from_db makes it (the fields not read
        left out of its __dict__, which is how Django marks them deferred), without running
        Model.__init__ over every field: this runs several times on every request."""
        model = self.model
        if self._signalled is None:
            self._signalled = signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        if self._signalled:
            by_name = dict(zip(self.attnames, values, strict=True))
            names = [f.attname for f in model._meta.concrete_fields if f.attname in by_name]
            return model.from_db(DEFAULT_DB_ALIAS, names, [by_name[name] for name in names])
        made = model.__new__(model)
        made._state = ModelState()
        made._state.adding = False
        made._state.db = DEFAULT_DB_ALIAS
        made.__dict__.update(zip(self.attnames, values, strict=True))
        return made

    def row_instance(self, row: Sequence[object]) -> models.Model:
        return self.instance(self.values(row))


# What progress_read.sql and section_submit.sql give back, and what the save function answers.
PROGRESS = Columns(
    SectionProgress,
    [
        "id",
        "response",
        "section",
        "status",
        "last_worked_by",
        "last_worked_at",
        "submitted_at",
        "submitted_by",
        "created_at",
        "updated_at",
    ],
)
ANSWER_STATE = Columns(Answer, ["question", "value", "comment", "version"])
SAVED_ANSWER = Columns(Answer, ["id", "value", "comment", "version", "updated_at"])
