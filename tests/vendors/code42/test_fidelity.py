"""What py42 and code42cli read that the report alone does not: org subtrees, real field values,
inc* switches, roles, the tenant, legacy paths, and the world's own rules (through HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.vendors.code42.helpers import code42_error, login, report, token


def _data(client: TestClient, path: str, role: str = "sysadmin", **params: Any) -> Any:
    response = client.get(path, params=params, headers=token(client, role))
    assert response.status_code == 200, response.text
    body = response.json()
    return body["data"] if isinstance(body, dict) and "data" in body else body


def _all_computers(client: TestClient, role: str = "sysadmin", **params: Any) -> list[Any]:
    out: list[Any] = []
    page = 1
    while True:
        chunk = _data(client, "/api/v1/Computer", role, pgNum=page, pgSize=500,
                      **params)["computers"]
        out += chunk
        if len(chunk) < 500:
            return out
        page += 1


def _orgs(client: TestClient) -> list[dict[str, Any]]:
    orgs: list[dict[str, Any]] = _data(client, "/api/v1/Org", pgSize=500)["orgs"]
    return orgs


def _subtree(orgs: list[dict[str, Any]], root_uid: str) -> set[str]:
    """The uids of an org and every org below it, from the Org listing's parent links."""
    found, grew = {root_uid}, True
    while grew:
        more = {o["orgUid"] for o in orgs if o["parentOrgUid"] in found} - found
        found |= more
        grew = bool(more)
    return found


def test_org_uid_filters_include_child_orgs(client: TestClient) -> None:
    orgs = _orgs(client)
    parents = [o for o in orgs if any(c["parentOrgUid"] == o["orgUid"] for c in orgs)]
    assert parents, "the default world has nested orgs"
    everyone = _all_computers(client)
    users = _data(client, "/api/v1/User", pgSize=500)["users"]
    for parent in parents:
        tree = _subtree(orgs, parent["orgUid"])
        devices = _all_computers(client, orgUid=parent["orgUid"])
        assert {d["guid"] for d in devices} == {d["guid"] for d in everyone
                                                if d["orgUid"] in tree}
        assert {d["orgUid"] for d in devices} - {parent["orgUid"]}, "children's devices too"
        members = _data(client, "/api/v1/User", orgUid=parent["orgUid"], pgSize=500)["users"]
        assert {u["userUid"] for u in members} == {u["userUid"] for u in users
                                                   if u["orgUid"] in tree}


def test_unknown_org_uid_is_worded_as_each_resource_words_it(client: TestClient) -> None:
    headers = token(client)
    code42_error(client.get("/api/v1/User", params={"orgUid": "nope"}, headers=headers), 400,
                 "Organization was not found")  # py42 users: Py42OrgNotFoundError
    code42_error(client.get("/api/v1/Computer", params={"orgUid": "nope"}, headers=headers),
                 400, "Unable to find org")  # py42 devices: Py42OrgNotFoundError


def test_computer_values_are_the_real_apis(client: TestClient) -> None:
    by_uid = {r["deviceUid"]: r for r in report(client)}
    computers = _all_computers(client, incBackupUsage="true")
    assert len(computers) == len(by_uid)
    for c in computers:
        assert c["osName"] == by_uid[c["guid"]]["os"]  # win, mac or linux; never win64
        assert isinstance(c["version"], int) and c["productVersion"].count(".") == 2
        [usage] = c["backupUsage"]
        # code42cli --include-total-storage counts archives whose format is not ARCHIVE_V2
        assert usage["archiveFormat"] == "ARCHIVE_V1"
        assert usage["archiveBytes"] == int(by_uid[c["guid"]]["archiveBytes"])
    assert {c["osName"] for c in computers} == {"win", "mac", "linux"}


@pytest.mark.parametrize("switch", ["incSettings", "incAll"])
def test_settings_name_available_destinations(client: TestClient, switch: str) -> None:
    computers = _all_computers(client, **{switch: "true"})
    destinations = {r["destinationUid"]: r["destinationName"] for r in report(client)}
    for c in computers:
        offered = {d["guid"]: d["destinationName"] for d in c["availableDestinations"]}
        assert offered == destinations
        [backup_set] = c["settings"]["serviceBackupConfig"]["backupConfig"]["backupSets"]
        assert {d["@id"] for d in backup_set["destinations"]} <= set(offered)
        assert backup_set["backupPaths"]["pathset"][0]["path"][0]["@include"]
        assert ("backupUsage" in c) == (switch == "incAll")
    one = _data(client, f"/api/v1/Computer/{computers[0]['guid']}", idType="guid",
                **{switch: "true"})
    assert one["settings"] == computers[0]["settings"]
    plain = _data(client, "/api/v1/Computer", pgSize=2)["computers"]
    assert all("settings" not in c and "availableDestinations" not in c for c in plain)


