"""Large Code42 worlds: `seed --vendor code42` builds only Code42, in bulk, fully indexed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from emulator.cli import main
from emulator.fixtures import code42 as code42_fixture
from emulator.fixtures.scale import build_large_world
from tests.conftest import make_settings


def test_seed_one_vendor_at_scale_with_indexes_rebuilt(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code42_fixture, "BULK_INDEX_REBUILD", 1)  # take the bulk path
    db = tmp_path / "big.db"
    counts = build_large_world(make_settings(db=str(db)), 3, ["code42"])
    assert counts["code42_device"] == 180
    assert counts["code42_user"] == 75
    assert counts["code42_org"] == 3
    others = {name: n for name, n in counts.items()
              if not name.startswith("code42")
              and name not in ("world", "counter", "secret_epoch", "world_sequence",
                               "response_version")}
    assert not any(others.values()), others
    with sqlite3.connect(db) as connection:
        # the per-world id sequences (shared table) count Code42's rows only
        sequences = dict(connection.execute("SELECT name, value FROM world_sequence"))
        assert sequences == {"code42.org": 3, "code42.user": 75, "code42.destination": 2,
                             "code42.api_client": 1, "code42.device": 180}
        indexes = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'code42_device'")}
        assert {"ix_code42_device_world_last_connected", "ix_code42_device_world_user",
                "ix_code42_device_world_archive_bytes"} <= indexes
        assert connection.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0


def test_seed_refuses_an_unknown_vendor(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["seed", "--db", str(tmp_path / "x.db"), "--vendor", "veeam"])
    assert code == 2
    assert "veeam" in capsys.readouterr().err
