"""Shared helpers for the CleverFox tests: Basic auth from the world's API key, and bodies."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:ignored".encode()).decode()}


def auth(client: TestClient) -> dict[str, str]:
    """Headers for the default world's partner."""
    return basic(client.get("/_emulator/credentials").json()["cleverfox"]["api_key"])


def advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_emulator/clock", json={"advance_seconds": seconds}).status_code == 200


DEVICE_POST: dict[str, Any] = {"data": {
    "CompanyId": 1, "SubscriptionId": 1, "Name": "Application Server",
    "TimeZoneId": "Eastern Standard Time", "ApplicationId": None, "ExternalId": None,
    "IsInactive": False, "SendNotificationTo": "johnsmith@abccompany.com",
    "SendNotificationBcc": None, "SendNotificationCc": None,
    "SendNotificationOnJobCompleted": True, "SendNotificationOnJobFailed": True,
    "SendNotificationOnJobMissed": True, "Token": None}}


def job_body(device_id: int, next_run: str, **extra: Any) -> dict[str, Any]:
    data = {"DeviceId": device_id, "Name": "Daily Backup", "IsInactive": False,
            "Frequency": "Daily", "NextRunOn": next_run, "LateAfter": 240, "Every": 1,
            "DayOfMonth": 1, "ExpireOn": None, "CloudKeepLast": 30, "LocalKeepLast": 1}
    data.update(extra)
    return {"data": data}


def new_device(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"data": {**DEVICE_POST["data"], **extra}}
    response = client.post("/api/devices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def new_job(client: TestClient, headers: dict[str, str], device_id: int, next_run: str,
            items: int = 1, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/jobs", json=job_body(device_id, next_run, **extra),
                           headers=headers)
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()["data"]
    for n in range(items):
        item = {"data": {"JobId": job["JobId"], "Name": f"Item {n}", "BackupTypeId": 1,
                         "BaseFolder": r"C:\Program Files\My Application",
                         "IncludeSubFolders": True, "SearchPatterns": "*.*"}}
        assert client.post("/api/jobitems", json=item, headers=headers).status_code == 201
    return job
