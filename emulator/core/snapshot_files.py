"""Snapshots as files: one JSON document that another server (or a later start) can load.

The format, version 1 (docs/toolkit.md shows an example):

    {"format": "backup-emulator/snapshot", "version": 1, "emulator": "0.1.0",
     "name": "demo", "sandbox": null, "created_at": "2026-01-05T09:00:00.000Z",
     "clocks": {"default": {"now": "...Z", "frozen": true, "speed": 1.0}},
     "schema": {"<table>": ["<column>", ...], ...},
     "tables": {"<table>": {"columns": ["<column>", ...], "rows": [[value, ...], ...]}}}

`schema` lists every table and column of the server that wrote the file, whether or not the
file holds rows of it; a server loads a file only if its own schema is the same, so a file
never half-fits (tables no snapshot holds, such as the store's version counters and its
named snapshots, do not count). Times are ISO 8601 UTC strings, JSON columns stay JSON,
everything else is a JSON scalar. A file that does not fit is refused with
`SnapshotFileError` (an InvalidInput, so a 422 on the control plane) before anything is
stored or changed.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, SmallInteger, String
from sqlmodel import SQLModel

from emulator import __version__
from emulator.core.clock import ClockState
from emulator.core.db import UTCDateTime, register_tables, state_tables
from emulator.core.errors import InvalidInput
from emulator.core.snapshots import NAME_PATTERN, Snapshot
from emulator.core.timeutil import UTC, as_utc, iso_z, parse_iso

__all__ = ["FORMAT", "VERSION", "SnapshotFileError", "dumps", "loads", "read", "schema"]

FORMAT = "backup-emulator/snapshot"
VERSION = 1
_SHOWN = 5  # differences named in a refusal
_NAME = re.compile(NAME_PATTERN)
_REAL_ANCHOR = "clock_anchor_real"  # of a world row: the real time its clock was anchored at
_WIDE = "wide_integers"  # in a document only json reads whole (dumps(exact=True))


class SnapshotFileError(InvalidInput):
    """A snapshot file this server cannot load: another format, version or schema, or bad data."""

    code = "incompatible_snapshot"


def schema() -> dict[str, list[str]]:
    """This server's tables and their columns, in the order they are created."""
    register_tables()
    return {t.name: [c.name for c in t.columns] for t in SQLModel.metadata.sorted_tables}


