"""The response cache is invisible: the same requests give the same bytes with it and without.

Two apps over separate in-memory databases (same seed, frozen clock), one with the cache and
one without, are driven through random sequences of every vendor's GETs (generated from the
route table and BackupRun's call table, so a new read is covered without a new test), writes
(every non-GET route, whatever its answer), logins, clock advances (due work), fault rules,
resets and sandboxes; every answer must match byte for byte, headers included.

The same again under a running clock: both apps' clocks follow a wall clock the test stands
in for (`Wall`), so real seconds pass only when the test says, across due work, check-ins,
idle minutes and token expiries, and both apps see the same virtual now at every step.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import SURFACES, create_app
from emulator.core.middleware import ConnectionDropped
from emulator.core.response_cache import ResponseCache
from emulator.core.runtime import Emulator
from emulator.core.surface import app_routes, owner_of
from emulator.vendors.backuprun.backend import CALL_NAMES
from tests.conftest import SEED, T0, load_template, make_settings, two_servers

VENDORS = [s for s in SURFACES if s.name != "control"]
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_IDS = re.compile(r'"[A-Za-z]*(?:[Ii]d|[Gg]uid|ID)"\s*:\s*"?([A-Za-z0-9-]{1,40})"?[,}]')


def _routes() -> list[tuple[str, str, str]]:
    """(vendor, method, path template) of every vendor route, and of every control call that
    steers a vendor's world (`/_emulator/<vendor>/...`)."""
    app = create_app(make_settings())
    found: set[tuple[str, str, str]] = set()
    for route in app_routes(app):
        path: str = getattr(route, "path", "")
        owner = owner_of(path, VENDORS)
        if any(path.startswith(f"/_emulator/{v.name}/") for v in VENDORS):
            found.update(("steer", m, path) for m in getattr(route, "methods", None) or ()
                         if m != "GET")
        if owner is None:
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((owner.name, method, path))
    return sorted(found)


ROUTES = [r for r in _routes() if r[0] != "steer"]
STEERS = [r for r in _routes() if r[0] == "steer"]
# BackupRun's reads are form POSTs to /api.php (kept by the cache like GETs, by body).
CALLS = [("backuprun", "POST", f"/api.php?apiCALL={name}") for name in CALL_NAMES]
READS = [r for r in ROUTES if r[1] == "GET"] + CALLS
WRITES = [r for r in ROUTES if r[1] != "GET"] + CALLS


_EXPIRES = re.compile(r"expires=[^;]*; ")


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    """Its headers; a cookie's `expires` is left out (Starlette stamps it with real time)."""
    return [(k, _EXPIRES.sub("", v) if k == "set-cookie" else v)
            for k, v in response.headers.multi_items()]


def _cache_of(app: Any) -> ResponseCache:
    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, ResponseCache):
        layer = getattr(layer, "app", None)
    assert layer is not None, "the cache is not wired into the app"
    return layer


