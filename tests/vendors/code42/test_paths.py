"""Every path a Code42 client may call answers in Code42's format, served or not.

The paths are read from the installed py42 (the SDK code42cli runs on), so a path a new py42
calls is walked without a new test; Code42's sample scripts add the unversioned legacy ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import py42
import pytest
from fastapi.testclient import TestClient

from emulator.vendors.cleverfox.resources import RESOURCES
from emulator.vendors.code42.router import LEGACY_RESOURCES
from tests.vendors.code42.helpers import token

_LITERAL = re.compile(r'f?"(/(?:api|svc|forensic-search|rpc|v1)(?:/[^"\s]*)?)"')
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _py42_paths() -> list[str]:
    found: set[str] = set()
    for source in Path(py42.__file__).parent.rglob("*.py"):
        for match in _LITERAL.finditer(source.read_text(encoding="utf-8")):
            found.add(_PLACEHOLDER.sub("123", match.group(1)).split("?")[0])
    return sorted(found)


PY42_PATHS = _py42_paths()
# Unversioned forms of the legacy resources (Code42's sample scripts call /api/Computer ...),
# in the case they are documented in and in lower case.
LEGACY_PATHS = sorted({f"/api/{name}" for name in LEGACY_RESOURCES}
                      | {f"/api/{name.lower()}/123" for name in LEGACY_RESOURCES})
UNKNOWN_PATHS = ["/api/v1/NoSuchThing", "/api/v2/Computer", "/api/v99/x/y", "/api/Computer/1/x",
                 "/svc/api/v2/nothing", "/v1/nothing/here"]


def test_py42_paths_were_found() -> None:
    assert len(PY42_PATHS) > 50 and "/api/v1/Computer" in PY42_PATHS


def test_no_legacy_code42_name_is_a_cleverfox_resource() -> None:
    # Both share /api; CleverFox matches its names case-insensitively (ASP.NET).
    assert not {n.lower() for n in LEGACY_RESOURCES} & {n.lower() for n in RESOURCES}


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_every_code42_client_path_answers_in_code42s_format(client: TestClient,
                                                            method: str) -> None:
    headers = token(client)
    for path in PY42_PATHS + LEGACY_PATHS + UNKNOWN_PATHS:
        response = client.request(method, path, headers=headers)
        assert response.status_code != 500, (method, path, response.text)
        kind = response.headers.get("content-type", "")
        if response.status_code < 400:
            assert kind.startswith(("application/json", "text/csv")), (method, path, kind)
            continue
        body = response.json()
        assert isinstance(body, list) and body and set(body[0]) == {"name", "description"}, \
            (method, path, response.status_code, body)
        if response.status_code == 404:
            assert body[0]["name"] == "NOT_FOUND", (method, path, body)


def test_unknown_code42_paths_are_404_even_without_credentials(client: TestClient) -> None:
    for path in [*UNKNOWN_PATHS, "/api/v4/computer-deactivation/update"]:
        response = client.get(path)
        assert response.status_code in (401, 404), (path, response.status_code)
        assert set(response.json()[0]) == {"name", "description"}, path
