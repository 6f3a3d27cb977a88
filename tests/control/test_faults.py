"""/_emulator/faults: rules answer in each vendor's own format, fire as told, change nothing."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from emulator.app import create_app
from emulator.core.faults import NO_CONTENT
from emulator.core.timeutil import UTC
from tests.conftest import TEST_DB, make_settings
from tests.vendors.rackspace.conftest import login as rackspace_login

# Its servers share one store: on PostgreSQL, the suite's database (conftest).
pytestmark = pytest.mark.shared_store


def add(client: TestClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/_emulator/faults", json=rule)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def creds(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/_emulator/credentials").json()
    return body


def cf_auth(client: TestClient, credentials: dict[str, Any] | None = None) -> tuple[str, str]:
    return ((credentials or creds(client))["cleverfox"]["api_key"], "")


def company(name: str) -> dict[str, Any]:
    return {"data": {"PartnerId": 1, "PlanTypeId": 1, "Name": name}}


def company_names(client: TestClient, auth: tuple[str, str]) -> list[str]:
    response = client.get("/api/companies", params={"PageSize": 1000}, auth=auth)
    assert response.status_code == 200, response.text
    return [c["Name"] for c in response.json()["data"]]


def vendor_call(client: TestClient, vendor: str, c: dict[str, Any] | None = None) -> Any:
    """One authenticated read per vendor, as its clients make it."""
    c = c or creds(client)
    if vendor == "cleverfox":
        return client.get("/api/devices/1", auth=cf_auth(client, c))
    if vendor == "rackspace":
        r = c["rackspace"]
        token = rackspace_login(client, r["username"], r["api_key"])
        return client.get(f"/v1.0/{r['tenant_id']}/user/agents", headers={"X-Auth-Token": token})
    if vendor == "backuprun":
        return client.post("/api.php", data={"apiCALL": "login", **c["backuprun"]})
    admin = c["code42"]["sysadmin"]
    return client.get("/api/DeviceBackupReport", auth=(admin["username"], admin["password"]))


@pytest.mark.parametrize(("vendor", "status", "expect"), [
    ("cleverfox", 500, lambda r: r.json()["Message"].startswith("Internal Server Error")),
    ("rackspace", 503, lambda r: r.json()["serviceUnavailable"]["code"] == 503),
    ("code42", 500, lambda r: r.json()[0]["name"] == "SYSTEM"),
    ("backuprun", 502, lambda r: etree.fromstring(r.content).find("status").get("value")
     == "error"),
])
def test_error_answers_in_the_vendors_own_format(client: TestClient, vendor: str, status: int,
                                                 expect: Any) -> None:
    # Rackspace's token call is Rackspace's too: the rule is for the Cloud Backup call only
    path = "/v1.0/*" if vendor == "rackspace" else None
    rule = add(client, vendor=vendor, path=path, action="error", status=status)
    response = vendor_call(client, vendor)
    assert response.status_code == status
    assert expect(response), response.text
    assert f"fault rule {rule['id']}" in response.text


def test_throttle_sends_retry_after_and_the_vendor_error(client: TestClient) -> None:
    add(client, vendor="rackspace", path="/v1.0/*/user/agents", action="throttle",
        retry_after=30, times=1)
    throttled = vendor_call(client, "rackspace")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "30"
    assert throttled.json()["overLimit"]["code"] == 429
    assert vendor_call(client, "rackspace").status_code == 200
    add(client, vendor="code42", action="throttle", status=503)
    unavailable = vendor_call(client, "code42")
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "1")
    assert unavailable.json()[0]["name"] == "SERVICE_UNAVAILABLE"


def test_a_given_body_is_answered_as_given(client: TestClient) -> None:
    add(client, vendor="cleverfox", action="error", status=502, body="<html>Bad gateway</html>",
        content_type="text/html")
    response = vendor_call(client, "cleverfox")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<html>Bad gateway</html>"


@pytest.mark.parametrize("action", ["error", "truncate"])
def test_a_stored_rule_with_a_status_that_has_no_content_answers_without_any(
        client: TestClient, action: str) -> None:
    """A rule stored before FaultSpec refused 204, 205 and 304 with content (an older store,
    another process) still answers its status, without the body HTTP forbids there."""
    emu = client.app.state.emulator  # type: ignore[attr-defined]
    for status in NO_CONTENT:
        emu.faults.add(datetime.now(UTC), action=action, status=status, body="not sent",
                       vendor="cleverfox", times=1)
        response = vendor_call(client, "cleverfox")
        assert (response.status_code, response.content) == (status, b"")
    assert vendor_call(client, "cleverfox").status_code == 200


def test_times_fires_for_the_next_n_matching_requests(client: TestClient) -> None:
    rule = add(client, vendor="cleverfox", action="error", status=503, times=2)
    statuses = [vendor_call(client, "cleverfox").status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    view = client.get(f"/_emulator/faults/{rule['id']}").json()
    assert (view["fired"], view["remaining"]) == (2, 0)


def _part(headers: str, value: bytes = b"getStatus") -> bytes:
    return b"--XX\r\n" + headers.encode() + b"\r\n\r\n" + value + b"\r\n"


_NESTED = (b'Content-Type: multipart/mixed; boundary=YY\r\n\r\n--YY\r\n'
           b'Content-Disposition: form-data; name="apiCALL"\r\n\r\ngetStatus\r\n--YY--')
ODD_FORMS = {
    "plain": _part('Content-Disposition: form-data; name="apiCALL"') + b"--XX--\r\n",
    "unquoted": _part("content-disposition: form-data; name=apiCALL") + b"--XX--\r\n",
    "RFC 2231 name": _part("Content-Disposition: form-data; name*=UTF-8''api%43ALL")
    + b"--XX--\r\n",
    "no name": _part("Content-Disposition: form-data") + b"--XX--\r\n",
    "base64": _part('Content-Disposition: form-data; name="apiCALL"\r\n'
                    "Content-Transfer-Encoding: base64", b"Z2V0U3RhdHVz") + b"--XX--\r\n",
    "a file": _part('Content-Disposition: form-data; name="apiCALL"; filename="call.txt"')
    + b"--XX--\r\n",
    "nested": b"--XX\r\nContent-Disposition: form-data; name=\"apiCALL\"\r\n" + _NESTED
    + b"\r\n--XX--\r\n",
    "unterminated": b'--XX\r\nContent-Disposition: form-data; name="apiCALL"\r\n\r\ngetSta',
    "latin-1 charset": _part('Content-Disposition: form-data; name="apiCALL"') + b"--XX--\r\n",
    "no parts": b"--XX--\r\n",
}
"""Multipart bodies that parsers can read differently (the names say how)."""


@pytest.mark.parametrize("form", ODD_FORMS)
def test_a_rule_on_an_api_call_fires_exactly_when_the_call_is_made(client: TestClient,
                                                                   form: str) -> None:
    """The rule's matching and the route read a form alike (core.forms): a rule on getStatus
    fired on a body whose apiCALL the route could not read, or the reverse."""
    assert client.post("/api.php", data={"apiCALL": "login", **creds(client)["backuprun"]}
                       ).status_code == 200
    charset = "; charset=latin-1" if "latin-1" in form else ""
    headers = {"Content-Type": "multipart/form-data; boundary=XX" + charset}
    answer = client.post("/api.php", content=ODD_FORMS[form], headers=headers)
    root = etree.fromstring(answer.content)
    made = root.find("status").get("value") == "ok"  # logged in: getStatus answers ok
    assert made == (form in ("plain", "unquoted", "latin-1 charset")), answer.text
    rule = add(client, vendor="backuprun", api_call="getStatus", action="error", status=503)
    faulted = client.post("/api.php", content=ODD_FORMS[form], headers=headers)
    assert (faulted.status_code == 503) == made, faulted.text
    client.delete(f"/_emulator/faults/{rule['id']}")
    entry = client.get("/_emulator/requests", params={"limit": 1}).json()["data"][0]
    assert (entry["api_call"] == "getStatus") == made, entry  # as the route read it


def test_probability_is_drawn_from_the_rules_seed(client: TestClient) -> None:
    def run(seed: int) -> list[int]:
        client.delete("/_emulator/faults")
        add(client, vendor="cleverfox", action="error", status=500, probability=0.5, seed=seed)
        return [vendor_call(client, "cleverfox").status_code for _ in range(24)]

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    assert 4 <= first.count(500) <= 20  # a fair coin, not always or never


def test_rules_match_on_method_path_vendor_and_api_call(client: TestClient) -> None:
    c = creds(client)
    auth = cf_auth(client, c)
    add(client, vendor="cleverfox", method="POST", path="/api/companies", action="error",
        status=500)
    add(client, api_call="getStatus", action="error", status=503)
    assert client.get("/api/companies", auth=auth).status_code == 200
    assert client.post("/api/companies", json=company("X"), auth=auth).status_code == 500
    assert client.post("/api/jobs", json={"data": {}}, auth=auth).status_code == 400
    login = client.post("/api.php", data={"apiCALL": "login", **c["backuprun"]})
    assert login.status_code == 200
    # apiCALL in a multipart form, in the query string: both are the call's name
    status = client.post("/api.php", files={"apiCALL": (None, "getStatus")})
    assert status.status_code == 503
    assert client.post("/api.php?apiCALL=getStatus").status_code == 503
    assert vendor_call(client, "code42").status_code == 200


def test_a_sandbox_rule_touches_only_that_sandbox(client: TestClient) -> None:
    one = client.post("/_emulator/sandboxes", json={}).json()
    two = client.post("/_emulator/sandboxes", json={}).json()
    add(client, sandbox=one["id"], action="error", status=503)
    assert client.get("/api/devices/1", auth=cf_auth(client, one["credentials"])).status_code \
        == 503
    assert client.get("/api/devices/1", auth=cf_auth(client, two["credentials"])).status_code \
        == 200
    assert vendor_call(client, "cleverfox").status_code == 200
    # a bad key never reaches a world: no sandbox rule can fire on it
    assert client.get("/api/devices/1", auth=("nobody", "")).status_code == 401
    listed = client.get("/_emulator/faults", params={"sandbox": one["id"]}).json()
    assert [r["sandbox"] for r in listed] == [one["id"]]
    assert client.delete(f"/_emulator/sandboxes/{one['id']}").status_code == 204
    assert client.get("/_emulator/faults").json() == []


@pytest.mark.parametrize("vendor", ["cleverfox", "rackspace", "backuprun", "code42"])
def test_sandbox_rules_fire_once_each_vendor_finds_the_sandbox(client: TestClient,
                                                               vendor: str) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    path = "/v1.0/*" if vendor == "rackspace" else None
    rule = add(client, sandbox=sandbox["id"], vendor=vendor, path=path, action="error",
               status=503)
    assert vendor_call(client, vendor, sandbox["credentials"]).status_code == 503
    assert vendor_call(client, vendor).status_code == 200  # the default world's
    entry = client.get("/_emulator/requests", params={"fault": "true"}).json()["data"][-1]
    assert entry["sandbox"] == sandbox["id"]
    assert entry["faults"] == [{"rule": rule["id"], "action": "error"}]


def test_a_fault_never_changes_state(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    for scope, credentials in ((None, creds(client)), (sandbox["id"], sandbox["credentials"])):
        auth = cf_auth(client, credentials)
        before = company_names(client, auth)
        # (drop and truncate need a real connection: tests/e2e/test_fault_wire.py)
        for action in ("error", "throttle"):
            made = add(client, action=action, method="POST", sandbox=scope)
            answer = client.post("/api/companies", json=company(f"Faulty {action}"), auth=auth)
            assert answer.status_code in (201, 500, 429) and "Faulty" not in answer.text
            client.delete(f"/_emulator/faults/{made['id']}")
        assert company_names(client, auth) == before


def test_latency_delays_then_serves(client: TestClient) -> None:
    add(client, vendor="cleverfox", action="latency", latency_ms=[120, 150], times=1)
    started = time.perf_counter()
    response = vendor_call(client, "cleverfox")
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.12
    entry = client.get("/_emulator/requests", params={"vendor": "cleverfox"}).json()["data"][-1]
    assert entry["faults"][0]["action"] == "latency" and entry["status"] == 200


def test_latency_then_an_error_both_fire(client: TestClient) -> None:
    slow = add(client, vendor="cleverfox", action="latency", latency_ms=10)
    failing = add(client, vendor="cleverfox", action="error", status=500)
    assert vendor_call(client, "cleverfox").status_code == 500
    entry = client.get("/_emulator/requests", params={"fault": "true"}).json()["data"][-1]
    assert entry["faults"] == [{"rule": slow["id"], "action": "latency"},
                               {"rule": failing["id"], "action": "error"}]


@pytest.mark.parametrize(("rule", "words"), [
    ({"action": "explode"}, "action"),
    ({"action": "throttle", "status": 500}, "429 or 503"),
    ({"action": "latency"}, "latency_ms"),
    ({"action": "latency", "latency_ms": [50, 10]}, "min <= max"),
    ({"action": "drop", "status": 500}, "status does not apply"),
    ({"action": "error", "vendor": "cleverfox", "api_call": "login"}, "backuprun"),
    ({"action": "error", "probability": 0}, "probability"),
    ({"action": "error", "times": 0}, "times"),
    ({"action": "error", "path": "api/x"}, "start with /"),
    ({"action": "error", "vendor": "dropbox"}, "vendor"),
    ({"action": "error", "content_type": "text/plain"}, "content_type needs a body"),
])
def test_bad_rules_are_refused_and_nothing_is_added(client: TestClient, rule: dict[str, Any],
                                                    words: str) -> None:
    response = client.post("/_emulator/faults", json=rule)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert words in response.json()["message"]
    assert client.get("/_emulator/faults").json() == []


def test_rules_are_listed_deleted_and_gone_after_reset(client: TestClient) -> None:
    first = add(client, action="error")
    second = add(client, action="drop", vendor="code42")
    assert [r["id"] for r in client.get("/_emulator/faults").json()] == [first["id"],
                                                                          second["id"]]
    assert client.get(f"/_emulator/faults/{second['id']}").json()["vendor"] == "code42"
    assert client.delete(f"/_emulator/faults/{first['id']}").status_code == 204
    missing = client.delete(f"/_emulator/faults/{first['id']}")
    assert missing.status_code == 404 and "no fault rule" in missing.json()["message"]
    assert client.post("/_emulator/faults", json={"action": "error", "sandbox": "sb-nope"}
                       ).status_code == 404
    assert client.post("/_emulator/reset").status_code == 200
    assert client.get("/_emulator/faults").json() == []


def test_control_plane_is_never_faulted(client: TestClient) -> None:
    add(client, action="error", status=500)
    assert client.get("/_emulator/health").status_code == 200
    assert client.get("/_emulator/credentials").status_code == 200


def test_restoring_a_snapshot_without_a_sandbox_removes_its_rules(client: TestClient) -> None:
    assert client.post("/_emulator/snapshots", json={"name": "before"}).status_code == 201
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    add(client, sandbox=sandbox["id"], action="error")
    kept = add(client, action="latency", latency_ms=1)
    assert client.post("/_emulator/snapshots/before/restore").status_code == 200
    # the sandbox is gone, and so is the rule that could only ever fire on it
    assert [r["id"] for r in client.get("/_emulator/faults").json()] == [kept["id"]]


# -- two processes over one store (issue 16): two apps on one database ----------------------

@pytest.fixture
def pair(tmp_path: Path, default_world_template: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two emulators on one database, as two processes of one server: a SQLite file holding
    the default world (or the shared test database, which the first builds on)."""
    db = TEST_DB
    if TEST_DB == ":memory:":
        db = str(tmp_path / "shared.db")
        shutil.copy(default_world_template, db)
    with TestClient(create_app(make_settings(db=db))) as a, \
            TestClient(create_app(make_settings(db=db))) as b:
        yield a, b


