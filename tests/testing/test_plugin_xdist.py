"""Under pytest-xdist each worker starts its own server, or all share one (--emulator-url) and
sandboxes keep them apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.testing import RunningEmulator

# Both inner tests run the same steps with the same names; only the worker id differs, and
# with it how far each moves its clock and the status of its fault. Each writes what it saw
# (rows, clock, fault, journal) to $OUT_DIR/<worker>.json.
INNER = """
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import httpx

def _run(sandbox):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    hours = 1 + int(worker.removeprefix("gw"))
    auth = sandbox.cleverfox_auth
    with httpx.Client(base_url=sandbox.base_url, auth=auth) as http:
        before = http.get("/api/companies", params={"PageSize": 1000}).json()["data"]
        created = http.post("/api/companies", json={"data": {
            "PartnerId": 1, "PlanTypeId": 1, "Name": "Same Name Inc."}})
        assert created.status_code == 201, created.text
        after = http.get("/api/companies", params={"PageSize": 1000}).json()["data"]
        # The same rule shape in both workers, a different status: a leak would show.
        sandbox.add_fault(vendor="cleverfox", path="/api/partners", action="error",
                          status=501 + hours)
        faulted = http.get("/api/partners").status_code
    mine = [c for c in after if c["Name"] == "Same Name Inc."]
    assert len(mine) == 1 and len(after) == len(before) + 1
    journal = sandbox.requests()
    start = datetime.fromisoformat(sandbox.clock()["now"])
    now = datetime.fromisoformat(sandbox.advance(hours * 3600)["now"])
    assert now - start == timedelta(hours=hours)
    Path(os.environ["OUT_DIR"], worker + ".json").write_text(json.dumps({
        "sandbox": sandbox.id, "company": mine[0]["CompanyId"], "hours": hours,
        "now": sandbox.clock()["now"], "start": start.isoformat(), "faulted": faulted,
        "journal": [[e["sandbox"], e["method"], e["path"], e["status"]] for e in journal]}))

def test_one(emulator_sandbox):
    _run(emulator_sandbox)

def test_two(emulator_sandbox):
    _run(emulator_sandbox)
"""


def test_two_workers_on_one_server_see_only_their_own_sandbox(
        pytester: pytest.Pytester, server: RunningEmulator, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.delenv("EMULATOR_URL", raising=False)
    monkeypatch.setenv("OUT_DIR", str(tmp_path))
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--emulator-url", server.base_url, timeout=60)
    result.assert_outcomes(passed=2)
    seen = {path.stem: json.loads(path.read_text()) for path in tmp_path.glob("gw*.json")}
    assert sorted(seen) == ["gw0", "gw1"]
    gw0, gw1 = seen["gw0"], seen["gw1"]
    assert gw0["sandbox"] != gw1["sandbox"]
    # Same ids in each world: the rows were numbered apart, per sandbox.
    assert gw0["company"] == gw1["company"]
    # Both started from the same time; each clock moved only by its own worker's advance.
    assert gw0["start"] == gw1["start"]
    assert (gw0["hours"], gw1["hours"]) == (1, 2)
    assert gw0["now"] != gw1["now"]
    # Each worker's sandbox fault fired on its own requests only.
    assert (gw0["faulted"], gw1["faulted"]) == (502, 503)
    # Each journal holds exactly the worker's own four requests.
    for worker in (gw0, gw1):
        assert worker["journal"] == [
            [worker["sandbox"], "GET", "/api/companies", 200],
            [worker["sandbox"], "POST", "/api/companies", 201],
            [worker["sandbox"], "GET", "/api/companies", 200],
            [worker["sandbox"], "GET", "/api/partners", worker["faulted"]]]
    # The plugin deleted both sandboxes, and their rules with them.
    assert server.client.sandboxes() == []
    assert server.client.faults() == []


OWN_SERVER = """
import os
from pathlib import Path

def _record(backup_emulator):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    Path(os.environ["OUT_DIR"], worker).write_text(backup_emulator.base_url)

def test_one(backup_emulator):
    _record(backup_emulator)

def test_two(backup_emulator):
    _record(backup_emulator)
"""


def test_without_a_url_each_worker_starts_its_own_server(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EMULATOR_URL", raising=False)
    monkeypatch.setenv("OUT_DIR", str(tmp_path))
    pytester.makepyfile(test_inner=OWN_SERVER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", timeout=60)
    result.assert_outcomes(passed=2)
    urls = {path.name: path.read_text() for path in tmp_path.iterdir()}
    assert sorted(urls) == ["gw0", "gw1"]
    assert urls["gw0"] != urls["gw1"]


# Four workers on one server with one fixed seed: every worker's sandbox is a world of the
# same data, and each test still sees only its own, through its base URL, for every vendor.
SAME_SEED = """
import json
import os
import uuid
from pathlib import Path

import pytest

def _run(sandbox):
    assert sandbox.seed == 42
    http = sandbox.http
    auth = sandbox.cleverfox_auth
    before = http.get("/api/companies", params={"PageSize": 1000}, auth=auth).json()["data"]
    made = http.post("/api/companies", auth=auth, json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "Same Name Inc."}})
    assert made.status_code == 201, made.text
    after = http.get("/api/companies", params={"PageSize": 1000}, auth=auth).json()["data"]
    assert len(after) == len(before) + 1  # a fresh sandbox per test, and nobody else's rows
    token = sandbox.rackspace_token()
    agents = http.get(f"/v1.0/{sandbox.rackspace_tenant}/user/agents",
                      headers={"X-Auth-Token": token})
    assert agents.status_code == 200, agents.text
    # registrations name no world: each goes to the sandbox of its base URL, no collision
    for call in ({"apiCALL": "registerNewUser", "email": "same@example.com", "name": "S",
                  "password": "pw"},
                 {"apiCALL": "login", "email": "same@example.com", "password": "pw"}):
        answer = http.post("/api.php", data=call)
        assert '<status value="ok">' in answer.text, answer.text
    report = http.get("/api/DeviceBackupReport", auth=sandbox.code42_auth())
    assert report.status_code == 200
    name = os.environ["PYTEST_XDIST_WORKER"] + "-" + uuid.uuid4().hex
    Path(os.environ["OUT_DIR"], name + ".json").write_text(json.dumps({
        "sandbox": sandbox.id, "base_url": sandbox.base_url, "key": auth[0],
        "companies": len(after)}))

@pytest.mark.parametrize("n", range(8))
def test_same_seed(emulator_sandbox, n):
    _run(emulator_sandbox)
"""


def test_four_workers_with_one_fixed_seed_stay_apart(
        pytester: pytest.Pytester, server: RunningEmulator, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.delenv("EMULATOR_URL", raising=False)
    monkeypatch.setenv("OUT_DIR", str(tmp_path))
    pytester.makepyfile(test_inner=SAME_SEED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "4",
                                           "--emulator-seed", "42",
                                           "--emulator-url", server.base_url, timeout=180)
    result.assert_outcomes(passed=8)
    seen = [json.loads(path.read_text()) for path in tmp_path.glob("gw*.json")]
    assert len(seen) == 8
    sandboxes = {s["sandbox"] for s in seen}
    assert len(sandboxes) == len({s["key"] for s in seen}) == len({s["base_url"] for s in seen})
    assert 2 <= len(sandboxes) <= 4  # one per worker that ran tests, each with its own key
    assert {s["companies"] for s in seen} == {seen[0]["companies"]}  # same data, every test
    assert server.client.sandboxes() == []
