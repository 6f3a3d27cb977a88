"""No input gives a 5xx: every parameter and body field of every surface, from its OpenAPI document.

The route table is walked through the served documents (`/_emulator/openapi/{name}.json`), so
a new route, parameter or body field is covered without a new test. Each request is made as an
authenticated client of the vendor would make it, with one value made hostile at a time:

- integers too big for 64 bits, Unicode digits (superscript two, Arabic-Indic one), `1_0`,
  ` 1` in every path and
  query parameter: never a 5xx, and a 4xx naming the parameter where it is an integer;
- a lone surrogate (`"\\ud800"`) or a NUL (`"\\u0000"`) in every string body field, 2**63 in
  every integer body field: a 4xx naming the field;
- a NUL (`%00`) in every path and query parameter: a 400 in the vendor's format, naming the
  query parameter (PostgreSQL refuses NUL in text, so each gave a 500 there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emulator.app import SURFACES
from tests.operations import (
    Caller,
    Op,
    basic,
    example,
    json_schema,
    operations,
    resolve,
    sample,
    schema_type,
)

HOSTILE_NUMBERS = ("9223372036854775808", "99999999999999999999", "\u00b2", "\u0661", "1_0",
                   " 1", "-9223372036854775809", "1e3")
SURROGATE = "\\ud800"  # as the JSON escape a client sends
NUL = "\\u0000"
WALKED = [s.name for s in SURFACES]
MEDIA = {s.name: s.media_type for s in SURFACES}
"""Each surface's media type: its errors' too."""


@pytest.fixture
def caller(client: TestClient) -> Caller:
    return Caller(client)


def _parameters_sent(caller: Caller, surface: str, values: Sequence[str], *,
                     encoded: bool = False) -> Iterator[tuple[Op, str, str, bool, str, Any]]:
    """Each path and query parameter of `surface`'s operations sent each of `values` (the
    caller checks no answer is a 5xx): (operation, where, name, documented as an integer,
    value, answer). `encoded`: the values are sent as written (`%00`), not percent-encoded."""
    for op, document in operations(caller.client, surface):
        for param in op.spec.get("parameters", ()):
            where, name = param["in"], param["name"]
            if where not in ("path", "query") or (name == "tenant_id" and not encoded):
                continue
            integer = schema_type(param.get("schema", {}), document) == "integer"
            for value in values:
                body = sample(op, document)
                if where == "path":
                    response = caller.send(op, path={name: value}, body=body)
                elif encoded:
                    response = caller.send(op, raw_query=f"{name}={value}", body=body)
                else:
                    response = caller.send(op, query={name: value}, body=body)
                yield op, where, name, integer, value, response


@pytest.mark.parametrize("surface", WALKED)
def test_hostile_path_and_query_parameters_never_give_a_5xx(caller: Caller, surface: str) -> None:
    walked = 0
    for op, _, name, integer, value, response in _parameters_sent(caller, surface,
                                                                  HOSTILE_NUMBERS):
        walked += 1
        if integer and response.status_code not in (401, 403, 405):
            assert 400 <= response.status_code < 500, (op, name, value, response.text)
            assert name in response.text, (op, name, value, response.text)
    assert walked > 0 or surface == "backuprun"  # one operation, its call named in a form


def _body_fields(op: Op, document: dict[str, Any]) -> Iterator[tuple[list[str], str]]:
    """(path to the field inside the body, its JSON type) for each field of a JSON body."""
    schema = json_schema(op)
    if schema is None:
        return

    def walk(node: dict[str, Any], trail: list[str]) -> Iterator[tuple[list[str], str]]:
        node = resolve(node, document)
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            for key, child in node.get("properties", {}).items():
                yield from walk(child, [*trail, key])
        elif kind in ("string", "integer") and trail:
            yield trail, kind

    yield from walk(schema, [])


def _with(op: Op, document: dict[str, Any], trail: list[str], literal: str) -> bytes:
    """The sample body with the field at `trail` set to the JSON text `literal`."""
    schema = json_schema(op)
    body = example(schema, document) if schema is not None else {}
    marker = "\x00HOSTILE\x00"
    node = body
    for key in trail[:-1]:
        node = node.setdefault(key, {})
    node[trail[-1]] = marker
    return json.dumps(body).replace(json.dumps(marker), literal).encode()


@pytest.mark.parametrize("surface", WALKED)
def test_hostile_body_fields_are_refused_naming_the_field(caller: Caller, surface: str) -> None:
    walked = 0
    for op, document in operations(caller.client, surface):
        for trail, kind in _body_fields(op, document):
            field = trail[-1]
            values = ['"' + SURROGATE + '"', '"a' + NUL + 'b"'] if kind == "string" \
                else [str(2**63), str(-2**63 - 1)]
            for literal in values:
                response = caller.send(op, body=_with(op, document, trail, literal))
                walked += 1
                if response.status_code in (401, 403, 404, 405):
                    continue  # refused before the body was read (an unknown id, a role)
                assert 400 <= response.status_code < 500, (op, trail, literal, response.text)
                assert field in response.text, (op, trail, literal, response.text)
    assert walked > 0 or surface in ("backuprun", "code42")  # form bodies only


def test_a_refused_surrogate_writes_nothing(caller: Caller) -> None:
    """Rackspace configuration names, scripts and Identity usernames were stored before."""
    client, headers = caller.client, caller.headers["rackspace"]
    before = client.get(f"/v1.0/{caller.tenant}/backup-configuration", headers=headers).json()
    agent = client.get(f"/v1.0/{caller.tenant}/user/agents", headers=headers).json()[0]
    body = ('{"MachineAgentId": ' + str(agent["MachineAgentId"]) + ', "BackupConfigurationName":'
            ' "x\\ud800", "IsActive": true, "VersionRetention": 30, "Frequency": "Manually",'
            ' "Inclusions": [], "Exclusions": []}')
    response = client.post(f"/v1.0/{caller.tenant}/backup-configuration", content=body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "BackupConfigurationName" in response.json()["badRequest"]["message"]
    after = client.get(f"/v1.0/{caller.tenant}/backup-configuration", headers=headers).json()
    assert after == before
    identity = client.post("/v2.0/tokens", content=b'{"auth": {"passwordCredentials": '
                           b'{"username": "\\udfff", "password": "x"}}}',
                           headers={"Content-Type": "application/json"})
    assert identity.status_code == 400 and "username" in identity.text


# Ids and integers past what their column holds (core.numbers): 2**31 overflows PostgreSQL's
# INTEGER (SQLite's is 64-bit), 2**63-1 is the widest any column holds. In a path, an id past
# its column names no row: the answer is the vendor's own, as for an id it never issued.
PAST_INTEGER_COLUMN = ("2147483648", "9223372036854775807")
NEVER_ISSUED = "2147483647"  # in every column's range, and no world gets that far

@pytest.mark.parametrize("surface", WALKED)
def test_a_nul_in_any_path_or_query_parameter_is_refused_naming_it(caller: Caller,
                                                                   surface: str) -> None:
    walked = 0
    for op, where, name, _, _, response in _parameters_sent(caller, surface, ("a%00b",),
                                                            encoded=True):
        walked += 1
        assert response.status_code == 400, (op, name, response.text)
        assert "NUL" in response.text, (op, name, response.text)
        if where == "query":
            assert repr(name) in response.text, (op, name, response.text)
        assert _shape(response)[0] == MEDIA[surface], (op, name, response.text)
    assert walked > 0 or surface == "backuprun"


def _shape(response: Any) -> tuple[str, Any]:
    """The vendor's error format, without its words: media type and the JSON keys or XML root."""
    media = response.headers.get("content-type", "").split(";")[0]
    if media.endswith("json"):
        body = response.json()
        return media, sorted(body) if isinstance(body, dict) else type(body).__name__
    return media, response.text.lstrip()[:response.text.lstrip().find(">") + 1][:40]


