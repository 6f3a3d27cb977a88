"""Worlds copied from a template world are the worlds a build makes.

- No clonable table stores another row's `pk`: the same world built twice in one store (so
  every internal key differs) holds the same rows apart from those keys and `world_id`.
- A sandbox or reset copied from a template gives the same bytes on every list route of every
  clonable vendor as one built afresh with the same key, seed and clock; its secrets are its
  own (two copies share none).
- From a running clock, a copy of an older template is lived forward by the engine: it looks
  like a world built at its own start.
- Templates live in the store, hidden from every listing, survive resets, are found by another
  process over the same database, and are dropped when the code changes.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from emulator.app import SURFACES, create_app
from emulator.core import secrets
from emulator.core.clock import ClockState
from emulator.core.cloning import internal_key, world_tables
from emulator.core.db import Database
from emulator.core.engine import DueTransition, Simulation
from emulator.core.runtime import Emulator
from emulator.core.timeutil import UTC
from emulator.core.world import TEMPLATE, World
from emulator.fixtures import templates
from emulator.fixtures import world as worlds
from emulator.vendors.backuprun.services import SERVICE_NUMBER_BASE
from emulator.vendors.cleverfox.models import CfJob, CfLog
from tests.conftest import SEED, T0, make_settings

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
VENDORS = list(worlds.VENDOR_FIXTURES)
CLONABLE = [v for v in VENDORS if worlds.clonable(v)]


def _rows(session: Session, world_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of a world, per table, without internal keys and world ids, in key order.

    Due transitions are in key order per vendor: the engine orders ties by key, and only ties
    within one vendor can change what happens."""
    out = {}
    for table in world_tables():
        key = internal_key(table)
        columns = [c for c in table.c if c is not key and c.name != "world_id"]
        order = [key] if key is not None else list(table.primary_key.columns)
        rows = [tuple(r) for r in session.execute(
            select(*columns).where(table.c.world_id == world_id).order_by(*order)).all()]
        if table.name == "world_sequence":
            rows.sort()  # one counter per name: which vendor's came first means nothing
        if table.name == DueTransition.__tablename__:
            kind = [c.name for c in columns].index("kind")
            rows.sort(key=lambda r: r[kind].removeprefix("sm:").split(".")[0])
        out[table.name] = rows
    return out


def _clock(anchor: datetime = START) -> ClockState:
    return ClockState(anchor=anchor, anchor_real=time.time(), speed=1.0, frozen=True)


# -- the precondition of copying: rows never name each other by pk -----------------------

@pytest.mark.parametrize("vendor", [
    pytest.param(v, marks=() if worlds.clonable(v) else pytest.mark.xfail(
        strict=True, reason="not declared CLONABLE: its rows name each other by pk"))
    for v in VENDORS])
def test_a_clonable_vendor_stores_no_reference_to_another_rows_pk(vendor: str) -> None:
    db = Database(":memory:")
    db.create_all()
    sim = Simulation()
    chosen = [(n, p) for n, p in worlds.POPULATORS if n == vendor]
    key = secrets.template_key("pk-test")
    with db.session() as session:
        for world_id in ("first", "second"):  # the second's rows all get other internal keys
            worlds.build_world(session, sim, world_id=world_id, ordinal=1, seed=SEED,
                               clock=_clock(), secret_key=key, populators=chosen)
        session.flush()
        first, second = _rows(session, "first"), _rows(session, "second")
    assert any(first.values()), "the vendor built nothing"
    for table, rows in first.items():
        assert rows == second[table], f"{table}: a row holds something that depends on pks"


# -- a copy is a build ---------------------------------------------------------------------

def test_a_copied_world_holds_the_rows_a_build_makes_and_its_own_secrets() -> None:
    stores = {}
    for copying in (True, False):
        db = Database(":memory:")
        db.create_all()
        sim = Simulation()
        with db.session() as session:
            for ordinal, world_id in ((1, "sb-one"), (2, "sb-two")):
                worlds.make_world(session, sim, world_id=world_id, ordinal=ordinal, seed=SEED,
                                  clock=_clock(), exact=True,
                                  secret_key=secrets.template_key(world_id),
                                  templates=copying)
            session.commit()
            assert bool(session.exec(select(World.id).where(World.kind == TEMPLATE)).all()) \
                == (copying and bool(CLONABLE))
            stores[copying] = {w: _rows(session, w) for w in ("sb-one", "sb-two")}
    assert stores[True] == stores[False]
    # Two copies of one template share no secret: each draws its own. The values that differ
    # between them are the drawn ones; no value drawn for one is drawn for the other.
    one, two = (stores[True][w] for w in ("sb-one", "sb-two"))
    for vendor in CLONABLE:
        for model, _ in worlds.secret_columns(vendor):
            table = model.__table__.name
            assert one[table] and len(one[table]) == len(two[table]), table
            pairs = list(zip(one[table], two[table], strict=True))
            drawn = [i for i in range(len(one[table][0])) if any(a[i] != b[i] for a, b in pairs)]
            assert drawn, f"{table}: two copies hold the same rows"
            for i in drawn:
                firsts = {a[i] for a, b in pairs if a[i] != b[i]}
                assert not firsts & {b[i] for a, b in pairs if a[i] != b[i]}, \
                    f"{table}: a value drawn for both copies"


