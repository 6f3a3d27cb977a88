"""Helpers for the Rackspace tests: tokens for both tenants of the default world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient


@dataclass
class Rax:
    """One authenticated tenant: its client, tenant id, token and agent ids."""

    client: TestClient
    tenant: str
    token: str
    agents: list[int]
    username: str = ""
    api_key: str = ""

    def relogin(self) -> None:
        """A fresh token (tokens last 24 hours of virtual time)."""
        self.token = login(self.client, self.username, self.api_key)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.token}

    def url(self, path: str) -> str:
        return f"/v1.0/{self.tenant}{path}"

    def get(self, path: str) -> Any:
        return self.client.get(self.url(path), headers=self.headers)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.request(method, self.url(path), json=body, headers=self.headers)


def login(client: TestClient, username: str, api_key: str) -> str:
    body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}}
    response = client.post("/v2.0/tokens", json=body)
    assert response.status_code == 200, response.text
    token: str = response.json()["access"]["token"]["id"]
    return token


def tenants(client: TestClient, sandbox: str | None = None) -> list[dict[str, Any]]:
    params = {"sandbox": sandbox} if sandbox else {}
    response = client.get("/_emulator/rackspace/tenants", params=params)
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()
    return rows


def as_tenant(client: TestClient, index: int = 0, sandbox: str | None = None) -> Rax:
    row = tenants(client, sandbox)[index]
    return Rax(client, row["tenant_id"], login(client, row["username"], row["api_key"]),
               row["agents"], row["username"], row["api_key"])


def advance(client: TestClient, seconds: float) -> None:
    response = client.post("/_emulator/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200


@pytest.fixture
def rax(client: TestClient) -> Rax:
    """The default world's first tenant (the one in /_emulator/credentials), logged in."""
    return as_tenant(client)


@pytest.fixture
def other(client: TestClient) -> Rax:
    """The default world's second tenant, logged in."""
    return as_tenant(client, 1)
