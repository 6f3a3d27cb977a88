"""Rackspace's due work applied in engine batches leaves exactly what one transition at a time
leaves: the same stored rows and the same answers, over a long jump (replayed runs) and short
ones after it (live runs through every state)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from emulator.app import create_app
from emulator.core import engine
from tests.conftest import default_world_rows, make_settings
from tests.vendors.rackspace.conftest import as_tenant


def _compared(name: str) -> bool:
    return name.startswith("rackspace_") and name != "rackspace_token"


def _advanced(batch: int, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[bytes]]:
    monkeypatch.setattr(engine, "BATCH", batch)
    with TestClient(create_app(make_settings())) as client:
        for hours in (10 * 24, 5, 5):
            advanced = client.post("/_emulator/clock", json={"advance_seconds": hours * 3600})
            assert advanced.status_code == 200, advanced.text
        rows = default_world_rows(client, _compared)
        rax = as_tenant(client)
        answers = []
        for agent in rax.agents:
            answers.append(rax.get(f"/agent/{agent}").content)
            configs = rax.get(f"/backup-configuration/system/{agent}")
            answers.append(configs.content)
            for config in configs.json():
                ident = config["BackupConfigurationId"]
                answers.append(rax.get(f"/backup/completed/{ident}").content)
        return rows, answers


def test_a_long_jump_in_batches_leaves_the_rows_of_one_transition_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    batched_rows, batched = _advanced(engine.BATCH, monkeypatch)
    single_rows, single = _advanced(1, monkeypatch)
    backups = batched_rows["rackspace_backup"]
    assert len(backups) > 30, "the jump ran the schedules"
    assert any("'Completed'" in row for row in backups)
    assert batched_rows == single_rows
    assert batched == single
