"""Snapshots kept in the store: two servers on one database share them, and they outlive a
restart. Each server is an app of its own, as two processes would be."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from emulator.app import create_app
from tests.conftest import T0, default_world_rows, make_settings
from tests.control.snapshot_calls import restore as _restore
from tests.control.snapshot_calls import save as _save
from tests.vendors.cleverfox.helpers import basic

# Its servers share one store: on PostgreSQL, the suite's database (conftest).
pytestmark = pytest.mark.shared_store

HOUR = 3600
T0_PLUS_HOUR = "2026-01-05T10:00:00.000Z"


def _server(db: Path) -> TestClient:
    return TestClient(create_app(make_settings(db=str(db))))


@contextmanager
def _two_servers(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """A and B on one SQLite file; B opens after A has built the default world."""
    with _server(tmp_path / "s.db") as a, _server(tmp_path / "s.db") as b:
        yield a, b


def _headers(client: TestClient) -> dict[str, str]:
    return basic(client.get("/_emulator/credentials").json()["cleverfox"]["api_key"])


def _add_company(client: TestClient, name: str) -> None:
    response = client.post("/api/companies", headers=_headers(client), json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": name}})
    assert response.status_code == 201, response.text


def _company_names(client: TestClient) -> list[str]:
    response = client.get("/api/companies", params={"PageSize": 1000}, headers=_headers(client))
    assert response.status_code == 200, response.text
    return sorted(c["Name"] for c in response.json()["data"])


def _advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_emulator/clock", json={"advance_seconds": seconds}).status_code == 200


def _state_rows(client: TestClient) -> dict[str, list[tuple[str, ...]]]:
    """Every row the default world owns (not its world row: a restore moves its incarnation
    on)."""
    return default_world_rows(client, lambda table: "world_id" in SQLModel.metadata.tables[table].c)


def test_a_snapshot_saved_through_one_server_is_listed_and_restored_through_another(
        tmp_path: Path) -> None:
    with _two_servers(tmp_path) as (a, b):
        saved = _save(a, "shared")
        names = _company_names(a)
        _add_company(a, "made after the snapshot")
        assert "made after the snapshot" in _company_names(b)

        assert b.get("/_emulator/snapshots").json() == [saved]
        assert b.get("/_emulator/snapshots/shared").json() == saved
        assert _restore(b, "shared") == saved
        assert _company_names(b) == names


def test_a_restore_through_one_server_is_seen_through_the_other(tmp_path: Path) -> None:
    with _two_servers(tmp_path) as (a, b):
        _save(a, "shared")
        names = _company_names(a)
        _add_company(a, "made after the snapshot")
        _advance(a, HOUR)
        _restore(b, "shared")
        assert a.get("/_emulator/clock").json()["now"] == T0
        assert _company_names(a) == names


def test_a_snapshot_replaced_through_another_server_restores_as_replaced(
        tmp_path: Path) -> None:
    with _two_servers(tmp_path) as (a, b):
        _save(a, "moving")
        _restore(a, "moving")  # A now holds this snapshot decoded, or as it saved it
        _add_company(b, "in the replacement")
        replaced = _save(b, "moving", replace=True)
        _add_company(a, "after the replacement")

        assert _restore(a, "moving") == replaced
        assert "in the replacement" in _company_names(a)
        assert "after the replacement" not in _company_names(a)
        assert [s["name"] for s in a.get("/_emulator/snapshots").json()] == ["moving"]


def test_names_deletes_and_order_are_the_stores_not_a_servers(tmp_path: Path) -> None:
    with _two_servers(tmp_path) as (a, b):
        _save(a, "first")
        _save(b, "second")
        _save(a, "third")
        taken = b.post("/_emulator/snapshots", json={"name": "first"})
        assert taken.status_code == 409
        assert "replace=true" in taken.json()["message"]
        _save(b, "first", replace=True)  # a replaced snapshot counts as new
        assert [s["name"] for s in a.get("/_emulator/snapshots").json()] == \
            ["second", "third", "first"]

        _restore(a, "third")
        assert b.delete("/_emulator/snapshots/third").status_code == 204
        for path in ("/_emulator/snapshots/third", "/_emulator/snapshots/third/export"):
            assert a.get(path).status_code == 404
        gone = a.post("/_emulator/snapshots/third/restore")
        assert gone.status_code == 404
        assert gone.json()["message"] == "no snapshot 'third'"
        assert a.delete("/_emulator/snapshots/third").status_code == 404


def test_a_file_imported_through_one_server_exports_alike_through_the_other(
        tmp_path: Path) -> None:
    with _two_servers(tmp_path) as (a, b):
        sandbox = a.post("/_emulator/sandboxes", json={"name": "demo"}).json()["id"]
        _save(a, "demo", sandbox=sandbox)
        exported = a.get("/_emulator/snapshots/demo/export").content
        imported = b.post("/_emulator/snapshots/import", content=exported,
                          params={"name": "again"}, headers={"Content-Type": "application/json"})
        assert imported.status_code == 201, imported.text
        assert a.get("/_emulator/snapshots/again/export").content == exported.replace(
            b'"name":"demo"', b'"name":"again"')


def test_snapshots_survive_a_restart_and_restore_every_row(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with _server(db) as first:
        _advance(first, HOUR)
        saved = _save(first, "kept")
        assert saved["clock"]["now"] == T0_PLUS_HOUR
        rows = _state_rows(first)
        names = _company_names(first)
        _add_company(first, "made after the snapshot")
        _advance(first, 5 * HOUR)

    with _server(db) as second:
        assert second.get("/_emulator/snapshots").json() == [saved]
        assert "made after the snapshot" in _company_names(second)
        assert _restore(second, "kept") == saved
        assert second.get("/_emulator/clock").json()["now"] == T0_PLUS_HOUR
        assert _company_names(second) == names
        # Row for row as saved, times to the microsecond (a file keeps milliseconds only).
        assert _state_rows(second) == rows


def test_a_reset_keeps_stored_snapshots_and_no_snapshot_holds_another(tmp_path: Path) -> None:
    with _server(tmp_path / "s.db") as server:
        first = _save(server, "one")
        second = _save(server, "two")
        assert second["rows"] == first["rows"]  # the first snapshot is not state
        assert server.post("/_emulator/reset").status_code == 200
        assert [s["name"] for s in server.get("/_emulator/snapshots").json()] == ["one", "two"]
        document = json.loads(server.get("/_emulator/snapshots/two/export").content)
        assert "snapshot" not in document["tables"]


def test_a_file_from_a_server_without_stored_snapshots_still_fits(client: TestClient) -> None:
    _save(client, "older")
    document = json.loads(client.get("/_emulator/snapshots/older/export").content)
    del document["schema"]["snapshot"]  # as a server that kept snapshots in memory wrote it
    imported = client.post("/_emulator/snapshots/import", content=json.dumps(document),
                           params={"name": "from-older"},
                           headers={"Content-Type": "application/json"})
    assert imported.status_code == 201, imported.text
    assert client.post("/_emulator/snapshots/from-older/restore").status_code == 200

    document["schema"]["cleverfox_elsewhere"] = ["pk"]  # a table of state this server lacks
    refused = client.post("/_emulator/snapshots/import", content=json.dumps(document),
                          params={"name": "from-newer"},
                          headers={"Content-Type": "application/json"})
    assert refused.status_code == 422
    assert "unknown table cleverfox_elsewhere" in refused.json()["message"]


def test_an_integer_beyond_64_bits_in_a_json_column_is_kept_whole(tmp_path: Path) -> None:
    with _two_servers(tmp_path) as (a, b):
        sandbox = a.post("/_emulator/sandboxes", json={}).json()["id"]
        _save(a, "plain", sandbox=sandbox)
        document = json.loads(a.get("/_emulator/snapshots/plain/export").content)
        world = document["tables"]["world"]
        at = world["columns"].index("credentials")
        world["rows"][0][at] = {**world["rows"][0][at], "note": 2 ** 70 + 1}
        imported = a.post("/_emulator/snapshots/import", content=json.dumps(document),
                          params={"name": "big"}, headers={"Content-Type": "application/json"})
        assert imported.status_code == 201, imported.text
        again = json.loads(b.get("/_emulator/snapshots/big/export").content)  # decoded by B
        assert again["tables"]["world"]["rows"][0][at]["note"] == 2 ** 70 + 1


def test_a_start_from_a_file_keeps_it_listed_after_a_restart_without_it(
        tmp_path: Path) -> None:
    file = tmp_path / "demo.json"
    with _server(tmp_path / "made.db") as maker:
        _advance(maker, HOUR)
        _save(maker, "demo")
        file.write_bytes(maker.get("/_emulator/snapshots/demo/export").content)
    db = str(tmp_path / "s.db")
    with TestClient(create_app(make_settings(db=db, snapshot=str(file)))) as first:
        assert first.get("/_emulator/clock").json()["now"] == T0_PLUS_HOUR
        listed = first.get("/_emulator/snapshots").json()
        assert [s["name"] for s in listed] == ["demo"]
        _advance(first, HOUR)
    with _server(tmp_path / "s.db") as second:
        assert second.get("/_emulator/snapshots").json() == listed
        _restore(second, "demo")
        assert second.get("/_emulator/clock").json()["now"] == T0_PLUS_HOUR
