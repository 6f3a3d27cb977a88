"""BackupRun's OpenAPI document lists each apiCALL with the fields the call really reads."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from emulator.vendors.backuprun import accounts, auth, services
from emulator.vendors.backuprun.call import CALLS
from emulator.vendors.backuprun.openapi import FIELDS, PATH

# Every way a call reads a form field: params.require("x"), .get, .email, .integer, .flag,
# .choice, params.values.get("x"), and helpers given the field's name (contact_of(call, "x")).
READS = re.compile(r'\.(?:require|get|email|integer|flag|choice)\(\s*"([A-Za-z0-9_-]+)"'
                   r'|(?:contact_of|_by_id|_by_service_id)\(call, "([A-Za-z0-9_-]+)"'
                   r'|"([A-Za-z0-9_-]+)": "(?:fixed_phone|mobile|mobile2)"'
                   r'|for wire, attr in \(\("(agent)", "host"\)')
HELPER_DEFAULTS = {"contact_of": "contact_id", "_by_service_id": "service_id"}


def _read_names() -> set[str]:
    names: set[str] = set()
    for module in (accounts, auth, services):
        source = inspect.getsource(module)
        for match in READS.finditer(source):
            names.update(n for n in match.groups() if n)
        names.update(v for k, v in HELPER_DEFAULTS.items() if re.search(rf"{k}\(call\)", source))
    return names - {"apiCALL"}


def test_every_call_is_one_operation() -> None:
    assert set(FIELDS) == set(CALLS)


def test_every_field_a_call_reads_is_documented_and_nothing_else() -> None:
    documented = {f.name for _summary, fields in FIELDS.values() for f in fields}
    assert _read_names() == documented


def _document(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/_emulator/openapi/backuprun.json").json()
    return document


def test_calls_without_a_session_are_public_and_the_rest_need_the_cookie(
        client: TestClient) -> None:
    document = _document(client)
    assert document["components"]["securitySchemes"]["session"] == {
        "type": "apiKey", "in": "cookie", "name": "PHPSESSID",
        "description": document["components"]["securitySchemes"]["session"]["description"]}
    for name, (_handler, needs_session) in CALLS.items():
        op = document["paths"][f"{PATH}#{name}"]["post"]
        assert op["security"] == ([{"session": []}] if needs_session else [])
        form = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        assert form["properties"]["apiCALL"]["enum"] == [name]


@pytest.mark.parametrize("name", sorted(n for n, (_s, fields) in FIELDS.items()
                                        if any(f.required for f in fields)))
def test_a_call_without_its_fields_names_a_documented_required_one(
        client: TestClient, name: str) -> None:
    """Sent with only apiCALL (and a session), the call's answer names a missing field."""
    login = client.get("/_emulator/credentials").json()["backuprun"]
    client.post("/api.php", data={"apiCALL": "login", **login})
    answer = etree.fromstring(client.post("/api.php", data={"apiCALL": name}).content)
    message = answer.find("error").get("message", "")
    required = {f.name for f in FIELDS[name][1] if f.required}
    assert "missing parameter" in message, message
    assert any(f"missing parameter {field}" in message for field in required), message
