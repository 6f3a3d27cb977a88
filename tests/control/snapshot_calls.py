"""The snapshot calls the control-plane tests make, each checked for its success status."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def save(client: TestClient, name: str, **body: Any) -> dict[str, Any]:
    """POST /_emulator/snapshots: 201 and the snapshot's view."""
    response = client.post("/_emulator/snapshots", json={"name": name, **body})
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    return view


def restore(client: TestClient, name: str) -> dict[str, Any]:
    """POST /_emulator/snapshots/{name}/restore: 200 and what was restored."""
    response = client.post(f"/_emulator/snapshots/{name}/restore")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view
