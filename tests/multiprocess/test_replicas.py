"""Two processes on one store answer as one (issue 16): whatever is made, set or recorded
through replica A is seen through replica B, writers spread over both lose nothing, due work is
applied once, and killing one replica loses no acknowledged write."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest

from emulator.core.timeutil import iso_z, parse_iso
from emulator.testing.client import Sandbox
from emulator.testing.server import RunningEmulator
from tests.multiprocess.conftest import SEED, T0, Topology
from tests.multiprocess.proxy import spread_client
from tests.vendors.cleverfox.helpers import DEVICE_POST

pytestmark = pytest.mark.e2e

BOUND = 20.0  # seconds any wait below may take before the test fails
WRITERS = 8
ADVANCES = 3
FAST = 43_200.0  # virtual seconds per real second: half a day a second
RUN_FOR = timedelta(days=1)
KILL_AFTER = 8  # acknowledged creates before one replica is killed



def at(sandbox: Sandbox, server: RunningEmulator) -> str:
    """The sandbox's base URL on `server` (its view names the replica it was made on)."""
    return server.base_url + sandbox.base_url.removeprefix(sandbox.client.base_url)


def devices(base_url: str, sandbox: Sandbox) -> httpx.Response:
    return httpx.get(f"{base_url}/api/devices", auth=sandbox.cleverfox_auth, timeout=30)


def test_a_sandbox_made_through_a_is_served_by_b(replicas: Topology) -> None:
    sandbox = replicas.a.client.sandbox(freeze=True)
    on_a = devices(at(sandbox, replicas.a), sandbox)
    on_b = devices(at(sandbox, replicas.b), sandbox)
    assert on_a.status_code == 200, on_a.text
    assert on_b.status_code == 200, on_b.text
    # Alike but for the links to the server each was asked through (AgentDownloadUrl).
    assert on_b.text.replace(replicas.b.base_url, "{server}") == on_a.text.replace(
        replicas.a.base_url, "{server}")
    assert sandbox.id in {listed.id for listed in replicas.b.client.sandboxes()}


def test_a_key_turned_off_through_a_is_refused_by_b(replicas: Topology) -> None:
    """B keeps the API keys it checked in memory; a partner turned inactive through A is
    refused by B at its next request."""
    sandbox = replicas.a.client.sandbox(freeze=True)
    on_a, on_b = at(sandbox, replicas.a), at(sandbox, replicas.b)
    assert devices(on_b, sandbox).status_code == 200  # B has checked, and keeps, the key
    partners = httpx.get(f"{on_a}/api/partners", auth=sandbox.cleverfox_auth, timeout=30)
    partner = partners.json()["data"][0]["PartnerId"]
    turned = httpx.put(f"{on_a}/api/partners/{partner}", json={"IsInactive": True},
                       auth=sandbox.cleverfox_auth, timeout=30)
    assert turned.status_code == 200, turned.text
    assert devices(on_b, sandbox).status_code == 401


def test_a_fault_rule_set_through_a_fires_once_on_b(replicas: Topology) -> None:
    sandbox = replicas.a.client.sandbox(freeze=True)
    sandbox.add_fault(action="error", status=503, vendor="cleverfox", times=1)
    statuses = [devices(at(sandbox, server), sandbox).status_code
                for server in (replicas.b, replicas.b, replicas.a)]
    assert statuses == [503, 200, 200]


def test_the_journal_read_through_either_shows_requests_served_by_both(
        replicas: Topology) -> None:
    sandbox = replicas.a.client.sandbox(freeze=True)
    assert devices(at(sandbox, replicas.a), sandbox).status_code == 200
    on_b = httpx.get(f"{at(sandbox, replicas.b)}/api/timezones", auth=sandbox.cleverfox_auth)
    assert on_b.status_code == 200, on_b.text
    for server in replicas.replicas:
        paths = sorted(entry["path"] for entry in server.client.requests(sandbox=sandbox.id))
        assert paths == ["/api/devices", "/api/timezones"], server.base_url


