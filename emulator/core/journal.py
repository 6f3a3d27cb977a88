"""The request journal: the last N vendor requests, kept in the store (core.journal_store).

Every process over one store records into one journal, numbered by the store, and reads all
of it. Bodies are kept up to `body_bytes` each (the first bytes; `size` tells the whole
length) and masked when read, not when recorded, so recording costs the hot path one row
handed to a group commit. A request's entry is committed before its answer's last bytes go
out, so a client holding its answer finds it in the journal through any process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine

from emulator.core.db import Database
from emulator.core.journal_store import Bounds, Row, Store, Writer
from emulator.core.masking import mask_body, mask_headers, mask_query
from emulator.core.timeutil import UTC, as_utc, iso_z
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["MAX_BODY_BYTES", "MAX_CAPACITY", "MAX_KEPT_BYTES", "Entry", "Journal",
           "JournalQuery", "Message", "check_bounds"]

DEFAULT_CAPACITY = 10_000
DEFAULT_BODY_BYTES = 2048
# Bounds of the journal: each entry keeps up to two bodies, so the worst case is about
# MAX_CAPACITY * 2 * MAX_BODY_BYTES; MAX_KEPT_BYTES caps that product (256 MiB).
MAX_CAPACITY = 100_000
MAX_BODY_BYTES = 65_536
MAX_KEPT_BYTES = 256 * 2**20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def check_bounds(capacity: int, body_bytes: int) -> str | None:
    """Why a journal of `capacity` entries keeping `body_bytes` per body is too big, or None."""
    if capacity * 2 * body_bytes > MAX_KEPT_BYTES:
        return (f"capacity {capacity} x 2 bodies x body_bytes {body_bytes} would keep more "
                f"than {MAX_KEPT_BYTES // 2**20} MiB of bodies")
    return None


class Message(NamedTuple):
    """One side of an exchange: headers and the first bytes of the body."""

    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    size: int = 0

    def content_type(self) -> str | None:
        for name, value in self.headers:
            if name.lower() == b"content-type":
                return value.decode("latin-1")
        return None

    def view(self) -> dict[str, Any]:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.headers]
        return {"headers": mask_headers(headers),
                "body": mask_body(self.body, self.content_type()),
                "size": self.size, "truncated": self.size > len(self.body)}


class Entry(NamedTuple):
    """One vendor request as it was answered (`id` is given by the store: 0 until then)."""

    id: int
    vendor: str
    method: str
    path: str
    query: str
    api_call: str | None
    world: str | None
    time: datetime
    real_time: float  # seconds since the epoch
    duration_ms: float
    status: int | None
    faults: tuple[tuple[int, str], ...]
    request: Message
    response: Message

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id, "vendor": self.vendor, "method": self.method, "path": self.path,
            "query": mask_query(self.query), "api_call": self.api_call,
            "sandbox": None if self.world in (None, DEFAULT_WORLD_ID) else self.world,
            "world": self.world, "time": iso_z(self.time),
            "real_time": iso_z(datetime.fromtimestamp(self.real_time, UTC)),
            "duration_ms": round(self.duration_ms, 3), "status": self.status,
            "faults": [{"rule": rule, "action": action} for rule, action in self.faults],
            "request": self.request.view(), "response": self.response.view(),
        }


@dataclass(frozen=True)
class JournalQuery:
    """Filters of GET /_emulator/requests; None matches anything."""

    vendor: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    api_call: str | None = None
    sandbox: str | None = None  # a sandbox id, or "default" for the default world
    since: datetime | None = None
    until: datetime | None = None
    after: int | None = None
    fault: bool | None = None

    def conditions(self, mark: str) -> tuple[list[str], list[Any]]:
        """SQL conditions on journal_entry for every filter but `path` (a glob, matched in
        Python as fnmatch does), with their parameters."""
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (("vendor", self.vendor), ("status", self.status),
                              ("method", self.method and self.method.upper()),
                              ("api_call", self.api_call), ("world", self.sandbox)):
            if value is not None:
                conditions.append(f"{column} = {mark}")
                params.append(value)
        for test, instant in (("time_us >=", self.since), ("time_us <=", self.until)):
            if instant is not None:
                conditions.append(f"{test} {mark}")
                params.append(_micros(instant))
        if self.after is not None:
            conditions.append(f"id > {mark}")
            params.append(self.after)
        if self.fault is not None:
            conditions.append("faults <> ''" if self.fault else "faults = ''")
        return conditions, params


def _micros(value: datetime) -> int:
    return (as_utc(value) - EPOCH) // MICROSECOND


def _pack(headers: tuple[tuple[bytes, bytes], ...]) -> bytes:
    return b"\n".join(name + b"\0" + value for name, value in headers)


def _unpack(blob: bytes) -> tuple[tuple[bytes, bytes], ...]:
    if not blob:
        return ()
    return tuple((name, value) for name, _, value in
                 (line.partition(b"\0") for line in bytes(blob).split(b"\n")))


def _row(entry: Entry) -> Row:
    """The entry as journal_store.COLUMNS but its id (given at commit)."""
    request, response = entry.request, entry.response
    faults = " ".join(f"{rule}:{action}" for rule, action in entry.faults)
    return (*entry[1:7], _micros(entry.time), entry.real_time, entry.duration_ms,
            entry.status, faults, _pack(request.headers), request.body, request.size,
            _pack(response.headers), response.body, response.size)


def _entry(row: Row) -> Entry:
    faults = tuple((int(rule), action) for rule, _, action in
                   (fault.partition(":") for fault in row[11].split()))
    return Entry._make((int(row[0]), *row[1:7], EPOCH + int(row[7]) * MICROSECOND,
                        float(row[8]), float(row[9]), row[10], faults,
                        Message(_unpack(row[12]), bytes(row[13]), int(row[14])),
                        Message(_unpack(row[15]), bytes(row[16]), int(row[17]))))


class Journal:
    """The newest `capacity` entries in the store, numbered by it for the store's life.

    `capacity` and `body_bytes` are the bounds as this process last saw them (at its last
    commit or read): the hot path decides with them, and a commit applies the stored ones
    (entries past the capacity are deleted, a body cut shorter). A journal set to capacity 0
    records nothing and asks the store again at each request, so one turned on through
    another process records at once. The bounds given here are the settings' (see
    journal_store.JournalBounds for when they apply).
    """

    def __init__(self, db: Database, capacity: int = DEFAULT_CAPACITY,
                 body_bytes: int = DEFAULT_BODY_BYTES) -> None:
        self.capacity, self.body_bytes = capacity, body_bytes
        self._store = Store(db, capacity, body_bytes)
        self._writer = Writer(self._store, self._adopt)

    @property
    def engine(self) -> Engine:
        """The engine the entries are kept with (on a SQLite file, the journal's own file's)."""
        return self._store.engine

    def _adopt(self, bounds: Bounds) -> None:
        self.capacity, self.body_bytes = bounds

    def recording(self) -> bool:
        """Whether a request now is recorded (a cheap read of the store only at capacity 0)."""
        if self.capacity == 0:
            self._adopt(self._store.peek())
        return self.capacity > 0

    async def record(self, entry: Entry) -> None:
        """Store the entry under the next id; returns once it is committed."""
        await self._writer.write(_row(entry))

    def bounds(self) -> Bounds:
        """(capacity, body_bytes) as stored."""
        with self._store.cursor() as cursor:
            bounds = self._store.bounds(cursor)
        self._adopt(bounds)
        return bounds

    def configure(self, capacity: int | None = None, body_bytes: int | None = None) -> None:
        """Change the bounds given; a smaller capacity keeps the newest entries."""
        self._adopt(self._store.configure(capacity, body_bytes))

    def get(self, entry_id: int) -> Entry | None:
        bounds, rows, _ = self._store.select([f"id = {self._store.mark}"], [entry_id])
        self._adopt(bounds)
        return _entry(rows[0]) if rows else None

    def find(self, query: JournalQuery, limit: int) -> tuple[list[Entry], int]:
        """The newest `limit` matches, oldest first, and how many matched in all."""
        conditions, params = query.conditions(self._store.mark)
        glob = query.path
        matches: list[int] = []

        def pick(matched: list[tuple[int, str]]) -> list[int]:
            matches.extend(i for i, path in matched if glob is None or fnmatchcase(path, glob))
            return matches[-limit:] if limit else []

        bounds, rows, _ = self._store.select(conditions, params, pick)
        self._adopt(bounds)
        return [_entry(row) for row in rows], len(matches)

    def clear(self, world: str | None = None) -> None:
        """Forget every entry, or only one world's."""
        self._store.clear(world)

    def state(self) -> tuple[int, int, int]:
        """(capacity, body_bytes, how many entries are kept) as stored."""
        bounds, size = self._store.size()
        self._adopt(bounds)
        return (*bounds, size)

    def __len__(self) -> int:
        return self.state()[2]
