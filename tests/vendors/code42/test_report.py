"""DeviceBackupReport: record shape, roles, filters, sorting, paging, errors and methods."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from emulator.vendors.code42.schemas import REPORT_FIELDS
from tests.vendors.code42.helpers import (
    REPORT,
    code42_error,
    everything,
    login,
    report,
    token,
)

NUMERIC = {"selectedBytes", "archiveBytes", "backupCompletePercentage"}


def test_records_have_the_34_fields_in_order_as_strings(client: TestClient) -> None:
    response = client.get(REPORT, auth=login(client, "sysadmin"))
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["data"]
    assert len(REPORT_FIELDS) == 34
    assert len(body["data"]) == 60
    for record in body["data"]:
        assert tuple(record) == REPORT_FIELDS
        for name in NUMERIC | {"coldStorage", "deviceUid", "orgUid"}:
            assert isinstance(record[name], str), name
        assert record["coldStorage"] in ("true", "false")
        assert record["alertStates"] in ("OK", "WarningBackupAlert", "CriticalBackupAlert")
        assert record["os"] in ("win", "mac", "linux")
        assert record["lastConnectedDate"].endswith("Z")
        float(record["backupCompletePercentage"])
    never = [r for r in body["data"] if r["lastCompletedBackupDate"] is None]
    assert never and all(float(r["backupCompletePercentage"]) < 100 for r in never)
    assert {r["os"] for r in body["data"]} == {"win", "mac", "linux"}
    assert {r["alertStates"] for r in body["data"]} == {"OK", "WarningBackupAlert",
                                                        "CriticalBackupAlert"}


def test_three_roles_see_three_different_correct_sets(client: TestClient) -> None:
    admin = report(client, "sysadmin")
    manager = report(client, "org_manager")
    user = report(client, "user")
    ids = [{r["deviceUid"] for r in rows} for rows in (admin, manager, user)]
    assert ids[2] < ids[1] < ids[0]
    assert {r["orgName"] for r in manager} == {"Accounting", "Accounts Payable"}
    assert [r for r in admin if r["orgName"] in ("Accounting", "Accounts Payable")] == manager
    me = login(client, "user")[0]
    assert {r["username"] for r in user} == {me}
    assert [r for r in admin if r["username"] == me] == user


def test_bearer_token_and_v1_path_give_the_same_report(client: TestClient) -> None:
    basic = client.get(REPORT, auth=login(client, "org_manager")).json()
    bearer = client.get("/api/v1/DeviceBackupReport", headers=token(client, "org_manager"))
    assert bearer.status_code == 200 and bearer.json() == basic


@pytest.mark.parametrize("value", ["true", "True", "false", "False"])
def test_active_filter_accepts_both_spellings(client: TestClient, value: str) -> None:
    rows = report(client, active=value)
    wanted = "Active" if value.lower() == "true" else "Deactivated"
    assert rows and all(r["status"] == wanted for r in rows)
    assert all((r["coldStorage"] == "true") == (wanted == "Deactivated") for r in rows)
    assert len(rows) + len(report(client, active=str(value.lower() != "true"))) == 60


def test_alerted_filter(client: TestClient) -> None:
    alerted = report(client, alerted="true")
    quiet = report(client, alerted="False")
    assert alerted and all(r["alertStates"] != "OK" for r in alerted)
    assert quiet and all(r["alertStates"] == "OK" for r in quiet)
    assert len(alerted) + len(quiet) == 60


def test_os_filter(client: TestClient) -> None:
    for code in ("win", "mac", "linux"):
        rows = report(client, os=code)
        assert rows and {r["os"] for r in rows} == {code}
    assert {r["os"] for r in report(client, os="lin")} == {"linux"}
    assert report(client, os="beos") == []


def test_org_filter_matches_name_and_ext_ref_partially(client: TestClient) -> None:
    by_name = report(client, org="account")
    assert {r["orgName"] for r in by_name} == {"Accounting", "Accounts Payable"}
    by_ref = report(client, org="ORG-AP")
    assert by_ref and {r["orgName"] for r in by_ref} == {"Accounts Payable"}
    assert report(client, org="no such org") == []


def test_user_filter_matches_username_email_ext_ref_and_last_name(client: TestClient) -> None:
    admin = report(client)
    target = next(r for r in admin if r["username"] == login(client, "user")[0])
    own = {r["deviceUid"] for r in admin if r["userUid"] == target["userUid"]}
    local = target["username"].split("@")[0]
    last_name = local.split(".")[1]
    for needle in (local, target["email"].upper(), target["userExtRef"], last_name):
        found = {r["deviceUid"] for r in report(client, user=needle)}
        assert own <= found, needle
    assert {r["deviceUid"] for r in report(client, user=target["userExtRef"])} == own


def test_device_filter_matches_name_hostname_and_ext_ref(client: TestClient) -> None:
    admin = report(client)
    mac = next(r for r in admin if r["os"] == "mac")
    assert mac["deviceUid"] in {r["deviceUid"] for r in report(client, device="MacBook")}
    host = report(client, device=mac["deviceOsHostname"])
    assert mac["deviceUid"] in {r["deviceUid"] for r in host}
    tagged = next(r for r in admin if r["deviceExtRef"])
    assert [r["deviceUid"] for r in report(client, device=tagged["deviceExtRef"])] == \
        [tagged["deviceUid"]]


def test_device_uid_and_destination_filters(client: TestClient) -> None:
    admin = report(client)
    one = admin[17]
    assert report(client, deviceUid=one["deviceUid"]) == [one]
    names = {r["destinationName"] for r in admin}
    assert len(names) == 2
    for name in names:
        rows = report(client, destination=name.split()[-1])
        assert rows == [r for r in admin if r["destinationName"] == name]
    uid = one["destinationUid"]
    assert report(client, destination=uid) == [r for r in admin if r["destinationUid"] == uid]


def test_filters_combine_with_and(client: TestClient) -> None:
    admin = report(client)
    rows = report(client, os="win", active="true", org="Accounting")
    expected = [r for r in admin if r["os"] == "win" and r["status"] == "Active"
                and r["orgName"] == "Accounting"]
    assert rows == expected and rows


def _key(field: str, value: str | None) -> tuple[int, object]:
    if value is None:
        return (0, "")
    return (1, float(value) if field in NUMERIC else value)


@pytest.mark.parametrize("field", REPORT_FIELDS)
def test_every_field_sorts_both_ways(client: TestClient, field: str) -> None:
    for direction in ("asc", "desc"):
        rows = report(client, srtKey=field, srtDir=direction)
        assert len(rows) == 60
        keys = [_key(field, r[field]) for r in rows]
        assert keys == sorted(keys, reverse=direction == "desc"), field


def test_sort_defaults_to_ascending_and_serves_only_the_first_page(client: TestClient) -> None:
    rows = report(client, srtKey="archiveBytes", pgSize=10)
    values = [int(r["archiveBytes"]) for r in rows]
    assert len(rows) == 10 and values == sorted(values)
    assert values == sorted(int(r["archiveBytes"]) for r in report(client))[:10]
    assert report(client, srtKey="archiveBytes", pgSize=10, pgNum=2) == []
    assert report(client, srtKey="archiveBytes", srtDir="DESC", pgNum=1)[0]["archiveBytes"] \
        == str(max(int(r["archiveBytes"]) for r in report(client)))


def test_paging_until_empty_returns_everything_once(client: TestClient) -> None:
    rows = everything(client)
    assert [r["deviceUid"] for r in rows] == [r["deviceUid"] for r in report(client)]
    assert report(client, pgNum=99) == []
    assert len(report(client, pgSize=1000)) == 60
    assert len(report(client, pgNum=3, pgSize=25)) == 10


@pytest.mark.parametrize(("params", "parameter"), [
    ({"srtKey": "nope"}, "srtKey"),
    ({"srtDir": "sideways"}, "srtDir"),
    ({"pgNum": "two"}, "pgNum"),
    ({"pgNum": "0"}, "pgNum"),
    ({"pgSize": "0"}, "pgSize"),
    ({"pgSize": "1001"}, "pgSize"),
    ({"pgSize": "many"}, "pgSize"),
    ({"active": "maybe"}, "active"),
    ({"alerted": "sometimes"}, "alerted"),
    ({"export": "xml"}, "export"),
])
def test_bad_parameters_are_400_naming_the_parameter(client: TestClient, params: dict[str, str],
                                                      parameter: str) -> None:
    response = client.get(REPORT, params=params, auth=login(client, "sysadmin"))
    code42_error(response, 400, parameter)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_report_is_read_only(client: TestClient, method: str) -> None:
    for path in (REPORT, "/api/v1/DeviceBackupReport"):
        response = client.request(method, path, auth=login(client, "sysadmin"))
        code42_error(response, 405, method)
    assert len(report(client)) == 60


def test_portable_formatting_matches_the_sqlite_fast_path(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.vendors.code42 import report as report_module

    client.post("/_emulator/clock", json={"advance_seconds": 3 * 86400 + 7})
    fast = client.get(REPORT, params={"export": "csv"}, auth=login(client, "sysadmin")).text
    fast_json = report(client, srtKey="lastCompletedBackupDate")
    monkeypatch.setattr(report_module, "is_sqlite", lambda _caller: False)
    slow = client.get(REPORT, params={"export": "csv"}, auth=login(client, "sysadmin")).text
    assert slow == fast
    assert report(client, srtKey="lastCompletedBackupDate") == fast_json


def test_large_and_small_page_reads_agree(client: TestClient,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.vendors.code42 import report as report_module

    queries: list[dict[str, str]] = [{}, {"srtKey": "archiveBytes", "srtDir": "desc"},
                                     {"os": "win", "pgSize": "7", "pgNum": "2"},
                                     {"srtKey": "alertStates", "pgSize": "30"}]
    small = [report(client, **q) for q in queries]
    monkeypatch.setattr(report_module, "SMALL_PAGE", 3)  # every page above takes the large path
    assert [report(client, **q) for q in queries] == small
