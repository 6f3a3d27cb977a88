"""The CleverFox routes over HTTP: the vendor's Devices examples, envelopes, paging, errors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.vendors.cleverfox.helpers import DEVICE_POST, auth, new_device, new_job

# Keys of the vendor's own examples (cleverfox-devices.txt), nesting included.
COMPANY_KEYS = {"CompanyId", "PartnerId", "Partner", "PlanTypeId", "PlanType", "Name",
                "AddressLine1", "AddressLine2", "CityMunicipality", "StateProvidence",
                "PostalCode", "Country", "Phone", "ExternalId", "IsInactive", "AddedOn",
                "UpdatedOn", "Token"}
SUBSCRIPTION_KEYS = {"SubscriptionId", "CompanyId", "Company", "PlanId", "Plan",
                     "ApplicationId", "ExternalId", "IsInactive", "BillingId", "Status",
                     "PeriodStart", "PeriodEnd", "DownloadLimitExpireOn", "SendNotificationTo",
                     "SendNotificationBcc", "SendNotificationCc",
                     "SendNotificationOnStorageLimit", "AddedOn", "UpdatedOn", "Token"}
DEVICE_KEYS = {"DeviceId", "CompanyId", "Company", "SubscriptionId", "Subscription", "Name",
               "TimeZoneId", "ApplicationId", "ExternalId", "IsInactive", "ApiKey",
               "LastApiCheckAt", "SendNotificationTo", "SendNotificationBcc",
               "SendNotificationCc", "SendNotificationOnJobCompleted",
               "SendNotificationOnJobFailed", "SendNotificationOnJobMissed", "AgentDownloadUrl",
               "LastAgentDownloadCreated", "AddedOn", "UpdatedOn", "Token"}
JOB_KEYS = {"JobId", "DeviceId", "Device", "Name", "IsInactive", "LastRanOn", "Frequency",
            "NextRunOn", "LateAfter", "Every", "OnMonday", "OnTuesday", "OnWednesday",
            "OnThursday", "OnFriday", "OnSaturday", "OnSunday", "DayOfMonth", "ExpireOn",
            "CloudKeepLast", "LocalKeepLast", "AddedOn", "UpdatedOn", "Token", "JobItems"}
JOB_ITEM_KEYS = {"JobItemId", "JobId", "Name", "BackupTypeId", "BackupType", "BaseFolder",
                 "IncludeSubFolders", "SearchPatterns", "ExcludeFolders", "ExcludePatterns",
                 "NoCompressExtensions", "ServerName", "DatabaseName", "Port",
                 "AuthenticationMode", "Username", "Password", "OptionCompress",
                 "OptionCopyOnly", "OptionLogOnly", "AddedOn", "UpdatedOn", "Token"}
BACKUP_TYPE_KEYS = {"BackupTypeId", "EngineId", "Name", "EngineType", "Port", "IsInactive"}
LOG_KEYS = {"LogId", "CompanyId", "Company", "DeviceId", "Device", "TimeZoneId",
            "SubscriptionId", "Subscription", "PlanId", "Plan", "JobId", "Job", "Name",
            "ArchiveFolder", "UploadFolder", "Frequency", "NextRunOn", "LateAfter", "ExpireOn",
            "LocalKeepLast", "JobStartedOn", "JobCompletedOn", "JobStatus", "ErrorMessages",
            "SendNotificationTo", "SendNotificationBcc", "SendNotificationCc",
            "SendNotificationOnJobCompleted", "SendNotificationOnJobFailed",
            "SendNotificationOnJobMissed", "NotificationJobCompletedProcessedOn",
            "NotificationJobFailedProcessedOn", "NotificationJobMissedProcessedOn", "AddedOn",
            "UpdatedOn", "LogItems"}
PLAN_KEYS = {"PlanId", "PlanTypeId", "PlanType", "Name", "Details", "IsInactive",
             "DeviceLimit", "StorageLimit", "DownloadLimit"}
LOG_ITEM_KEYS = {"LogItemId", "LogId", "JobItemId", "Name", "EngineId", "EngineType",
                 "BaseFolder", "IncludeSubFolders", "SearchPatterns", "ExcludeFolders",
                 "ExcludePatterns", "NoCompressExtensions", "ServerName", "DatabaseName", "Port",
                 "AuthenticationMode", "ServerVersion", "ServerEdition", "OptionCompress",
                 "OptionCopyOnly", "OptionLogOnly", "BackupFolder", "BackupFileName",
                 "BackupFileSize", "BackupListName", "BackupListSize", "BackupListCount",
                 "AddedOn", "UpdatedOn"}
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")


def _check_device(device: dict, nested_parents: bool = True) -> None:
    assert set(device) >= DEVICE_KEYS
    if nested_parents:
        assert set(device["Company"]) >= COMPANY_KEYS
        assert device["Company"]["Partner"] is None and device["Company"]["PlanType"] is None
        assert set(device["Subscription"]) >= SUBSCRIPTION_KEYS
        assert device["Subscription"]["Company"] is None
        assert device["Subscription"]["Plan"] is None


def test_device_examples_round_trip_with_every_documented_key(client: TestClient) -> None:
    headers = auth(client)
    created = client.post("/api/devices", json=DEVICE_POST, headers=headers)
    assert created.status_code == 201
    device = created.json()["data"]
    _check_device(device)
    for key, value in DEVICE_POST["data"].items():
        if key != "Token":
            assert device[key] == value, key
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", device["ApiKey"])
    # it points back at the emulator, where the stand-in installer is served
    assert device["AgentDownloadUrl"] == \
        "http://testserver/downloads/agent/CleverFoxBackupAgent.exe"
    download = client.get(device["AgentDownloadUrl"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/octet-stream"
    for key in ("LastApiCheckAt", "LastAgentDownloadCreated", "AddedOn"):
        assert DATE.match(device[key]), key
    # LastApiCheckAt is local (Eastern, UTC-5 in January); AddedOn is UTC.
    assert device["AddedOn"] == "2026-01-05T09:00:00.000"
    assert device["LastApiCheckAt"] == "2026-01-05T04:00:00.000"
    assert device["UpdatedOn"] is None

    one = client.get(f"/api/devices/{device['DeviceId']}", headers=headers).json()
    assert set(one) == {"data"} and one["data"] == device
    listed = client.get("/api/devices", headers=headers).json()
    assert set(listed) == {"data", "page_no", "page_size"}
    assert listed["data"][0] == device  # newest first

    put = dict(DEVICE_POST["data"], Name="Renamed", CompanyId=999, TimeZoneId="UTC")
    updated = client.put(f"/api/devices/{device['DeviceId']}", json={"data": put},
                         headers=headers)
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert data["Name"] == "Renamed" and data["TimeZoneId"] == "UTC"
    assert data["CompanyId"] == 1  # Read Only after POST: ignored
    assert data["UpdatedOn"] == "2026-01-05T09:00:00.000"


def test_lookup_jobs_and_logs_of_a_device(client: TestClient) -> None:
    headers = auth(client)
    device = new_device(client, headers, ExternalId="ext-42")
    found = client.get("/api/devices/lookup", params={"ExternalId": "ext-42"}, headers=headers)
    assert found.status_code == 200 and found.json()["data"]["DeviceId"] == device["DeviceId"]
    missing = client.get("/api/devices/lookup", params={"ExternalId": "nope"}, headers=headers)
    assert missing.status_code == 404
    job = new_job(client, headers, device["DeviceId"], "2026-01-05T05:00:00.000")
    jobs = client.get(f"/api/devices/{device['DeviceId']}/jobs", headers=headers).json()
    assert [j["JobId"] for j in jobs["data"]] == [job["JobId"]]
    first = jobs["data"][0]
    assert set(first) >= JOB_KEYS
    assert set(first["Device"]) >= DEVICE_KEYS and first["Device"]["Company"] is None
    assert set(first["JobItems"][0]) >= JOB_ITEM_KEYS
    assert set(first["JobItems"][0]["BackupType"]) >= BACKUP_TYPE_KEYS


def test_logs_carry_every_documented_key(client: TestClient) -> None:
    headers = auth(client)
    logs = client.get("/api/logs", headers=headers).json()["data"]
    done = next(log for log in logs if log["JobStatus"] == "Completed")
    assert set(done) >= LOG_KEYS
    assert set(done["Plan"]) >= PLAN_KEYS
    assert done["Job"]["Device"] is None and done["Job"]["JobItems"] == []
    assert done["LogItems"] and set(done["LogItems"][0]) >= LOG_ITEM_KEYS
    assert done["LogItems"][0]["BackupFileName"].endswith(".ZIP")
    one = client.get(f"/api/logitems/{done['LogItems'][0]['LogItemId']}", headers=headers)
    assert one.json()["data"] == done["LogItems"][0]


def test_paging_is_descending_and_bounded(client: TestClient) -> None:
    headers = auth(client)
    all_logs = client.get("/api/logs", params={"PageSize": 1000}, headers=headers).json()
    ids = [log["LogId"] for log in all_logs["data"]]
    assert len(ids) > 10 and ids == sorted(ids, reverse=True)
    page2 = client.get("/api/logs", params={"PageNo": 2, "PageSize": 5}, headers=headers).json()
    assert page2["page_no"] == 2 and page2["page_size"] == 5
    assert [log["LogId"] for log in page2["data"]] == ids[5:10]
    default = client.get("/api/logs", headers=headers).json()
    assert default["page_no"] == 1 and default["page_size"] == 25
    assert len(default["data"]) == min(25, len(ids))
    for params in ({"PageNo": 0}, {"PageNo": "x"}, {"PageSize": 0}, {"PageSize": 100000},
                   {"PageSize": "-3"}):
        response = client.get("/api/logs", params=params, headers=headers)
        assert response.status_code == 400, params
        assert next(iter(params)) in response.json()["Message"]


def test_read_only_collections_refuse_writes(client: TestClient) -> None:
    headers = auth(client)
    for path in ("/api/logs", "/api/plans", "/api/backuptypes", "/api/events"):
        response = client.post(path, json={"data": {}}, headers=headers)
        assert response.status_code == 405, path
        assert "Message" in response.json()
    types = client.get("/api/backuptypes", headers=headers).json()["data"]
    assert {(t["BackupTypeId"], t["EngineId"], t["EngineType"]) for t in types} == {
        (1, "FILE", "File"), (2, "MSSQL", "SQLServer")}


def test_auth_is_basic_with_the_partner_api_key(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic " + "bm9ib2R5Og=="},
                    {"Authorization": "Bearer abc"}, {"Authorization": "Basic !!!"}):
        response = client.get("/api/devices", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert response.json()["Message"]


def test_code42_paths_are_not_taken(client: TestClient) -> None:
    # Code42 shares /api; this router must not swallow its paths with a generic route.
    paths = {getattr(r, "path", "") for r in client.app.routes}  # type: ignore[attr-defined]
    assert not any(re.fullmatch(r"/api/\{[^}]+\}(/\{[^}]+\})?", p) for p in paths)


def test_timezones(client: TestClient) -> None:
    headers = auth(client)
    zones = client.get("/api/timezones", params={"PageSize": 1000}, headers=headers).json()
    names = [z["TimeZoneId"] for z in zones["data"]]
    assert "Eastern Standard Time" in names and "UTC" in names
    one = client.get("/api/timezones/Eastern Standard Time", headers=headers).json()["data"]
    assert one["UtcOffsetMinutes"] == -300
    assert client.get("/api/timezones/Mars", headers=headers).status_code == 404
