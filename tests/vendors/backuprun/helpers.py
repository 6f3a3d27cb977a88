"""Driving /api.php as a PHP client does: form posts, a cookie jar, XML answers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from lxml import etree


def api(client: TestClient, call: str, *, multipart: bool = False,
        **params: Any) -> etree._Element:
    """POST one apiCALL and parse the XML answer (which must be well-formed)."""
    fields = {"apiCALL": call, **{k.replace("__", "-"): str(v) for k, v in params.items()}}
    if multipart:
        response = client.post("/api.php", files={k: (None, v) for k, v in fields.items()})
    else:
        response = client.post("/api.php", data=fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


def ok(root: etree._Element) -> etree._Element:
    """Assert the answer's status is ok and return it."""
    status = root.find("status")
    assert status is not None and status.get("value") == "ok", etree.tostring(root)
    return root


def error(root: etree._Element, code: str | None = None) -> str:
    """Assert the answer is the error shape (with `code`) and return its message."""
    assert root.tag == "response"
    assert root.find("status").get("value") == "error", etree.tostring(root)
    node = root.find("error")
    assert node is not None
    if code is not None:
        assert node.get("code") == code, etree.tostring(root)
    return str(node.get("message"))


def credentials(client: TestClient) -> dict[str, str]:
    creds: dict[str, str] = client.get("/_emulator/credentials").json()["backuprun"]
    return creds


def login(client: TestClient, email: str | None = None, password: str | None = None,
          remember: int = 1) -> etree._Element:
    """Log in (the default world's main user unless told otherwise); remember=1 by default."""
    if email is None:
        creds = credentials(client)
        email, password = creds["email"], creds["password"]
    return ok(api(client, "login", email=email, password=password, remember=remember))


def advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_emulator/clock", json={"advance_seconds": seconds}).status_code == 200


def agents(client: TestClient) -> dict[str, etree._Element]:
    """getStatus's agents by service_id."""
    root = ok(api(client, "getStatus"))
    return {a.get("service_id"): a for a in root.iterfind("account/agent")}


def add_service(client: TestClient, **overrides: Any) -> etree._Element:
    """addService with sensible defaults; returns the <agent>."""
    params = {"type": "VDS", "location": "528", "name": "srv", "agent": "123.123.123.123",
              "agent_port": "1167", **overrides}
    agent = ok(api(client, "addService", **params)).find("agent")
    assert agent is not None
    return agent


def created_service(client: TestClient, **overrides: Any) -> etree._Element:
    """A service advanced until create_status is 10."""
    agent = add_service(client, **overrides)
    advance(client, 120)
    return agents(client)[agent.get("service_id")]