# -- over HTTP: every list route of every clonable vendor ------------------------------------

Auth = dict[str, Any]
"""What a client sends with each request: keyword arguments of TestClient.request."""


def _cleverfox_auth(_client: TestClient, _base: str, creds: dict[str, Any]) -> Auth:
    return {"auth": (creds["cleverfox"]["api_key"], "")}


def _rackspace_auth(client: TestClient, base: str, creds: dict[str, Any]) -> Auth:
    login = creds["rackspace"]
    answer = client.post(base + "/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
        "username": login["username"], "apiKey": login["api_key"]}}})
    token = answer.json()["access"]["token"]["id"] if answer.status_code == 200 else ""
    return {"headers": {"X-Auth-Token": token}}  # a world gone (reset) answers 404 to all


def _backuprun_auth(client: TestClient, base: str, creds: dict[str, Any]) -> Auth:
    login = creds["backuprun"]
    answer = client.post(base + "/api.php", data={
        "apiCALL": "login", "email": login["email"], "password": login["password"]})
    client.cookies.clear()  # each world's requests carry their own session
    return {"headers": {"Cookie": f"PHPSESSID={answer.cookies.get('PHPSESSID', '')}"}}


def _code42_auth(_client: TestClient, _base: str, creds: dict[str, Any]) -> Auth:
    login = creds["code42"]["sysadmin"]
    return {"auth": (login["username"], login["password"])}


AUTH = {"cleverfox": _cleverfox_auth, "rackspace": _rackspace_auth,
        "backuprun": _backuprun_auth, "code42": _code42_auth}
"""How a client of each clonable vendor logs in (a vendor made clonable needs one)."""

PATH_VALUES = {"rackspace": lambda creds: {"tenant_id": creds["rackspace"]["tenant_id"]}}
"""A vendor's path parameters that name the caller's account, not a numbered row."""

CALLS = {"backuprun": [{"apiCALL": "getStatus"}, *(
    {"apiCALL": "getBackupStatus", "service_id": f"{prefix}{SERVICE_NUMBER_BASE + number}"}
    for number in range(1, 6) for prefix in "SV")]}
"""A vendor's reads that are not GET routes: form posts to one endpoint."""


def _list_paths(vendor: str, creds: dict[str, Any]) -> list[str]:
    surface = next(s for s in SURFACES if s.name == vendor)
    values = PATH_VALUES.get(vendor, lambda _: {})(creds)
    paths = set()
    for route in surface.router.routes:
        if "GET" in (getattr(route, "methods", None) or ()):
            paths.add(re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), 1)),
                             getattr(route, "path", "")))
    return sorted(paths)


def _answers(copying: bool) -> list[tuple[str, int, bytes]]:
    app = create_app(make_settings(clone_worlds=copying))
    out = []
    with TestClient(app) as client:
        made = [client.post("/_emulator/sandboxes", json=body).json() for body in (
            {"seed": 7, "now": T0, "freeze": True}, {"seed": 7, "now": T0, "freeze": True},
            {"now": T0})]
        reset = client.post("/_emulator/reset", json={"seed": 5, "now": T0, "freeze": True})
        assert reset.status_code == 200
        made.append(client.post("/_emulator/sandboxes", json={}).json())
        targets = [("", reset.json()["credentials"])] + [
            (f"/sandbox/{s['id']}", s["credentials"]) for s in made]
        for vendor in CLONABLE:
            for base, creds in targets:
                auth = AUTH[vendor](client, base, creds)
                for path in _list_paths(vendor, creds):
                    answer = client.get(base + path, params={"PageSize": 1000}, **auth)
                    out.append((base + path, answer.status_code, answer.content))
                for form in CALLS.get(vendor, []):
                    answer = client.post(base + "/api.php", data=form, **auth)
                    out.append((f"{base}/api.php {form}", answer.status_code, answer.content))
        out.append(("sandboxes", 200, client.get("/_emulator/sandboxes").content))
    return out


