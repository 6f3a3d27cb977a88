"""The default world: main account, two subusers, five services in several states, history."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlmodel import select

from emulator.vendors.backuprun.models import BrUser
from tests.conftest import emulator_of
from tests.vendors.backuprun.helpers import advance, agents, api, credentials, login, ok


def test_default_world(client: TestClient) -> None:
    login(client)
    status = agents(client)
    assert len(status) == 5
    by_status = sorted((a.get("create_status"), a.get("status")) for a in status.values())
    assert by_status == [("0", "0"), ("10", "0"), ("10", "1"), ("10", "2"), ("10", "3")]
    assert len({a.get("location_id") for a in status.values()}) == 4
    ran = [a for a in status.values() if a.get("first_backup_try") == "1"]
    assert len(ran) == 3
    for agent in ran:
        history = json.loads(agent.get("alert_history"))
        assert len(history) == 7
        errors = sum(e["errors"] for e in history)
        warnings = sum(e["warnings"] for e in history)
        assert agent.get("n_alerts") == str(errors * 1000 + warnings)
    failing = next(a for a in ran if a.get("status") == "3")
    assert int(failing.get("n_alerts")) >= 2000
    last = json.loads(failing.get("alert_history"))[0]
    keys = [m.get("messagekey") for m in ok(api(
        client, "getTaskDetailById", taskExecutionContextId=last["taskExecutionContextId"]
    )).iterfind("task/message")]
    assert "Errors.Main.connecting-to-agent-at-port-failed" in keys
    with emulator_of(client).db.session() as session:
        users = session.exec(select(BrUser).where(BrUser.world_id == "default")).all()
    assert sorted(u.role for u in users) == [0, 4, 4]
    assert {u.email for u in users if u.role == 0} == {credentials(client)["email"]}


def test_default_world_moves_on(client: TestClient) -> None:
    login(client)
    advance(client, 86400)
    status = agents(client)
    assert all(a.get("create_status") == "10" for a in status.values())
    for agent in status.values():
        if agent.get("first_backup_try") == "1":
            assert len(json.loads(agent.get("alert_history"))) == 8


def test_a_year_long_jump_replays_only_the_last_week(client: TestClient) -> None:
    login(client, remember=1)
    # What was replayed is read from the answer below; how long it took is bench/engine.py's.
    advance(client, 365 * 86400)
    login(client)
    for agent in agents(client).values():
        if agent.get("first_backup_try") == "1":
            history = json.loads(agent.get("alert_history"))
            assert 8 <= len(history) <= 10
            assert history[0]["startTime"].startswith("2027-01-0")
