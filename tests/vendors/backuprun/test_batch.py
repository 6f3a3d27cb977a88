"""BackupRun's due work applied in engine batches leaves exactly what one transition at a time
leaves: the same stored rows (ids included) and the same answers, over a long jump (daily runs
caught up, a terminated service removed) and short ones after it. The batches are not cut by a
time budget, so one batch holds many services' runs, each over several days."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emulator.app import create_app
from emulator.core import engine
from tests.conftest import default_world_rows, make_settings
from tests.vendors.backuprun.helpers import add_service, advance, agents, api, login, ok


def _compared(name: str) -> bool:
    return name.startswith("backuprun_") or name == "due_transition"


def _call(client: TestClient, call: str, **params: Any) -> bytes:
    return client.post("/api.php", data={"apiCALL": call, **params}).content


def _lived(batch: int, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[bytes]]:
    monkeypatch.setattr(engine, "BATCH", batch)
    with TestClient(create_app(make_settings())) as client:
        # No time budget: a jump is applied in batches of BATCH claimed rows (with the work
        # they schedule), not in the few milliseconds' chunks a serving engine takes.
        client.app.state.emulator.chunk_seconds = None  # type: ignore[attr-defined]
        login(client)
        new = [add_service(client, name=f"n{i}").get("service_id") for i in range(3)]
        advance(client, 120)  # created: through every create_status
        control = "/_emulator/backuprun/services/{}/"
        client.post(control.format(new[0]) + "next-task", json={"outcome": "warnings"})
        client.post(control.format(new[1]) + "agent", json={"reachable": False})
        for sid in new:
            ok(api(client, "runPolicy", service_id=sid))
        advance(client, 30)
        doomed = agents(client)[new[2]].get("id")  # terminated while its task runs
        ok(api(client, "editService", sc_id=doomed, service_action="terminate"))
        client.post(control.format(new[0]) + "next-task", json={"outcome": "errors"})
        answers = []
        for hours in (10 * 24, 5, 5, 30):
            advance(client, hours * 3600)
            answers.append(_call(client, "getStatus"))
        for sid, agent in agents(client).items():
            answers.append(_call(client, "getBackupStatus", service_id=sid))
            for entry in json.loads(agent.get("alert_history") or "[]")[:3]:
                answers.append(_call(client, "getTaskDetailById",
                                     taskExecutionContextId=entry["taskExecutionContextId"]))
        return default_world_rows(client, _compared), answers


def test_a_long_jump_in_batches_leaves_the_rows_of_one_transition_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    batched_rows, batched = _lived(engine.BATCH, monkeypatch)
    single_rows, single = _lived(1, monkeypatch)
    tasks = batched_rows["backuprun_task"]
    assert len(tasks) > 50, "the jump ran the daily backups"
    assert {"'FINISHED'", "'ERROR'"} <= {field for row in tasks for field in row}
    assert len(batched_rows["backuprun_service"]) == 7, "the terminated service was removed"
    assert batched_rows == single_rows
    assert batched == single
