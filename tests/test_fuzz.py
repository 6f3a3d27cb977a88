"""Schemathesis against every vendor and the control plane, from the documents the server serves.

Bounded and reproducible: a fixed number of generated cases per operation (positive and
negative data), derandomized, no example database. Fails on any 5xx and on any answer that
breaks its own documented schema. Every vendor call is made authenticated as a client of the
vendor would (the default world's credentials, Rackspace's real tenant in its paths, a fresh
BackupRun account's session cookie per call), so the cases reach parsing and the backend
instead of stopping at a 401. BackupRun's calls are documented at `/api.php#<call>` and each
is fuzzed with its own form; the client never sends the fragment, so they reach /api.php.

Operations whose cost is virtual time rather than input (moving a clock, rebuilding or
snapshotting worlds) are not fuzzed here: an advance of years is valid input that takes long;
their bodies are walked by tests/test_hostile_input.py.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from emulator.app import SURFACES
from emulator.vendors.backuprun.call import COOKIE

EXAMPLES = 12  # per operation: about 1,800 requests over every surface
SLOW = (("POST", "/_emulator/reset"), ("POST", "/_emulator/clock"),
        ("POST", "/_emulator/sandboxes"), ("POST", "/_emulator/sandboxes/{sandbox_id}/clock"),
        ("POST", "/_emulator/snapshots"), ("POST", "/_emulator/snapshots/{name}/restore"))
CHECKS = [not_a_server_error, response_schema_conformance]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _logins(client: TestClient) -> tuple[dict[str, dict[str, str]], str]:
    creds = client.get("/_emulator/credentials").json()
    rax = creds["rackspace"]
    token = client.post("/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
        "username": rax["username"], "apiKey": rax["api_key"]}}}).json()["access"]["token"]
    code42 = creds["code42"]["sysadmin"]
    return ({"cleverfox": {"Authorization": _basic(creds["cleverfox"]["api_key"], "")},
             "rackspace": {"X-Auth-Token": token["id"]},
             "code42": {"Authorization": _basic(code42["username"], code42["password"])}},
            str(rax["tenant_id"]))


def _backuprun_session(client: TestClient, n: int) -> dict[str, str]:
    """A fresh BackupRun account logged in, for one call's cases: a generated updateUserData
    or logout cannot then spoil the next call's session."""
    answer = client.post("/api.php", data={"apiCALL": "registerNewUser", "name": "Fuzz",
                                           "email": f"fuzz{n}@example.com", "password": "pw"})
    assert 'value="ok"' in answer.text, answer.text
    answer = client.post("/api.php", data={"apiCALL": "login", "email": f"fuzz{n}@example.com",
                                           "password": "pw"})
    return {"Cookie": f"{COOKIE}={answer.cookies[COOKIE]}"}


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in SLOW:
            yield operation


@pytest.mark.parametrize("surface", [s.name for s in SURFACES])
def test_no_generated_request_gets_a_5xx_or_an_answer_off_its_schema(
        client: TestClient, surface: str) -> None:
    headers, tenant = _logins(client)
    app = client.app
    schema = schemathesis.openapi.from_asgi(f"/_emulator/openapi/{surface}.json", app)
    sent = 0
    for n, operation in enumerate(_operations(schema)):
        # BackupRun documents each apiCALL at /api.php#<call>: the fragment is never sent, so
        # every call is fuzzed with its own form, on a session of its own.
        if surface == "backuprun":
            headers["backuprun"] = _backuprun_session(client, n)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), print_blob=True)
        def fuzz(case: Any) -> None:
            nonlocal sent
            if "tenant_id" in (case.path_parameters or {}):
                case.path_parameters["tenant_id"] = tenant
            sent += 1
            response = case.call(headers={**(case.headers or {}), **headers.get(surface, {})})
            case.validate_response(response, checks=CHECKS)

        fuzz()
    assert sent > 0
