"""Rows read with a hand-written query, turned into what the ORM would have loaded.

The report path reads who, what and where in one query (reports/access.py), API
tokens in another (accounts/services.py) and ODK Collect keys in a third
(channels/openrosa/services.py): the ORM's per-query cost dominated those requests.
These helpers keep the values exactly as the ORM gives them.
"""

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Field, Model
from django.db.models.expressions import Col

ModelT = TypeVar("ModelT", bound=Model)


def converted(field: Field, value: Any) -> Any:
    """A raw cursor value as the ORM would load it (SQLite's datetimes, booleans, UUIDs)."""
    column, converters = _converters(field, connection.ops)
    for converter in converters:
        value = converter(value, column, connection)
    return value


@functools.cache
def _converters(field: Field, ops: Any) -> tuple[Col, list[Any]]:
    """The field's column and its converters, as the ORM's compiler lists them: the
    backend's (bound to `ops`, the thread's connection's operations), then the
    field's. The report path asks for them about sixteen times a report."""
    column = Col(field.model._meta.db_table, field)
    return column, ops.get_db_converters(column) + column.get_db_converters(connection)


def from_row(model: type[ModelT], names: tuple[str, ...], values: Sequence[Any]) -> ModelT:
    """A model instance of the named fields (attribute names), the others deferred."""
    # from_db takes the values in the order of the model's concrete fields.
    given = dict(zip(names, values, strict=True))
    ordered = [field.attname for field in model._meta.concrete_fields if field.attname in given]
    return model.from_db(DEFAULT_DB_ALIAS, ordered, [given[name] for name in ordered])


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of the model, qualified by the table's alias, in order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def loaded(row: Sequence[Any], *models: type[Model]) -> list[Any]:
    """One instance per model from a row selected with columns() for each, in turn.

    Every field is loaded (nothing deferred). A model whose primary key is NULL (the
    far side of an outer join that found nothing) gives None.
    """
    instances: list[Any] = []
    start = 0
    for model in models:
        fields = model._meta.concrete_fields
        values = row[start : start + len(fields)]
        start += len(fields)
        if values[list(fields).index(model._meta.pk)] is None:
            instances.append(None)
            continue
        names = [field.attname for field in fields]
        converted_values = [
            converted(field, value) for field, value in zip(fields, values, strict=True)
        ]
        instances.append(model.from_db(DEFAULT_DB_ALIAS, names, converted_values))
    return instances