class Pair:
    """The same request to both apps; the answers must be the same."""

    def __init__(self, cached: TestClient, plain: TestClient) -> None:
        self.cached, self.plain = cached, plain
        self.headers: dict[str, dict[str, str]] = {}
        self.tenant = "0"
        self.sandbox: str | None = None
        self.seen: list[str] = []  # ids and guids the answers have shown, to use in paths
        self.running = False  # resets start a running clock (see Wall)
        self.wall: Wall | None = None

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        one, two = self._send(self.cached, method, path, kwargs), \
            self._send(self.plain, method, path, kwargs)
        if isinstance(one, Exception) or isinstance(two, Exception):  # a dropped connection
            assert repr(one) == repr(two), (method, path)
            return httpx.Response(599)
        if path.startswith(("/_emulator/faults", "/_emulator/snapshots")):  # real-time stamps
            assert one.status_code == two.status_code, (method, path, one.text)
            return one
        assert (one.status_code, _headers(one), one.content) == \
            (two.status_code, _headers(two), two.content), (method, path)
        if one.status_code == 200 and len(self.seen) < 64 and \
                one.headers.get("content-type", "").startswith("application/json"):
            self.seen.extend(v for v in _IDS.findall(one.text)[:8] if v not in self.seen)
        return one

    @staticmethod
    def _send(client: TestClient, method: str, path: str,
              kwargs: dict[str, Any]) -> httpx.Response | Exception:
        try:
            return client.request(method, path, **kwargs)
        except ConnectionDropped as dropped:
            return dropped

    def login(self, remember: bool = True) -> None:
        creds = self.call("GET", "/_emulator/credentials").json()
        self.headers["cleverfox"] = {
            "Authorization": httpx.BasicAuth(creds["cleverfox"]["api_key"], "")._auth_header}
        rs = creds["rackspace"]
        self.tenant = rs["tenant_id"]
        token = self.call("POST", "/v2.0/tokens", json={"auth": {
            "RAX-KSKEY:apiKeyCredentials": {"username": rs["username"],
                                            "apiKey": rs["api_key"]}}})
        self.headers["rackspace"] = {"X-Auth-Token": token.json()["access"]["token"]["id"]}
        login = self.call("POST", "/api.php", data={
            "apiCALL": "login", "remember": "1" if remember else "0", **creds["backuprun"]})
        self.headers["backuprun"] = {"Cookie": f"PHPSESSID={login.cookies['PHPSESSID']}"}
        self.cached.cookies.clear()
        self.plain.cookies.clear()
        c42 = creds["code42"]["sysadmin"]
        self.headers["code42"] = {
            "Authorization": httpx.BasicAuth(c42["username"], c42["password"])._auth_header}

    def fill(self, template: str, value: str | int) -> str:
        if isinstance(value, int):  # the n-th id seen so far
            value = self.seen[value % len(self.seen)] if self.seen else "1"

        def one(match: re.Match[str]) -> str:
            return self.tenant if "tenant" in match.group(1).lower() else str(value)
        return _PARAM.sub(one, template)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    template = tmp_path_factory.mktemp("cache") / "world.db"
    builder = Emulator(make_settings(db=str(template)))
    builder.open()
    builder.db.dispose()
    clients = []
    for on in (True, False):
        emu = Emulator(make_settings(response_cache=on))
        load_template(emu, Path(template))
        clients.append(TestClient(create_app(emu.settings, emulator=emu)))
    with clients[0] as cached, clients[1] as plain:
        yield Pair(cached, plain)


VALUES = st.one_of(st.sampled_from(["1", "2", "3", "7", "x"]), st.integers(0, 63))
# Each example reads a few things again and again (a hit needs a repeat) while the other
# operations change things between the reads.
PARAMETRIZED = [r for r in READS if "{" in r[2].replace("{tenant_id}", "")] or READS
READ = st.tuples(st.just("read"), st.sampled_from(READS) | st.sampled_from(
    [r for r in READS if r not in PARAMETRIZED]), VALUES, st.sampled_from(
    ["", "pgSize=2", "page=2&per_page=1", "pgSize=1&pgNum=2"]))
AGAIN = st.tuples(st.just("again"), st.integers(0, 7))
OPS = st.one_of(
    AGAIN, AGAIN, AGAIN, AGAIN, READ,
    st.tuples(st.just("write"), st.sampled_from(WRITES), VALUES, st.sampled_from([
        None, {}, {"Name": "renamed"}, {"name": "renamed", "description": "x"}])),
    st.tuples(st.just("steer"), st.sampled_from(STEERS), st.integers(0, 63)),
    st.tuples(st.just("steer"), st.sampled_from(STEERS), st.integers(0, 63)),
    st.tuples(st.just("advance"), st.sampled_from([1, 600, 3600, 86400 * 2])),
    st.tuples(st.just("snapshot"), st.sampled_from(["save", "restore"])),
    st.tuples(st.just("fault"), st.sampled_from(VENDORS).map(lambda s: s.name),
              st.sampled_from(["error", "throttle", "truncate"]), st.sampled_from([1, 2])),
    st.tuples(st.just("login")),
    st.tuples(st.just("reset")),
    st.tuples(st.just("sandbox")),
)


