"""Shared helpers for the Code42 tests: logins of the seeded roles and report fetching."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

REPORT = "/api/DeviceBackupReport"
ROLES = ("sysadmin", "org_manager", "user")


def login(client: TestClient, role: str) -> tuple[str, str]:
    """(username, password) of the default world's seeded `role`."""
    creds = client.get("/_emulator/credentials").json()["code42"][role]
    return creds["username"], creds["password"]


def token(client: TestClient, role: str = "sysadmin") -> dict[str, str]:
    """Authorization header with a fresh v3 user token for `role`."""
    response = client.get("/api/v3/auth/jwt", params={"useBody": "true"},
                          auth=login(client, role))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['data']['v3_user_token']}"}


def report(client: TestClient, role: str = "sysadmin", **params: Any) -> list[dict[str, Any]]:
    """One page of the report as `role` (Basic auth), asserting success."""
    response = client.get(REPORT, params=params, auth=login(client, role))
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def everything(client: TestClient, role: str = "sysadmin", **params: Any) -> list[dict[str, Any]]:
    """All records, paging until an empty page as the vendor's scripts do."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        chunk = report(client, role, pgNum=page, pgSize=7, **params)
        if not chunk:
            return rows
        rows.extend(chunk)
        page += 1


def code42_error(response: Any, status: int, *words: str) -> None:
    """The response is Code42's error list with `status`, mentioning every word."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"name", "description"}, body
    for word in words:
        assert word in body[0]["description"], (word, body)
