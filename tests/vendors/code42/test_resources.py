"""The v1 Computer, User and Org resources py42 reads, role-scoped like the report."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vendors.code42.helpers import code42_error, login, report, token


def _get(client: TestClient, path: str, role: str = "sysadmin", **params: Any) -> Any:
    response = client.get(path, params=params, headers=token(client, role))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"metadata", "data"}
    return body["data"]


def test_computers_page_count_and_scope_match_the_report(client: TestClient) -> None:
    for role in ("sysadmin", "org_manager", "user"):
        pages, page = [], 1
        while True:
            data = _get(client, "/api/v1/Computer", role, pgNum=page, pgSize=25,
                        incCounts="True")
            pages.extend(data["computers"])
            if len(data["computers"]) < 25:
                break
            page += 1
        assert data["totalCount"] == len(pages)
        assert {c["guid"] for c in pages} == {r["deviceUid"] for r in report(client, role)}


def test_computer_filters_and_backup_usage(client: TestClient) -> None:
    rows = report(client)
    inactive = _get(client, "/api/v1/Computer", active="false")["computers"]
    assert {c["guid"] for c in inactive} == \
        {r["deviceUid"] for r in rows if r["status"] == "Deactivated"}
    plain = _get(client, "/api/v1/Computer", pgSize=3)["computers"]
    assert all("backupUsage" not in c for c in plain)
    usage = _get(client, "/api/v1/Computer", pgSize=3, incBackupUsage="True")["computers"]
    by_uid = {r["deviceUid"]: r for r in rows}
    for computer in usage:
        [backup] = computer["backupUsage"]
        assert backup["archiveBytes"] == int(by_uid[computer["guid"]]["archiveBytes"])
        assert backup["targetComputerGuid"] == by_uid[computer["guid"]]["destinationUid"]
    org_uid = next(r["orgUid"] for r in rows if r["orgName"] == "Accounts Payable")
    in_org = _get(client, "/api/v1/Computer", orgUid=org_uid)["computers"]
    assert {c["guid"] for c in in_org} == \
        {r["deviceUid"] for r in rows if r["orgUid"] == org_uid}


def test_computer_by_guid_and_id_respects_scope(client: TestClient) -> None:
    outsider = next(r for r in report(client) if r["orgName"] not in
                    ("Accounting", "Accounts Payable"))
    found = _get(client, f"/api/v1/Computer/{outsider['deviceUid']}", idType="guid")
    assert found["guid"] == outsider["deviceUid"]
    assert _get(client, f"/api/v1/Computer/{found['computerId']}")["guid"] == found["guid"]
    hidden = client.get(f"/api/v1/Computer/{outsider['deviceUid']}",
                        params={"idType": "guid"}, headers=token(client, "org_manager"))
    code42_error(hidden, 404, outsider["deviceUid"])


def test_unknown_org_is_the_400_py42_recognises(client: TestClient) -> None:
    response = client.get("/api/v1/Computer", params={"orgUid": "42"},
                          headers=token(client))
    code42_error(response, 400, "Unable to find org")


def test_users_listing_by_username_and_my(client: TestClient) -> None:
    everyone = _get(client, "/api/v1/User", pgSize=100)
    assert everyone["totalCount"] == 25 == len(everyone["users"])
    manager = _get(client, "/api/v1/User", "org_manager", pgSize=100)["users"]
    assert {u["orgName"] for u in manager} <= {"Accounting", "Accounts Payable"}
    assert 1 < len(manager) < 25
    assert len(_get(client, "/api/v1/User", "user")["users"]) == 1
    name = login(client, "user")[0]
    [found] = _get(client, "/api/v1/User", username=name)["users"]
    assert found["username"] == name
    me = _get(client, "/api/v1/User/my", "user")
    assert me == found
    assert _get(client, f"/api/v1/User/{me['userUid']}", idType="uid") == me


def test_orgs_listing_and_hierarchy(client: TestClient) -> None:
    orgs = _get(client, "/api/v1/Org")["orgs"]
    assert len(orgs) == 3
    root, accounting, payable = orgs
    assert root["parentOrgId"] is None
    assert accounting["parentOrgUid"] == root["orgUid"]
    assert payable["parentOrgGuid"] == accounting["orgGuid"]
    managed = _get(client, "/api/v1/Org", "org_manager")["orgs"]
    assert [o["orgName"] for o in managed] == ["Accounting", "Accounts Payable"]
    assert _get(client, "/api/v1/Org/my", "user")["orgName"] == "Accounting"


def test_v1_paging_errors(client: TestClient) -> None:
    response = client.get("/api/v1/Computer", params={"pgSize": "0"}, headers=token(client))
    code42_error(response, 400, "pgSize")
    response = client.get("/api/v1/User", params={"pgNum": "x"}, headers=token(client))
    code42_error(response, 400, "pgNum")


def test_v3_org_by_guid_is_scoped(client: TestClient) -> None:
    root, accounting, _ = _get(client, "/api/v1/Org")["orgs"]
    found = client.get(f"/api/v3/orgs/{accounting['orgGuid']}", headers=token(client))
    assert found.status_code == 200 and found.json()["orgUid"] == accounting["orgUid"]
    hidden = client.get(f"/api/v3/orgs/{root['orgGuid']}", headers=token(client, "org_manager"))
    code42_error(hidden, 404, root["orgGuid"])


def test_numbers_past_64_bits_are_refused_not_crashed(client: TestClient) -> None:
    huge = "9" * 20
    missing = client.get(f"/api/v1/Computer/{huge}", headers=token(client))
    code42_error(missing, 404, huge)
    for path in ("/api/v1/Computer", "/api/v1/User", "/api/DeviceBackupReport"):
        response = client.get(path, params={"pgNum": huge}, headers=token(client))
        code42_error(response, 400, "pgNum")