def _run(pair: Pair, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "read":
        (vendor, method, template), value, query = op[1], op[2], op[3]
        path = pair.fill(template, value)
        if query:
            path += ("&" if "?" in path else "?") + query
        base = f"/sandbox/{pair.sandbox}" if pair.sandbox and value == "7" else ""
        headers = pair.headers.get(vendor, {})
        if method == "POST":
            path, _, call = path.partition("?")
            pair.call("POST", base + path, data=dict(parse_qsl(call)), headers=headers)
        else:
            pair.call("GET", base + path, headers=headers)
            pair.call("HEAD", base + path, headers=headers)
    elif kind == "write":
        (vendor, method, template), value, body = op[1], op[2], op[3]
        pair.call(method, pair.fill(template, value), json=body,
                  headers=pair.headers.get(vendor, {}))
    elif kind == "steer":
        (_, method, template), value = op[1], op[2]
        pair.call(method, pair.fill(template, value), json={})
    elif kind == "snapshot":
        if op[1] == "save":
            pair.call("POST", "/_emulator/snapshots", json={"name": "s"})
        else:
            pair.call("POST", "/_emulator/snapshots/s/restore")
    elif kind == "advance":
        pair.call("POST", "/_emulator/clock", json={"advance_seconds": op[1]})
    elif kind == "pass":
        assert pair.wall is not None, "real time passes only under a running clock"
        pair.wall.at += op[1]
    elif kind == "fault":
        pair.call("POST", "/_emulator/faults", json={
            "vendor": op[1], "method": "GET", "action": op[2], "times": op[3],
            **({"status": 503} if op[2] == "error" else {})})
    elif kind == "login":
        pair.login()
    elif kind == "reset":
        pair.call("POST", "/_emulator/reset", json={"seed": SEED, "now": T0,
                                                    "freeze": not pair.running})
        pair.sandbox = None
        pair.seen.clear()
        pair.login()
    elif kind == "sandbox":
        pair.sandbox = pair.call("POST", "/_emulator/sandboxes", json={"seed": 7}).json()["id"]


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(reads=st.lists(READ, min_size=1, max_size=4), ops=st.lists(OPS, min_size=5, max_size=30))
def test_same_bytes_with_and_without_the_cache(pair: Pair, reads: list[tuple[Any, ...]],
                                               ops: list[tuple[Any, ...]]) -> None:
    _run(pair, ("reset",))
    for op in ops:
        if op[0] == "later":  # a moment later, the same read: a hit that shows a new now
            _run(pair, ("pass", op[2]))
        if op[0] in ("again", "later"):
            op = reads[op[1] % len(reads)]
        _run(pair, op)
        if op[0] in ("read", "write"):
            _run(pair, op)  # at once again: the second is the cache's to answer


# One list read per vendor, answered 200: what a hit must look like.
HOT = {"cleverfox": "/api/devices", "rackspace": "/v1.0/{tenant_id}/user/agents",
       "backuprun": "/api.php", "code42": "/api/v1/Org"}


def test_every_vendor_is_answered_from_the_cache(pair: Pair) -> None:
    """A guard on the test above: a repeated read of each vendor is a hit, not a miss."""
    _run(pair, ("reset",))
    cache = _cache_of(pair.cached.app)
    assert not _has_cache(pair.plain.app)
    for vendor, template in HOT.items():
        path = pair.fill(template, "1")
        method, data = ("POST", {"apiCALL": "getStatus"}) if vendor == "backuprun" else \
            ("GET", None)
        first = pair.call(method, path, data=data, headers=pair.headers[vendor])
        assert first.status_code == 200, (vendor, first.text)
        hits = cache.hits
        pair.call(method, path, data=data, headers=pair.headers[vendor])
        assert cache.hits == hits + 1, vendor


def _has_cache(app: Any) -> bool:
    try:
        _cache_of(app)
    except AssertionError:
        return False
    return True


def test_every_vendor_has_reads_and_writes() -> None:
    assert {v for v, _, _ in READS} == {s.name for s in VENDORS}
    assert {v for v, _, _ in WRITES} == {s.name for s in VENDORS}
    assert {p.split("/")[2] for _, _, p in STEERS} == {s.name for s in VENDORS}


@pytest.mark.parametrize("steer", STEERS, ids=[p for _, _, p in STEERS])
def test_a_steering_call_is_seen_by_the_next_read(pair: Pair, steer: tuple[str, str, str]) -> None:
    """Every vendor's list reads, kept, then a change of their world: the same bytes still."""
    _run(pair, ("reset",))
    vendor = steer[2].split("/")[2]
    lists = [r for r in READS if r[0] == vendor and r not in PARAMETRIZED]
    for read in lists:
        _run(pair, ("read", read, "1", ""))
    for index in range(len(pair.seen)):
        _run(pair, ("steer", steer, index))
        for read in lists:
            _run(pair, ("read", read, "1", ""))


def _cf(client: TestClient) -> dict[str, str]:
    key = client.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
    return {"Authorization": httpx.BasicAuth(key, "")._auth_header}


@pytest.fixture
def cached(client: TestClient) -> TestClient:
    assert _has_cache(client.app)
    return client


@pytest.mark.parametrize("writer", ["the other", "itself"])
def test_a_write_by_another_process_is_seen(tmp_path: Path, writer: str) -> None:
    """Two servers on one database: the one with the cache sees the other's write (or its
    own) at once, because an answer's validity is read from the store, not from its memory:
    a hit with nothing written anywhere since it was kept reads no counter of its own (the
    ANY counter read at the request's start says so), any write sends it to its counters."""
    with two_servers(str(tmp_path / "shared.db")) as (one, two):
        headers = _cf(one)
        kept = one.get("/api/devices/1", headers=headers)
        assert kept.status_code == 200
        hits = _cache_of(one.app).hits
        assert one.get("/api/devices/1", headers=headers).content == kept.content
        assert _cache_of(one.app).hits == hits + 1
        # A write elsewhere (a new world): its counters are read, and it still holds.
        assert two.post("/_emulator/sandboxes", json={}).status_code == 201
        assert one.get("/api/devices/1", headers=headers).content == kept.content
        assert _cache_of(one.app).hits == hits + 2
        deleting = two if writer == "the other" else one
        assert deleting.delete("/api/devices/1", headers=headers).status_code == 200
        assert one.get("/api/devices/1", headers=headers).status_code == 404


def test_a_fault_rule_fires_on_a_kept_answer(cached: TestClient) -> None:
    headers = _cf(cached)
    for _ in range(2):
        assert cached.get("/api/devices", headers=headers).status_code == 200
    hits = _cache_of(cached.app).hits
    rule = cached.post("/_emulator/faults", json={"vendor": "cleverfox", "action": "error",
                                                  "status": 503, "times": 1})
    assert rule.status_code == 201
    assert cached.get("/api/devices", headers=headers).status_code == 503
    assert cached.get("/api/devices", headers=headers).status_code == 200
    assert _cache_of(cached.app).hits == hits + 1


def test_a_sandbox_fault_rule_fires_on_a_kept_answer(cached: TestClient) -> None:
    sandbox = cached.post("/_emulator/sandboxes").json()
    headers = {"Authorization": httpx.BasicAuth(sandbox["credentials"]["cleverfox"]["api_key"],
                                                "")._auth_header}
    for _ in range(2):
        assert cached.get("/api/companies", headers=headers).status_code == 200
    cached.post("/_emulator/faults", json={"sandbox": sandbox["id"], "action": "error",
                                           "status": 500, "times": 1})
    assert cached.get("/api/companies", headers=headers).status_code == 500
    assert cached.get("/api/companies", headers=headers).status_code == 200


def test_the_journal_records_a_kept_answer(cached: TestClient) -> None:
    headers = _cf(cached)
    answers = [cached.get("/api/devices/1", headers=headers) for _ in range(3)]
    journal = cached.get("/_emulator/requests", params={"vendor": "cleverfox"}).json()
    mine = [e for e in journal["data"] if e["path"] == "/api/devices/1"]
    assert len(mine) == 3
    assert {e["status"] for e in mine} == {200}
    assert {e["world"] for e in mine} == {"default"}
    assert len({e["response"]["body"] for e in mine}) == 1
    assert answers[0].content == answers[2].content


def test_wrong_credentials_are_never_answered_from_a_valid_callers_answer(
        cached: TestClient) -> None:
    headers = _cf(cached)
    for _ in range(2):
        assert cached.get("/api/devices", headers=headers).status_code == 200
    wrong = {"Authorization": httpx.BasicAuth("not-a-key", "")._auth_header}
    assert cached.get("/api/devices", headers=wrong).status_code == 401
    assert cached.get("/api/devices").status_code == 401


# -- under a running clock -------------------------------------------------------------------

class Wall:
    """Stands in for time.time: real seconds pass only when a test moves `at`."""

    def __init__(self) -> None:
        self.at = time.time()

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def running(monkeypatch: pytest.MonkeyPatch, default_world_template: Path) -> Iterator[Pair]:
    """The pair of apps with running clocks (speed 1) that follow one stand-in wall clock."""
    wall = Wall()
    monkeypatch.setattr(time, "time", wall)
    clients = []
    for on in (True, False):
        emu = Emulator(make_settings(response_cache=on, freeze=False))
        emu.chunk_seconds = 3600.0  # due work applied within the request, in both apps alike
        load_template(emu, default_world_template)
        clients.append(TestClient(create_app(emu.settings, emulator=emu)))
    with clients[0] as cached, clients[1] as plain:
        pair = Pair(cached, plain)
        pair.running, pair.wall = True, wall
        _run(pair, ("reset",))
        yield pair


# Seconds of real time: within a check-in, across BackupRun's idle minute, CleverFox's
# five-minute check-in, an hour of due work, a Rackspace token's day.
PASS = st.tuples(st.just("pass"), st.sampled_from([0.25, 1, 59, 61, 301, 3600, 86401]))
LATER = st.tuples(st.just("later"), st.integers(0, 7), st.sampled_from([0.001, 0.25, 1]))
RUNNING_OPS = st.one_of(OPS, PASS, PASS, PASS, LATER, LATER, LATER)
# Reads that show now itself (core.stamps): one of them is read again in every example.
SHOWING_NOW = [r for r in READS if r[0] == "code42" and r not in PARAMETRIZED]


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(shows_now=st.sampled_from(SHOWING_NOW), reads=st.lists(READ, min_size=0, max_size=3),
       ops=st.lists(RUNNING_OPS, min_size=5, max_size=30))
def test_same_bytes_with_and_without_the_cache_under_a_running_clock(
        running: Pair, shows_now: tuple[str, str, str], reads: list[tuple[Any, ...]],
        ops: list[tuple[Any, ...]]) -> None:
    test_same_bytes_with_and_without_the_cache.hypothesis.inner_test(  # type: ignore[attr-defined]
        running, [("read", shows_now, "1", ""), *reads], ops)


def test_every_get_route_holds_as_time_passes(running: Pair) -> None:
    """The generic rule, walked over the route table: whatever a vendor read shows, its kept
    answer is the vendor's answer at every later instant it is served at. Every read is made
    again at once (the cache's to answer) and after real time passes, across check-ins, idle
    minutes, due work and a token's expiry; the answers must match the app without a cache."""
    pair, cache = running, _cache_of(running.cached.app)
    pair.login(remember=False)
    plain = [r for r in READS if r not in PARAMETRIZED]
    for read in plain:
        _run(pair, ("read", read, "1", ""))  # ids to fill the other routes with
    hits = dict.fromkeys((s.name for s in VENDORS), 0)
    for seconds in (0.25, 59, 61, 301, 3600, 86401):
        _run(pair, ("pass", seconds))
        for read in READS:
            _run(pair, ("read", read, 0 if read in PARAMETRIZED else "1", ""))
            before = cache.hits
            _run(pair, ("read", read, 0 if read in PARAMETRIZED else "1", ""))
            hits[read[0]] += cache.hits - before
    # BackupRun's calls walked here without their parameters are errors (not kept); its
    # kept reads as time runs: test_a_backuprun_session_is_touched_through_kept_answers.
    del hits["backuprun"]
    assert all(hits.values()), f"a vendor never answered from the cache as time ran: {hits}"


def _kept(cache: ResponseCache, path: str) -> Any:
    """The kept answer of the one key with this path."""
    found = [a for k, a in cache.answers._items.items() if k[1] == path]
    assert len(found) == 1, path
    return found[0]


def test_a_read_is_kept_until_the_next_due_work(running: Pair) -> None:
    """A Rackspace backup walks its states as due work: its kept answer holds until the
    next state change is due, and the first read after it shows the new state."""
    pair, cache = running, _cache_of(running.cached.app)
    assert pair.wall is not None
    base, headers = f"/v1.0/{pair.tenant}", pair.headers["rackspace"]
    config = pair.call("GET", f"{base}/backup-configuration", headers=headers).json()[0]
    started = pair.call("POST", f"{base}/backup/action-requested", headers=headers,
                        json={"Action": "StartManual", "Id": config["BackupConfigurationId"]})
    path = f"{base}/backup/{int(started.content)}"
    for _ in range(2):
        state = pair.call("GET", path, headers=headers).json()["CurrentState"]
    answer = _kept(cache, path)
    assert answer.horizon is not None and not answer.uses_now
    hits = cache.hits
    pair.wall.at += (answer.horizon - answer.now).total_seconds() - 0.001
    assert pair.call("GET", path, headers=headers).json()["CurrentState"] == state
    assert cache.hits == hits + 1
    pair.wall.at += 0.002  # the state change falls due: the read applies it
    assert pair.call("GET", path, headers=headers).json()["CurrentState"] != state
    assert cache.hits == hits + 1


def test_a_check_in_moves_on_under_kept_answers(running: Pair) -> None:
    """A CleverFox agent's LastApiCheckAt moves on every five minutes: a kept answer holds
    until the next check-in only. Second by second through one check-in period."""
    pair, cache = running, _cache_of(running.cached.app)
    assert pair.wall is not None
    headers = pair.headers["cleverfox"]
    hits, shown = cache.hits, set()
    for _ in range(301):
        for _ in range(2):
            devices = pair.call("GET", "/api/devices", headers=headers).json()["data"]
        shown.add(tuple(d["LastApiCheckAt"] for d in devices))
        pair.wall.at += 1
    assert len(shown) > 1 and cache.hits > hits


def test_a_rackspace_token_expires_on_a_kept_answer(running: Pair) -> None:
    """A token's expiry is a horizon: a kept answer holds until it, then the vendor's 401."""
    pair, cache = running, _cache_of(running.cached.app)
    assert pair.wall is not None
    path, headers = f"/v1.0/{pair.tenant}/user/agents", pair.headers["rackspace"]
    pair.wall.at += 86400 - 0.001  # the token was made at T0, for a day
    for _ in range(2):  # the first applies the day's due work (a write): the second is kept
        assert pair.call("GET", path, headers=headers).status_code == 200
    answer = _kept(cache, path)
    assert answer.horizon == datetime.fromisoformat(T0) + timedelta(days=1)
    hits = cache.hits
    assert pair.call("GET", path, headers=headers).status_code == 200
    assert cache.hits == hits + 1
    pair.wall.at += 0.002
    expired = pair.call("GET", path, headers=headers)
    assert expired.status_code == 401 and "expired" in expired.text


def test_a_backuprun_session_is_touched_through_kept_answers(running: Pair) -> None:
    """A session's next idle minute is a horizon: a read after it touches the session (a
    write), so a session in use never expires, with the cache as without it."""
    pair, cache = running, _cache_of(running.cached.app)
    assert pair.wall is not None
    pair.login(remember=False)
    status = {"apiCALL": "getStatus"}
    headers = pair.headers["backuprun"]
    pair.call("POST", "/api.php", data=status, headers=headers)
    hits = cache.hits
    pair.call("POST", "/api.php", data=status, headers=headers)
    assert cache.hits == hits + 1
    kept = _kept(cache, "/api.php")
    assert kept.horizon is not None and not kept.uses_now
    for _ in range(3):  # 3 x 1000 s: past the idle life of 1440 s unless touched
        pair.wall.at += 1000
        answer = pair.call("POST", "/api.php", data=status, headers=headers)
        assert "not_logged_in" not in answer.text and "expired" not in answer.text


# Code42's reads show now itself (the v1 envelope's timestamp, online devices' lastConnected,
# the report's dates and its CSV file name): shown through core.stamps, they are kept.
C42_READS = ["/api/v1/Org", "/api/v1/User/my", "/api/v1/Computer?incAll=true&pgSize=50",
             "/api/DeviceBackupReport?pgSize=50", "/api/DeviceBackupReport?alerted=true",
             "/api/DeviceBackupReport?export=csv"]


def test_code42_reads_are_kept_as_time_runs(running: Pair) -> None:
    """Each read is made once, then answered from the cache at later instants, showing each
    instant as the app without a cache does (Pair.call compares bytes and headers) until the
    earliest horizon among them (the next sweep, the next device to raise an alert)."""
    pair, cache = running, _cache_of(running.cached.app)
    assert pair.wall is not None
    headers = pair.headers["code42"]
    for path in C42_READS:
        assert pair.call("GET", path, headers=headers).status_code == 200, path
    kept = [a for k, a in cache.answers._items.items()
            if f"{k[1]}?{k[2].decode()}".rstrip("?") in C42_READS]
    assert len(kept) == len(C42_READS)
    assert all(a.stamps and not a.uses_now for a in kept)
    made = kept[0].now
    horizon = min((a.horizon for a in kept if a.horizon is not None),
                  default=made + timedelta(days=1))
    shown = set()
    for step in (1, 2, 3):
        pair.wall.at += min(60.0, (horizon - made).total_seconds() / 4)
        hits = cache.hits
        for path in C42_READS:
            answer = pair.call("GET", path, headers=headers)
            assert answer.status_code == 200, path
        assert cache.hits == hits + len(C42_READS), step
        shown.add(pair.call("GET", "/api/v1/Org", headers=headers).json()["metadata"]["timestamp"])
    assert len(shown) == 3, "the kept answers did not show the time running"


def test_a_code42_alert_is_raised_through_kept_answers(running: Pair) -> None:
    """A device that stops connecting warns 3 days later: a kept answer holds until that very
    instant (the alert cutoff's horizon), and the first read after it shows the alert."""
    pair, cache = running, _cache_of(running.cached.app)
    assert pair.wall is not None
    headers = pair.headers["code42"]
    listed = pair.call("GET", "/api/v1/Computer?pgSize=100", headers=headers).json()
    guid = next(d["guid"] for d in listed["data"]["computers"]
                if d["active"] and d["lastConnected"] == listed["metadata"]["timestamp"])
    pair.wall.at += 1000.25  # off the 6-hour grid of Code42's sweeps, whose horizon is apart
    stopped = pair.call("POST", f"/_emulator/code42/devices/{guid}/offline", json={}).json()
    crossing = datetime.fromisoformat(stopped["at"]) + timedelta(days=3)  # to the millisecond
    path = f"/api/v1/Computer/{guid}"
    pair.wall.at += 3 * 86400 - 120
    for _ in range(240):  # until no due work comes before the crossing
        for _ in range(2):
            assert pair.call("GET", f"{path}?idType=guid", headers=headers).json()[
                "data"]["alertStates"] == ["OK"]
        horizon = _kept(cache, path).horizon
        if horizon is not None and crossing <= horizon < crossing + timedelta(milliseconds=1):
            break
        pair.wall.at += 0.5
    else:
        raise AssertionError("due work came before the crossing at every step")
    now = datetime.fromisoformat(pair.call("GET", "/_emulator/clock").json()["now"])
    pair.wall.at += (horizon - now).total_seconds() - 0.002  # the clock shows milliseconds
    hits = cache.hits
    alert = pair.call("GET", f"{path}?idType=guid", headers=headers).json()["data"]
    assert alert["alertStates"] == ["OK"] and cache.hits == hits + 1
    pair.wall.at += 0.004
    alert = pair.call("GET", f"{path}?idType=guid", headers=headers).json()["data"]
    assert alert["alertStates"] == ["WarningBackupAlert"] and cache.hits == hits + 1
