"""Many rows in one statement: the ingest's verdicts, component scores and rollup changes.

A batch of 200 conversations writes ~5,000 verdict rows and as many rollup changes. On
PostgreSQL an executemany sends one INSERT per row (pipelined by psycopg, but each is parsed,
planned and executed apart), and a multi-row VALUES list costs SQLAlchemy a long compile per
size; so there each column travels as one array and the server unnests them:
``INSERT INTO t (a, b) SELECT unnest(CAST(:a AS int[])), unnest(CAST(:b AS text[]))`` (the
functions in the select list advance in lockstep), one statement with a fixed text and one
round trip. Each array goes as its text, written here (`array_literal`, a column of plain
values in one join): psycopg's own dumping of a list, element by element in Python with a
regex check for quoting, was a quarter of the API process's time in an ingest's writing.
SQLite runs in this process, where executemany is already the fast way, but SQLAlchemy's
executemany builds every row's parameters through the compiled statement (~0.3 ms a
conversation, a quarter of the ingest's own write time); there the rows go to the driver's
executemany as tuples, through each column's bind processor (so dates and the like are stored
as SQLAlchemy stores them), with a statement written once per table and columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

CHUNK = 500
"""Rows per executemany on SQLite (as the store chunks its other statements)."""
ARRAY_CHUNK = 20_000
"""Rows per array statement on PostgreSQL (bounds one statement's parameter size)."""


def _parameter(column: str) -> str:
    return f"{column}_values"


def _integer(value: Any) -> str:
    return str(int(value))  # a count may be a bool


def _float(value: Any) -> str:
    number = float(value)
    if math.isfinite(number):
        return repr(number)  # the shortest text that reads back as the same double
    return "NaN" if math.isnan(number) else "Infinity" if number > 0 else "-Infinity"


def _text(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _iso(value: Any) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)  # stored as naive UTC
    return '"' + value.isoformat() + '"'


def _integers(values: Sequence[Any]) -> str | None:
    if all(type(v) is int for v in values):
        return ",".join(map(str, values))
    return None


def _floats(values: Sequence[Any]) -> str | None:
    if all(type(v) is float for v in values) and all(map(math.isfinite, values)):
        return ",".join(map(repr, values))
    return None


def _texts(values: Sequence[Any]) -> str | None:
    if not values or not all(type(v) is str for v in values):
        return None
    body = "\x00".join(values)  # a NUL cannot be stored in PostgreSQL text anyway
    if "\\" in body or '"' in body or body.count("\x00") != len(values) - 1:
        return None
    return '"' + body.replace("\x00", '","') + '"'


def _isos(values: Sequence[Any]) -> str | None:
    if all(type(v) is datetime and v.tzinfo is None for v in values) or all(
        type(v) is date for v in values
    ):
        return ",".join(v.isoformat() for v in values)  # ISO text needs no quotes
    return None


_COLUMN_WRITERS: dict[Any, Any] = {
    _integer: _integers,
    _float: _floats,
    _text: _texts,
    _iso: _isos,
}
"""Per element writer, the writer of a whole column of plain values (None when it is not)."""


@cache
def _elements(table: Table, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """Per column, how one value is written inside a PostgreSQL array literal: integers and
    floats as numbers, strings quoted (backslash and double quote escaped), dates and times in
    ISO 8601 (as psycopg writes them); None for a type without a writer here."""
    from sqlalchemy import Date, DateTime, Float, Integer, String

    found: list[Any] = []
    for c in columns:
        kind = table.c[c].type
        if isinstance(kind, Integer):
            found.append(_integer)
        elif isinstance(kind, Float):
            found.append(_float)
        elif isinstance(kind, String):
            found.append(_text)
        elif isinstance(kind, (Date, DateTime)):
            found.append(_iso)
        else:
            found.append(None)
    return tuple(found)


def array_literal(values: Sequence[Any], element: Any) -> str:
    """`values` as the text of a PostgreSQL array (``{1,NULL,3}``, ``{"a","b \"c\""}``), each
    written by `element` (None is NULL). A column of plain values (no NULL, nothing to escape)
    is written in one join."""
    bulk = _COLUMN_WRITERS.get(element)
    if bulk is not None and None not in values:
        written = bulk(values)
        if written is not None:
            return "{" + written + "}"
    return "{" + ",".join("NULL" if v is None else element(v) for v in values) + "}"


@cache
def _unnest_insert(
    table: Table, columns: tuple[str, ...], keys: tuple[str, ...], adds: tuple[str, ...]
) -> Any:
    """The PostgreSQL INSERT … SELECT unnest(…) for `columns` of `table`, each column's values
    sent as the text of an array and cast to one; with `keys`, a row whose keys exist adds its
    `adds` columns to the stored ones instead."""
    from sqlalchemy import Text, cast
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    rows = select(
        *(
            func.unnest(cast(bindparam(_parameter(c), type_=Text()), ARRAY(table.c[c].type))).label(
                c
            )
            for c in columns
        )
    )
    if not keys:
        return insert(table).from_select(list(columns), rows)
    stmt = pg_insert(table).from_select(list(columns), rows)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + stmt.excluded[c] for c in adds}
    )


