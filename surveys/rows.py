"""Hand-written SQL for the respondent's most frequent requests (opening a link, saving one
answer), where building the ORM's query took longer than running it (see bench/RESULTS.md).

Values cross in both directions through the model fields' own conversions, so what is read
and written here is exactly what the ORM would read and write, on PostgreSQL and on SQLite.
Everything else uses the ORM.
"""

from collections.abc import Sequence

from django.db import connection, models


def quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    return quoted(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    return quoted(model._meta.get_field(name).column)


def to_db(model: type[models.Model], name: str, value: object) -> object:
    """A Python value as the database takes it for this field (JSON, times, …)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def from_db(model: type[models.Model], fields: Sequence[models.Field], values: Sequence[object]) -> list[object]:
    """Values of a row as Python values, through the converters the ORM applies."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        col = field.get_col(model._meta.db_table)
        # As the ORM's compiler: the backend's converters (e.g. SQLite's text to datetime), then the field's.
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = converter(value, col, connection)
        converted.append(value)
    return converted


def instance(model: type[models.Model], fields: Sequence[models.Field], values: Sequence[object]) -> models.Model:
    """A model instance from a row's converted values; fields not read are deferred."""
    by_name = {field.attname: value for field, value in zip(fields, values, strict=True)}
    names = [field.attname for field in model._meta.concrete_fields if field.attname in by_name]
    return model.from_db(connection.alias, names, [by_name[name] for name in names])
