"""One set of HTTP rules on every vendor path, checked by walking the app's route table.

A route added later is covered without a new test: trailing slash served (never redirected),
HEAD wherever GET, 405 with an Allow header naming every method of the path; at the root and
under a sandbox's base URL alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from emulator.app import SURFACES
from emulator.core.surface import app_routes, owner_of

VENDORS = [s for s in SURFACES if s.name != "control"]
_PARAM = re.compile(r"\{[^}]+\}")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def vendor_paths(client: TestClient) -> dict[str, set[str]]:
    """Every vendor route's path (its parameters filled with 1) and the methods it serves."""
    templates: dict[str, set[str]] = {}
    regexes = []
    for route in app_routes(client.app):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods and owner_of(path, VENDORS) is not None:
            templates.setdefault(path, set()).update(methods)
            regexes.append((route.path_regex, set(methods)))
    served = {s.name for s in VENDORS if any(owner_of(p, [s]) for p in templates)}
    assert served == {s.name for s in VENDORS}  # the walk sees every vendor
    paths: dict[str, set[str]] = {}
    for template in templates:
        concrete = _PARAM.sub("1", template)
        paths[concrete] = set().union(*(m for rx, m in regexes if rx.match(concrete)))
    return paths


@pytest.fixture(params=["root", "sandbox"])
def base(request: pytest.FixtureRequest, client: TestClient) -> Iterator[str]:
    if request.param == "root":
        yield ""
    else:
        sandbox = client.post("/_emulator/sandboxes").json()
        assert sandbox["base_url"].endswith(f"/sandbox/{sandbox['id']}")
        yield f"/sandbox/{sandbox['id']}"


def test_a_trailing_slash_is_served_as_the_path_never_redirected(client: TestClient,
                                                                   base: str) -> None:
    for path, methods in vendor_paths(client).items():
        for method in sorted(methods):
            plain = client.request(method, base + path, follow_redirects=False)
            slashed = client.request(method, base + path + "/", follow_redirects=False)
            where = f"{method} {base}{path}/"
            assert slashed.status_code not in (301, 302, 307, 308), where
            assert slashed.status_code == plain.status_code, where
            assert slashed.content == plain.content, where


def test_head_is_answered_wherever_get_is(client: TestClient, base: str) -> None:
    for path, methods in vendor_paths(client).items():
        if "GET" not in methods:
            continue
        got = client.get(base + path)
        head = client.head(base + path)
        where = f"HEAD {base}{path}"
        assert head.status_code == got.status_code, where
        assert head.content == b"", where
        assert head.headers.get("content-type") == got.headers.get("content-type"), where
        if "content-length" in head.headers:
            assert int(head.headers["content-length"]) == len(got.content), where


def test_405_names_every_method_of_the_path(client: TestClient, base: str) -> None:
    for path, methods in vendor_paths(client).items():
        wrong = next(m for m in _METHODS if m not in methods)
        response = client.request(wrong, base + path)
        where = f"{wrong} {base}{path}"
        # BackupRun answers every error with HTTP 200 and the code in its XML
        assert response.status_code == 405 or (
            b'code="method_not_allowed"' in response.content), where
        expected = methods | ({"HEAD"} if "GET" in methods else set())
        assert set(response.headers["allow"].split(", ")) == expected, where
        # in the vendor's own format: the same media type as the vendor's 404
        missing = client.get(base + path + "/no-such-thing-here")
        assert response.headers["content-type"] == missing.headers["content-type"], where


def test_an_unknown_sandbox_is_a_404_in_the_vendors_format(client: TestClient) -> None:
    response = client.get("/sandbox/sb-000000000000/api/devices")
    assert response.status_code == 404
    assert "sb-000000000000" in response.json()["Message"]  # CleverFox's error shape
    tokens = client.post("/sandbox/sb-000000000000/v2.0/tokens", json={})
    assert tokens.status_code == 404 and "itemNotFound" in tokens.json()
    control = client.get("/sandbox/sb-000000000000/_emulator/health")
    assert control.status_code == 404 and control.json()["code"] == "not_found"
