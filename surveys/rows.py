"""Hand-written SQL for the respondent's most frequent requests (opening a link, saving one
answer), where building the ORM's query took longer than running it (see bench/RESULTS.md).

Values cross in both directions through the model fields' own conversions, so what is read
and written here is exactly what the ORM would read and write, on PostgreSQL and on SQLite.
Everything else uses the ORM.

On PostgreSQL these statements run prepared (`prepared_cursor`): the link's query took the
server about a millisecond to parse and plan against a tenth of that to run, on every page
and every autosave. Django sends every other query with its parameters bound on the client,
which cannot be prepared, and leaves it at that.
"""

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import signals
from django.db.models.base import ModelState


def quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    return quoted(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    return quoted(model._meta.get_field(name).column)


def database():
    """This thread's connection itself. `django.db.connection` is a proxy that looks the
    connection up again on each attribute, which the hot path below would do dozens of times."""
    return connections[DEFAULT_DB_ALIAS]


def to_db(model: type[models.Model], name: str, value: object) -> object:
    """A Python value as the database takes it for this field (JSON, times, …)."""
    return model._meta.get_field(name).get_db_prep_save(value, database())


def prepared_cursor():
    """A cursor whose statements PostgreSQL prepares once per connection and then only runs.

    psycopg prepares what a cursor that binds its parameters on the server sends, once the
    connection's `prepare_threshold` (set in the settings' OPTIONS) is reached; Django's own
    cursors bind on the client and never are. Wrapped as Django wraps its cursors, so errors
    become django.db errors and tests see the queries. Elsewhere, Django's cursor."""
    db = database()
    if db.vendor != "postgresql":
        return db.cursor()
    import psycopg

    db.ensure_connection()
    with db.wrap_database_errors:
        raw = psycopg.Cursor(db.connection)
    return _PreparedDebugWrapper(raw, db) if db.queries_logged else db.make_cursor(raw)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs a statement with its parameters filled in, as Django logs its own (it reads that
    text from a client-binding cursor; a prepared statement leaves none)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


class Columns:
    """Some fields of a model as the columns of a hand-written query: a row's values through the
    converters the ORM's compiler applies (the backend's, e.g. SQLite's text to datetime, then
    the field's), and model instances from them with the fields not read deferred. Made once per
    query, at import, so each row pays only for the conversions."""

    def __init__(self, model: type[models.Model], fields: Sequence[models.Field]):
        self.model = model
        self.fields = list(fields)
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple]] = {}  # per database vendor
        self._signalled: bool | None = None  # whether the model has init signals; looked up on first use

    def __len__(self) -> int:
        return len(self.fields)

    def _converters_of(self, db) -> list[tuple]:
        if db.vendor not in self._converters:
            found = []
            for field in self.fields:
                col = field.get_col(self.model._meta.db_table)
                found.append((col, db.ops.get_db_converters(col) + col.get_db_converters(db)))
            self._converters[db.vendor] = found
        return self._converters[db.vendor]

    def values(self, row: Sequence[object]) -> list[object]:
        db = database()
        converted = []
        for (col, converters), value in zip(self._converters_of(db), row, strict=True):
            for converter in converters:
                value = converter(value, col, db)
            converted.append(value)
        return converted

    def instance(self, values: Sequence[object]) -> models.Model:
        """A model instance from converted values, as Model.from_db makes it (the fields not
        read left out of its __dict__, which is how Django marks them deferred), without
        running Model.__init__ over every field: these run several times on every request."""
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
