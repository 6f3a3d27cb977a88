"""A world's history is lived by the engine, so it obeys the rules the live engine follows.

Two ways in: the history of a built world equals the same world lived step by step through the
clock (rule-derived facts compared field by field), and the default world read over HTTP shows
the rules the vendors' pages state (Missed at due + LateAfter, runs at their schedules' times,
TimeOfLastSuccessfulBackup the latest success).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

import emulator.app  # noqa: F401  (registers every vendor's due handlers)
from emulator.core.runtime import Emulator
from emulator.core.timeutil import parse_iso
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.fixtures import world as world_fixtures
from emulator.vendors.cleverfox.models import CfJob, CfLog
from emulator.vendors.cleverfox.schemas import local_to_utc
from emulator.vendors.cleverfox.serializer import CHECKIN_SECONDS
from emulator.vendors.rackspace.models import Agent, Backup, Configuration
from emulator.vendors.rackspace.schedule import next_run
from tests.conftest import T0, make_settings
from tests.vendors.cleverfox.helpers import auth

STEP = timedelta(minutes=20)  # shorter than any replay threshold: the live path, run by run

Facts = Callable[[Session], list[tuple[Any, ...]]]


def _cleverfox_facts(session: Session) -> list[tuple[Any, ...]]:
    return sorted((log.id, log.job_id, log.job_status, log.next_run_on_local,
                   log.job_started_on_local, log.job_completed_on_local, log.error_messages,
                   log.notification_job_completed_processed_on,
                   log.notification_job_failed_processed_on,
                   log.notification_job_missed_processed_on, log.added_on)
                  for log in session.exec(select(CfLog).where(
                      CfLog.world_id == DEFAULT_WORLD_ID)).all())


def _rackspace_facts(session: Session) -> list[tuple[Any, ...]]:
    # Outcomes of long-past runs are drawn in one step, of live ones along the machine: the
    # rule-derived facts are when each run was started, by what, and that it finished.
    finished = ("Completed", "CompletedWithErrors", "Failed", "Skipped", "Missed")
    return sorted((b.config_id, b.created, b.state in finished)
                  for b in session.exec(select(Backup).where(
                      Backup.world_id == DEFAULT_WORLD_ID)).all())


def _world(vendor: str, *, lived: bool, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The default world with one vendor: its history built at once, or lived step by step."""
    history = world_fixtures.HISTORIES[vendor]
    monkeypatch.setattr(world_fixtures, "POPULATORS",
                        [p for p in world_fixtures.POPULATORS if p[0] == vendor])
    start = parse_iso(T0)
    if lived:  # populated at the history's start, with no history, then lived to T0
        monkeypatch.setattr(world_fixtures, "HISTORIES", {})
        start -= history
    emu = Emulator(make_settings(now=start))
    emu.open()
    monkeypatch.undo()
    clock = emu.clock(DEFAULT_WORLD_ID)
    while clock.now() < parse_iso(T0):
        clock.advance(min(STEP, parse_iso(T0) - clock.now()).total_seconds())
        with emu.db.session() as session:
            emu.sim.run_due(session, emu.worlds[DEFAULT_WORLD_ID], clock.now())
    return emu


@pytest.mark.parametrize("vendor, facts", [("cleverfox", _cleverfox_facts),
                                           ("rackspace", _rackspace_facts)])
def test_a_built_history_equals_the_world_lived_through_the_clock(
        vendor: str, facts: Facts, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _world(vendor, lived=False, monkeypatch=monkeypatch)
    lived = _world(vendor, lived=True, monkeypatch=monkeypatch)
    with built.db.session() as one, lived.db.session() as other:
        mine, theirs = facts(one), facts(other)
    assert len(mine) > 10
    assert mine == theirs
    built.db.dispose()
    lived.db.dispose()


def _logs(client: TestClient) -> list[dict[str, Any]]:
    answer = client.get("/api/logs", params={"PageSize": 1000}, headers=auth(client))
    assert answer.status_code == 200
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


def _local(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_cleverfox_history_logs_obey_the_job_rules(client: TestClient) -> None:
    logs = _logs(client)
    statuses = {log["JobStatus"] for log in logs}
    assert {"Completed", "Failed", "Missed"} <= statuses
    emu: Emulator = client.app.state.emulator  # type: ignore[attr-defined]
    with emu.db.session() as session:
        zones = {j.id: j for j in session.exec(
            select(CfJob).where(CfJob.world_id == DEFAULT_WORLD_ID)).all()}
        rows = {log.id: log for log in session.exec(
            select(CfLog).where(CfLog.world_id == DEFAULT_WORLD_ID)).all()}
    for log in logs:
        row = rows[log["LogId"]]
        due = local_to_utc(_local(log["NextRunOn"]), row.time_zone_id)
        added = row.added_on
        if log["JobStatus"] == "Missed":  # written once LateAfter has passed, not before
            assert added == due + timedelta(minutes=log["LateAfter"])
        else:  # started at the agent's first check-in at or after the run was due
            assert due <= added < due + timedelta(seconds=CHECKIN_SECONDS)
    # one log per scheduled run: no run of a job is logged twice, none is left out
    for job_id, job in zones.items():
        runs = sorted(_local(log["NextRunOn"]) for log in logs if log["JobId"] == job_id)
        assert len(runs) == len(set(runs))
        assert all(b - a == timedelta(days=job.every) for a, b in itertools.pairwise(runs))


def test_rackspace_history_follows_schedules_and_last_success(client: TestClient) -> None:
    emu: Emulator = client.app.state.emulator  # type: ignore[attr-defined]
    with emu.db.session() as session:
        # ids are numbered per world, and the store also holds template worlds
        configs = {c.id: c for c in session.exec(select(Configuration).where(
            Configuration.world_id == DEFAULT_WORLD_ID)).all()}
        backups = session.exec(select(Backup).where(Backup.world_id == DEFAULT_WORLD_ID)
                               .order_by(col(Backup.id))).all()
        agents = session.exec(select(Agent).where(Agent.world_id == DEFAULT_WORLD_ID)).all()
    scheduled = [b for b in backups if configs[b.config_id].frequency != "Manually"]
    assert len(scheduled) > 10
    for backup in scheduled:  # each run started at a time its configuration's schedule names
        config = configs[backup.config_id]
        if config.frequency != "Hourly":  # Hourly counts from the previous run: gaps below
            assert next_run(config, backup.created - timedelta(seconds=1)) == backup.created
    for config in configs.values():
        runs = [b.created for b in scheduled if b.config_id == config.id]
        assert all(next_run(config, a) == b for a, b in itertools.pairwise(runs))
    for agent in agents:
        successes = [b.completed_time for b in backups if b.agent_id == agent.id
                     and b.state in ("Completed", "CompletedWithErrors")
                     and b.completed_time is not None]
        assert agent.last_success == (max(successes) if successes else None)