def statuses(clients: list[TestClient]) -> list[int]:
    return [vendor_call(c, "cleverfox").status_code for c in clients]


def test_a_second_process_on_a_built_store_builds_nothing(tmp_path: Path) -> None:
    settings = make_settings(db=str(tmp_path / "fresh.db") if TEST_DB == ":memory:" else TEST_DB)
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        assert a.app.state.emulator.built_default_world  # type: ignore[attr-defined]
        assert not b.app.state.emulator.built_default_world  # type: ignore[attr-defined]
        assert creds(b) == creds(a)
        add(a, vendor="cleverfox", action="error", status=503, times=1)
        assert statuses([b, a]) == [503, 200]


def test_a_rule_set_through_one_process_fires_once_over_both(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    assert statuses([a, b]) == [200, 200]  # each has read the rules (none) before
    rule = add(a, vendor="cleverfox", action="error", status=503, times=1)
    assert statuses([b, a, b, a, b]) == [503, 200, 200, 200, 200]
    for client in (a, b):
        view = client.get(f"/_emulator/faults/{rule['id']}").json()
        assert (view["fired"], view["remaining"]) == (1, 0)


def test_processes_serving_at_once_fire_a_rule_exactly_times_in_all(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    rule = add(a, vendor="cleverfox", action="error", status=503, times=7)
    with ThreadPoolExecutor(2) as pool:
        served = list(pool.map(lambda c: statuses([c] * 15), [a, b]))
    assert sorted(served[0] + served[1]).count(503) == 7
    assert b.get(f"/_emulator/faults/{rule['id']}").json()["fired"] == 7


def test_the_other_process_lists_a_rule_with_its_firings(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    rule = add(a, vendor="cleverfox", action="throttle", times=3)
    assert statuses([a, a]) == [429, 429]
    listed = b.get("/_emulator/faults").json()
    assert listed == [{**rule, "fired": 2, "remaining": 1}]
    assert statuses([b, a, b]) == [429, 200, 200]
    assert b.get(f"/_emulator/faults/{rule['id']}").json()["fired"] == 3


def test_probability_draws_are_the_same_whichever_process_serves(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair

    def run(clients: list[TestClient]) -> list[int]:
        a.delete("/_emulator/faults")
        add(b, vendor="cleverfox", action="error", status=500, probability=0.5, seed=99)
        return statuses(clients * (20 // len(clients)))

    alone, alternating, alone_on_b = run([a]), run([a, b]), run([b])
    assert alone == alternating == alone_on_b
    assert 3 <= alone.count(500) <= 17  # a fair coin, not always or never


def test_a_reset_through_one_process_removes_the_rules_the_other_sees(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    first = add(a, action="latency", latency_ms=0)
    add(b, vendor="cleverfox", action="error", status=503)
    assert statuses([b]) == [503]
    assert [r["id"] for r in b.get("/_emulator/faults").json()] == [1, 2]
    assert a.post("/_emulator/reset").status_code == 200
    assert b.get("/_emulator/faults").json() == []
    assert statuses([a]) == [200]
    again = add(b, action="drop", vendor="code42")
    # numbering starts over, and with it each rule's default seed
    assert (again["id"], again["seed"]) == (1, first["seed"])