def dumps(snapshot: Snapshot, *, exact: bool = False) -> bytes:
    """The file of a snapshot. `exact` writes times to the microsecond (the store keeps
    snapshots so: a restore puts back exactly what was saved); a file shows milliseconds."""
    if not exact:
        return _json(_document(snapshot, iso_z))
    try:  # a tenth of the time json takes, times included
        return orjson.dumps(_document(snapshot, None), option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits in a JSON column
        return _json({**_document(snapshot, _exact), _WIDE: True})


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _document(snapshot: Snapshot, when: Callable[[datetime], str] | None) -> dict[str, Any]:
    """The file's document; times as `when` writes them, or left for orjson (None)."""
    columns = schema()

    def at(value: datetime) -> Any:
        return value if when is None else when(value)

    return {
        "format": FORMAT, "version": VERSION, "emulator": __version__,
        "name": snapshot.name, "sandbox": snapshot.sandbox,
        "created_at": at(snapshot.created_at),
        "clocks": {world: {"now": at(s.anchor), "frozen": s.frozen, "speed": s.speed}
                   for world, s in snapshot.clocks.items()},
        "schema": columns,
        "tables": {name: {"columns": columns[name],
                          "rows": _plain_rows(name, columns[name], rows, when)}
                   for name, rows in snapshot.tables.items()},
    }


def loads(data: bytes | str, name: str | None = None, *, exact: bool = False) -> Snapshot:
    """The snapshot in a file (named `name`, else as saved), or SnapshotFileError. `exact`:
    one `dumps(exact=True)` wrote, read with orjson (which would take an integer beyond 64
    bits for a float: such a document says so, and json reads it)."""
    document = None
    if exact:
        with contextlib.suppress(orjson.JSONDecodeError):
            document = orjson.loads(data)
    if not isinstance(document, dict) or document.get(_WIDE):
        try:
            document = json.loads(data)
        except ValueError as exc:
            raise SnapshotFileError(f"not a snapshot file: not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotFileError(f"not a snapshot file: no \"format\": \"{FORMAT}\"")
    version = document.get("version")
    if version != VERSION:
        raise SnapshotFileError(
            f"snapshot file version {version!r} (written by backup-emulator "
            f"{document.get('emulator', '?')}); this server ({__version__}) reads version "
            f"{VERSION} only")
    _check_schema(document.get("schema"), document.get("emulator", "?"))
    name = name or document.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SnapshotFileError(f"bad snapshot name {name!r}: 1 to 100 of A-Z a-z 0-9 . _ -")
    sandbox = document.get("sandbox")
    if sandbox is not None and not isinstance(sandbox, str):
        raise SnapshotFileError(f"damaged snapshot file: sandbox {sandbox!r} is not an id")
    try:
        snapshot = Snapshot(
            name=name, sandbox=sandbox,
            created_at=parse_iso(document["created_at"]),
            clocks={world: ClockState(parse_iso(c["now"]), 0.0, float(c["speed"]),
                                      bool(c["frozen"]))
                    for world, c in document["clocks"].items()},
            tables={table: _rows(table, body, stored=exact)
                    for table, body in document["tables"].items()})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotFileError(f"damaged snapshot file: {type(exc).__name__}: {exc}") from None
    worlds = [str(row.get("id")) for row in snapshot.tables.get("world", [])]
    if sorted(worlds) != sorted(snapshot.clocks) or (sandbox and worlds != [sandbox]):
        raise SnapshotFileError(f"damaged snapshot file: worlds {worlds} but clocks for "
                                f"{sorted(snapshot.clocks)}")
    return snapshot


def read(path: str) -> Snapshot:
    """The snapshot in the file at `path`, or SnapshotFileError naming the path."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise SnapshotFileError(f"cannot read snapshot file {path}: {exc.strerror}") from None
    try:
        return loads(data)
    except SnapshotFileError as exc:
        raise SnapshotFileError(f"{path}: {exc.message}") from None


def _check_schema(theirs: Any, written_by: str) -> None:
    if not isinstance(theirs, dict):
        raise SnapshotFileError("damaged snapshot file: no \"schema\"")
    # Tables of toolkit state (the store's counters, the snapshots themselves) are in no
    # snapshot: a server that has one more or one fewer still reads the same files.
    every = schema()
    ours = {t.name: every[t.name] for t in state_tables()}
    toolkit = set(every) - set(ours)
    theirs = {t: columns for t, columns in theirs.items() if t not in toolkit}
    differences = [f"table {t} missing" for t in ours if t not in theirs]
    differences += [f"unknown table {t}" for t in theirs if t not in ours]
    differences += [_column_difference(t, theirs[t], ours[t]) for t in ours
                    if t in theirs and theirs[t] != ours[t]]
    if differences:
        shown = "; ".join(differences[:_SHOWN])
        more = f" and {len(differences) - _SHOWN} more" if len(differences) > _SHOWN else ""
        raise SnapshotFileError(
            f"snapshot file written by backup-emulator {written_by} has another database "
            f"schema than this server ({__version__}): {shown}{more}")


def _column_difference(table: str, theirs: Any, ours: list[str]) -> str:
    if not isinstance(theirs, list):
        return f"{table}: no column list"
    extra = [c for c in theirs if c not in ours]
    missing = [c for c in ours if c not in theirs]
    if not extra and not missing:
        return f"{table}: columns in another order"
    parts = ([f"unknown column {', '.join(map(str, extra))}"] if extra else []) + (
        [f"column {', '.join(missing)} missing"] if missing else [])
    return f"{table}: {' and '.join(parts)}"


# orjson writes an aware UTC time as 2026-01-05T09:00:00.123456Z (no fraction when none);
# table names are str subclasses (SQLAlchemy's quoted_name), which orjson takes as keys so.
_ORJSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS


def _exact(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _plain_rows(table: str, names: list[str], rows: Sequence[Mapping[str, Any]],
                when: Callable[[datetime], str] | None) -> Sequence[Sequence[Any]]:
    """A table's rows as arrays of JSON values, in the order of `names` (times as `when`
    writes them, or left for orjson)."""
    columns = SQLModel.metadata.tables[table].columns
    times = [] if when is None else [
        i for i, name in enumerate(names) if isinstance(columns[name].type, UTCDateTime)]
    real = names.index(_REAL_ANCHOR) if _REAL_ANCHOR in names else None
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    if not times and real is None:
        return [pick(row) for row in rows]
    plain = []
    for row in rows:
        values = list(pick(row))
        for i in times:
            if values[i] is not None:
                values[i] = when(values[i])  # type: ignore[misc]
        if real is not None:
            values[real] = 0.0  # real time means nothing elsewhere; a restore re-anchors
        plain.append(values)
    return plain


def _rows(table: str, body: Mapping[str, Any], stored: bool = False) -> list[dict[str, Any]]:
    """A table's rows as dicts of stored values, each checked against its column's type and,
    unless the server `stored` them itself, against what every store takes: integers within
    their column's width and text without NUL (PostgreSQL refuses both at the restore)."""
    columns = SQLModel.metadata.tables[table].columns
    names = body["columns"]
    if names != [c.name for c in columns]:
        raise SnapshotFileError(f"{table}: columns {names} do not match its schema")
    # Checked by the exact type json.loads gives (no call per value: a whole-state snapshot
    # holds tens of thousands of values, and a restore from the store reads them all).
    typed = [(i, kinds) for i, column in enumerate(columns)
             if (kinds := _json_types(column)) is not None]
    times = [i for i, column in enumerate(columns) if isinstance(column.type, UTCDateTime)]
    widths = [] if stored else [(i, bound) for i, column in enumerate(columns)
                                if (bound := _integer_bound(column)) is not None]
    texts = [] if stored else [i for i, column in enumerate(columns)
                               if isinstance(_stored_type(column), String)]
    rows = []
    for number, values in enumerate(body["rows"], 1):
        if len(values) != len(names):
            raise SnapshotFileError(f"{table} row {number}: {len(values)} values for "
                                    f"{len(names)} columns")
        for i, kinds in typed:
            if type(values[i]) not in kinds:
                raise _bad(table, number, columns[names[i]], values[i])
        for i, bound in widths:
            if values[i] is not None and not -bound <= values[i] < bound:
                raise _bad(table, number, columns[names[i]], values[i])
        for i in texts:
            if values[i] is not None and "\x00" in values[i]:
                raise _bad(table, number, columns[names[i]], values[i])
        if times:
            values = list(values)
            for i in times:
                if values[i] is not None:
                    try:
                        values[i] = _time(values[i])
                    except ValueError:
                        raise _bad(table, number, columns[names[i]], values[i]) from None
        rows.append(dict(zip(names, values, strict=True)))
    return rows