@pytest.mark.parametrize("surface", WALKED)
def test_ids_past_their_column_are_answered_as_ids_never_issued(caller: Caller,
                                                                surface: str) -> None:
    walked = 0
    for op, document in operations(caller.client, surface):
        for param in op.spec.get("parameters", ()):
            name = param["name"]
            if param["in"] != "path" or schema_type(param.get("schema", {}), document) != "integer":
                continue
            body = sample(op, document)
            unknown = caller.send(op, path={name: NEVER_ISSUED}, body=body)
            assert 400 <= unknown.status_code < 500, (op, name, unknown.text)
            for value in PAST_INTEGER_COLUMN:
                response = caller.send(op, path={name: value}, body=body)
                walked += 1
                assert 400 <= response.status_code < 500, (op, name, value, response.text)
                if response.status_code == unknown.status_code:
                    assert _shape(response) == _shape(unknown), (op, name, value, response.text)
                else:  # the sample body was refused first (a PUT checks it before the row)
                    assert _shape(response)[0] == _shape(unknown)[0], (op, name, value)
    assert walked > 0 or surface in ("backuprun", "code42")  # ids in forms and query strings


@pytest.mark.parametrize("surface", WALKED)
def test_numbers_past_an_integer_column_in_any_parameter_never_give_a_5xx(
        caller: Caller, surface: str) -> None:
    """Ids documented as strings (Code42's, CleverFox's resources) reach the same columns; a
    query integer refused is named."""
    walked = 0
    for op, where, name, integer, value, response in _parameters_sent(
            caller, surface, PAST_INTEGER_COLUMN):
        walked += 1
        if where == "query" and integer and response.status_code >= 400 \
                and response.status_code not in (401, 403, 405):
            assert name in response.text, (op, name, value, response.text)
    assert walked > 0 or surface == "backuprun"  # one operation, its call named in a form


