"""Backup configurations: the page's examples, validation per Frequency, CRUD, schedules."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.vendors.rackspace.conftest import Rax

# The page's "Create backup configuration" request, with the agent id to be filled in.
EXAMPLE: dict[str, Any] = {
    "MachineAgentId": 0,
    "BackupConfigurationName": "Weekly Website Backup",
    "IsActive": True,
    "VersionRetention": 30,
    "MissedBackupActionId": 1,
    "Frequency": "Weekly",
    "StartTimeHour": 7,
    "StartTimeMinute": 30,
    "StartTimeAmPm": "PM",
    "DayOfWeekId": 5,
    "HourInterval": None,
    "TimeZoneId": "Eastern Standard Time",
    "NotifyRecipients": "user@example.com",
    "NotifySuccess": True,
    "NotifyFailure": True,
    "Inclusions": [{"FilePath": "C:\\backup_up_file.txt", "FileItemType": "File"},
                   {"FilePath": "C:\\backed_up_folder", "FileItemType": "Folder"}],
    "Exclusions": [{"FilePath": "C:\\backed_up_folder\\excluded_file.txt",
                    "FileItemType": "File"}],
}
# Keys of the page's create response.
CREATED_KEYS = {
    "BackupConfigurationId", "BackupConfigurationName", "BackupConfigurationScheduleId",
    "BackupPostscript", "BackupPrescript", "Datacenter", "DayOfWeekId", "EncryptionKey",
    "Exclusions", "Flavor", "Frequency", "HourInterval", "Inclusions", "IsActive", "IsDeleted",
    "IsEncrypted", "LastRunBackupReportId", "LastRunTime", "MachineAgentId", "MachineName",
    "MissedBackupActionId", "NextScheduledRunTime", "NotifyFailure", "NotifyRecipients",
    "NotifySuccess", "StartTimeAmPm", "StartTimeHour", "StartTimeMinute", "TimeZoneId",
    "VersionRetention",
}
FILE_KEYS = {"FileId", "FileItemType", "FilePath", "FilePathEncoded", "Filter", "ParentId"}


def _ms(value: str) -> int:
    return int(value[6:-2])


def _body(rax: Rax, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE)
    body["MachineAgentId"] = rax.agents[2]
    body.update(changes)
    return body


def test_create_round_trips_the_page_example(rax: Rax) -> None:
    response = rax.call("POST", "/backup-configuration", _body(rax))
    assert response.status_code == 200
    created = response.json()
    assert set(created) == CREATED_KEYS
    for key, value in EXAMPLE.items():
        if key not in ("MachineAgentId", "Inclusions", "Exclusions"):
            assert created[key] == value, key
    assert created["MachineAgentId"] == rax.agents[2]
    assert created["IsDeleted"] is False and created["LastRunTime"] is None
    includes = created["Inclusions"]
    assert [(f["FilePath"], f["FileItemType"], f["Filter"]) for f in includes] == [
        ("C:\\backup_up_file.txt", "File", "Include"), ("C:\\backed_up_folder", "Folder",
                                                       "Include")]
    assert all(set(f) == FILE_KEYS for f in includes + created["Exclusions"])
    assert {f["ParentId"] for f in includes} == {created["BackupConfigurationId"]}
    assert created["Exclusions"][0]["Filter"] == "Exclude"
    # Friday 7:30 PM Eastern, the first one after the clock's 2026-01-05 (a Monday).
    expected = datetime(2026, 1, 9, 19, 30, tzinfo=ZoneInfo("America/New_York"))
    assert _ms(created["NextScheduledRunTime"]) == int(expected.timestamp() * 1000)
    fetched = rax.get(f"/backup-configuration/{created['BackupConfigurationId']}").json()
    assert fetched == created


def test_daily_next_run_is_local_time_in_the_zone(rax: Rax) -> None:
    # 7:30 PM Eastern is 00:30Z the next day in January (UTC-5).
    created = rax.call("POST", "/backup-configuration",
                       _body(rax, Frequency="Daily", DayOfWeekId=None)).json()
    first = datetime.fromtimestamp(_ms(created["NextScheduledRunTime"]) / 1000,
                                   ZoneInfo("UTC"))
    assert (first.month, first.day, first.hour, first.minute) == (1, 6, 0, 30)


def test_trailing_slash_and_tenantless_paths_are_served(rax: Rax) -> None:
    client = rax.client
    response = client.post(rax.url("/backup-configuration/"), json=_body(rax),
                           headers=rax.headers)
    assert response.status_code == 200
    config_id = response.json()["BackupConfigurationId"]
    tenantless = client.get(f"/v1.0/backup-configuration/{config_id}/", headers=rax.headers)
    assert tenantless.status_code == 200
    assert tenantless.content == rax.get(f"/backup-configuration/{config_id}").content


def test_validation_names_the_field_and_changes_nothing(rax: Rax) -> None:
    before = rax.get("/backup-configuration").content
    cases: list[tuple[dict[str, Any], str]] = [
        ({"Frequency": "Monthly"}, "Frequency"),
        ({"VersionRetention": 45}, "VersionRetention"),
        ({"TimeZoneId": "Mars Standard Time"}, "TimeZoneId"),
        ({"StartTimeHour": 13}, "StartTimeHour"),
        ({"StartTimeHour": None}, "StartTimeHour"),
        ({"StartTimeMinute": 60}, "StartTimeMinute"),
        ({"StartTimeAmPm": "XM"}, "StartTimeAmPm"),
        ({"DayOfWeekId": 7}, "DayOfWeekId"),
        ({"DayOfWeekId": None}, "DayOfWeekId"),
        ({"Frequency": "Hourly", "HourInterval": None}, "HourInterval"),
        ({"Frequency": "Hourly", "HourInterval": 24}, "HourInterval"),
        ({"Inclusions": [{"FilePath": "/x", "FileItemType": "Disk"}]}, "FileItemType"),
        ({"MissedBackupActionId": 3}, "MissedBackupActionId"),
        ({"BackupConfigurationName": None}, "BackupConfigurationName"),
        ({"IsActive": "maybe"}, "IsActive"),
    ]
    for change, field in cases:
        response = rax.call("POST", "/backup-configuration", _body(rax, **change))
        assert response.status_code == 400, (change, response.text)
        assert field in response.json()["badRequest"]["message"], change
    body = _body(rax)
    del body["TimeZoneId"]
    response = rax.call("POST", "/backup-configuration", body)
    assert response.status_code == 400 and "TimeZoneId" in response.text
    assert rax.get("/backup-configuration").content == before


def test_manual_and_hourly_schedules(rax: Rax) -> None:
    manual = rax.call("POST", "/backup-configuration",
                      _body(rax, Frequency="Manually", StartTimeHour=None,
                            StartTimeMinute=None, StartTimeAmPm=None,
                            DayOfWeekId=None)).json()
    assert manual["NextScheduledRunTime"] is None and manual["StartTimeAmPm"] == ""
    hourly = rax.call("POST", "/backup-configuration",
                      _body(rax, BackupConfigurationName="Hourly", Frequency="Hourly",
                            HourInterval=3)).json()
    assert hourly["StartTimeHour"] is None and hourly["HourInterval"] == 3
    t0 = int(datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("UTC")).timestamp() * 1000)
    assert _ms(hourly["NextScheduledRunTime"]) == t0 + 3 * 3600 * 1000


def test_duplicate_name_on_an_agent_is_a_conflict(rax: Rax) -> None:
    assert rax.call("POST", "/backup-configuration", _body(rax)).status_code == 200
    again = rax.call("POST", "/backup-configuration", _body(rax))
    assert again.status_code == 409 and again.json()["conflict"]["code"] == 409


def test_update_replaces_settings_and_files(rax: Rax) -> None:
    created = rax.call("POST", "/backup-configuration", _body(rax)).json()
    config_id = created["BackupConfigurationId"]
    update = _body(rax, BackupConfigurationScheduleId=created["BackupConfigurationScheduleId"],
                   StartTimeHour=6, StartTimeAmPm="AM", DayOfWeekId=4,
                   Exclusions=[], VersionRetention=60)
    response = rax.call("PUT", f"/backup-configuration/{config_id}", update)
    assert response.status_code == 200 and response.content == b""
    fetched = rax.get(f"/backup-configuration/{config_id}").json()
    assert (fetched["StartTimeHour"], fetched["DayOfWeekId"], fetched["VersionRetention"]) == \
        (6, 4, 60)
    assert fetched["Exclusions"] == [] and len(fetched["Inclusions"]) == 2
    expected = datetime(2026, 1, 8, 6, 30, tzinfo=ZoneInfo("America/New_York"))
    assert _ms(fetched["NextScheduledRunTime"]) == int(expected.timestamp() * 1000)
    moved = rax.call("PUT", f"/backup-configuration/{config_id}",
                     {**update, "MachineAgentId": rax.agents[0]})
    assert moved.status_code == 400 and "MachineAgentId" in moved.text


def test_enable_disable_and_delete(rax: Rax) -> None:
    config_id = rax.call("POST", "/backup-configuration", _body(rax)).json()[
        "BackupConfigurationId"]
    disabled = rax.call("POST", f"/backup-configuration/enable/{config_id}", {"Enable": False})
    assert disabled.status_code == 200 and disabled.json()["IsActive"] is False
    enabled = rax.call("POST", f"/backup-configuration/enable/{config_id}", {"Enable": True})
    assert enabled.json()["IsActive"] is True
    response = rax.call("DELETE", f"/backup-configuration/{config_id}")
    assert response.status_code == 200 and response.content == b""
    assert rax.get(f"/backup-configuration/{config_id}").status_code == 404
    listed = [c["BackupConfigurationId"] for c in rax.get("/backup-configuration").json()]
    assert config_id not in listed
    assert rax.call("DELETE", f"/backup-configuration/{config_id}").status_code == 404


def test_lists_for_user_and_agent(rax: Rax) -> None:
    mine = rax.get("/backup-configuration").json()
    assert {c["Frequency"] for c in mine} == {"Manually", "Hourly", "Daily", "Weekly"}
    assert all(c["BackupState"] in ("InProgress", "Skipped", "Queued", "Not Available")
               for c in mine)
    assert all(c["LastRunTime"] and c["LastRunTime"].startswith("/Date(") for c in mine)
    for agent_id in rax.agents:
        per_agent = rax.get(f"/backup-configuration/system/{agent_id}").json()
        assert [c["BackupConfigurationId"] for c in per_agent] == \
            [c["BackupConfigurationId"] for c in mine if c["MachineAgentId"] == agent_id]
        assert all("BackupState" not in c for c in per_agent)
        for config in per_agent:  # lists and details render alike
            assert config == rax.get(f"/backup-configuration/{config['BackupConfigurationId']}"
                                     ).json()
    assert rax.get("/backup-configuration/system/424242").status_code == 404


def test_weekly_next_run_crosses_daylight_saving_time(rax: Rax) -> None:
    rax.client.post("/_emulator/clock", json={"set": "2026-03-05T12:00:00Z"})  # a Thursday
    rax.relogin()
    created = rax.call("POST", "/backup-configuration",
                       _body(rax, DayOfWeekId=1)).json()  # Mondays, 7:30 PM Eastern
    # 2026-03-08 moved New York to UTC-4: Monday 7:30 PM is 23:30Z, not 00:30Z.
    expected = datetime(2026, 3, 9, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert _ms(created["NextScheduledRunTime"]) == int(expected.timestamp() * 1000)
