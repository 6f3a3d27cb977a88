"""runPolicy and the task lifecycle, getBackupStatus, getTaskDetailById, daily backups."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree

from tests.vendors.backuprun.helpers import (
    advance,
    agents,
    api,
    created_service,
    error,
    login,
    ok,
)


def _backup_status(client: TestClient, sid: str, offset: int = 0) -> etree._Element:
    agent = ok(api(client, "getBackupStatus", service_id=sid, timezoneOffset=offset)).find("agent")
    assert agent is not None
    return agent


def _history(agent: etree._Element) -> list[dict[str, object]]:
    text = agent.get("alert_history")
    entries: list[dict[str, object]] = json.loads(text) if text else []
    return entries


def _details(client: TestClient, context_id: object, offset: int | None = None) -> list[
        etree._Element]:
    params: dict[str, Any] = {"taskExecutionContextId": context_id}
    if offset is not None:
        params["timezoneOffset"] = offset
    return ok(api(client, "getTaskDetailById", **params)).findall("task/message")


def test_task_runs_initializing_running_finished(client: TestClient) -> None:
    login(client)
    sid = created_service(client).get("service_id")
    before = _backup_status(client, sid)
    # the page's example of a never-run service: taskstate INITIALIZING, alert_history "[]"
    assert before.find("task").get("taskstate") == "INITIALIZING"
    assert before.get("alert_history") == "[]" and before.get("running") == "0"
    error(api(client, "getBackupStatus"), "missing_parameter")
    ok(api(client, "runPolicy", service_id=sid, activation_hint="linux-express-install"))
    agent = _backup_status(client, sid)
    assert agent.find("task").get("taskstate") == "INITIALIZING"
    assert agent.get("running") == "1" and agent.get("first_backup_try") == "1"
    assert agent.find("task").get("first_backup_try") == "1"
    assert "already running" in error(api(client, "runPolicy", service_id=sid), "wrong_state")
    advance(client, 11)
    agent = _backup_status(client, sid)
    assert agent.find("task").get("taskstate") == "RUNNING"
    assert agent.get("startup_ok") == "1" and agent.get("ostype") == "Linux"
    advance(client, 900)
    agent = _backup_status(client, sid)
    assert agent.find("task").get("taskstate") == "FINISHED"
    assert (agent.get("running"), agent.get("status"), agent.get("status_min_ok")) == (
        "0", "1", "1")
    assert int(agent.get("disk_usage")) > 0 and agent.get("n_alerts") == "0"
    [entry] = _history(agent)
    levels = [m.get("messagelevel") for m in _details(client, entry["taskExecutionContextId"])]
    assert levels and set(levels) == {"INFO"}


def test_unreachable_agent_takes_the_error_path(client: TestClient) -> None:
    login(client)
    agent = created_service(client, agent="hostname_or_IP")
    sid = agent.get("service_id")
    response = client.post(f"/_emulator/backuprun/services/{sid}/agent",
                           json={"reachable": False})
    assert response.json()["agent_reachable"] is False
    ok(api(client, "runPolicy", service_id=sid))
    advance(client, 5)
    agent = _backup_status(client, sid)
    assert agent.find("task").get("taskstate") == "ERROR"
    assert (agent.get("status"), agent.get("n_alerts"), agent.get("startup_ok")) == (
        "3", "1000", "0")
    [entry] = _history(agent)
    messages = _details(client, entry["taskExecutionContextId"])
    assert [m.get("messagekey") for m in messages] == [
        "Messages.Main.connecting-to-agent-at-port",
        "Errors.Main.connecting-to-agent-at-port-failed", "Errors.Main.task-finished"]
    failed = messages[1]
    assert failed.get("messagelevel") == "SEVERE"
    assert failed.get("messagestring") == (
        "Connecting to agent hostname_or_IP at port 1167 failed: Connection refused")
    assert json.loads(failed.get("messagekeyparameters")) == [
        "hostname_or_IP", "1167", "Connection_refused"]
    assert [p.get("value") for p in failed.findall("messagekeyparameter")] == [
        "hostname_or_IP", "1167", "Connection_refused"]


def test_forced_warnings_then_errors(client: TestClient) -> None:
    login(client)
    sid = created_service(client).get("service_id")
    client.post(f"/_emulator/backuprun/services/{sid}/next-task", json={"outcome": "warnings"})
    ok(api(client, "runPolicy", service_id=sid))
    advance(client, 1000)
    agent = _backup_status(client, sid)
    warnings = int(agent.get("n_alerts"))
    assert agent.get("status") == "2" and 1 <= warnings <= 3
    assert agent.get("status_min_ok") == "1"
    client.post(f"/_emulator/backuprun/services/{sid}/next-task", json={"outcome": "errors"})
    advance(client, 86400)  # the next daily run
    agent = _backup_status(client, sid)
    assert agent.get("status") == "3" and agent.find("task").get("taskstate") == "ERROR"
    history = _history(agent)
    assert len(history) == 2 and history[0]["taskState"] == "ERROR"
    assert int(agent.get("n_alerts")) == 1000 * int(str(history[0]["errors"])) + warnings
    levels = {m.get("messagelevel") for m in _details(client, history[0][
        "taskExecutionContextId"])}
    assert "SEVERE" in levels
    advance(client, 86400)  # forced once only: the day after is clean again
    assert _backup_status(client, sid).get("status") == "1"
    bad = client.post(f"/_emulator/backuprun/services/{sid}/next-task", json={"outcome": "x"})
    assert bad.status_code == 422
    assert client.post("/_emulator/backuprun/services/V1/agent",
                       json={"reachable": True}).status_code == 404


def test_daily_backups_after_the_first(client: TestClient) -> None:
    login(client)
    sid = created_service(client).get("service_id")
    error(api(client, "getTaskDetailById", taskExecutionContextId="nope"), "not_found")
    ok(api(client, "runPolicy", service_id=sid))
    advance(client, 86400 * 3 + 1000)
    history = _history(_backup_status(client, sid))
    assert len(history) == 4
    starts = sorted(str(e["startTime"]) for e in history)
    assert [s[11:] for s in starts] == [starts[0][11:]] * 4  # same time of day
    assert len({s[:10] for s in starts}) == 4


def test_times_shift_by_timezone_offset(client: TestClient) -> None:
    login(client)
    sid = created_service(client).get("service_id")
    ok(api(client, "runPolicy", service_id=sid))
    advance(client, 1000)
    utc = _history(_backup_status(client, sid))[0]
    local = _history(_backup_status(client, sid, offset=-120))[0]  # UTC+2, as JavaScript says
    assert str(utc["startTime"]) < str(local["startTime"])
    assert int(str(local["startTime"])[11:13]) == (int(str(utc["startTime"])[11:13]) + 2) % 24
    context_id = utc["taskExecutionContextId"]
    first = _details(client, context_id)[0].get("messagetime")
    shifted = _details(client, context_id, offset=-120)[0].get("messagetime")
    assert first == utc["startTime"] and shifted == local["startTime"]
    error(api(client, "getBackupStatus", service_id=sid, timezoneOffset="x"), "invalid_value")


def test_runpolicy_waits_for_creation(client: TestClient) -> None:
    login(client)
    agent = ok(api(client, "addService", type="SERVER", location="530", name="n",
                   agent="1.1.1.1", agent_port="1167")).find("agent")
    assert "not created yet" in error(api(client, "runPolicy",
                                          service_id=agent.get("service_id")), "wrong_state")
    assert agents(client)[agent.get("service_id")].get("first_backup_try") == "0"
