"""The guard in front of every surface: Host, control-plane writes, token, body bounds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from emulator.app import create_app
from tests.conftest import make_settings

TOKEN = "guard-test-token"


def _client(**settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(**settings))) as client:
        yield client


@pytest.fixture
def small(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """An emulator that takes bodies of at most 1 KiB."""
    yield from _client(max_body_bytes=1024)


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    """An emulator whose control plane needs a token."""
    yield from _client(control_token=TOKEN)


def _world(client: TestClient) -> tuple[Any, Any]:
    return (client.get("/_emulator/credentials").json(), client.get("/_emulator/clock").json())


# -- Host ----------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.nip.io",
                                  "localhost.evil.example:8080", "[::1", "[::1]x",
                                  "[::1]:80x", "localhost:80:80", "[localhost]"])
def test_a_host_the_server_is_not_reached_by_is_refused_everywhere(
        client: TestClient, host: str) -> None:
    control = client.get("/_emulator/credentials", headers={"Host": host})
    assert control.status_code == 400
    assert control.json()["code"] == "bad_host"
    assert "EMULATOR_ALLOWED_HOSTS" in control.json()["message"]
    # a vendor path answers in the vendor's own format (DNS rebinding reads vendor data too)
    cleverfox = client.get("/api/devices", headers={"Host": host})
    assert cleverfox.status_code == 400 and "Message" in cleverfox.json()
    code42 = client.get("/api/v1/Computer", headers={"Host": host})
    assert code42.status_code == 400 and code42.json()[0]["name"] == "INVALID_PARAMETER"


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST",
                                  "testserver"])
def test_loopback_names_and_the_servers_own_address_are_answered(
        client: TestClient, host: str) -> None:
    assert client.get("/_emulator/credentials", headers={"Host": host}).status_code == 200


def test_names_from_the_setting_and_the_base_url_are_answered() -> None:
    for client in _client(allowed_hosts=["emulator"], base_url="http://public.example:9000"):
        for host in ("emulator:8080", "emulator", "public.example:9000"):
            assert client.get("/_emulator/clock", headers={"Host": host}).status_code == 200
        assert client.get("/_emulator/clock", headers={"Host": "other"}).status_code == 400


def test_a_star_answers_any_host() -> None:
    for client in _client(allowed_hosts=["*"]):
        assert client.get("/_emulator/clock", headers={"Host": "a.b"}).status_code == 200


# -- control-plane writes ------------------------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x"])
@pytest.mark.parametrize("body", [b"", b'{"seed": 5}'])
def test_a_control_write_that_is_not_json_is_refused_and_changes_nothing(
        client: TestClient, content_type: str, body: bytes) -> None:
    before = _world(client)
    response = client.post("/_emulator/reset", content=body,
                           headers={"Content-Type": content_type})
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_media_type"
    assert _world(client) == before


def test_a_control_write_with_a_body_but_no_content_type_is_refused(client: TestClient) -> None:
    response = client.post("/_emulator/clock", content=b'{"advance_seconds": 5}')
    assert response.status_code == 415


def test_a_bodyless_write_without_content_type_is_taken_from_tools(client: TestClient) -> None:
    # curl -X POST / httpx.post(url): no Origin, no body, no Content-Type
    assert client.post("/_emulator/reset").status_code == 200
    assert client.post("/_emulator/reset", json={"seed": 5}).json()["seed"] == 5


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver:9999"},
    {"Sec-Fetch-Site": "cross-site"},
])
def test_a_control_write_from_another_origin_is_refused(
        client: TestClient, headers: dict[str, str]) -> None:
    before = _world(client)
    response = client.post("/_emulator/reset", headers=headers)  # what a page's fetch sends
    assert response.status_code == 403, response.text
    assert client.post("/_emulator/clock", json={"advance_seconds": 60},
                       headers=headers).status_code == 403
    assert _world(client) == before


def test_a_same_origin_json_write_is_taken(client: TestClient) -> None:
    # the console at / calls the control plane with fetch from the same origin
    response = client.post("/_emulator/clock", json={"advance_seconds": 60},
                           headers={"Origin": "http://testserver",
                                    "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200, response.text


# -- control token -------------------------------------------------------------------------

def test_with_a_token_every_control_call_needs_it(guarded: TestClient) -> None:
    for method, path in (("GET", "/_emulator/credentials"), ("GET", "/_emulator/clock"),
                         ("POST", "/_emulator/reset"), ("GET", "/_emulator/requests"),
                         ("GET", "/_emulator/cleverfox/partners")):
        for headers in ({}, {"X-Emulator-Token": "wrong"}):
            response = guarded.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, response.text)
            assert "X-Emulator-Token" in response.json()["message"]
    ok = guarded.get("/_emulator/credentials", headers={"X-Emulator-Token": TOKEN})
    assert ok.status_code == 200


def test_with_a_token_health_docs_and_vendors_stay_open(guarded: TestClient) -> None:
    assert guarded.get("/_emulator/health").status_code == 200
    assert guarded.get("/_emulator/openapi/cleverfox.json").status_code == 200
    assert guarded.get("/_emulator/openapi.json").status_code == 200
    # vendor calls are guarded by the vendors' own credentials, not the control token
    assert guarded.get("/api/devices").status_code == 401


def test_with_a_token_the_console_shows_nothing_without_it(guarded: TestClient) -> None:
    secret = guarded.get("/_emulator/credentials",
                         headers={"X-Emulator-Token": TOKEN}).json()["cleverfox"]["api_key"]
    for path in ("/", "/docs", "/console/worlds", "/console/reference/cleverfox"):
        for query in ({}, {"token": "wrong"}):
            page = guarded.get(path, params=query, follow_redirects=False)
            assert page.status_code == 401, (path, page.text)
            assert secret not in page.text and "<form method=get>" in page.text
            assert ("not this emulator's token" in page.text) == bool(query)


def test_the_token_given_to_the_console_becomes_a_strict_cookie(guarded: TestClient) -> None:
    given = guarded.get("/console/live", params={"world": "default", "token": TOKEN},
                        follow_redirects=False)
    assert given.status_code == 303 and given.headers["location"] == "/console/live?world=default"
    cookie = given.headers["set-cookie"]
    assert cookie.startswith(f"emulator_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    jar = {"emulator_token": TOKEN}
    assert guarded.get("/", cookies=jar).status_code == 200
    # The console's own calls to the control plane go with the cookie.
    assert guarded.get("/_emulator/credentials", cookies=jar).status_code == 200
    moved = guarded.post("/_emulator/clock", json={"advance_seconds": 60}, cookies=jar,
                         headers={"Origin": "http://testserver"})
    assert moved.status_code == 200, moved.text
    assert guarded.get("/", cookies={"emulator_token": "wrong"}).status_code == 401


# -- body size -----------------------------------------------------------------------------

def _huge_json() -> bytes:
    return b'{"data": {"Name": "' + b"x" * 4096 + b'"}}'


def test_a_body_over_the_limit_is_413_in_each_vendors_format(small: TestClient) -> None:
    json_headers = {"Content-Type": "application/json"}
    cleverfox = small.post("/api/companies", content=_huge_json(), headers=json_headers)
    assert cleverfox.status_code == 413 and "1024" in cleverfox.json()["Message"]
    rackspace = small.post("/v2.0/tokens", content=_huge_json(), headers=json_headers)
    assert rackspace.status_code == 413 and rackspace.json()["overLimit"]["code"] == 413
    code42 = small.post("/api/v3/oauth/token", content=b"grant_type=" + b"x" * 4096,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert code42.status_code == 413 and code42.json()[0]["name"] == "PAYLOAD_TOO_LARGE"
    backuprun = small.post("/api.php", data={"apiCALL": "login", "email": "x" * 4096})
    assert backuprun.status_code == 413
    assert etree.fromstring(backuprun.content).tag == "response"
    control = small.post("/_emulator/reset", content=_huge_json(), headers=json_headers)
    assert control.status_code == 413 and control.json()["code"] == "payload_too_large"
    assert cleverfox.headers["connection"] == "close"


def test_a_streamed_body_is_counted_as_it_arrives(small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to check up front
        for _ in range(64):
            yield b"x" * 100

    response = small.post("/api.php?apiCALL=login", content=chunks(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    multipart = small.post("/api.php", data={"apiCALL": "login"},
                           files={"upload": ("big.bin", b"\0" * 8192)})
    assert multipart.status_code == 413


def test_a_body_under_the_limit_is_served(small: TestClient) -> None:
    response = small.post("/api.php", data={"apiCALL": "login", "email": "a@b.c",
                                            "password": "x"})
    assert response.status_code == 200


# -- text that cannot be stored ------------------------------------------------------------

def test_invalid_utf8_in_json_is_refused_naming_the_body(client: TestClient) -> None:
    response = client.post("/v2.0/tokens", content=b'{"auth": {"x": "\xed\xa0\x80"}}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "UTF-8" in response.json()["badRequest"]["message"]


def test_refused_requests_are_journaled_with_why_and_masked(client: TestClient) -> None:
    key = client.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
    refused = client.get("/api/devices", headers={"Host": "evil.example"}, auth=(key, ""))
    assert refused.status_code == 400
    reset = client.post("/_emulator/reset", content=b"x", headers={"Content-Type": "text/plain"})
    assert reset.status_code == 415
    page = client.get("/_emulator/requests").json()
    entries = {e["path"]: e for e in page["data"]}
    host = entries["/api/devices"]
    assert host["status"] == 400 and host["vendor"] == "cleverfox"
    assert "evil.example" in host["response"]["body"]
    assert key not in str(host["request"]["headers"])  # credentials masked as in every entry
    control = entries["/_emulator/reset"]
    assert control["status"] == 415 and "text/plain" in control["response"]["body"]
