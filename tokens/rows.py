"""Model instances read and written with fixed SQL, converted as the ORM would.

For the hot path of /token only: a queryset spends more CPU building its SQL
than PostgreSQL spends answering it (docs/performance.md). `ModelColumns`
lists a model's columns for a SELECT under a table alias and turns the slice
of a row holding them into an instance, with the backend's converters (on
SQLite, timestamps come back as text), like QuerySet iteration does, or
converts one column's value (`value`). `insert` writes an instance's row
with its fields' own value preparation, like `Model.save()` does for a new
row.

Kept after measuring (issue 14, 2026-12-03, commit d1b57d2): the ORM in its
place (a queryset for the API token, Model.save() for the audit row, same
queries) served 0.76x-1.05x the requests/s of /token (median of 3
alternating runs 0.81x: this module pays about +23 %) and spent 17-33 % more
worker CPU a request; docs/performance.md, "Fast paths: kept or removed".
"""

from typing import Generic, TypeVar

from django.db import connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


class ModelColumns(Generic[M]):
    def __init__(self, model: type[M], alias: str):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.names = [field.attname for field in self.fields]
        self.cols = [field.get_col(alias) for field in self.fields]
        self.sql = ", ".join(f"{alias}.{field.column}" for field in self.fields)
        self._index = {name: index for index, name in enumerate(self.names)}
        self._converters: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values, using: str = "default") -> M:
        """An instance from the slice of a row holding every column, in order."""
        connection = connections[using]
        converters = self._converters_for(connection)
        converted = []
        for value, col, field_converters in zip(
            values, self.cols, converters, strict=True
        ):
            for converter in field_converters:
                value = converter(value, col, connection)
            converted.append(value)
        return self.model.from_db(using, self.names, converted)

    def value(self, name: str, value, using: str = "default"):
        """One column's value as read, converted as the ORM would."""
        connection = connections[using]
        index = self._index[name]
        col = self.cols[index]
        for converter in self._converters_for(connection)[index]:
            value = converter(value, col, connection)
        return value

    def _converters_for(self, connection) -> list[list]:
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = self._converters[connection.vendor] = [
                connection.ops.get_db_converters(col)
                + col.get_db_converters(connection)
                for col in self.cols
            ]
        return converters


def insert(instance: M, using: str = "default") -> M:
    """INSERT a new instance's row: every concrete column, no signals.

    Each value is prepared by its field as `Model.save()` prepares it, but
    nothing else of save() happens: for models like TokenEvent only, whose
    primary key is set before saving and whose columns all come from Python
    (`_insert_sql` refuses other models).
    """
    connection = connections[using]
    model = type(instance)
    sql = _insert_sql(model, connection)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in model._meta.concrete_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    instance._state.adding = False
    instance._state.db = using
    return instance


def _insert_sql(model: type[Model], connection) -> str:
    key = (model, connection.vendor)
    sql = _INSERTS.get(key)
    if sql is None:
        fields = model._meta.concrete_fields
        if (
            model._meta.parents
            # Both are Django 5 Field API that django-stubs 5.2 leaves out.
            or model._meta.pk.db_returning  # type: ignore[attr-defined]
            or any(
                field.generated or field.has_db_default()  # type: ignore[attr-defined]
                for field in fields
            )
        ):
            raise TypeError(
                f"{model.__name__} needs values from the database (auto key, "
                "db_default, generated column) or has parent models: write it "
                "with save(), not rows.insert."
            )
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = quote(model._meta.db_table)
        # Quoted names from the model's metadata; values go as parameters.
        sql = " ".join(("INSERT INTO", table, f"({columns}) VALUES ({placeholders})"))
        _INSERTS[key] = sql
    return sql


_INSERTS: dict[tuple, str] = {}
