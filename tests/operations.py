"""The route table as a client walks it: every operation of a surface's served OpenAPI
document (`/_emulator/openapi/{name}.json`), sent as an authenticated client of the vendor
would send it, with a plausible body from its schema. Tests that must cover a new route
without a new test walk it through here (tests/test_hostile_input.py, tests/core/
test_write_lock.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

__all__ = ["Caller", "Op", "basic", "example", "json_schema", "operations", "resolve",
           "sample", "schema_type"]


@dataclass
class Op:
    surface: str
    method: str
    path: str
    spec: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(client: TestClient, name: str) -> Iterator[tuple[Op, dict[str, Any]]]:
    document = client.get(f"/_emulator/openapi/{name}.json").json()
    for path, item in document["paths"].items():
        for method, spec in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                yield Op(name, method.upper(), path, spec), document


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, ()):
            option = resolve(option, document)
            if option.get("type") not in (None, "null"):
                return option
    return schema


def schema_type(schema: dict[str, Any], document: dict[str, Any]) -> str | None:
    return resolve(schema, document).get("type")


class Caller:
    """Authenticated requests to every surface of the default world."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        creds = client.get("/_emulator/credentials").json()
        self.tenant = str(creds["rackspace"]["tenant_id"])
        token = client.post("/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
            "username": creds["rackspace"]["username"],
            "apiKey": creds["rackspace"]["api_key"]}}}).json()["access"]["token"]["id"]
        code42 = creds["code42"]["sysadmin"]
        self.headers = {
            "cleverfox": {"Authorization": basic(creds["cleverfox"]["api_key"], "")},
            "rackspace": {"X-Auth-Token": token},
            "code42": {"Authorization": basic(code42["username"], code42["password"])},
        }

    def path(self, op: Op, params: dict[str, str]) -> str:
        path = op.path
        for param in op.spec.get("parameters", ()):
            if param["in"] == "path":
                name = param["name"]
                default = self.tenant if name == "tenant_id" else "1"
                path = path.replace("{" + name + "}", params.get(name, default))
        return path

    def send(self, op: Op, *, path: dict[str, str] | None = None,
             query: dict[str, str] | None = None, body: bytes | None = None,
             raw_query: str | None = None) -> Any:
        """`raw_query`: a query string sent as written (`a=%00`), where `query` is encoded."""
        headers = dict(self.headers.get(op.surface, {}))
        if body is not None:
            headers["Content-Type"] = "application/json"
        target = self.path(op, path or {}) + ("" if raw_query is None else f"?{raw_query}")
        response = self.client.request(op.method, target, params=query, content=body,
                                       headers=headers)
        assert response.status_code < 500, f"{op}: {response.status_code} {response.text}"
        return response


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def json_schema(op: Op) -> dict[str, Any] | None:
    content = op.spec.get("requestBody", {}).get("content", {})
    schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
    return schema


def example(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A plausible value: required fields filled, the first choice of an enum."""
    node = resolve(schema, document)
    if "example" in node:
        return node["example"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {k: example(props[k], document) for k in node.get("required", ()) if k in props}
    return {"string": "x", "integer": 1, "number": 1, "boolean": True,
            "array": []}.get(str(kind))


def sample(op: Op, document: dict[str, Any]) -> bytes | None:
    schema = json_schema(op)
    return None if schema is None else json.dumps(example(schema, document)).encode()
