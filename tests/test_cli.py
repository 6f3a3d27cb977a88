"""The backup-emulator command: settings precedence, seed, openapi export, and the errors a
user meets when starting it (taken port, unwritable database, ignored flags, bad --now)."""

from __future__ import annotations

import getpass
import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from emulator.cli import _parser, _settings, main
from emulator.fixtures import world as world_fixtures
from emulator.fixtures.scale import build_large_world
from tests import fakevendor
from tests.conftest import make_settings
from tests.server import console_script, serve

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
                             "--seed", "5", "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scale"] == 2
    assert report["rows"]["world"] == 1


@pytest.mark.parametrize("vendor", ["backuprun", "cleverfox", "code42", "rackspace"])
def test_seed_builds_every_vendor_past_its_fixtures_cycles(tmp_path: Path, vendor: str) -> None:
    """Fixture values drawn from an index that grows with the scale (minutes, days, names)
    stay in range: a scale past every cycle of 50 or 60 builds (BackupRun's run history asked
    for minute 64 from scale 46 on)."""
    db = tmp_path / "big.db"
    result = subprocess.run([console_script(), "seed", "--db", str(db), "--scale", "61",
                             "--vendor", vendor, "--json"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scale"] == 61


def test_seed_prints_a_short_summary_and_a_progress_bar(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    # tqdm draws only on a terminal by default; a pseudo-terminal shows what a user sees.
    typed = f"stty cols 100 rows 40; {console_script()} seed --db {db} --scale 2"
    result = subprocess.run(["script", "-qec", typed, "/dev/null"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "seeding: 100%|" in out and "6/6" in out, out
    assert "counted" in out  # the bar's last step
    lines = [line for line in out.splitlines() if line.strip()]
    summary = lines[-3:]
    assert summary[0].startswith(f"seeded {db} at scale 2 in "), out
    for vendor in ("backuprun", "cleverfox", "code42", "rackspace"):
        assert vendor in summary[1]
    assert summary[2].lstrip().startswith("most: ")
    assert len(out.splitlines()) < 15  # not ~40 table counts


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


def _serve(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`backup-emulator serve` that is expected to stop by itself (an error)."""
    return subprocess.run([console_script(), "serve", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path)


def test_a_taken_port_fails_before_the_banner_and_before_any_world_is_built(
        tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve(tmp_path, "--port", str(port), "--db", str(tmp_path / "state.db"))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"backup-emulator serve: port {port} on 127.0.0.1 is "
                                     "taken by another process; choose another with --port "
                                     "or EMULATOR_PORT")
    assert "listening" not in result.stdout
    assert not (tmp_path / "state.db").exists()  # no world was built


def test_an_unwritable_database_path_names_the_path_and_the_user(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    db = blocker / "state.db"  # a directory that is a file: no user can write there
    result = _serve(tmp_path, "--port", "0", "--db", str(db))
    assert result.returncode == 1
    user = getpass.getuser()
    assert result.stderr.startswith(f"backup-emulator serve: cannot write the database {db}: ")
    assert f"for user {user} (uid {os.getuid()})" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    seeded = subprocess.run([console_script(), "seed", "--db", str(db)], capture_output=True,
                            text=True, timeout=60)
    assert seeded.returncode == 1 and "cannot write the database" in seeded.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_directory_is_refused_for_this_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = _serve(tmp_path, "--port", "0", "--db", str(locked / "state.db"))
    assert result.returncode == 1
    assert f"directory {locked} is not writable for user {getpass.getuser()}" in result.stderr


def test_a_bad_now_says_which_format_is_expected(tmp_path: Path) -> None:
    result = _serve(tmp_path, "--now", "next tuesday")
    assert result.returncode == 2
    assert result.stderr.strip() == ("backup-emulator serve: --now 'next tuesday' is not an "
                                     "ISO 8601 date and time, e.g. 2026-01-05T09:00:00Z")
    from_env = subprocess.run([console_script(), "serve"], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path, env={**os.environ,
                                                             "EMULATOR_NOW": "soon"})
    assert from_env.returncode == 2
    assert "now: expected an ISO 8601 date and time, e.g. 2026-01-05T09:00:00Z, not 'soon'" \
        in from_env.stderr


def test_flags_the_stored_world_ignores_print_a_one_line_warning(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with serve(tmp_path, "--seed", "5") as first:
        first.stop()
    assert "warning" not in first.text  # a new world: the flags were used
    with serve(tmp_path, "--seed", "6", "--now", "2026-01-01T00:00:00Z") as second:
        second.stop()
    warnings = [line for line in second.text.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: --now and --seed ignored: {db} already holds a world "
                        "(seed 5); `backup-emulator reset` rebuilds it"]


def test_serve_starts_from_a_snapshot_file_and_refuses_one_that_does_not_fit(
        tmp_path: Path) -> None:
    from emulator.testing import EmulatorClient

    with serve(tmp_path, "--seed", "5", "--now", "2026-01-05T09:00:00Z", "--freeze") as first:
        with EmulatorClient(first.base_url) as client:
            client.sandbox(name="shared")
            client.advance(3600)
            client.snapshot("demo")
            file = tmp_path / "demo.json"
            file.write_bytes(client.export_snapshot("demo"))
            credentials = client.credentials()
        first.stop()

    other = tmp_path / "other"
    other.mkdir()
    with serve(other, "--snapshot", str(file)) as second:
        with EmulatorClient(second.base_url) as client:
            assert client.credentials() == credentials
            assert client.clock() == {"now": "2026-01-05T10:00:00.000Z", "frozen": True,
                                      "speed": 1.0}
            assert [s.name for s in client.sandboxes()] == ["shared"]
            assert [s["name"] for s in client.snapshots()] == ["demo"]  # kept for restores
        second.stop()

    document = json.loads(file.read_text())
    document["version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(document))
    state = other / "state.db"
    before = state.read_bytes()
    result = _serve(other, "--port", "0", "--db", str(state), "--snapshot", str(newer))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"backup-emulator serve: {newer}: snapshot file version 99 "
                                      "(written by backup-emulator "
                                      f"{document['emulator']}); this server "
                                      f"({document['emulator']}) reads version 1 only")
    assert "listening" not in result.stdout
    assert state.read_bytes() == before
