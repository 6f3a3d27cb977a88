"""Snapshot files over HTTP: export, import into another server, and files that do not fit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    SmallInteger,
    String,
    Table,
    func,
    select,
)
from sqlmodel import SQLModel

from emulator.app import create_app
from emulator.core import snapshot_files
from emulator.core.db import UTCDateTime
from emulator.core.world import World
from tests.conftest import TEST_DB, emulator_of, make_settings
from tests.control.snapshot_calls import save as _save

JSON_HEADERS = {"Content-Type": "application/json"}


def _import(client: TestClient, data: bytes | str, **query: Any) -> Any:
    return client.post("/_emulator/snapshots/import", content=data, headers=JSON_HEADERS,
                       params=query)


@pytest.fixture
def other() -> Any:
    """A second server with another seed and time: nothing in common with `client`."""
    with TestClient(create_app(make_settings(seed=99, now="2027-06-01T00:00:00Z"))) as second:
        yield second


def test_a_whole_state_file_makes_another_server_the_same(client: TestClient,
                                                          other: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={"seed": 3, "name": "demo"}).json()
    client.post(f"/_emulator/sandboxes/{sandbox['id']}/clock", json={"advance_seconds": 600})
    saved = _save(client, "demo")
    exported = client.get("/_emulator/snapshots/demo/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="demo.json"'
    document = json.loads(exported.content)
    assert (document["format"], document["version"]) == ("backup-emulator/snapshot", 1)
    assert document["schema"] == snapshot_files.schema()

    # Under another name: on a shared database (EMULATOR_TEST_DB) the servers share snapshots.
    imported = _import(other, exported.content, name="copy")
    assert imported.status_code == 201, imported.text
    assert {k: v for k, v in imported.json().items() if k not in ("created_at", "name")} == \
        {k: v for k, v in saved.items() if k not in ("created_at", "name")}
    assert other.post("/_emulator/snapshots/copy/restore").status_code == 200
    for path in ("/_emulator/credentials", "/_emulator/clock", "/_emulator/sandboxes",
                 f"/_emulator/sandboxes/{sandbox['id']}/clock"):
        assert other.get(path).json() == client.get(path).json(), path
    # Exporting the copy gives the same rows again: nothing was lost or changed on the way,
    # but for each world's incarnation, which a restore moves on so that no session or token
    # issued before it works after (core.secrets).
    _save(other, "again")
    again = json.loads(other.get("/_emulator/snapshots/again/export").content)
    assert _without_epochs(again["tables"]) == _without_epochs(document["tables"])
    assert again["clocks"] == document["clocks"]


def _without_epochs(tables: dict[str, Any]) -> dict[str, Any]:
    world = tables["world"]
    at = world["columns"].index("epoch")
    rows = [row[:at] + row[at + 1:] for row in world["rows"]]
    return {**tables, "world": {"columns": world["columns"], "rows": rows}}


def test_a_sandbox_file_brings_back_only_that_sandbox(client: TestClient,
                                                     other: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={"name": "one"}).json()
    _save(client, "one", sandbox=sandbox["id"])
    data = client.get("/_emulator/snapshots/one/export").content
    before = client.get("/_emulator/credentials").json()
    assert client.delete(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 204
    client.delete("/_emulator/snapshots/one")
    assert _import(client, data, name="mine").json()["sandbox"] == sandbox["id"]
    assert client.post("/_emulator/snapshots/mine/restore").status_code == 200
    assert client.get("/_emulator/credentials").json() == before  # the default world stays
    [back] = client.get("/_emulator/sandboxes").json()
    assert back["credentials"] == sandbox["credentials"] and back["name"] == "one"


def test_a_sandbox_file_whose_rows_collide_elsewhere_is_refused_there(
        client: TestClient) -> None:
    """Row keys are the server's: another server's worlds may hold the same ones. BackupRun
    users registered in another server's default world take the keys this sandbox's users
    have here."""
    if TEST_DB != ":memory:":
        pytest.skip("servers on one shared database (EMULATOR_TEST_DB) are one store: there "
                    "is no elsewhere")
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    _save(client, "one", sandbox=sandbox["id"])
    data = client.get("/_emulator/snapshots/one/export").content
    users = json.loads(data)["tables"]["backuprun_user"]
    wanted = min(row[users["columns"].index("pk")] for row in users["rows"])
    with TestClient(create_app(make_settings())) as other:
        for n in range(wanted):  # until a registered user holds the sandbox's first key
            if _highest_user_key(other) >= wanted:
                break
            registered = other.post("/api.php", data={
                "apiCALL": "registerNewUser", "email": f"taken{n}@example.com", "name": "T",
                "password": "t"})
            assert '<status value="ok">' in registered.text
        assert _highest_user_key(other) >= wanted
        _refused_there(other, data)


def _highest_user_key(server: TestClient) -> int:
    table = SQLModel.metadata.tables["backuprun_user"]
    with emulator_of(server).db.session() as session:
        return int(session.execute(select(func.max(table.c.pk))).scalar_one())


def _refused_there(other: TestClient, data: bytes) -> None:
    # Under another name: on a shared database (EMULATOR_TEST_DB) the servers share snapshots.
    assert _import(other, data, name="there").status_code == 201
    before = (other.get("/_emulator/credentials").json(),
              other.get("/_emulator/sandboxes").json())
    refused = other.post("/_emulator/snapshots/there/restore")
    assert refused.status_code == 409
    assert "collides with rows other worlds created" in refused.json()["message"]
    assert (other.get("/_emulator/credentials").json(),
            other.get("/_emulator/sandboxes").json()) == before


def test_an_imported_name_follows_the_rules_of_snapshot_names(client: TestClient) -> None:
    _save(client, "base")
    data = client.get("/_emulator/snapshots/base/export").content
    assert _import(client, data).status_code == 409  # "base" exists
    assert _import(client, data, replace="true").status_code == 201
    assert _import(client, data, name="bad name").status_code == 422
    assert [s["name"] for s in client.get("/_emulator/snapshots").json()] == ["base"]


def _bad_value(column: Any) -> Any:
    """A value of the wrong JSON type for a column."""
    kind = getattr(column.type, "impl_instance", column.type)
    return [1] if not isinstance(kind, JSON) else None


def _cells(client: TestClient) -> Iterator[tuple[Table, int, Column[Any], dict[str, Any]]]:
    """Each column of each table the default world's snapshot file holds rows of: (table,
    column index, column, the file with one row a table, to copy and break)."""
    _save(client, "base")
    document = json.loads(client.get("/_emulator/snapshots/base/export").content)
    for body in document["tables"].values():
        del body["rows"][1:]  # one row a table is enough, and keeps the loops quick
    for table in SQLModel.metadata.sorted_tables:
        body = document["tables"].get(table.name)
        if body and body["rows"]:
            for index, column in enumerate(table.columns):
                yield table, index, column, document


def test_every_column_refuses_a_value_of_the_wrong_type(client: TestClient) -> None:
    """Generated from the tables: a new column is covered without a new test."""
    tried = 0
    for table, index, column, document in _cells(client):
        if isinstance(getattr(column.type, "impl_instance", column.type), JSON):
            continue
        broken = json.loads(json.dumps(document))
        broken["tables"][table.name]["rows"][0][index] = _bad_value(column)
        answer = _import(client, json.dumps(broken), name="broken")
        assert answer.status_code == 422, (table.name, column.name)
        assert answer.json()["message"].startswith(
            f"{table.name} row 1: {column.name} = [1] is not a valid "), answer.json()
        tried += 1
    assert tried > 100
    assert [s["name"] for s in client.get("/_emulator/snapshots").json()] == ["base"]


def _unstorable(column: Any) -> list[Any]:
    """Values of the right JSON type that some store cannot hold in `column`: the first
    integers past its width, text with a NUL."""
    kind = getattr(column.type, "impl_instance", column.type)
    if isinstance(kind, Boolean) or isinstance(column.type, UTCDateTime):
        return []
    if isinstance(kind, Integer):
        bits = 64 if isinstance(kind, BigInteger) else 16 if isinstance(kind, SmallInteger) \
            else 32
        return [2 ** (bits - 1), -2 ** (bits - 1) - 1]
    if isinstance(kind, String):
        return ["a\x00b"]
    return []


def test_every_column_refuses_what_a_store_cannot_hold(client: TestClient) -> None:
    """Generated from the tables. Integers past a column's width and text with NUL were kept,
    and the restore then failed on PostgreSQL with a 500; they are refused at the import,
    whichever store the server is on."""
    tried = 0
    for table, index, column, document in _cells(client):
        for value in _unstorable(column):
            broken = json.loads(json.dumps(document))
            broken["tables"][table.name]["rows"][0][index] = value
            answer = _import(client, json.dumps(broken), name="broken")
            if isinstance(value, str):  # NUL in any JSON body: refused before the import
                assert answer.status_code == 400, (table.name, column.name)
                assert answer.json()["message"].startswith(
                    f"body.tables.{table.name}.rows[0][{index}]: a NUL"), answer.json()
                with pytest.raises(snapshot_files.SnapshotFileError) as read:  # a file
                    snapshot_files.loads(json.dumps(broken))
                assert str(read.value).startswith(
                    f"{table.name} row 1: {column.name} = {value!r} is not a valid ")
            else:
                assert answer.status_code == 422, (table.name, column.name, value)
                assert answer.json()["message"].startswith(
                    f"{table.name} row 1: {column.name} = {value!r} is not a valid "), \
                    answer.json()
            tried += 1
    assert tried > 100
    assert [s["name"] for s in client.get("/_emulator/snapshots").json()] == ["base"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(version=2), "snapshot file version 2 (written by backup-emulator"),
    (lambda d: d.update(format="other"), "not a snapshot file: no \"format\""),
    (lambda d: d["schema"].pop("world"), "another database schema than this server ("),
    (lambda d: d["schema"].update(extra=["id"]), "unknown table extra"),
    (lambda d: d["schema"]["world"].append("planet"), "world: unknown column planet"),
    (lambda d: d["schema"]["world"].remove("seed"), "world: column seed missing"),
    (lambda d: d["clocks"].update(ghost=d["clocks"]["default"]), "damaged snapshot file"),
    (lambda d: d.pop("created_at"), "damaged snapshot file: KeyError"),
    (lambda d: d["tables"]["world"]["rows"][0].pop(),
     f"world row 1: {len(World.model_fields) - 1} values for {len(World.model_fields)} columns"),
])
def test_a_file_that_does_not_fit_is_refused_and_changes_nothing(
        client: TestClient, change: Any, message: str) -> None:
    _save(client, "base")
    document = json.loads(client.get("/_emulator/snapshots/base/export").content)
    change(document)
    credentials = client.get("/_emulator/credentials").json()
    answer = _import(client, json.dumps(document), name="new")
    assert answer.status_code == 422
    assert answer.json()["code"] == "incompatible_snapshot"
    assert message in answer.json()["message"], answer.json()
    assert [s["name"] for s in client.get("/_emulator/snapshots").json()] == ["base"]
    assert client.get("/_emulator/credentials").json() == credentials


def test_not_json_is_refused(client: TestClient) -> None:
    answer = _import(client, b"\x00not json")
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("not a snapshot file: not JSON")
