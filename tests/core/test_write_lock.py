"""A vendor request that may change its world reads under its world's write lock (issue 16).

On a store other processes share, two requests through two processes that both read a row and
then write from what they read (a job's state, the next id) must take turns, or both act on
the same old value. `Emulator.ctx` takes the world's lock (`Ctx.lock`) for every request whose
method writes, unless its vendor declares the operation reading (BackupRun's POSTed reads), and
for no reading request (the response cache and hot reads stay lock-free). A store only one
process reaches (`:memory:`) is not locked for a request.

The route table is walked through the served OpenAPI documents and BackupRun's calls, so a new
route or call is covered without a new test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emulator.app import create_app
from emulator.core.engine import Ctx
from emulator.core.exchange import READING_METHODS
from emulator.core.runtime import Emulator
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.vendors.backuprun.backend import CALL_NAMES, READ_CALLS
from tests.conftest import emulator_of, make_settings
from tests.operations import Caller, operations, sample
from tests.vendors.backuprun.helpers import api, login

VENDORS = ("cleverfox", "rackspace", "code42")


class Seen:
    """Whether the request in flight resolved its world, and whether it took its lock then."""

    def __init__(self) -> None:
        self.resolved = False
        self.locked = False

    def clear(self) -> None:
        self.resolved = self.locked = False


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    record = Seen()
    ctx, lock = Emulator.ctx, Ctx.lock

    def resolving(self: Emulator, *args: object, **kwargs: object) -> Ctx:
        record.resolved = True
        return ctx(self, *args, **kwargs)  # type: ignore[arg-type]

    def locking(self: Ctx) -> None:
        record.locked = True
        lock(self)

    monkeypatch.setattr(Emulator, "ctx", resolving)
    monkeypatch.setattr(Ctx, "lock", locking)
    return record


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A server on a SQLite file: a store another process could share (`Emulator.shared`)."""
    with TestClient(create_app(make_settings(db=str(tmp_path / "w.db")))) as served:
        yield served


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_writing_route_reads_under_its_worlds_lock(client: TestClient, seen: Seen,
                                                         vendor: str) -> None:
    caller = Caller(client)
    versions = emulator_of(client).versions
    assert versions is not None
    walked = {True: 0, False: 0}
    for op, document in operations(client, vendor):
        seen.clear()
        before = versions.read(DEFAULT_WORLD_ID)
        caller.send(op, body=sample(op, document))
        if not seen.resolved:  # refused before its world was known (auth, a bad id)
            continue
        # A reading method that changed its world anyway (CleverFox's GET form of
        # ExecuteGetNextJob) must have locked too.
        writes = op.method not in READING_METHODS or versions.read(DEFAULT_WORLD_ID) != before
        walked[writes] += 1
        assert seen.locked == writes, f"{op}: locked {seen.locked}, writes {writes}"
    # (Code42's one writing call, an OAuth token, names no world before it is made.)
    assert walked[False] and (walked[True] or vendor == "code42"), walked


def test_every_backuprun_call_but_its_reads_takes_the_lock(client: TestClient,
                                                           seen: Seen) -> None:
    login(client)
    assert READ_CALLS and set(CALL_NAMES) > READ_CALLS
    walked = 0
    for call in CALL_NAMES:
        if call in ("logout", "login"):  # would end (or replace) the session the rest use
            continue
        seen.clear()
        api(client, call)
        if seen.resolved:
            walked += 1
            assert seen.locked == (call not in READ_CALLS), call
    assert walked >= len(READ_CALLS) + 3