_NONE = type(None)


def _time(text: str) -> datetime:
    """parse_iso, at a twentieth of the cost for a time already in UTC (as files write)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is UTC else as_utc(value)


def _stored_type(column: Column[Any]) -> Any:
    """What a column stores (AutoString and the like: their implementation's type)."""
    return getattr(column.type, "impl_instance", column.type)


def _integer_bound(column: Column[Any]) -> int | None:
    """2**(bits - 1) for an integer column (its values lie in [-bound, bound)); None else."""
    kind = _stored_type(column)
    if isinstance(kind, Boolean) or not isinstance(kind, Integer):
        return None
    if isinstance(kind, BigInteger):
        return 2**63
    return 2**15 if isinstance(kind, SmallInteger) else 2**31


def _json_types(column: Column[Any]) -> frozenset[type] | None:
    """The types json.loads gives that a column takes; None: any value but a missing one
    where the column allows that (a JSON column, which stays JSON)."""
    empty = frozenset({_NONE}) if column.nullable or column.primary_key else frozenset()
    if isinstance(column.type, UTCDateTime):
        return empty | {str}
    kind = _stored_type(column)
    if isinstance(kind, Boolean):
        return empty | {bool}
    if isinstance(kind, Integer):
        return empty | {int}
    if isinstance(kind, Float):
        return empty | {int, float}
    if isinstance(kind, String):
        return empty | {str}
    if empty:
        return None
    return frozenset({bool, int, float, str, list, dict})


def _bad(table: str, number: int, column: Column[Any], value: Any) -> SnapshotFileError:
    return SnapshotFileError(f"{table} row {number}: {column.name} = {value!r} is not a valid "
                             f"{column.type}")
