"""Many rows in one statement: the ingest's verdicts, component scores and rollup changes.

A batch of 200 conversations writes ~5,000 verdict rows and as many rollup changes. On
PostgreSQL an executemany sends one INSERT per row (pipelined by psycopg, but each is parsed,
planned and executed apart), and a multi-row VALUES list costs SQLAlchemy a long compile per
size; so there each column travels as one array and the server unnests them:
``INSERT INTO t (a, b) SELECT unnest(:a::int[]), unnest(:b::text[])`` (the functions in the
select list advance in lockstep), one statement with a fixed text and one round trip.
SQLite runs in this process, where executemany is already the fast way, but SQLAlchemy's
executemany builds every row's parameters through the compiled statement (~0.3 ms a
conversation, a quarter of the ingest's own write time); there the rows go to the driver's
executemany as tuples, through each column's bind processor (so dates and the like are stored
as SQLAlchemy stores them), with a statement written once per table and columns.
"""

from __future__ import annotations

from collections.abc import Sequence
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


@cache
def _converters(table: Table, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """Per column, int or float for numeric columns (psycopg dumps a list of one Python type
    only: a count may be a bool, a total an int), else None (values go as they are)."""
    from sqlalchemy import Float, Integer

    found: list[Any] = []
    for c in columns:
        kind = table.c[c].type
        found.append(
            int if isinstance(kind, Integer) else float if isinstance(kind, Float) else None
        )
    return tuple(found)


def _array(values: list[Any], convert: Any) -> list[Any]:
    if convert is None:
        return values
    return [None if v is None else convert(v) for v in values]


@cache
def _unnest_insert(
    table: Table, columns: tuple[str, ...], keys: tuple[str, ...], adds: tuple[str, ...]
) -> Any:
    """The PostgreSQL INSERT … SELECT unnest(…) for `columns` of `table`; with `keys`, a row
    whose keys exist adds its `adds` columns to the stored ones instead."""
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    rows = select(
        *(
            func.unnest(bindparam(_parameter(c), type_=ARRAY(table.c[c].type))).label(c)
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


def insert_missing(session: Session, table: Table, row: dict[str, Any], key: str) -> None:
    """Insert `row` into `table` unless a row with its `key` (a unique column) is stored: two
    transactions creating the same row at once both go on (on PostgreSQL the second waits for
    the first to commit, then inserts nothing; SQLite lets one writer in at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(dialect_insert(table).values(row).on_conflict_do_nothing(index_elements=[key]))


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
        stmt = _unnest_insert(table, columns, keys, adds)
        converters = _converters(table, columns)
        for start in range(0, len(rows), ARRAY_CHUNK):
            chunk = rows[start : start + ARRAY_CHUNK]
            session.execute(
                stmt,
                {
                    _parameter(c): _array([row[c] for row in chunk], convert)
                    for c, convert in zip(columns, converters, strict=True)
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
