"""What a client sees change: runs in progress, UpdatedOn, and events (issue 13).

The checks walk every collection of the route table, so a new resource is covered too.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from emulator.vendors.cleverfox.resources import RESOURCES
from tests.vendors.cleverfox.helpers import advance, auth, new_device, new_job

JOB_STATUSES = {"Completed", "Failed", "Missed"}
"""The only JobStatus values the vendor documents."""
HEARTBEAT = {"LastApiCheckAt"}
"""Moves every 5 minutes while the agent is online: the agent's heartbeat, not an edit."""


def _everything(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, int], dict]:
    """Every object of every collection, by (resource, id)."""
    out: dict[tuple[str, int], dict] = {}
    for name, res in RESOURCES.items():
        id_name = res.label.replace(" ", "") + "Id"
        page = 1
        while True:
            body = client.get(f"/api/{name}", params={"PageNo": page, "PageSize": 1000},
                              headers=headers).json()
            for obj in body["data"]:
                out[(name, obj[id_name])] = obj
            if len(body["data"]) < 1000:
                break
            page += 1
    return out


def _own(obj: dict) -> dict[str, Any]:
    """An object's own scalar attributes (nested parents and children left out)."""
    return {k: v for k, v in obj.items()
            if not isinstance(v, dict | list) and k not in HEARTBEAT | {"UpdatedOn"}}


def _now(client: TestClient) -> str:
    return str(client.get("/_emulator/clock").json()["now"])[:23]


def test_every_visible_log_has_a_documented_status_while_runs_are_in_progress(
        client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T04:01:00.000", Frequency="Hourly",
            LateAfter=60)
    advance(client, 90)
    started = client.post(f"/api/devices/{ident}/ExecuteGetNextJob", headers=headers).json()
    log_ids = started["data"]["LogIds"]
    assert log_ids
    for _ in range(12):  # every 10 minutes for two hours: runs start and end in between
        seen = [o for (name, _i), o in _everything(client, headers).items() if name == "logs"]
        seen += client.get(f"/api/devices/{ident}/logs", headers=headers).json()["data"]
        assert {o["JobStatus"] for o in seen} <= JOB_STATUSES
        for log_id in log_ids:
            one = client.get(f"/api/logs/{log_id}", headers=headers)
            assert one.status_code in (200, 404)
            if one.status_code == 200:
                assert one.json()["data"]["JobStatus"] in JOB_STATUSES
        advance(client, 600)
    assert client.get(f"/api/logs/{log_ids[0]}", headers=headers).status_code == 200


def test_updated_on_moves_whenever_an_object_changes(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers, SendNotificationOnJobMissed=True)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000", Frequency="Hourly",
            LateAfter=30)
    client.post(f"/_emulator/cleverfox/devices/{ident}/agent", json={"online": False})
    other = new_device(client, headers)["DeviceId"]
    new_job(client, headers, other, "2026-01-05T04:30:00.000", Frequency="Hourly")
    before = _everything(client, headers)
    start = _now(client)
    advance(client, 3 * 3600)  # runs, missed runs, notifications, logs ending
    after = _everything(client, headers)
    changed = [key for key, obj in after.items()
               if key in before and _own(obj) != _own(before[key])]
    assert {name for name, _ in changed} >= {"jobs"}
    for key in changed:
        updated = after[key]["UpdatedOn"]
        assert updated is not None and updated >= start, (key, after[key])
    logs = [obj for (name, _), obj in after.items()
            if name == "logs" and obj["DeviceId"] in (ident, other)]
    assert logs and all(o["UpdatedOn"] is not None for o in logs if o["JobStatus"] != "Missed")
    notified = [o for o in logs if o["NotificationJobMissedProcessedOn"]]
    assert notified and all(o["UpdatedOn"] == o["NotificationJobMissedProcessedOn"]
                            for o in notified)


def _events(client: TestClient, headers: dict[str, str]) -> list[dict]:
    data: list[dict] = client.get("/api/events", params={"PageSize": 1000},
                                  headers=headers).json()["data"]
    return data


def test_agent_runs_write_events(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    job = new_job(client, headers, ident, "2026-01-05T05:00:00.000")
    client.post(f"/_emulator/cleverfox/devices/{ident}/agent", json={"fail_next_runs": 0})
    top = _events(client, headers)[0]["EventId"]
    advance(client, 2 * 3600)
    new = [e for e in _events(client, headers) if e["EventId"] > top and e["DeviceId"] == ident]
    logs = client.get(f"/api/devices/{ident}/logs", headers=headers).json()["data"]
    assert len(logs) == 1
    added = [e for e in new if e["EventType"] == "Log Added"]
    assert [(e["LogId"], e["JobId"], e["DeviceId"]) for e in added] == [
        (logs[0]["LogId"], job["JobId"], ident)]
    modified = [e for e in new if e["EventType"] == "Job Modified"]
    assert [e["JobId"] for e in modified] == [job["JobId"]]


def test_deleting_a_device_writes_an_event_for_every_removed_child(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    jobs = [new_job(client, headers, ident, "2026-01-06T05:00:00.000", items=2)
            for _ in range(2)]
    items = {i["JobItemId"] for j in jobs
             for i in client.get(f"/api/jobs/{j['JobId']}", headers=headers)
             .json()["data"]["JobItems"]}
    top = _events(client, headers)[0]["EventId"]
    assert client.delete(f"/api/devices/{ident}", headers=headers).status_code == 200
    new = [e for e in _events(client, headers) if e["EventId"] > top]
    assert {e["JobId"] for e in new if e["EventType"] == "Job Deleted"} == {
        j["JobId"] for j in jobs}
    assert {e["JobItemId"] for e in new if e["EventType"] == "Job Item Deleted"} == items
    assert [e["DeviceId"] for e in new if e["EventType"] == "Device Deleted"] == [ident]


def test_deleting_a_company_writes_events_for_its_users_and_subscriptions(
        client: TestClient) -> None:
    headers = auth(client)
    company = client.post("/api/companies", headers=headers, json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "Short Lived Inc."}}).json()["data"]
    cid = company["CompanyId"]
    user = client.post("/api/companyusers", headers=headers, json={"data": {
        "CompanyId": cid, "FirstName": "Ann", "LastName": "Lee",
        "Email": "ann@example.com"}}).json()["data"]
    sub = client.post("/api/subscriptions", headers=headers, json={"data": {
        "CompanyId": cid, "PlanId": 1}}).json()["data"]
    top = _events(client, headers)[0]["EventId"]
    assert client.delete(f"/api/companies/{cid}", headers=headers).status_code == 200
    new = {(e["EventType"], e["CompanyUserId"] or e["SubscriptionId"] or e["CompanyId"])
           for e in _events(client, headers) if e["EventId"] > top}
    assert new == {("Company User Deleted", user["CompanyUserId"]),
                   ("Subscription Deleted", sub["SubscriptionId"]),
                   ("Company Deleted", cid)}


def test_the_seeded_history_stamps_updated_on_as_live_runs_do(client: TestClient) -> None:
    headers = auth(client)
    logs = client.get("/api/logs", params={"PageSize": 1000}, headers=headers).json()["data"]
    ended = [o for o in logs if o["JobStatus"] != "Missed"]
    assert ended and all(o["UpdatedOn"] is not None for o in ended)
    for log in logs:
        stamps = [log[k] for k in ("NotificationJobCompletedProcessedOn",
                                   "NotificationJobFailedProcessedOn",
                                   "NotificationJobMissedProcessedOn") if log[k]]
        if stamps:
            assert log["UpdatedOn"] == max(stamps)
