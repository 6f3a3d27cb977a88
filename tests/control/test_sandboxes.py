"""Sandboxes: isolated worlds with their own credentials, rows and clocks."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import SQLModel, func, select

from tests.conftest import T0, emulator_of


def _probes(client: TestClient, world: str) -> list[dict[str, object]]:
    response = client.get("/fake/probes", headers={"X-World": world})
    assert response.status_code == 200
    rows: list[dict[str, object]] = response.json()
    return rows


def test_create_returns_201_with_fresh_credentials_for_every_vendor(client: TestClient) -> None:
    default = client.get("/_emulator/credentials").json()
    response = client.post("/_emulator/sandboxes")
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("sb-")
    creds = body["credentials"]
    assert set(creds) == {"cleverfox", "rackspace", "backuprun", "code42"}
    assert creds["cleverfox"]["api_key"] != default["cleverfox"]["api_key"]
    assert creds["rackspace"]["username"] != default["rackspace"]["username"]
    assert creds["rackspace"]["tenant_id"] != default["rackspace"]["tenant_id"]
    assert creds["backuprun"]["email"] != default["backuprun"]["email"]
    assert creds["code42"]["user"]["username"] != default["code42"]["user"]["username"]
    assert body["clock"] == {"now": T0, "frozen": True, "speed": 1.0}


def test_two_sandboxes_never_see_each_others_rows(fake_client: TestClient) -> None:
    a = fake_client.post("/_emulator/sandboxes", json={"name": "a"}).json()["id"]
    b = fake_client.post("/_emulator/sandboxes", json={"name": "b"}).json()["id"]
    fake_client.post("/fake/probes", json={"name": "only-in-a"}, headers={"X-World": a})

    names_a = {p["name"] for p in _probes(fake_client, a)}
    names_b = {p["name"] for p in _probes(fake_client, b)}
    names_default = {p["name"] for p in _probes(fake_client, "default")}
    assert "only-in-a" in names_a
    assert "only-in-a" not in names_b | names_default
    ids_a = {p["id"] for p in _probes(fake_client, a)}
    ids_b = {p["id"] for p in _probes(fake_client, b)}
    assert ids_a.isdisjoint(ids_b)
    assert len(names_b) == 3  # the populator's rows, and nothing of a's


def test_deleting_one_sandbox_leaves_the_other_intact(fake_client: TestClient) -> None:
    a = fake_client.post("/_emulator/sandboxes").json()
    b = fake_client.post("/_emulator/sandboxes").json()
    b_rows = _probes(fake_client, b["id"])

    response = fake_client.delete(f"/_emulator/sandboxes/{a['id']}")
    assert response.status_code == 204
    assert fake_client.get(f"/_emulator/sandboxes/{a['id']}").status_code == 404
    assert fake_client.delete(f"/_emulator/sandboxes/{a['id']}").status_code == 404
    assert fake_client.get("/fake/probes", headers={"X-World": a["id"]}).status_code == 404

    assert fake_client.get(f"/_emulator/sandboxes/{b['id']}").json()["credentials"] == \
        b["credentials"]
    assert _probes(fake_client, b["id"]) == b_rows
    assert [s["id"] for s in fake_client.get("/_emulator/sandboxes").json()] == [b["id"]]


def test_deleting_a_sandbox_removes_its_rows_from_every_world_scoped_table(
        fake_client: TestClient) -> None:
    sandbox = fake_client.post("/_emulator/sandboxes").json()["id"]
    fake_client.delete(f"/_emulator/sandboxes/{sandbox}")
    emu = emulator_of(fake_client)
    with emu.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            column = table.columns.get("world_id") if table.name != "world" else table.c.id
            if column is None:
                continue
            left = session.exec(
                select(func.count()).select_from(table).where(column == sandbox)
            ).one()
            assert left == 0, table.name


def test_the_default_world_cannot_be_deleted_as_a_sandbox(client: TestClient) -> None:
    assert client.delete("/_emulator/sandboxes/default").status_code == 404
    assert client.get("/_emulator/credentials").status_code == 200


def test_sandbox_ids_and_credentials_are_new_after_a_reset_but_seeds_are_not(
        client: TestClient) -> None:
    first = [client.post("/_emulator/sandboxes").json() for _ in range(2)]
    client.post("/_emulator/reset")
    again = [client.post("/_emulator/sandboxes").json() for _ in range(2)]
    assert [s["seed"] for s in first] == [s["seed"] for s in again]  # data follows the seed
    assert first[0]["id"] != first[1]["id"]
    assert not {s["id"] for s in first} & {s["id"] for s in again}
    for before, after in zip(first, again, strict=True):  # a kept credential reaches nothing
        assert before["credentials"]["cleverfox"] != after["credentials"]["cleverfox"]
        assert before["credentials"]["backuprun"] != after["credentials"]["backuprun"]


def test_sandbox_ids_are_not_reused_after_delete(client: TestClient) -> None:
    a = client.post("/_emulator/sandboxes").json()["id"]
    client.delete(f"/_emulator/sandboxes/{a}")
    b = client.post("/_emulator/sandboxes").json()["id"]
    assert a != b


def test_a_sandbox_has_its_own_clock(fake_client: TestClient) -> None:
    sandbox = fake_client.post("/_emulator/sandboxes", json={"seed": 7}).json()
    assert sandbox["seed"] == 7
    sid = sandbox["id"]
    response = fake_client.post(f"/_emulator/sandboxes/{sid}/clock",
                                json={"advance_seconds": 3600})
    assert response.json()["now"] == "2026-01-05T10:00:00.000Z"
    assert fake_client.get(f"/_emulator/sandboxes/{sid}/clock").json()["now"] == \
        "2026-01-05T10:00:00.000Z"
    assert fake_client.get("/_emulator/clock").json()["now"] == T0
    # the sandbox's probes ran; the default world's did not move
    assert {p["state"] for p in _probes(fake_client, sid)} <= {"Done", "Failed"}
    assert {p["state"] for p in _probes(fake_client, "default")} == {"Queued"}


def test_a_seed_is_any_64_bit_integer_on_every_store(client: TestClient) -> None:
    """A world's seed is stored in a BIGINT column: past 2**31 (PostgreSQL's INTEGER) too."""
    for seed in (2**31, 2**63 - 1, -(2**63)):
        sandbox = client.post("/_emulator/sandboxes", json={"seed": seed})
        assert sandbox.status_code == 201, sandbox.text
        assert client.get(f"/_emulator/sandboxes/{sandbox.json()['id']}").json()["seed"] == seed
    reset = client.post("/_emulator/reset", json={"seed": 2**31})
    assert reset.status_code == 200 and reset.json()["seed"] == 2**31
    past = client.post("/_emulator/sandboxes", json={"seed": 2**63})
    assert past.status_code == 422 and "seed" in past.json()["message"]


def test_sandbox_options(client: TestClient) -> None:
    body = {"now": "2030-06-01T12:00:00Z", "freeze": True, "name": "demo for ACME"}
    sandbox = client.post("/_emulator/sandboxes", json=body).json()
    assert sandbox["name"] == "demo for ACME"
    assert sandbox["clock"]["now"] == "2030-06-01T12:00:00.000Z"
    assert sandbox["created_at"] == "2030-06-01T12:00:00.000Z"
    bad = client.post("/_emulator/sandboxes", json={"seed": "x", "colour": "red"})
    assert bad.status_code == 422
    assert "seed" in bad.json()["message"] and "colour" in bad.json()["message"]
    assert len(client.get("/_emulator/sandboxes").json()) == 1


def test_unknown_sandbox_clock_is_404(client: TestClient) -> None:
    assert client.get("/_emulator/sandboxes/sb-nope/clock").status_code == 404
    response = client.post("/_emulator/sandboxes/sb-nope/clock", json={"advance_seconds": 1})
    assert response.status_code == 404
    assert "sb-nope" in response.json()["message"]


def test_every_vendor_control_call_names_a_sandbox_the_same_way(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes").json()["id"]
    for path in ("/_emulator/cleverfox/partners", "/_emulator/rackspace/tenants",
                 "/_emulator/backuprun/outbox", "/_emulator/code42/api-client"):
        assert client.get(path).status_code == 200, path
        assert client.get(path, params={"sandbox": sandbox}).status_code == 200, path
        missing = client.get(path, params={"sandbox": "sb-000000000000"})
        assert missing.status_code == 404, path
        assert missing.json() == {"code": "not_found",
                                  "message": "no sandbox 'sb-000000000000'"}, path


def test_sandbox_ids_rise_in_the_order_sandboxes_are_made(client: TestClient) -> None:
    """A new sandbox's rows then go at the end of every world-keyed index (bench/clone_phases.py:
    random ids split pages in the middle and made each copy and commit a third slower); a
    reset does not start the order again."""
    made = [client.post("/_emulator/sandboxes", json={}).json()["id"] for _ in range(3)]
    assert client.post("/_emulator/reset", json={}).status_code == 200
    made += [client.post("/_emulator/sandboxes", json={}).json()["id"] for _ in range(2)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(re.fullmatch(r"sb-[0-9a-f]{12,}", ident) for ident in made)
