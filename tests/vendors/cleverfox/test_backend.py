"""CleverFox rules over HTTP: validation, duplication prevention, isolation, events, deletes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.vendors.cleverfox.helpers import (
    DEVICE_POST,
    advance,
    auth,
    basic,
    job_body,
    new_device,
    new_job,
)


def _count(client: TestClient, headers: dict[str, str], path: str) -> int:
    return len(client.get(path, params={"PageSize": 1000}, headers=headers).json()["data"])


def _device(**changes: Any) -> dict[str, Any]:
    data = {k: v for k, v in DEVICE_POST["data"].items() if v is not None or k == "Token"}
    data.update(changes)
    return {"data": {k: v for k, v in data.items() if v is not ...}}


@pytest.mark.parametrize(("changes", "field"), [
    ({"Name": ...}, "Name"),
    ({"Name": None}, "Name"),
    ({"Name": "x" * 101}, "Name"),
    ({"Name": 12}, "Name"),
    ({"TimeZoneId": "Mars Standard Time"}, "TimeZoneId"),
    ({"TimeZoneId": "x" * 51}, "TimeZoneId"),
    ({"CompanyId": ...}, "CompanyId"),
    ({"CompanyId": "1"}, "CompanyId"),
    ({"CompanyId": 999}, "CompanyId"),
    ({"SubscriptionId": 999}, "SubscriptionId"),
    ({"SubscriptionId": 3}, "SubscriptionId"),  # another company's subscription
    ({"ApplicationId": "x" * 26}, "ApplicationId"),
    ({"ExternalId": "x" * 101}, "ExternalId"),
    ({"Token": "x" * 51}, "Token"),
    ({"IsInactive": "yes"}, "IsInactive"),
    ({"SendNotificationTo": None}, "SendNotificationTo"),
    ({"SendNotificationTo": "not-an-address"}, "SendNotificationTo"),
    ({"SendNotificationCc": "a@b.com;oops"}, "SendNotificationCc"),
])
def test_device_validation_names_the_field_and_changes_nothing(
        client: TestClient, changes: dict[str, Any], field: str) -> None:
    headers = auth(client)
    before = _count(client, headers, "/api/devices")
    events = _count(client, headers, "/api/events")
    response = client.post("/api/devices", json=_device(**changes), headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["Message"].startswith(field)
    assert _count(client, headers, "/api/devices") == before
    assert _count(client, headers, "/api/events") == events


def test_email_lists_and_null_booleans(client: TestClient) -> None:
    headers = auth(client)
    to = "a@example.com;b@example.com:c@example.com\r\nd@example.com"
    device = new_device(client, headers, SendNotificationTo=to, SendNotificationOnJobFailed=None,
                        SendNotificationOnJobCompleted=None, SendNotificationOnJobMissed=None)
    assert device["SendNotificationTo"] == to
    assert device["SendNotificationOnJobFailed"] is False


@pytest.mark.parametrize(("changes", "field"), [
    ({"Frequency": "Monthly"}, "Frequency"),
    ({"LateAfter": 1440}, "LateAfter"),
    ({"LateAfter": -1}, "LateAfter"),
    ({"Every": 0}, "Every"),
    ({"Every": 1000}, "Every"),
    ({"CloudKeepLast": 1000}, "CloudKeepLast"),
    ({"LocalKeepLast": None}, "LocalKeepLast"),
    ({"NextRunOn": "tomorrow"}, "NextRunOn"),
    ({"NextRunOn": None}, "NextRunOn"),
    ({"DeviceId": 999}, "DeviceId"),
])
def test_job_validation(client: TestClient, changes: dict[str, Any], field: str) -> None:
    headers = auth(client)
    body = job_body(1, "2026-01-06T01:00:00.000")
    body["data"].update(changes)
    response = client.post("/api/jobs", json=body, headers=headers)
    assert response.status_code == 400 and response.json()["Message"].startswith(field)


def test_monthy_is_the_vendors_spelling(client: TestClient) -> None:
    headers = auth(client)
    job = new_job(client, headers, 1, "2026-01-31T01:00:00.000", Frequency="Monthy",
                  DayOfMonth=31)
    assert job["Frequency"] == "Monthy"


def test_non_json_bodies_are_refused_and_change_nothing(client: TestClient) -> None:
    headers = auth(client)
    before = _count(client, headers, "/api/devices")
    form = client.post("/api/devices", data={"Name": "x"}, headers=headers)
    assert form.status_code == 415 and "application/json" in form.json()["Message"]
    text = client.post("/api/devices", content=b"{}", headers={**headers,
                                                              "Content-Type": "text/plain"})
    assert text.status_code == 415
    bad = client.post("/api/devices", content=b"{not json",
                      headers={**headers, "Content-Type": "application/json"})
    assert bad.status_code == 400
    put = client.put("/api/devices/1", content=b"Name=x", headers=headers)
    assert put.status_code == 415
    assert _count(client, headers, "/api/devices") == before
    assert client.get("/api/devices/1", headers=headers).json()["data"]["Name"] != "x"


def test_duplicate_token_within_60_virtual_minutes_is_409(client: TestClient) -> None:
    headers = auth(client)
    body = _device(Token="6F9619FF-8B86-D011-B42D-00C04FC964FF")
    assert client.post("/api/devices", json=body, headers=headers).status_code == 201
    count = _count(client, headers, "/api/devices")
    advance(client, 59 * 60)
    again = client.post("/api/devices", json=body, headers=headers)
    assert again.status_code == 409 and "Token" in again.json()["Message"]
    put = client.put("/api/devices/1", json={"data": {"Name": "changed", "Token": body["data"][
        "Token"]}}, headers=headers)
    assert put.status_code == 409
    assert client.get("/api/devices/1", headers=headers).json()["data"]["Name"] != "changed"
    assert _count(client, headers, "/api/devices") == count
    advance(client, 61)
    assert client.post("/api/devices", json=body, headers=headers).status_code == 201
    assert _count(client, headers, "/api/devices") == count + 1


def test_partners_are_isolated(client: TestClient) -> None:
    headers = auth(client)
    mine = {d["DeviceId"] for d in client.get("/api/devices", headers=headers).json()["data"]}
    assert len(mine) == 6
    assert 7 not in mine  # the second partner's device
    for path in ("/api/devices/7", "/api/devices/7/jobs", "/api/companies/4",
                 "/api/partners/2"):
        assert client.get(path, headers=headers).status_code == 404, path
    assert client.put("/api/devices/7", json={"data": {"Name": "x"}},
                      headers=headers).status_code == 404
    assert client.delete("/api/devices/7", headers=headers).status_code == 404
    job = job_body(7, "2026-01-06T01:00:00.000")
    response = client.post("/api/jobs", json=job, headers=headers)
    assert response.status_code == 400 and "DeviceId" in response.json()["Message"]
    partners = client.get("/api/partners", headers=headers).json()["data"]
    assert [p["PartnerId"] for p in partners] == [1]


def test_a_sandbox_is_a_partner_of_its_own(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes").json()
    sb_headers = basic(sandbox["credentials"]["cleverfox"]["api_key"])
    headers = auth(client)
    created = client.post("/api/devices", json=DEVICE_POST, headers=sb_headers).json()["data"]
    assert created["DeviceId"] == 8  # ids are numbered per world
    assert client.get("/api/devices/8", headers=headers).status_code == 404
    sb_devices = client.get("/api/devices", headers=sb_headers).json()["data"]
    assert created in sb_devices
    assert client.delete(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 204
    assert client.get("/api/devices", headers=sb_headers).status_code == 401


def test_events_on_create_update_delete(client: TestClient) -> None:
    headers = auth(client)
    history = client.get("/api/events", params={"PageSize": 1}, headers=headers).json()["data"]
    last_before = history[0]["EventId"] if history else 0  # the agents' runs wrote some
    device = new_device(client, headers)
    ident = device["DeviceId"]
    client.put(f"/api/devices/{ident}", json={"data": {"Name": "B"}}, headers=headers)
    job = new_job(client, headers, ident, "2026-01-06T01:00:00.000", items=0)
    assert client.delete(f"/api/jobs/{job['JobId']}", headers=headers).status_code == 200
    assert client.get(f"/api/jobs/{job['JobId']}", headers=headers).status_code == 404
    assert client.delete(f"/api/devices/{ident}", headers=headers).status_code == 200
    assert client.get(f"/api/devices/{ident}", headers=headers).status_code == 404
    events = [e for e in client.get("/api/events", headers=headers).json()["data"]
              if e["EventId"] > last_before]
    seen = [(e["EventTypeId"], e["EventType"], e["DeviceId"]) for e in reversed(events)]
    assert seen == [(31, "Device Added", ident), (32, "Device Modified", ident),
                    (41, "Job Added", ident), (43, "Job Deleted", ident),
                    (33, "Device Deleted", ident)]
    assert events[0]["EventId"] > events[-1]["EventId"]


def test_job_item_credentials_are_write_only(client: TestClient) -> None:
    headers = auth(client)
    item = {"data": {"JobId": 1, "Name": "SQL", "BackupTypeId": 2, "ServerName": "sql01",
                     "DatabaseName": "CRM", "AuthenticationMode": "S", "Username": "sa",
                     "Password": "secret"}}
    created = client.post("/api/jobitems", json=item, headers=headers)
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["Username"] is None and data["Password"] is None
    assert data["BackupType"]["EngineId"] == "MSSQL"
    bad = dict(item["data"], AuthenticationMode="X")
    assert client.post("/api/jobitems", json={"data": bad}, headers=headers).status_code == 400


def test_companies_subscriptions_and_users(client: TestClient) -> None:
    headers = auth(client)
    company = client.post("/api/companies", json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "ABC Company, Inc."}}, headers=headers)
    assert company.status_code == 201
    cid = company.json()["data"]["CompanyId"]
    assert company.json()["data"]["Partner"]["PartnerId"] == 1
    foreign = client.post("/api/companies", json={"data": {
        "PartnerId": 2, "PlanTypeId": 1, "Name": "x"}}, headers=headers)
    assert foreign.status_code == 400 and "PartnerId" in foreign.json()["Message"]
    sub = client.post("/api/subscriptions", json={"data": {
        "CompanyId": cid, "PlanId": 1, "SendNotificationTo": "a@b.com",
        "SendNotificationOnStorageLimit": True}}, headers=headers)
    assert sub.status_code == 201
    sdata = sub.json()["data"]
    assert sdata["Status"] == "Active" and sdata["Plan"]["PlanId"] == 1
    user = client.post("/api/companyusers", json={"data": {
        "CompanyId": cid, "FirstName": "John", "LastName": "Smith",
        "Email": "john@abc.com"}}, headers=headers)
    assert user.status_code == 201 and user.json()["data"]["IsAccountOwner"] is False
    long_name = {"data": {"CompanyId": cid, "FirstName": "J" * 26, "LastName": "S",
                          "Email": "j@abc.com"}}
    response = client.post("/api/companyusers", json=long_name, headers=headers)
    assert response.status_code == 400 and response.json()["Message"].startswith("FirstName")
    device = new_device(client, headers, CompanyId=cid, SubscriptionId=sdata["SubscriptionId"])
    assert client.delete(f"/api/companies/{cid}", headers=headers).status_code == 409
    client.delete(f"/api/devices/{device['DeviceId']}", headers=headers)
    assert client.delete(f"/api/companies/{cid}", headers=headers).status_code == 200


def test_the_second_partner_sees_only_its_own(client: TestClient) -> None:
    partners = client.get("/_emulator/cleverfox/partners").json()
    assert [p["partner_id"] for p in partners] == [1, 2]
    first, second = auth(client), basic(partners[1]["api_key"])
    assert partners[0]["api_key"] == client.get("/_emulator/credentials").json()[
        "cleverfox"]["api_key"]
    theirs = client.get("/api/devices", headers=second).json()["data"]
    assert [d["DeviceId"] for d in theirs] == [7]
    assert client.get("/api/devices/1", headers=second).status_code == 404
    assert client.get("/api/logs/1", headers=second).status_code in (200, 404)
    logs = client.get("/api/logs", params={"PageSize": 1000}, headers=second).json()["data"]
    assert logs and {log["DeviceId"] for log in logs} == {7}
    created = client.post("/api/companies", json={"data": {
        "PartnerId": 2, "PlanTypeId": 1, "Name": "Theirs"}}, headers=second).json()["data"]
    assert client.get(f"/api/companies/{created['CompanyId']}", headers=first).status_code == 404
    # The same Token is independent per partner.
    body = _device(Token="shared-token")
    assert client.post("/api/devices", json=body, headers=first).status_code == 201
    body["data"].update(CompanyId=4, SubscriptionId=7)
    assert client.post("/api/devices", json=body, headers=second).status_code == 201


def test_keys_stop_working_after_a_reset_or_deactivation(client: TestClient) -> None:
    old = auth(client)
    assert client.get("/api/devices", headers=old).status_code == 200
    client.post("/_emulator/reset", json={"seed": 7})
    assert client.get("/api/devices", headers=old).status_code == 401
    new = auth(client)
    assert client.get("/api/devices", headers=new).status_code == 200
    response = client.put("/api/partners/1", json={"data": {"IsInactive": True}}, headers=new)
    assert response.status_code == 200 and response.json()["data"]["IsInactive"] is True
    assert client.get("/api/devices", headers=new).status_code == 401


@pytest.mark.parametrize(("path", "ident", "change", "event"), [
    ("partners", 1, {"Name": "Renamed"}, (2, "Partner Modified")),
    ("partnerusers", 1, {"FirstName": "Ann"}, (12, "Partner User Modified")),
    ("companies", 1, {"Name": "Renamed"}, (22, "Company Modified")),
    ("companyusers", 1, {"LastName": "Lee"}, (72, "Company User Modified")),
    ("subscriptions", 1, {"ExternalId": "S-1"}, (62, "Subscription Modified")),
    ("devices", 1, {"Name": "Renamed"}, (32, "Device Modified")),
    ("jobs", 1, {"Name": "Renamed", "Frequency": "Weekly", "OnFriday": True}, (42,
                                                                             "Job Modified")),
    ("jobitems", 1, {"Name": "Renamed", "BackupTypeId": 2}, (52, "Job Item Modified")),
])
def test_every_writable_resource_updates_and_writes_an_event(
        client: TestClient, path: str, ident: int, change: dict[str, Any],
        event: tuple[int, str]) -> None:
    headers = auth(client)
    response = client.put(f"/api/{path}/{ident}", json={"data": change}, headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    for key, value in change.items():
        assert data[key] == value
    again = client.get(f"/api/{path}/{ident}", headers=headers).json()["data"]
    assert again == data
    latest = client.get("/api/events", headers=headers).json()["data"][0]
    assert (latest["EventTypeId"], latest["EventType"]) == event


def test_out_of_range_integers_are_refused_not_crashed_on(client: TestClient) -> None:
    headers = auth(client)
    huge = 10**30
    response = client.post("/api/devices", json=_device(CompanyId=huge), headers=headers)
    assert response.status_code == 400 and response.json()["Message"].startswith("CompanyId")
    response = client.post("/api/devices", json=_device(CompanyId=2**40), headers=headers)
    assert response.status_code == 400 and "between" in response.json()["Message"]
    item = {"data": {"JobId": 1, "BackupTypeId": 1, "Port": 70000}}
    assert client.post("/api/jobitems", json=item, headers=headers).status_code == 400
    for path in (f"/api/devices/{huge}", f"/api/devices/{huge}/jobs", f"/api/jobs/{huge}",
                 "/api/devices/abc"):
        assert client.get(path, headers=headers).status_code in (400, 404), path
    assert client.post(f"/api/devices/{huge}/ExecuteGetNextJob",
                       headers=headers).status_code == 404
    response = client.post("/api/devices", json=["not", "an", "object"], headers=headers)
    assert response.status_code == 400 and response.json()["Message"].startswith("data")
