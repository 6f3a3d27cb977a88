"""A real server: a client follows the catalog's URL; --base-url and restarts keep working."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.server import serve

pytestmark = pytest.mark.e2e


def _login(base: str) -> dict:
    creds = httpx.get(f"{base}/_emulator/credentials", timeout=5).json()["rackspace"]
    body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                                     "apiKey": creds["api_key"]}}}
    response = httpx.post(f"{base}/v2.0/tokens", json=body, timeout=5)
    assert response.status_code == 200
    access: dict = response.json()["access"]
    return access


def test_catalog_url_reaches_the_server_and_tokens_survive_a_restart(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze") as server:
        access = _login(server.base_url)
        endpoint = access["serviceCatalog"][0]["endpoints"][0]["publicURL"]
        assert endpoint.startswith(server.base_url + "/v1.0/")
        headers = {"X-Auth-Token": access["token"]["id"]}
        agents = httpx.get(f"{endpoint}/user/agents", headers=headers, timeout=5)
        assert agents.status_code == 200 and len(agents.json()) == 4
        assert b"\\/" in agents.content
    with serve(tmp_path, "--freeze", "--base-url", "http://emulator.test:9999") as server:
        again = httpx.get(f"{server.base_url}/v1.0/user/agents", headers=headers, timeout=5)
        assert again.status_code == 200
        catalog = _login(server.base_url)["serviceCatalog"][0]["endpoints"]
        assert {e["publicURL"].split("/v1.0/")[0] for e in catalog} == \
            {"http://emulator.test:9999"}
