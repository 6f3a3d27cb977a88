"""The DeviceBackupReport CSV export: every matching record, streamed, as ONE consistent read.

A 100,000-row export takes seconds to download, and the world may change meanwhile (the clock
advanced, backups swept, devices moved). Read in pages of separate queries, a sorted export
would repeat and drop rows as they move in the sort order; so every chunk comes from one
snapshot taken when the export starts:

- SQLite file and other databases: one read transaction on a connection held for the whole
  download (SQLite in WAL mode reads a snapshot while writers go on; PostgreSQL with
  REPEATABLE READ). Chunks are short queries inside it, so the server's memory does not grow
  with the row count.
- SQLite `:memory:` (one connection shared by every request, so no transaction of its own):
  one INSERT ... SELECT copies the formatted rows into a temporary table, read back in rowid
  order and dropped at the end. That one statement is atomic, so the copy is a snapshot.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, MetaData, Table, literal_column, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from sqlalchemy.types import UserDefinedType

from emulator.vendors.code42 import report
from emulator.vendors.code42.auth import Caller
from emulator.vendors.code42.schemas import REPORT_FIELDS, ReportQuery

__all__ = ["CSV_CHUNK", "csv_chunks"]

CSV_CHUNK = 2000
Rows = Iterator[list[Sequence[Any]]]


class _AsSelected(UserDefinedType[Any]):
    """A column with no SQLite affinity: values are kept exactly as the select gave them."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "BLOB"


def _csv_text(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _in_transaction(engine: Engine, statement: Select[Any], params: dict[str, Any]) -> Rows:
    """Chunks read inside one read transaction (a snapshot) on a connection of our own."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite begins no transaction for a SELECT; an explicit BEGIN pins the snapshot
            # at the first read, for every later one.
            connection.exec_driver_sql("BEGIN")
        else:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        try:
            offset = 0
            while True:
                rows = connection.execute(statement.limit(CSV_CHUNK).offset(offset),
                                          params).all()
                if rows:
                    yield [tuple(row) for row in rows]
                if len(rows) < CSV_CHUNK:
                    return
                offset += len(rows)
        finally:
            connection.rollback()


def _through_copy(engine: Engine, statement: Select[Any], params: dict[str, Any]) -> Rows:
    """Chunks of a temporary copy made by one INSERT ... SELECT (shared :memory: database)."""
    table = Table(f"c42_export_{uuid.uuid4().hex}", MetaData(),
                  *(Column(f"c{i}", _AsSelected()) for i in range(len(REPORT_FIELDS))),
                  prefixes=["TEMPORARY"])
    rowid: Any = literal_column("rowid")
    with engine.connect() as connection:
        table.create(connection)
        try:
            connection.execute(table.insert().from_select(
                [c.name for c in table.columns], statement), params)
            connection.commit()
            last = 0
            while True:
                rows = connection.execute(select(*table.columns, rowid).where(rowid > last)
                                          .order_by(rowid).limit(CSV_CHUNK)).all()
                connection.commit()  # no transaction stays open on the shared connection
                if rows:
                    yield [tuple(row[:-1]) for row in rows]
                    last = rows[-1][-1]
                if len(rows) < CSV_CHUNK:
                    return
        finally:
            _drop(connection, table)


def _drop(connection: Connection, table: Table) -> None:
    connection.rollback()
    table.drop(connection)
    connection.commit()


def _reader(engine: Engine) -> Callable[[Engine, Select[Any], dict[str, Any]], Rows]:
    memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
    return _through_copy if memory else _in_transaction


async def csv_chunks(engine: Engine, caller: Caller, query: ReportQuery) -> AsyncIterator[str]:
    """Every matching record as CSV (header first), a chunk at a time, from one snapshot."""
    params = report.select_params(caller.ctx)
    sqlite = report.is_sqlite(caller)
    statement = report.report_select(report.records_filter(caller, query), query, sqlite)
    formatted = report.Formatter(params, sqlite)
    yield _csv_text([list(REPORT_FIELDS)])
    for rows in _reader(engine)(engine, statement, params):
        yield _csv_text([formatted(row) for row in rows])  # csv writes None as empty
