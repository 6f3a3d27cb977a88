"""openapi/ holds one document per surface, equal to what the app serves."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from emulator.app import SURFACES

OPENAPI_DIR = Path(__file__).resolve().parents[1] / "openapi"
REGENERATE = "backup-emulator openapi --out openapi"


def test_every_surface_has_a_file_and_no_file_is_stale(client: TestClient) -> None:
    names = {s.name for s in SURFACES}
    assert names == {"cleverfox", "rackspace", "backuprun", "code42", "control"}
    assert {p.stem for p in OPENAPI_DIR.glob("*.json")} == names, f"run: {REGENERATE}"
    for name in sorted(names):
        served = client.get(f"/_emulator/openapi/{name}.json")
        assert served.status_code == 200
        stored = json.loads((OPENAPI_DIR / f"{name}.json").read_text())
        assert served.json() == stored, f"openapi/{name}.json is stale; run: {REGENERATE}"


def test_documents_hold_only_their_own_paths(client: TestClient) -> None:
    control = client.get("/_emulator/openapi/control.json").json()
    assert control["paths"]
    assert all(path.startswith("/_emulator/") for path in control["paths"])
    for name in ("cleverfox", "rackspace", "backuprun", "code42"):
        document = client.get(f"/_emulator/openapi/{name}.json").json()
        assert not any(path.startswith("/_emulator") for path in document["paths"])


def test_unknown_document_is_404(client: TestClient) -> None:
    response = client.get("/_emulator/openapi/veeam.json")
    assert response.status_code == 404
    assert "veeam" in response.json()["message"]


def test_swagger_ui_is_at_docs(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/_emulator/openapi.json" in response.text
