"""openapi/ holds one document per surface, equal to what the app serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emulator.app import SURFACES
from emulator.core.openapi import operations

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


SCHEMES = {  # what each vendor's Authorize button offers
    "cleverfox": {"basicAuth": ("http", "basic")},
    "rackspace": {"authToken": ("apiKey", "header", "X-Auth-Token")},
    "backuprun": {"session": ("apiKey", "cookie", "PHPSESSID")},
    "code42": {"basicAuth": ("http", "basic"), "bearerAuth": ("http", "bearer")},
}
PUBLIC = {"/v2.0/tokens", "/api/v3/LoginConfiguration"}


def _shape(scheme: dict[str, str]) -> tuple[str, ...]:
    if scheme["type"] == "http":
        return ("http", scheme["scheme"])
    return ("apiKey", scheme["in"], scheme["name"])


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_every_vendor_operation_declares_how_it_authenticates(client: TestClient,
                                                             name: str) -> None:
    document = client.get(f"/_emulator/openapi/{name}.json").json()
    schemes = document["components"]["securitySchemes"]
    assert {k: _shape(v) for k, v in schemes.items()} == SCHEMES[name]
    for path, method, op in operations(document):
        assert "security" in op, f"{method} {path} says nothing about auth"
        for requirement in op["security"]:
            assert set(requirement) <= set(schemes)
        if name != "backuprun":  # BackupRun's are checked against its calls' own flags
            assert (op["security"] == []) == (path in PUBLIC), f"{method} {path}"


def test_swagger_ui_needs_no_network(client: TestClient) -> None:
    page = client.get("/console/reference/cleverfox").text
    assert "/_emulator/openapi/cleverfox.json" in page
    assert "cdn." not in page and "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/console/static/swagger/{asset}").status_code == 200
