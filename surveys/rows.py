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

import functools
from collections.abc import Sequence

from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper


def quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    return quoted(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    return quoted(model._meta.get_field(name).column)


def to_db(model: type[models.Model], name: str, value: object) -> object:
    """A Python value as the database takes it for this field (JSON, times, …)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def prepared_cursor():
    """A cursor whose statements PostgreSQL prepares once per connection and then only runs.

    psycopg prepares what a cursor that binds its parameters on the server sends, once the
    connection's `prepare_threshold` (set in the settings' OPTIONS) is reached; Django's own
    cursors bind on the client and never are. Wrapped as Django wraps its cursors, so errors
    become django.db errors and tests see the queries. Elsewhere, Django's cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    return _PreparedDebugWrapper(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs a statement with its parameters filled in, as Django logs its own (it reads that
    text from a client-binding cursor; a prepared statement leaves none)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


@functools.cache
def _converters(model: type[models.Model], fields: tuple[models.Field, ...], vendor: str) -> list[tuple]:
    """Per field, its column and the converters the ORM's compiler applies to it: the backend's
    (e.g. SQLite's text to datetime), then the field's. Worked out once per shape of row."""
    converters = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return converters


def from_db(model: type[models.Model], fields: Sequence[models.Field], values: Sequence[object]) -> list[object]:
    """Values of a row as Python values, through the converters the ORM applies."""
    converted = []
    for (col, converters), value in zip(_converters(model, tuple(fields), connection.vendor), values, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        converted.append(value)
    return converted


def instance(model: type[models.Model], fields: Sequence[models.Field], values: Sequence[object]) -> models.Model:
    """A model instance from a row's converted values; fields not read are deferred."""
    by_name = {field.attname: value for field, value in zip(fields, values, strict=True)}
    names = [field.attname for field in model._meta.concrete_fields if field.attname in by_name]
    return model.from_db(connection.alias, names, [by_name[name] for name in names])