@pytest.mark.skipif(not CLONABLE, reason="no vendor is declared CLONABLE")
def test_copied_sandboxes_and_resets_answer_every_list_route_as_built_ones() -> None:
    assert set(CLONABLE) <= set(AUTH), "say in AUTH how a client of each clonable vendor logs in"
    copied, built = _answers(True), _answers(False)
    assert [a[:2] for a in copied] == [a[:2] for a in built]
    for (path, _, body), (_, _, fresh) in zip(copied, built, strict=True):
        assert body == fresh, path
    assert sum(status == 200 for _, status, _ in copied) > 20  # the walk reached the data


# -- a running clock: an older template, lived forward ------------------------------------

def test_from_a_running_clock_an_older_template_is_lived_forward_to_the_worlds_start() -> None:
    db = Database(":memory:")
    db.create_all()
    sim = Simulation()
    later = START + timedelta(minutes=20)

    def make(session: Session, world_id: str, anchor: datetime, copying: bool) -> World:
        return worlds.make_world(session, sim, world_id=world_id, ordinal=1, seed=SEED,
                                 clock=_clock(anchor), exact=False,
                                 secret_key=secrets.template_key(world_id), templates=copying)

    with db.session() as session:
        make(session, "sb-early", START, True)
        built_at = session.exec(select(World.id).where(World.kind == TEMPLATE)).all()
        make(session, "sb-copied", later, True)
        make(session, "sb-built", later, False)
        assert session.exec(select(World.id).where(World.kind == TEMPLATE)).all() == built_at
        pending = session.exec(select(DueTransition.due_at).where(
            DueTransition.world_id == "sb-copied")).all()
        assert pending and min(pending) > later  # everything due by its start has happened

        def jobs(world_id: str) -> list[tuple[Any, ...]]:
            return [(j.id, j.device_id, j.name, j.next_run_on_local) for j in session.exec(
                select(CfJob).where(CfJob.world_id == world_id).order_by(col(CfJob.id))).all()]

        assert jobs("sb-copied") == jobs("sb-built")  # next runs after its own start
        assert all(j[3].minute == 0 for j in jobs("sb-copied"))  # schedules kept their hour
        logs = session.exec(select(CfLog.added_on).where(CfLog.world_id == "sb-copied")).all()
        assert logs and max(logs) <= later
        # Beyond MAX_AGE a template is built anew, at the world's start.
        make(session, "sb-much-later", START + templates.MAX_AGE + timedelta(minutes=1), True)
        assert len(session.exec(select(World.id).where(World.kind == TEMPLATE)).all()) == 2


# -- where templates live ------------------------------------------------------------------

@pytest.mark.skipif(not CLONABLE, reason="no vendor is declared CLONABLE")
def test_templates_are_hidden_survive_resets_and_serve_other_processes(tmp_path: Path) -> None:
    settings = make_settings(db=str(tmp_path / "state.db"), now=None)  # real time
    app = create_app(settings)
    with TestClient(app) as client:
        emu: Emulator = app.state.emulator
        with emu.db.session() as session:
            # A first start builds the default world itself: a template costs a copy more.
            assert templates.template_ids(session) == []
        client.post("/_emulator/sandboxes", json={})
        with emu.db.session() as session:
            made = templates.template_ids(session)
        assert len(made) == 1 and not set(made) & set(emu.worlds)
        listed = client.get("/_emulator/sandboxes").json()
        assert [s["id"] for s in listed] != made and len(listed) == 1
        assert "tpl-" not in client.get("/console/worlds").text
        saved = client.post("/_emulator/snapshots", json={"name": "all"})
        assert saved.status_code == 201, saved.text
        assert "tpl-" not in client.get("/_emulator/snapshots/all/export").text
        client.post("/_emulator/reset", json={})
        with emu.db.session() as session:
            assert templates.template_ids(session) == made  # used again, not rebuilt
    # Another process over the same store finds it.
    other = Emulator(settings)
    other.open()
    with other.db.session() as session:
        assert templates.template_ids(session) == made
    other.db.dispose()


def test_a_template_of_other_code_is_never_used_and_is_dropped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    if not CLONABLE:
        pytest.skip("no vendor is declared CLONABLE")
    db = Database(":memory:")
    db.create_all()
    sim = Simulation()
    with db.session() as session:
        worlds.make_world(session, sim, world_id="sb-a", ordinal=1, seed=SEED, clock=_clock(),
                          exact=True, secret_key=secrets.template_key("a"))
        old = templates.template_ids(session)
        monkeypatch.setattr(templates, "code_version", lambda: "othercode")
        worlds.make_world(session, sim, world_id="sb-b", ordinal=2, seed=SEED, clock=_clock(),
                          exact=True, secret_key=secrets.template_key("b"))
        new = templates.template_ids(session)
    assert len(old) == len(new) == 1 and old != new
