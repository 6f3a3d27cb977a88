"""The five use cases of the vendor page "View device backup status with the Code42 API"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.vendors.code42.helpers import REPORT, login, report


def test_1_backup_status_of_active_devices_oldest_connection_first(client: TestClient) -> None:
    rows = report(client, srtKey="lastConnectedDate", active="true")
    assert rows and all(r["status"] == "Active" for r in rows)
    dates = [r["lastConnectedDate"] for r in rows]
    assert dates == sorted(dates)
    assert rows[0]["alertStates"] == "CriticalBackupAlert"
    assert rows[-1]["alertStates"] == "OK"
    assert len(rows) == len([r for r in report(client) if r["status"] == "Active"])


def test_2_disk_usage_largest_archives_and_selections_first(client: TestClient) -> None:
    by_archive = report(client, srtKey="archiveBytes", srtDir="desc")
    sizes = [int(r["archiveBytes"]) for r in by_archive]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) == 60
    by_selection = report(client, srtKey="selectedBytes", srtDir="desc")
    selected = [int(r["selectedBytes"]) for r in by_selection]
    assert selected == sorted(selected, reverse=True)


def test_3_migration_plan_for_mac_devices_in_accounting(client: TestClient) -> None:
    rows = report(client, os="mac", org="Accounting", active="true", srtKey="selectedBytes",
                  srtDir="desc")
    expected = [r for r in report(client) if r["os"] == "mac" and r["orgName"] == "Accounting"
                and r["status"] == "Active"]
    assert rows and sorted(r["deviceUid"] for r in rows) == \
        sorted(r["deviceUid"] for r in expected)
    selected = [int(r["selectedBytes"]) for r in rows]
    assert selected == sorted(selected, reverse=True)


def test_4_cold_storage_archives_in_the_full_csv(client: TestClient) -> None:
    response = client.get(REPORT, params={"export": "csv"}, auth=login(client, "sysadmin"))
    lines = response.text.splitlines()
    header = lines[0].split(",")
    assert header[28] == "coldStorage" and len(lines) == 61
    cold = [r for r in report(client) if r["coldStorage"] == "true"]
    assert cold and len([line for line in lines[1:] if ",true," in line]) >= len(cold)


def test_5_search_by_user_ext_ref(client: TestClient) -> None:
    rows = report(client, user="1003")
    assert rows and {r["userExtRef"] for r in rows} == {"1003"}
    assert {r["username"] for r in rows} == {login(client, "user")[0]}
