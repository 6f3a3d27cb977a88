"""The journal lives in the store: two servers on one database record into one journal, and
what one sets or clears holds for the other (issue 16)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from emulator.app import create_app
from emulator.core.journal_store import SLACK_SHARE, JournalEntry
from tests.conftest import TEST_DB, emulator_of, make_settings, two_servers

# Its servers share one store: on PostgreSQL, the suite's database (conftest).
pytestmark = pytest.mark.shared_store


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one store, opened one after the other as two processes would be: a SQLite
    file, or the test database when it is a server (EMULATOR_TEST_DB)."""
    with two_servers(TEST_DB if "://" in TEST_DB else str(tmp_path / "j.db")) as pair:
        yield pair


def _auth(client: TestClient) -> dict[str, str]:
    key = client.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
    return {"Authorization": httpx.BasicAuth(key, "")._auth_header}


def _entries(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/_emulator/requests", params=params)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["data"]
    return entries


def _rows(client: TestClient) -> int:
    with Session(emulator_of(client).journal.engine) as session:
        return int(session.exec(select(func.count()).select_from(JournalEntry)).one())


def test_requests_served_by_either_show_through_both_in_id_order(
        servers: tuple[TestClient, TestClient]) -> None:
    one, two = servers
    headers = _auth(one)
    for n, server in enumerate([one, two, two, one, two]):
        assert server.get(f"/api/devices/{n}", headers=headers).status_code in (200, 404)
    through_one, through_two = _entries(one), _entries(two)
    assert through_one == through_two
    assert [e["path"] for e in through_one] == [f"/api/devices/{n}" for n in range(5)]
    ids = [e["id"] for e in through_one]
    assert ids == sorted(ids) and len(set(ids)) == 5
    # `after` polls across servers: what the other served next is all that is new.
    two.get("/api/devices/9", headers=headers)
    assert [e["path"] for e in _entries(one, after=ids[-1])] == ["/api/devices/9"]
    assert one.get(f"/_emulator/requests/{ids[1]}").json()["path"] == "/api/devices/1"


def test_bounds_set_through_one_hold_for_the_other(
        servers: tuple[TestClient, TestClient]) -> None:
    one, two = servers
    headers = _auth(one)
    two.get("/api/devices/1", headers=headers)  # the second has seen the default bounds
    assert one.put("/_emulator/requests/config",
                   json={"capacity": 3, "body_bytes": 40}).status_code == 200
    for n in range(6):
        assert two.get("/api/devices/1", params={"n": n}, headers=headers).status_code == 200
    kept = _entries(one)
    assert [e["query"] for e in kept] == [f"n={n}" for n in range(3, 6)]
    assert all(len(e["response"]["body"]) == 40 and e["response"]["truncated"] for e in kept)
    assert two.get("/_emulator/requests/config").json() == {
        "capacity": 3, "body_bytes": 40, "size": 3}
    assert _rows(two) == 3


def test_a_journal_turned_off_and_on_through_one_is_so_for_the_other(
        servers: tuple[TestClient, TestClient]) -> None:
    one, two = servers
    headers = _auth(one)
    two.get("/api/devices/1", headers=headers)
    one.put("/_emulator/requests/config", json={"capacity": 0})
    two.get("/api/devices/2", headers=headers)
    assert _entries(one) == [] and _rows(one) == 0
    one.put("/_emulator/requests/config", json={"capacity": 10})
    two.get("/api/devices/3", headers=headers)
    assert [e["path"] for e in _entries(one)] == ["/api/devices/3"]


def test_clearing_through_one_clears_the_others_and_ids_go_on(
        servers: tuple[TestClient, TestClient]) -> None:
    one, two = servers
    headers = _auth(one)
    sandbox = one.post("/_emulator/sandboxes", json={}).json()
    box = {"Authorization": httpx.BasicAuth(sandbox["credentials"]["cleverfox"]["api_key"],
                                            "")._auth_header}
    one.get("/api/devices/1", headers=headers)
    one.get("/api/devices/1", headers=box)
    # (through the server that made the sandbox: knowing another's sandboxes is not this part)
    assert one.delete("/_emulator/requests", params={"sandbox": sandbox["id"]}).status_code \
        == 204
    last = _entries(two)
    assert [e["world"] for e in last] == ["default"]
    assert two.delete("/_emulator/requests").status_code == 204
    assert _entries(one) == []
    one.get("/api/devices/2", headers=headers)
    assert [e["id"] for e in _entries(two)] == [last[-1]["id"] + 2]  # never reused


def test_a_reset_clears_the_journal_and_ids_go_on(servers: tuple[TestClient, TestClient]) -> None:
    one, two = servers
    headers = _auth(one)
    two.get("/api/devices/1", headers=headers)
    before = _entries(one)[-1]["id"]
    assert one.post("/_emulator/reset", json={}).status_code == 200
    assert _entries(two) == []
    two.get("/api/devices/1", headers=_auth(two))
    assert [e["id"] for e in _entries(one)] == [before + 1]


def test_recording_keeps_kept_answers_fresh(servers: tuple[TestClient, TestClient]) -> None:
    """A journal row is written past the response versions: the first server's cache still
    answers a repeated read, while both journal every request."""
    one, two = servers
    headers = _auth(one)
    first = one.get("/api/devices/1", headers=headers)
    cache = one.app.middleware_stack  # type: ignore[attr-defined]
    while type(cache).__name__ != "ResponseCache":
        cache = cache.app
    hits = cache.hits
    two.get("/api/devices/2", headers=headers)
    assert one.get("/api/devices/1", headers=headers).content == first.content
    assert cache.hits == hits + 1
    assert len(_entries(two)) == 3


def test_the_table_stays_bounded(client: TestClient) -> None:
    """However many requests pass, the table holds the capacity and a tenth of it more at
    most (entries past the capacity are deleted in batches); reads show the newest only."""
    client.put("/_emulator/requests/config", json={"capacity": 20})
    most = 0
    for n in range(120):
        client.get(f"/api/devices/{n}")
        most = max(most, _rows(client))
    assert 20 <= most <= 20 + 20 // SLACK_SHARE
    assert [e["path"] for e in _entries(client)] == [f"/api/devices/{n}"
                                                      for n in range(100, 120)]
    assert client.get("/_emulator/requests/config").json()["size"] == 20


def test_an_entry_is_committed_before_the_answer_ends(tmp_path: Path) -> None:
    """When the last body message of an answer goes out, another connection to the store (as
    another process would read it) already finds the request's entry."""
    db = tmp_path / "j.db"
    app = create_app(make_settings(db=str(db)))
    seen: list[list[str]] = []

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: Any) -> None:
            if (message["type"] == "http.response.body" and not message.get("more_body")
                    and scope["path"].startswith("/api/")):  # (the toolkit's: not recorded)
                with sqlite3.connect(f"{db}.journal") as other:
                    seen.append([p for p, in other.execute(
                        "SELECT path || '?' || query FROM journal_entry ORDER BY id")])
            await send(message)

        await app(scope, receive, spy if scope["type"] == "http" else send)

    with TestClient(watching) as client:
        headers = _auth(client)
        client.get("/api/devices/1", params={"a": 1}, headers=headers)
        client.get("/api/nothing-here", params={"b": 2})
    assert seen[-2:] == [["/api/devices/1?a=1"], ["/api/devices/1?a=1", "/api/nothing-here?b=2"]]


