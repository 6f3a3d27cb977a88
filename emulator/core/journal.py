"""The request journal: the last N vendor requests, kept in a ring so memory stays flat.

Bodies are kept up to `body_bytes` each (the first bytes; `size` tells the whole length) and
masked when read, not when recorded, so recording costs the hot path next to nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from emulator.core.masking import mask_body, mask_headers, mask_query
from emulator.core.timeutil import UTC, iso_z
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["MAX_BODY_BYTES", "MAX_CAPACITY", "MAX_KEPT_BYTES", "Entry", "Journal",
           "JournalQuery", "Message", "check_bounds"]

DEFAULT_CAPACITY = 10_000
DEFAULT_BODY_BYTES = 2048
# Bounds of the ring: each entry keeps up to two bodies, so the worst case is about
# MAX_CAPACITY * 2 * MAX_BODY_BYTES; MAX_KEPT_BYTES caps that product (256 MiB).
MAX_CAPACITY = 100_000
MAX_BODY_BYTES = 65_536
MAX_KEPT_BYTES = 256 * 2**20


def check_bounds(capacity: int, body_bytes: int) -> str | None:
    """Why a ring of `capacity` entries keeping `body_bytes` per body is too big, or None."""
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
    """One vendor request as it was answered (stored as plain tuples: see Journal)."""

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

    def matches(self, e: Entry) -> bool:
        return ((self.vendor is None or e.vendor == self.vendor)
                and (self.method is None or e.method == self.method.upper())
                and (self.status is None or e.status == self.status)
                and (self.api_call is None or e.api_call == self.api_call)
                and (self.sandbox is None or e.world == self.sandbox)
                and (self.since is None or e.time >= self.since)
                and (self.until is None or e.time <= self.until)
                and (self.after is None or e.id > self.after)
                and (self.fault is None or bool(e.faults) == self.fault)
                and (self.path is None or fnmatchcase(e.path, self.path)))


Row = tuple[Any, ...]


def _pack(headers: tuple[tuple[bytes, bytes], ...]) -> bytes:
    return b"\n".join(name + b"\0" + value for name, value in headers)


def _unpack(blob: bytes) -> tuple[tuple[bytes, bytes], ...]:
    if not blob:
        return ()
    return tuple((name, value) for name, _, value in
                 (line.partition(b"\0") for line in blob.split(b"\n")))


def _row(entry: Entry) -> Row:
    """Flat and immutable: the collector untracks it at its first pass, so it never ages."""
    request, response = entry.request, entry.response
    return (*entry[:12], _pack(request.headers), request.body, request.size,
            _pack(response.headers), response.body, response.size)


def _entry(row: Row) -> Entry:
    return Entry._make((*row[:12], Message(_unpack(row[12]), row[13], row[14]),
                        Message(_unpack(row[15]), row[16], row[17])))


class Journal:
    """A ring of the last `capacity` entries, numbered from 1 for the server's life.

    Entries are kept as flat tuples of immutable values, which the garbage collector stops
    tracking the first time it sees them: a ring of nested objects kept growing the oldest
    generation, and its full collections (about 120 ms here) put pauses in the hot path's p99.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY,
                 body_bytes: int = DEFAULT_BODY_BYTES) -> None:
        self.body_bytes = body_bytes
        self._entries: deque[Row] = deque(maxlen=capacity)
        self._next_id = 1

    @property
    def capacity(self) -> int:
        return self._entries.maxlen or 0

    def configure(self, capacity: int | None = None, body_bytes: int | None = None) -> None:
        """Change the bounds; a smaller ring keeps the newest entries."""
        if capacity is not None and capacity != self.capacity:
            self._entries = deque(self._entries, maxlen=capacity)
        if body_bytes is not None:
            self.body_bytes = body_bytes

    def next_id(self) -> int:
        entry_id = self._next_id
        self._next_id += 1
        return entry_id

    def record(self, entry: Entry) -> None:
        self._entries.append(_row(entry))

    def get(self, entry_id: int) -> Entry | None:
        for row in reversed(self._entries):
            if row[0] == entry_id:
                return _entry(row)
        return None

    def find(self, query: JournalQuery, limit: int) -> tuple[list[Entry], int]:
        """The newest `limit` matches, oldest first, and how many matched in all."""
        rows: Any = self._entries
        if query.after is not None:  # ids grow along the ring: read back only to `after`
            newer = []
            for row in reversed(self._entries):
                if row[0] <= query.after:
                    break
                newer.append(row)
            rows = reversed(newer)
        matched = [e for e in map(_entry, rows) if query.matches(e)]
        return matched[-limit:] if limit else [], len(matched)

    def clear(self, world: str | None = None) -> None:
        """Forget every entry, or only one world's."""
        if world is None:
            self._entries.clear()
        else:
            self._entries = deque((r for r in self._entries if r[6] != world),  # 6: world
                                  maxlen=self.capacity)

    def __len__(self) -> int:
        return len(self._entries)
