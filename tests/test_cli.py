"""The backup-emulator command: settings precedence, seed, openapi export."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from emulator.cli import _parser, _settings, main
from emulator.fixtures import world as world_fixtures
from emulator.fixtures.scale import build_large_world
from tests import fakevendor
from tests.conftest import make_settings
from tests.server import console_script

ROOT = Path(__file__).resolve().parents[1]


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMULATOR_PORT", "9000")
    monkeypatch.setenv("EMULATOR_SEED", "11")
    monkeypatch.setenv("EMULATOR_DB", ":memory:")
    settings = _settings(_parser().parse_args(["serve", "--seed", "12", "--freeze"]))
    assert (settings.port, settings.seed, settings.freeze, settings.db) == \
        (9000, 12, True, ":memory:")
    assert settings.host == "127.0.0.1"


def test_bad_flag_values_are_refused_with_the_field_named(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--speed", "-1"]) == 2
    assert "speed" in capsys.readouterr().err
    assert main(["serve", "--now", "soon"]) == 2
    assert "now" in capsys.readouterr().err
    assert main(["serve", "--now", "1900-01-01T00:00:00Z"]) == 2
    assert "now: 1900-01-01T00:00:00.000Z is outside the supported range" in \
        capsys.readouterr().err


def test_openapi_export_matches_the_committed_files(tmp_path: Path) -> None:
    result = subprocess.run([console_script(), "openapi", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for path in (ROOT / "openapi").glob("*.json"):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_seed_builds_a_world_into_a_file(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    result = subprocess.run([console_script(), "seed", "--db", str(db), "--scale", "2",
                             "--seed", "5"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scale"] == 2
    assert report["rows"]["world"] == 1


def test_scale_multiplies_every_populators_rows(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(world_fixtures, "POPULATORS", [("fake", fakevendor.populate)])
    settings = make_settings(db=str(tmp_path / "scaled.db"))
    assert build_large_world(settings, 1)["test_probe"] == 3
    counts = build_large_world(settings, 50)
    assert counts["test_probe"] == 150
    assert counts["world"] == 1
    assert counts["due_transition"] == 150  # each probe's first step is scheduled
    with pytest.raises(ValueError):
        build_large_world(settings, 0)