@cache
def _sqlite_insert(
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    adds: tuple[str, ...],
    dialect: Dialect,
) -> tuple[str, tuple[Any, ...]]:
    """The SQLite INSERT (an upsert adding `adds` when `keys` are given) for `columns` of
    `table` with qmark parameters, and each column's bind processor (None: as it is)."""
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    sql = (
        f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    if keys:
        sql += f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET " + ", ".join(
            f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in adds
        )
    # the dialect's own type (SQLite's DATETIME, DATE…): a generic DateTime has no processor
    # and sqlite3's default adapter would write another format than SQLAlchemy reads and compares
    return sql, tuple(
        table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns
    )


def insert_missing(
    session: Session, table: Table, row: dict[str, Any], key: str | tuple[str, ...]
) -> None:
    """Insert `row` into `table` unless a row with its `key` (a unique column, or the columns
    of a unique key) is stored: two transactions creating the same row at once both go on (on
    PostgreSQL the second waits for the first to commit, then inserts nothing; SQLite lets one
    writer in at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    columns = [key] if isinstance(key, str) else list(key)
    session.execute(
        dialect_insert(table).values(row).on_conflict_do_nothing(index_elements=columns)
    )


def write_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: tuple[str, ...] = (),
    adds: tuple[str, ...] = (),
) -> None:
    """Insert `rows` (dicts with the same columns) into `table` in as few statements as the
    database allows. With `keys` (the table's unique key), a row whose key is stored already
    adds its `adds` columns to the stored row's instead (the rows' keys must be distinct)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        columns = tuple(rows[0])
        elements = _elements(table, columns)
        missing = [c for c, element in zip(columns, elements, strict=True) if element is None]
        if missing:
            raise TypeError(f"no array writer for {table.name}.{', '.join(missing)}")
        stmt = _unnest_insert(table, columns, keys, adds)
        for start in range(0, len(rows), ARRAY_CHUNK):
            chunk = rows[start : start + ARRAY_CHUNK]
            session.execute(
                stmt,
                {
                    _parameter(c): array_literal([row[c] for row in chunk], element)
                    for c, element in zip(columns, elements, strict=True)
                },
            )
        return
    connection = session.connection()
    columns = tuple(rows[0])
    sql, processors = _sqlite_insert(table, columns, keys, adds, connection.dialect)
    pick = itemgetter(*columns)
    values: list[Any] = (
        [pick(row) for row in rows] if len(columns) > 1 else [(row[columns[0]],) for row in rows]
    )
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    if converted:
        for n, row in enumerate(values):
            row = list(row)
            for i, process in converted:
                if row[i] is not None:
                    row[i] = process(row[i])
            values[n] = tuple(row)
    for start in range(0, len(values), CHUNK):
        connection.exec_driver_sql(sql, values[start : start + CHUNK])