def _writer(proxy_url: str) -> dict[str, Any]:
    """A sandbox made and its clock moved ADVANCES times, each call on a new connection (so
    through both replicas), and the default world's clock moved a second."""
    with spread_client(proxy_url) as http:
        made = http.post("/_emulator/sandboxes", json={"freeze": True})
        assert made.status_code == 201, made.text
        sandbox: dict[str, Any] = made.json()
        for _ in range(ADVANCES):
            moved = http.post(f"/_emulator/sandboxes/{sandbox['id']}/clock",
                              json={"advance_seconds": 60})
            assert moved.status_code == 200, moved.text
        moved = http.post("/_emulator/clock", json={"advance_seconds": 1})
        assert moved.status_code == 200, moved.text
    return sandbox


def test_eight_writers_spread_over_both_replicas_lose_nothing(replicas: Topology) -> None:
    default_before = parse_iso(replicas.a.client.clock()["now"])
    with ThreadPoolExecutor(WRITERS) as pool:
        made = list(pool.map(_writer, [replicas.proxy.base_url] * WRITERS))
    assert len(replicas.proxy.connections) == 2, "the proxy reached one replica only"
    for server in replicas.replicas:
        clocks = {s.id: s.view["clock"]["now"] for s in server.client.sandboxes()}
        for sandbox in made:
            expected = parse_iso(sandbox["created_at"]) + timedelta(seconds=60 * ADVANCES)
            assert clocks.get(sandbox["id"]) == iso_z(expected), server.base_url
        moved = parse_iso(server.client.clock()["now"]) - default_before
        assert moved == timedelta(seconds=WRITERS), server.base_url


CREATES = 6  # devices each writer makes in the one sandbox


def _device_maker(base_url: str, auth: httpx.BasicAuth) -> list[int]:
    """CREATES CleverFox devices, each on a new connection (so through both replicas): the
    DeviceIds answered."""
    made = []
    with spread_client(base_url, auth=auth) as http:
        for _ in range(CREATES):
            answer = http.post("/api/devices", json=DEVICE_POST)
            assert answer.status_code == 201, answer.text
            made.append(int(answer.json()["data"]["DeviceId"]))
    return made


def test_writers_numbering_in_one_sandbox_through_both_never_share_an_id(
        replicas: Topology) -> None:
    """Vendor ids are numbered per world in the store (core.sequence): eight writers making
    devices in one sandbox through both replicas at once get distinct ids, one after the
    other, and every one of them is listed."""
    sandbox = replicas.a.client.sandbox(freeze=True)
    base = at(sandbox, replicas.a).replace(replicas.a.base_url, replicas.proxy.base_url)
    before = {d["DeviceId"] for d in _cleverfox(at(sandbox, replicas.b), sandbox,
                                                 "/api/devices")}
    with ThreadPoolExecutor(WRITERS) as pool:
        made = [i for ids in pool.map(_device_maker, [base] * WRITERS,
                                      [sandbox.cleverfox_auth] * WRITERS) for i in ids]
    assert len(replicas.proxy.connections) == 2, "the proxy reached one replica only"
    assert len(set(made)) == len(made) == WRITERS * CREATES, sorted(made)
    assert sorted(made) == list(range(min(made), min(made) + len(made)))  # one after another
    assert min(made) > max(before)
    for server in replicas.replicas:
        listed = {d["DeviceId"] for d in _cleverfox(at(sandbox, server), sandbox,
                                                     "/api/devices")}
        assert listed == before | set(made), server.base_url


def _cleverfox(base_url: str, sandbox: Sandbox, path: str) -> list[dict[str, Any]]:
    """One CleverFox list, whole (a page of the largest size)."""
    answer = httpx.get(f"{base_url}{path}", params={"PageSize": 1000},
                       auth=sandbox.cleverfox_auth, timeout=30)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"]
    assert len(rows) < 1000, "more than one page"
    return rows


def _logs(base_url: str, sandbox: Sandbox) -> dict[int, list[dict[str, Any]]]:
    """Every CleverFox device's logs in the sandbox, by device id: each log's own fields, and
    of what it embeds only how many items (the device names the sandbox and its secrets, drawn
    afresh per sandbox; the items' ids follow the order two logs due at once were written)."""
    def own(log: dict[str, Any]) -> dict[str, Any]:
        return {k: len(v) if isinstance(v, list) else v
                for k, v in log.items() if not isinstance(v, dict)}

    return {device["DeviceId"]: [own(log) for log in _cleverfox(
                base_url, sandbox, f"/api/devices/{device['DeviceId']}/logs")]
            for device in _cleverfox(base_url, sandbox, "/api/devices")}


