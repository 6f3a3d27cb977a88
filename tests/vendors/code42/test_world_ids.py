"""Per-world ids (issue 12): every sandbox numbers its Code42 rows 1, 2 ... as the default world
does, same-seed sandboxes read the same ids and keys through their base URLs, and a key or id
of another world is Code42's own "not found" there, never another world's row."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import SEED, T0
from tests.vendors.code42.helpers import code42_error

LISTS = {"Computer": "computers", "User": "users", "Org": "orgs"}
ID_OF = {"Computer": "computerId", "User": "userId", "Org": "orgId"}
KEY_OF = {"Computer": ("guid", "guid"), "User": ("userUid", "uid"), "Org": ("orgUid", "orgUid")}


def _sandbox(client: TestClient, seed: int) -> dict[str, Any]:
    made = client.post("/_emulator/sandboxes", json={"seed": seed, "now": T0})
    assert made.status_code in (200, 201), made.text
    sandbox: dict[str, Any] = made.json()
    sandbox["base"] = f"/sandbox/{sandbox['id']}"
    return sandbox


def _auth(world: dict[str, Any]) -> tuple[str, str]:
    login = world["credentials"]["code42"]["sysadmin"]
    return login["username"], login["password"]


def _get(client: TestClient, world: dict[str, Any], path: str, **params: Any) -> Any:
    return client.get(f"{world['base']}{path}", params=params, auth=_auth(world))


def _rows(client: TestClient, world: dict[str, Any], resource: str) -> list[dict[str, Any]]:
    extra = {"incSettings": "true"} if resource == "Computer" else {}
    answer = _get(client, world, f"/api/v1/{resource}", pgSize=1000, **extra)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"][LISTS[resource]]
    return rows


def _numbering(client: TestClient, world: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Per resource: (id, its key, the ids it points at) of every row, as a client reads them."""
    seen: dict[str, list[tuple[Any, ...]]] = {}
    for resource in LISTS:
        key = KEY_OF[resource][0]
        seen[resource] = [(r[ID_OF[resource]], r[key], r.get("userId"), r.get("orgId"),
                           r.get("parentOrgId"))
                          for r in _rows(client, world, resource)]
    computers = _rows(client, world, "Computer")
    seen["destinations"] = sorted({(d["destinationId"], d["guid"]) for c in computers
                                   for d in c["availableDestinations"]})
    return seen


def test_same_seed_sandboxes_number_their_rows_alike(client: TestClient) -> None:
    first = _sandbox(client, 42)
    other = _sandbox(client, 7)  # a world built in between takes no ids from the next one
    second = _sandbox(client, 42)
    default_seed = _sandbox(client, SEED)
    default = {"base": "", "credentials": client.get("/_emulator/credentials").json()}
    numbered = _numbering(client, first)
    assert _numbering(client, second) == numbered
    for resource, rows in numbered.items():  # every world counts from 1
        assert [row[0] for row in rows] == list(range(1, len(rows) + 1)), resource
    # A different seed: other data, yet the same numbering; the default world's seed: its data.
    assert [r[0] for r in _numbering(client, other)["Computer"]] == \
        [r[0] for r in numbered["Computer"]]
    assert _numbering(client, other)["Computer"] != numbered["Computer"]
    assert _numbering(client, default_seed) == _numbering(client, default)
    # The report's small pages (looked up by id) read this world's rows only.
    for world in (first, other, default):
        page = _get(client, world, "/api/DeviceBackupReport", pgSize=5)
        assert page.status_code == 200, page.text
        assert [r["deviceUid"] for r in page.json()["data"]] == \
            [r["guid"] for r in _rows(client, world, "Computer")[:5]]


def test_rows_point_at_each_other_within_their_world(client: TestClient) -> None:
    world = _sandbox(client, 7)
    users = {u["userId"]: u for u in _rows(client, world, "User")}
    orgs = {o["orgId"]: o for o in _rows(client, world, "Org")}
    for computer in _rows(client, world, "Computer"):
        assert users[computer["userId"]]["userUid"] == computer["userUid"]
        assert orgs[computer["orgId"]]["orgUid"] == computer["orgUid"]
        one = _get(client, world, f"/api/v1/User/{computer['userId']}")
        assert one.json()["data"]["userUid"] == computer["userUid"]
    for org in orgs.values():
        if org["parentOrgId"] is not None:
            assert orgs[org["parentOrgId"]]["orgUid"] == org["parentOrgUid"]


@pytest.mark.parametrize("resource", sorted(LISTS))
def test_a_key_of_another_world_is_not_found_there(client: TestClient, resource: str) -> None:
    mine, theirs = _sandbox(client, 42), _sandbox(client, 7)
    field, id_type = KEY_OF[resource]
    key = _rows(client, theirs, resource)[0][field]
    assert _get(client, theirs, f"/api/v1/{resource}/{key}", idType=id_type).status_code == 200
    code42_error(_get(client, mine, f"/api/v1/{resource}/{key}", idType=id_type), 404, key)
    if resource == "Org":
        guid = _rows(client, theirs, "Org")[0]["orgGuid"]
        code42_error(_get(client, mine, f"/api/v3/orgs/{guid}"), 404, guid)
        code42_error(_get(client, mine, "/api/v1/Computer", orgUid=key), 400, "find org")
    if resource == "User":
        assert _get(client, mine, "/api/v1/Computer", userUid=key).json()["data"][
            "computers"] == []
    if resource == "Computer":
        report = _get(client, mine, "/api/DeviceBackupReport", deviceUid=key)
        assert report.status_code == 200 and report.json()["data"] == []
        moved = client.post(f"/_emulator/code42/devices/{key}/offline",
                            params={"sandbox": mine["id"]})
        assert moved.status_code == 404, moved.text


def test_an_id_past_this_worlds_rows_is_not_found(client: TestClient) -> None:
    # Ids repeat across worlds (each counts from 1); one this world never gave out is Code42's
    # 404 in every world, whatever other worlds hold.
    worlds = [_sandbox(client, 42), _sandbox(client, 7)]
    for world in worlds:
        for resource in LISTS:
            last = len(_rows(client, world, resource))
            code42_error(_get(client, world, f"/api/v1/{resource}/{last + 1}"), 404,
                         str(last + 1))


def test_a_token_of_another_world_is_refused_under_this_base(client: TestClient) -> None:
    mine, theirs = _sandbox(client, 42), _sandbox(client, 42)
    jwt = _get(client, theirs, "/api/v3/auth/jwt").json()["data"]["v3_user_token"]
    bearer = {"Authorization": f"Bearer {jwt}"}
    assert client.get(f"{theirs['base']}/api/v1/Computer/1", headers=bearer).status_code == 200
    code42_error(client.get(f"{mine['base']}/api/v1/Computer/1", headers=bearer), 401)
