"""Faults that act on the connection itself, seen by an httpx client of the real server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from emulator.core.faults import NO_CONTENT
from tests.server import Server, serve

pytestmark = pytest.mark.e2e

T0 = "2026-04-01T00:00:00.000Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("faults"), "--freeze", "--now", T0) as running:
        yield running


@pytest.fixture
def control(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        http.delete("/_emulator/faults")
        http.delete("/_emulator/requests")
        yield http


@pytest.fixture
def cleverfox(server: Server, control: httpx.Client) -> Iterator[httpx.Client]:
    key = control.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
    with httpx.Client(base_url=server.base_url, auth=(key, ""), timeout=10) as http:
        yield http


def _add(control: httpx.Client, **rule: object) -> dict[str, object]:
    response = control.post("/_emulator/faults", json=rule)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _company(name: str) -> dict[str, object]:
    return {"data": {"PartnerId": 1, "PlanTypeId": 1, "Name": name}}


def _companies(http: httpx.Client) -> list[str]:
    return [c["Name"] for c in http.get("/api/companies", params={"PageSize": 1000}).json()["data"]]


def test_drop_closes_the_connection_without_an_answer_and_changes_nothing(
        control: httpx.Client, cleverfox: httpx.Client) -> None:
    before = _companies(cleverfox)
    rule = _add(control, vendor="cleverfox", method="POST", path="/api/companies",
                action="drop", times=1)
    with pytest.raises(httpx.TransportError) as caught:
        cleverfox.post("/api/companies", json=_company("Dropped Co"))
    # no status line came back at all
    assert isinstance(caught.value, httpx.RemoteProtocolError), repr(caught.value)
    assert "without sending a response" in str(caught.value)
    assert _companies(cleverfox) == before
    # the retry is answered: the rule was for one request
    retried = cleverfox.post("/api/companies", json=_company("Dropped Co"))
    assert retried.status_code == 201, retried.text
    assert _companies(cleverfox).count("Dropped Co") == 1
    entries = control.get("/_emulator/requests", params={"method": "POST"}).json()["data"]
    assert [(e["status"], e["faults"]) for e in entries] == [
        (None, [{"rule": rule["id"], "action": "drop"}]), (201, [])]


def test_truncate_cuts_the_real_answer_announced_at_full_length(
        control: httpx.Client, cleverfox: httpx.Client) -> None:
    whole = cleverfox.get("/api/devices").content
    _add(control, vendor="cleverfox", path="/api/devices", action="truncate", truncate_at=100,
         times=1)
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), cleverfox.stream("GET", "/api/devices") as r:
        assert r.status_code == 200
        assert r.headers["content-length"] == str(len(whole))
        for chunk in r.iter_raw():
            received += chunk
    assert bytes(received) == whole[:100]
    assert cleverfox.get("/api/devices").content == whole  # the next one is whole


def test_truncate_with_a_given_body_serves_nothing(control: httpx.Client,
                                                    cleverfox: httpx.Client) -> None:
    before = _companies(cleverfox)
    _add(control, vendor="cleverfox", method="POST", action="truncate", status=201,
         body='{"CompanyId": 99, "Name": "Half"}', truncate_at=10, times=1)
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), cleverfox.stream(
            "POST", "/api/companies", json=_company("Never Made")) as r:
        assert r.status_code == 201
        for chunk in r.iter_raw():
            received += chunk
    assert bytes(received) == b'{"CompanyI'
    assert _companies(cleverfox) == before


@pytest.mark.parametrize("action", ["error", "truncate"])
def test_every_status_a_rule_takes_is_answered_without_breaking_the_server(
        server: Server, control: httpx.Client, cleverfox: httpx.Client, action: str) -> None:
    """Every status from 200 to 599, with a body: a rule is refused naming the status, or its
    answer arrives as given (cut, for truncate) and the server serves on. A 204 or 304 with
    content was accepted and broke the keep-alive connection it was sent on."""
    whole = cleverfox.get("/api/devices/1").content
    refused = []
    for status in range(200, 600):
        response = control.post("/_emulator/faults", json={
            "action": action, "status": status, "body": '{"injected": true}', "times": 1,
            "vendor": "cleverfox", "path": "/api/devices/1"})
        if response.status_code == 422:
            assert f"status {status}" in response.json()["message"], response.text
            refused.append(status)
            continue
        assert response.status_code == 201, response.text
        if action == "error":
            answer = cleverfox.get("/api/devices/1")
            assert (answer.status_code, answer.content) == (status, b'{"injected": true}')
        else:
            with pytest.raises(httpx.RemoteProtocolError), cleverfox.stream(
                    "GET", "/api/devices/1") as cut:
                assert cut.status_code == status
                assert cut.headers["content-length"] == "18"
                cut.read()
        # the same client's next request, on the connection an error answer kept open
        assert cleverfox.get("/api/devices/1").content == whole, status
    assert refused == sorted(NO_CONTENT)
    assert [r["fired"] for r in control.get("/_emulator/faults").json()] == [1] * (400 - 3)
    assert "Exception in ASGI application" not in server.text
    assert "unhandled error" not in server.text


def test_latency_delays_the_real_answer(control: httpx.Client, cleverfox: httpx.Client) -> None:
    _add(control, vendor="cleverfox", action="latency", latency_ms=300, times=1)
    started = time.perf_counter()
    slow = cleverfox.get("/api/devices/1")
    slow_seconds = time.perf_counter() - started
    assert slow.status_code == 200
    assert slow_seconds >= 0.3
    entry = control.get("/_emulator/requests", params={"limit": 1}).json()["data"][0]
    assert entry["duration_ms"] >= 300
    assert entry["faults"][0]["action"] == "latency"


def test_server_logs_no_errors_for_faults(server: Server, control: httpx.Client,
                                          cleverfox: httpx.Client) -> None:
    _add(control, vendor="cleverfox", action="drop", times=2)
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            cleverfox.get("/api/devices/1")
    assert cleverfox.get("/api/devices/1").status_code == 200
    assert "Exception in ASGI application" not in server.text
    assert "returned without" not in server.text