@pytest.mark.parametrize("surface", WALKED)
def test_body_integers_past_an_integer_column_are_refused_naming_the_field(
        caller: Caller, surface: str) -> None:
    """Every integer body field not documented as 64-bit (a seed) is stored in, or compared
    with, an INTEGER column: 2**31 is refused on both stores alike, naming the field."""
    walked = 0
    for op, document in operations(caller.client, surface):
        for trail, kind in _body_fields(op, document):
            schema = json_schema(op)
            assert schema is not None
            if kind != "integer" or _documented_max(schema, trail, document) > 2**31 - 1:
                continue
            for literal in (str(2**31), str(-2**31 - 1)):
                response = caller.send(op, body=_with(op, document, trail, literal))
                walked += 1
                if response.status_code in (401, 403, 404, 405):
                    continue  # refused before the body was read (an unknown id, a role)
                assert 400 <= response.status_code < 500, (op, trail, literal, response.text)
                assert trail[-1] in response.text, (op, trail, literal, response.text)
    assert walked > 0 or surface in ("backuprun", "code42")  # form bodies only


def _documented_max(schema: dict[str, Any], trail: list[str], document: dict[str, Any]) -> int:
    node = resolve(schema, document)
    for key in trail:
        node = resolve(node.get("properties", {})[key], document)
    return int(node.get("maximum", 2**31 - 1))


def test_credentials_holding_a_nul_name_no_one(caller: Caller) -> None:
    """Basic credentials (CleverFox, Code42) and BackupRun's session cookie reach a lookup:
    one with a NUL, even after a real key or login, is the vendor's own 'unknown' answer (on
    PostgreSQL it was a 500, its text refusing NUL)."""
    client = caller.client
    creds = client.get("/_emulator/credentials").json()
    key = creds["cleverfox"]["api_key"]
    admin = creds["code42"]["sysadmin"]
    for user, password in ((key + "\x00", ""), ("\x00", ""), (key, "\x00")):
        answer = client.get("/api/devices", headers={"Authorization": basic(user, password)})
        assert answer.status_code == 401, answer.text
        assert "Authorization has been denied" in answer.json()["Message"]
    for user, password in ((admin["username"] + "\x00", admin["password"]),
                           (admin["username"], admin["password"] + "\x00")):
        answer = client.get("/api/v1/Computer",
                            headers={"Authorization": basic(user, password)})
        assert answer.status_code == 401, answer.text
        assert answer.json()[0]["name"]
    # Starlette unquotes a quoted cookie's octal escapes: "\000" arrives as a NUL
    for cookie in ('PHPSESSID="\\000"', 'PHPSESSID="ab\\000cd"'):
        answer = client.post("/api.php", data={"apiCALL": "getStatus"},
                             headers={"Cookie": cookie})
        assert answer.status_code == 200, answer.text
        assert b'code="not_logged_in"' in answer.content, answer.text
    assert client.get("/api/devices", auth=(key, "")).status_code == 200