def _differences(ran: dict[int, list[dict[str, Any]]],
                 expected: dict[int, list[dict[str, Any]]]) -> str:
    """Which logs differ, field by field (the first few)."""
    lines = []
    for device, logs in ran.items():
        theirs = expected.get(device, [])
        if len(logs) != len(theirs):
            lines.append(f"device {device}: {len(logs)} logs, expected {len(theirs)}")
        for mine, twin in zip(logs, theirs, strict=False):
            if mine != twin:
                lines.append(f"device {device} log {mine.get('LogId')}: " + ", ".join(
                    f"{k} {mine[k]!r} != {twin.get(k)!r}" for k in mine if mine[k] != twin.get(k)))
    return "\n".join(lines[:10])


def test_with_the_clock_running_fast_each_due_transition_is_applied_once(
        replicas: Topology) -> None:
    """Both replicas' engines apply a fast sandbox's due work; it must end as a twin sandbox
    moved to the same time in one call: the same logs, none missing, none twice."""
    control = replicas.a.client
    running = control.sandbox(seed=SEED, now=T0, freeze=True)
    twin = control.sandbox(seed=SEED, now=T0, freeze=True)
    before = _logs(at(running, replicas.b), running)
    running.set_speed(FAST)
    running.freeze(False)
    deadline = time.monotonic() + BOUND
    on_b = replicas.b.client.get_sandbox(running.id)
    while parse_iso(on_b.clock()["now"]) < parse_iso(T0) + RUN_FOR:  # B reads its clock
        assert time.monotonic() < deadline, "the fast clock did not reach a day"
    stopped = running.freeze()
    twin.set_time(stopped["now"])
    ran = _logs(at(running, replicas.b), running)
    expected = _logs(at(twin, replicas.a), twin)
    assert sum(map(len, ran.values())) > sum(map(len, before.values())), "no due work ran"
    assert ran == expected, _differences(ran, expected)


class Acks:
    """Sandbox ids the server acknowledged (201), and a wait for how many there are."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.refused: list[str] = []  # answers other than 201, which end the writers
        self._changed = threading.Condition()

    def add(self, sandbox_id: str) -> None:
        with self._changed:
            self.ids.append(sandbox_id)
            self._changed.notify_all()

    def refuse(self, answer: httpx.Response) -> None:
        with self._changed:
            self.refused.append(f"{answer.status_code} {answer.text}")
            self._changed.notify_all()

    def wait_for(self, count: int) -> bool:
        """Whether `count` creates were acknowledged within BOUND (False at the first refusal)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.ids) >= count or self.refused, BOUND)
            return len(self.ids) >= count and not self.refused


def _create_until(proxy_url: str, acks: Acks, stop: threading.Event) -> None:
    """Create sandboxes through the proxy until told to stop; a request cut by a dying replica
    is not acknowledged and is tried again."""
    with spread_client(proxy_url) as http:
        while not stop.is_set() and not acks.refused:
            try:
                made = http.post("/_emulator/sandboxes", json={"freeze": True})
            except httpx.TransportError:
                continue
            if made.status_code != 201:
                acks.refuse(made)
                return
            acks.add(made.json()["id"])


def test_sigkill_of_one_replica_mid_load_loses_no_acknowledged_write(
        own_replicas: Topology) -> None:
    acks = Acks()
    stop = threading.Event()
    writers = [threading.Thread(target=_create_until,
                                args=(own_replicas.proxy.base_url, acks, stop))
               for _ in range(4)]
    for writer in writers:
        writer.start()
    try:
        assert acks.wait_for(KILL_AFTER), f"the writers did not get going: {acks.refused}"
        victim = own_replicas.b.process
        assert victim is not None
        victim.send_signal(signal.SIGKILL)
        victim.wait(BOUND)
        # The survivor takes the whole load.
        assert acks.wait_for(len(acks.ids) + KILL_AFTER), \
            f"A stopped serving after B died: {acks.refused}"
    finally:
        stop.set()
        for writer in writers:
            writer.join(BOUND)
    listed = {s.id for s in own_replicas.a.client.sandboxes()}
    assert set(acks.ids) <= listed, "an acknowledged create was lost"
    assert own_replicas.a.client.health()["status"] == "ok"