@pytest.mark.parametrize("holder", ["sqlite write", "turn"])
def test_a_commit_waits_in_a_thread_while_another_process_writes(tmp_path: Path,
                                                                 holder: str) -> None:
    """On a SQLite file the event loop tries the commit only if the journal is free at once:
    with another process's write open on the journal's file, or another process's turn at
    it (`<file>.journal.lock`), it gives up (the commit then goes to a thread) and writes
    nothing; the request is recorded once the other is done."""
    db = tmp_path / "j.db"
    with TestClient(create_app(make_settings(db=str(db)))) as client:
        headers = _auth(client)
        client.get("/api/devices/1", headers=headers)
        store = emulator_of(client).journal._store
        row = ("cleverfox", "GET", "/x", "", None, None, 0, 0.0, 0.0, 200, "",
               b"", b"", 0, b"", b"", 0)
        if holder == "turn":  # another open file description: a lock of its own
            other_fd = os.open(f"{db}.journal.lock", os.O_RDWR)
            fcntl.flock(other_fd, fcntl.LOCK_EX)
            assert store.commit_now([row]) is None
            os.close(other_fd)
        else:
            other = sqlite3.connect(f"{db}.journal")
            other.execute("BEGIN IMMEDIATE")
            assert store.commit_now([row]) is None
            other.rollback()
            other.close()
        client.get("/api/devices/2", headers=headers)
        entries = _entries(client)
        assert [e["path"] for e in entries] == ["/api/devices/1", "/api/devices/2"]
        assert entries[1]["id"] == entries[0]["id"] + 1  # the attempt took no id


def test_recording_leaves_the_stores_own_file_alone(tmp_path: Path) -> None:
    """On a SQLite file the journal is kept in a file of its own: SQLite drops every other
    connection's page cache when a database changes, and recording commits every few
    requests. Reads with the journal on leave the store's file unchanged (its
    `data_version`, as another connection sees it) and fill the journal's file."""
    db = tmp_path / "j.db"
    with TestClient(create_app(make_settings(db=str(db)))) as client:
        headers = _auth(client)
        client.get("/api/devices/1", headers=headers)
        watcher = sqlite3.connect(db)
        before = watcher.execute("PRAGMA data_version").fetchone()[0]
        for n in range(20):
            assert client.get(f"/api/devices/{n % 3 + 1}", headers=headers).status_code == 200
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == before
        watcher.close()
        with sqlite3.connect(f"{db}.journal") as journal:
            kept = journal.execute("SELECT COUNT(*) FROM journal_entry").fetchone()[0]
        assert kept >= 21
