"""The control-plane commands as a user types them: `backup-emulator reset|clock|sandbox|fault|
journal|snapshot`, each a subprocess against a real server."""

from __future__ import annotations

import argparse
import base64
import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.cli import _parser
from emulator.control.faults import FaultSpec
from emulator.control_cli import FAULT_FIELDS, parse_duration
from emulator.testing import RunningEmulator, run_emulator
from tests.conftest import SEED, T0
from tests.server import console_script

TIMEOUT = 60


@pytest.fixture(scope="module")
def server() -> Iterator[RunningEmulator]:
    with run_emulator(seed=SEED, now=T0, freeze=True) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(server: RunningEmulator) -> None:
    server.client.reset()
    for snapshot in server.client.snapshots():
        server.client.delete_snapshot(snapshot["name"])


def cli(server: RunningEmulator | str, *args: str, ok: bool = True,
        stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    url = server if isinstance(server, str) else server.base_url
    result = subprocess.run([console_script(), *args, "--url", url], capture_output=True,
                            text=True, timeout=TIMEOUT,
                            input=None if stdin is None else stdin.decode())
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def cli_json(server: RunningEmulator, *args: str) -> Any:
    return json.loads(cli(server, *args, "--json").stdout)


def test_every_command_has_a_description_and_an_example() -> None:
    commands = next(a for a in _parser()._actions
                    if isinstance(a, argparse._SubParsersAction))
    assert {"serve", "seed", "health", "openapi", "reset", "clock", "sandbox", "fault",
            "journal", "snapshot"} <= set(commands.choices)
    for name, parser in commands.choices.items():
        assert parser.description and len(parser.description) > 20, name
        assert parser.epilog and parser.epilog.startswith("example:\n  backup-emulator "), name
        help_text = subprocess.run([console_script(), name, "--help"], capture_output=True,
                                   text=True, timeout=TIMEOUT).stdout
        assert "example:" in help_text and parser.description.split()[0] in help_text, name


def test_reset_rebuilds_the_default_world_as_asked(server: RunningEmulator) -> None:
    view = cli_json(server, "reset", "--seed", "7", "--now", "2026-03-01T00:00:00Z",
                    "--freeze")
    assert view["seed"] == 7
    assert view["clock"] == {"now": "2026-03-01T00:00:00.000Z", "frozen": True, "speed": 1.0}
    line = cli(server, "reset").stdout
    assert line.startswith(f"reset: default world of seed {SEED}, clock ")


def test_clock_shows_advances_freezes_and_speeds_up(server: RunningEmulator) -> None:
    assert cli_json(server, "clock")["now"] == T0
    assert cli(server, "clock").stdout.strip() == f"{T0} (frozen)"
    assert cli_json(server, "clock", "advance", "1d")["now"] == "2026-01-06T09:00:00.000Z"
    assert cli_json(server, "clock", "advance", "1h30m")["now"] == "2026-01-06T10:30:00.000Z"
    assert cli_json(server, "clock", "set", "2026-02-01T00:00:00Z")["now"] == \
        "2026-02-01T00:00:00.000Z"
    assert cli_json(server, "clock", "speed", "60")["speed"] == 60
    assert cli_json(server, "clock", "unfreeze")["frozen"] is False
    assert cli(server, "clock", "freeze").stdout.strip().endswith("(frozen)")
    assert server.client.clock()["frozen"] is True


def test_clock_errors_say_what_was_wrong(server: RunningEmulator) -> None:
    bad = cli(server, "clock", "advance", "soon", ok=False)
    assert bad.returncode == 1
    assert "expected a duration such as 90, 90s, 15m, 2h, 1d" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = cli(server, "clock", "advance", ok=False)
    assert "clock advance needs a value" in missing.stderr
    backwards = cli(server, "clock", "set", "2020-01-01T00:00:00Z", ok=False)
    assert backwards.returncode == 1 and "409 clock_backwards" in backwards.stderr
    assert server.client.clock()["now"] == T0  # nothing moved


def test_sandbox_create_list_show_delete(server: RunningEmulator) -> None:
    made = cli_json(server, "sandbox", "create", "--name", "ci-42", "--seed", "9", "--freeze")
    assert made["name"] == "ci-42" and made["seed"] == 9 and made["clock"]["frozen"] is True
    listed = cli(server, "sandbox", "list").stdout
    assert made["id"] in listed and "ci-42" in listed
    assert cli_json(server, "sandbox", "show", made["id"])["credentials"] == made["credentials"]
    moved = cli_json(server, "clock", "advance", "2h", "--sandbox", made["id"])
    assert moved["now"] != server.client.clock()["now"]
    assert cli(server, "sandbox", "delete", made["id"]).stdout.strip() == \
        f"deleted {made['id']}"
    assert cli_json(server, "sandbox", "list") == []
    gone = cli(server, "sandbox", "delete", made["id"], ok=False)
    assert gone.returncode == 1 and "404" in gone.stderr and made["id"] in gone.stderr


def test_fault_add_list_clear(server: RunningEmulator) -> None:
    rule = cli_json(server, "fault", "add", "throttle", "--vendor", "rackspace", "--status",
                    "503", "--retry-after", "2", "--times", "1", "--path", "/v1.0/*")
    assert (rule["action"], rule["vendor"], rule["status"], rule["retry_after"],
            rule["times"]) == ("throttle", "rackspace", 503, 2, 1)
    slow = cli_json(server, "fault", "add", "latency", "--latency-ms", "5,10")
    assert slow["latency_ms"] == [5.0, 10.0]
    listed = cli(server, "fault", "list").stdout.splitlines()
    assert listed[0].startswith(f"{rule['id']}  throttle on vendor=rackspace path=/v1.0/*")
    assert cli(server, "fault", "clear", str(rule["id"])).stdout.strip() == \
        f"deleted fault {rule['id']}"
    assert [r["id"] for r in server.client.faults()] == [slow["id"]]
    cli(server, "fault", "clear")
    assert server.client.faults() == []


def test_fault_add_refusals_name_the_field(server: RunningEmulator) -> None:
    bad = cli(server, "fault", "add", "throttle", "--status", "500", ok=False)
    assert bad.returncode == 1 and "422" in bad.stderr and "status" in bad.stderr
    not_number = cli(server, "fault", "add", "error", "--times", "twice", ok=False)
    assert "--times must be a number, not 'twice'" in not_number.stderr
    assert server.client.faults() == []


def test_fault_add_has_a_flag_for_every_field_of_a_rule() -> None:
    assert set(FAULT_FIELDS) == set(FaultSpec.model_fields) - {"action"}


def test_journal_lists_and_follows_vendor_requests(server: RunningEmulator) -> None:
    sandbox = server.client.sandbox(freeze=True)
    sandbox.http.get("/api/devices", auth=sandbox.cleverfox_auth)
    entries = [json.loads(line) for line in
               cli(server, "journal", "--sandbox", sandbox.id, "--json").stdout.splitlines()]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == \
        [("GET", "/api/devices", 200)]
    basic = base64.b64encode(f"{sandbox.credentials['cleverfox']['api_key']}:".encode())
    assert basic.decode() not in json.dumps(entries)  # masked
    line = cli(server, "journal", "--vendor", "cleverfox").stdout
    assert "cleverfox GET    /api/devices -> 200" in line

    follow = subprocess.Popen([console_script(), "journal", "--follow", "--limit", "0",
                               "--url", server.base_url], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # The follower shows only what comes after it started: it says so on stderr once it
        # has taken its starting point, and the first line it prints is the next request.
        assert follow.stdout is not None and follow.stderr is not None
        assert follow.stderr.readline().startswith(f"following {server.base_url}")
        sandbox.http.get("/api/devices/1", auth=sandbox.cleverfox_auth)
        new = follow.stdout.readline()
        assert "/api/devices/1 -> " in new, new
    finally:
        follow.send_signal(signal.SIGINT)
        assert follow.wait(TIMEOUT) == 0


def test_snapshot_save_list_restore_delete(server: RunningEmulator) -> None:
    saved = cli_json(server, "snapshot", "save", "before")
    assert saved["name"] == "before" and saved["worlds"] == ["default"]
    server.client.advance(3600)
    restored = cli(server, "snapshot", "restore", "before").stdout
    assert restored.startswith("before: whole state, ") and T0 in restored
    assert server.client.clock()["now"] == T0
    assert cli(server, "snapshot", "list").stdout.startswith("before: whole state")
    again = cli(server, "snapshot", "save", "before", ok=False)
    assert again.returncode == 1 and "409" in again.stderr and "--replace" not in again.stderr
    cli(server, "snapshot", "save", "before", "--replace")
    cli(server, "snapshot", "delete", "before")
    assert server.client.snapshots() == []


def test_snapshot_files_round_trip_between_two_servers(server: RunningEmulator,
                                                       tmp_path: Path) -> None:
    sandbox = server.client.sandbox(seed=5, freeze=True, name="demo")
    sandbox.advance(7200)
    cli(server, "snapshot", "save", "demo")
    file = tmp_path / "demo.json"
    line = cli(server, "snapshot", "export", "demo", str(file)).stdout
    assert line.startswith(f"exported demo to {file} (")
    document = json.loads(file.read_text())
    assert document["format"] == "backup-emulator/snapshot" and document["version"] == 1

    with run_emulator(seed=1, now="2027-01-01T00:00:00Z", freeze=True) as other:
        imported = cli(other, "snapshot", "import", str(file), "--restore").stdout
        assert imported.startswith("imported and restored demo: whole state")
        assert other.client.credentials() == server.client.credentials()
        [copy] = other.client.sandboxes()
        assert (copy.id, copy.name, copy.seed) == (sandbox.id, "demo", 5)
        assert copy.clock() == sandbox.clock()
        api = "/api/devices"
        theirs = httpx.get(f"{other.base_url}{api}", auth=copy.cleverfox_auth).text
        ours = httpx.get(f"{server.base_url}{api}", auth=sandbox.cleverfox_auth).text
        # The same rows; only the URLs written into them point back at each server.
        assert theirs.replace(other.base_url, "") == ours.replace(server.base_url, "")
        # From stdin, under another name.
        cli(other, "snapshot", "import", "-", "--as", "again", stdin=file.read_bytes())
        assert [s["name"] for s in other.client.snapshots()] == ["demo", "again"]


def test_an_incompatible_snapshot_file_is_refused_and_changes_nothing(
        server: RunningEmulator, tmp_path: Path) -> None:
    cli(server, "snapshot", "save", "base")
    document = json.loads(server.client.export_snapshot("base"))
    before = server.client.credentials()
    cases = {
        "newer.json": ({**document, "version": 2},
                       "snapshot file version 2 (written by backup-emulator"),
        "schema.json": ({**document, "schema": {**document["schema"],
                                                "world": [*document["schema"]["world"], "x"]}},
                        "has another database schema than this server"),
        "other.json": ({"hello": 1}, "not a snapshot file"),
    }
    for name, (body, message) in cases.items():
        (tmp_path / name).write_text(json.dumps(body))
        refused = cli(server, "snapshot", "import", str(tmp_path / name), "--as", "x",
                      "--restore", ok=False)
        assert refused.returncode == 1, name
        assert "422 incompatible_snapshot" in refused.stderr and message in refused.stderr, \
            refused.stderr
    assert [s["name"] for s in server.client.snapshots()] == ["base"]
    assert server.client.credentials() == before


def test_commands_without_a_server_say_where_they_looked(tmp_path: Path) -> None:
    result = cli("http://127.0.0.1:9", "clock", ok=False)
    assert result.returncode == 1
    assert result.stderr.startswith("backup-emulator clock: no emulator answers at "
                                    "http://127.0.0.1:9")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("15m", 900),
                                               ("2h", 7200), ("1d", 86400), ("1w", 604800),
                                               ("1d12h", 129600), ("1.5h", 5400)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1x", "d1", "1d 2h", "-", "1h-2m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)
