"""The toolkit under a sandbox's base URL: the journal and fault rules name that sandbox."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _journal(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    return list(client.get("/_emulator/requests", params=params).json()["data"])


def test_requests_under_a_base_url_are_journaled_as_that_sandboxs(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes").json()
    base, key = f"/sandbox/{sandbox['id']}", sandbox["credentials"]["cleverfox"]["api_key"]
    client.get(f"{base}/api/companies/", auth=(key, ""))
    client.head(f"{base}/api/companies", auth=(key, ""))
    client.get(f"{base}/api/companies", auth=("not-a-key", ""))  # refused, still the sandbox's
    client.get("/api/companies", auth=(key, ""))  # the same key at the root
    entries = _journal(client, sandbox=sandbox["id"])
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/api/companies", 200), ("HEAD", "/api/companies", 200),
        ("GET", "/api/companies", 401), ("GET", "/api/companies", 200)]
    assert _journal(client, sandbox="default") == []


def test_a_sandboxs_fault_rule_fires_under_its_base_url_only(client: TestClient) -> None:
    mine, other = (client.post("/_emulator/sandboxes", json={"seed": 5}).json()
                   for _ in range(2))
    rule = client.post("/_emulator/faults", json={
        "vendor": "cleverfox", "path": "/api/partners", "action": "error", "status": 503,
        "sandbox": mine["id"]})
    assert rule.status_code == 201, rule.text

    def partners(sandbox: dict[str, Any]) -> int:
        key = sandbox["credentials"]["cleverfox"]["api_key"]
        return client.get(f"/sandbox/{sandbox['id']}/api/partners", auth=(key, "")).status_code

    assert (partners(mine), partners(other)) == (503, 200)
    # under its base URL the sandbox is known before the credentials: its rule fires even
    # on a refused key, and never on another sandbox's base URL
    wrong = client.get(f"/sandbox/{mine['id']}/api/partners", auth=("not-a-key", ""))
    assert wrong.status_code == 503
    fired = _journal(client, fault=True)
    assert [e["sandbox"] for e in fired] == [mine["id"], mine["id"]]