def test_roles_listing_and_users_with_their_roles(client: TestClient) -> None:
    roles = _data(client, "/api/v1/role")
    names = {r["roleName"]: r["roleId"] for r in roles}
    assert {"Customer Cloud Admin", "Desktop User"} <= set(names)
    users = _data(client, "/api/v1/User", pgSize=500, incRoles="true")["users"]
    assert all(u["roles"] and "Desktop User" in u["roles"] for u in users)
    assert "roles" not in _data(client, "/api/v1/User", pgSize=1)["users"][0]
    me = _data(client, "/api/v1/User/my", incAll="true")
    assert "Customer Cloud Admin" in me["roles"]
    admins = _data(client, "/api/v1/User", roleId=names["Customer Cloud Admin"])["users"]
    assert login(client, "sysadmin")[0] in {u["username"] for u in admins}
    assert {u["userUid"] for u in admins} == {u["userUid"] for u in users
                                              if "Customer Cloud Admin" in u["roles"]}
    counts = {r["roleName"]: r["numberOfUsers"] for r in roles}
    assert counts["Desktop User"] == len(users)
    code42_error(client.get("/api/v1/User", params={"roleId": "no-such-role"},
                            headers=token(client)), 400, "roleId")


def test_current_tenant(client: TestClient) -> None:
    tenant = _data(client, "/api/v3/customer/my")
    assert tenant["tenantUid"] and tenant["name"] == _orgs(client)[0]["orgName"]
    for role in ("org_manager", "user"):
        assert _data(client, "/api/v3/customer/my", role)["tenantUid"] == tenant["tenantUid"]
    sandbox = client.post("/_emulator/sandboxes", json={"seed": 7}).json()  # other data
    creds = sandbox["credentials"]["code42"]["sysadmin"]
    other = client.get("/api/v3/customer/my", auth=(creds["username"], creds["password"]))
    assert other.status_code == 200 and other.json()["tenantUid"] != tenant["tenantUid"]


@pytest.mark.parametrize(("legacy", "versioned", "params"), [
    ("/api/Computer", "/api/v1/Computer", {"pgSize": "5", "incBackupUsage": "true"}),
    ("/api/User", "/api/v1/User", {"pgSize": "5"}),
    ("/api/Org", "/api/v1/Org", {}),
    ("/api/User/my", "/api/v1/User/my", {}),
    ("/api/Org/my", "/api/v1/Org/my", {}),
])
def test_unversioned_paths_answer_as_v1(client: TestClient, legacy: str, versioned: str,
                                        params: dict[str, str]) -> None:
    auth = login(client, "org_manager")
    old = client.get(legacy, params=params, auth=auth)
    new = client.get(versioned, params=params, auth=auth)
    assert old.status_code == new.status_code == 200
    assert old.json()["data"] == new.json()["data"]
    code42_error(client.get(legacy, params=params), 401)


def test_deactivated_users_have_only_deactivated_devices(client: TestClient) -> None:
    users = {u["userUid"]: u for u in _data(client, "/api/v1/User", pgSize=500)["users"]}
    inactive = {uid for uid, u in users.items() if not u["active"]}
    assert inactive, "the default world has deactivated users"
    rows = report(client)
    theirs = [r for r in rows if r["userUid"] in inactive]
    assert theirs
    for row in theirs:
        assert row["status"] == "Deactivated" and row["userStatus"] == "Deactivated"
        assert row["coldStorage"] == "true" and row["alertStates"] == "OK"
    computers = [c for c in _all_computers(client, incBackupUsage="true")
                 if c["userUid"] in inactive]
    assert all(not c["active"] and not c["backupUsage"][0]["activity"]["connected"]
               for c in computers)
    guid = theirs[0]["deviceUid"]
    for action in ("reactivate", "online"):
        answer = client.post(f"/_emulator/code42/devices/{guid}/{action}")
        assert answer.status_code == 409 and "deactivated user" in answer.text
    assert report(client, deviceUid=guid)[0]["status"] == "Deactivated"
