"""Control-plane commands of `backup-emulator`: reset, clock, sandbox, fault, journal, snapshot.

Each is a thin wrapper over `emulator.testing.EmulatorClient`, so it needs httpx and nothing of
the server (a client-only install runs them against a container). `--url` picks the server
(default $EMULATOR_URL, else http://127.0.0.1:$EMULATOR_PORT); `--json` prints the control
plane's answer as it came instead of a short line for people.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.testing.client import EmulatorClient

__all__ = ["COMMANDS", "add_commands", "parse_duration", "run"]

COMMANDS = ("reset", "clock", "sandbox", "fault", "journal", "snapshot")
FOLLOW_INTERVAL = 0.5  # real seconds between polls of `journal --follow`
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")

# Flags of `fault add`: every field of POST /_emulator/faults (tests check none is missing).
FAULT_FIELDS: dict[str, tuple[Callable[[str], Any], str]] = {
    "vendor": (str, "cleverfox, rackspace, backuprun or code42"),
    "method": (str, "HTTP method, e.g. GET"),
    "path": (str, "glob over the request path, e.g. '/v1.0/*/user/agents'"),
    "api_call": (str, "BackupRun apiCALL, e.g. getStatus"),
    "sandbox": (str, "only requests with this sandbox's credentials ('default': the default "
                "world's)"),
    "probability": (float, "chance it fires on a matching request (0 < p <= 1, default 1)"),
    "times": (int, "fire on the next N matching requests only"),
    "for_seconds": (float, "fire only for the next N seconds of the world's virtual time"),
    "seed": (int, "seed of the rule's own generator"),
    "status": (int, "HTTP status of the answer"),
    "body": (str, "answer body instead of the vendor's error"),
    "content_type": (str, "content type of --body"),
    "retry_after": (int, "Retry-After seconds (throttle)"),
    "latency_ms": (str, "delay in ms, or MIN,MAX drawn uniformly"),
    "truncate_at": (int, "bytes of the answer sent before the cut (truncate)"),
}


def parse_duration(text: str) -> float:
    """Seconds in `90`, `90s`, `15m`, `2h`, `1d`, `1w` or a sum such as `1d12h`."""
    text = text.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 90, 90s, 15m, 2h, 1d, 1w or 1d12h, not {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def _command(commands: Any, name: str, summary: str, description: str, example: str,
             common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=description, parents=[common],
                               epilog=f"example:\n  {example}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def add_commands(commands: Any) -> None:
    """Add the control-plane subcommands to `backup-emulator`'s subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="base URL of the emulator [EMULATOR_URL, default "
                        "http://127.0.0.1:$EMULATOR_PORT]")
    common.add_argument("--json", action="store_true", help="print the answer as JSON")

    reset = _command(commands, "reset", "rebuild the default world (drops sandboxes)",
                     "Drop all state, sandboxes included, and rebuild the default world.",
                     "backup-emulator reset --seed 7 --now 2026-01-05T09:00:00Z --freeze",
                     common)
    _world_flags(reset)

    clock = _command(commands, "clock", "show or move a world's virtual clock",
                     "Show the clock, or move it: advance DURATION, set ISO, freeze, unfreeze, "
                     "speed X. Advancing applies every transition that falls due on the way.",
                     "backup-emulator clock advance 1d", common)
    clock.add_argument("action", nargs="?", default="show",
                       choices=("show", "advance", "set", "freeze", "unfreeze", "speed"))
    clock.add_argument("value", nargs="?", help="a duration (advance: 90s, 15m, 2h, 1d, 1w, "
                       "1d12h), an ISO time (set) or virtual seconds per real second (speed)")
    clock.add_argument("--sandbox", metavar="ID", help="a sandbox's clock, not the default's")

    sandbox = _command(commands, "sandbox", "create, list, show or delete sandboxes",
                       "Sandboxes are isolated worlds with their own credentials and clock.",
                       "backup-emulator sandbox create --name ci-42 --freeze", common)
    sandbox.add_argument("action", choices=("create", "list", "show", "delete"))
    sandbox.add_argument("id", nargs="?", help="the sandbox (show, delete)")
    sandbox.add_argument("--name", help="a label for people (create)")
    _world_flags(sandbox)

    fault = _command(commands, "fault", "add, list or clear fault rules",
                     "Fault rules make vendor requests fail in the vendor's own format "
                     "(docs/toolkit.md).",
                     "backup-emulator fault add throttle --vendor rackspace --status 503 "
                     "--retry-after 2 --times 1", common)
    fault.add_argument("action", choices=("add", "list", "clear"))
    fault.add_argument("what", nargs="?", help="add: error, throttle, latency, drop or "
                       "truncate; clear: one rule's id (default: all)")
    for field, (_kind, text) in FAULT_FIELDS.items():
        fault.add_argument(f"--{field.replace('_', '-')}", dest=f"fault_{field}", help=text)

    journal = _command(commands, "journal", "show the request journal",
                       "The vendor requests the emulator served, oldest first, secrets "
                       "masked; --follow keeps printing new ones until Ctrl-C.",
                       "backup-emulator journal --vendor code42 --status 429 --follow", common)
    for flag in ("vendor", "method", "path", "status", "api-call", "sandbox"):
        journal.add_argument(f"--{flag}", help=f"only requests with this {flag}")
    journal.add_argument("--limit", type=int, default=50, help="newest N (default 50; 0: "
                         "none, e.g. with --follow for only what comes next)")
    journal.add_argument("--follow", "-f", action="store_true", help="keep printing new ones")

    snapshot = _command(commands, "snapshot", "save, restore, export or import snapshots",
                        "save NAME / restore NAME / list / delete NAME in the server's memory; "
                        "export NAME FILE writes one to a file and import FILE loads one "
                        "(docs/toolkit.md: the format).",
                        "backup-emulator snapshot export demo demo.json", common)
    snapshot.add_argument("action", choices=("save", "restore", "list", "delete", "export",
                                             "import"))
    snapshot.add_argument("name", nargs="?", help="the snapshot (import: the FILE)")
    snapshot.add_argument("file", nargs="?", help="export: the file to write ('-': stdout)")
    snapshot.add_argument("--sandbox", metavar="ID", help="save: only this sandbox's world")
    snapshot.add_argument("--as", dest="rename", metavar="NAME", help="import: keep it under "
                          "this name, not the file's")
    snapshot.add_argument("--replace", action="store_true", help="overwrite a snapshot of the "
                          "same name")
    snapshot.add_argument("--restore", action="store_true", help="import: restore it at once")


def _world_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, help="seed of the world")
    parser.add_argument("--now", help="virtual time it starts at, ISO 8601")
    parser.add_argument("--freeze", action=argparse.BooleanOptionalAction, default=None,
                        help="start with the clock frozen")


def default_url() -> str:
    """$EMULATOR_URL, else the local server on $EMULATOR_PORT (8080)."""
    return os.environ.get("EMULATOR_URL") or \
        f"http://127.0.0.1:{os.environ.get('EMULATOR_PORT', '8080')}"


def run(args: argparse.Namespace) -> int:
    """Run one control-plane command; 0, or 1 with a one-line error on stderr."""
    import httpx

    from emulator.testing.client import EmulatorClient
    from emulator.testing.errors import ControlError

    url = (args.url or default_url()).rstrip("/")
    try:
        with EmulatorClient(url) as client:
            answer, line = _HANDLERS[args.command](client, args)
    except ControlError as exc:
        return _fail(args.command, f"{exc.status} {exc.code}: {exc.message}")
    except httpx.HTTPError as exc:
        return _fail(args.command, f"no emulator answers at {url} ({exc}); start one with "
                     "`backup-emulator serve` or point --url / EMULATOR_URL at it")
    except (UsageError, OSError) as exc:
        return _fail(args.command, str(exc))
    except KeyboardInterrupt:  # journal --follow ends with Ctrl-C
        return 0
    if answer is not _NOTHING:
        print(json.dumps(answer, indent=2) if args.json else line)
    return 0


class UsageError(Exception):
    """A command given the wrong arguments (for argparse they looked fine)."""


_NOTHING = object()


def _fail(command: str, message: str) -> int:
    print(f"backup-emulator {command}: {message}", file=sys.stderr)
    return 1


def _world(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in (("seed", args.seed), ("now", args.now), ("freeze", args.freeze))
            if v is not None}


def _clock_line(clock: dict[str, Any]) -> str:
    mode = "frozen" if clock["frozen"] else f"running at x{clock['speed']:g}"
    return f"{clock['now']} ({mode})"


def _reset(client: EmulatorClient, args: argparse.Namespace) -> tuple[Any, str]:
    view = client.reset(**_world(args))
    return view, f"reset: default world of seed {view['seed']}, clock {_clock_line(view['clock'])}"


def _clock(client: EmulatorClient, args: argparse.Namespace) -> tuple[Any, str]:
    target: Any = client.get_sandbox(args.sandbox) if args.sandbox else client
    action, value = args.action, args.value
    if action in ("advance", "set", "speed") and value is None:
        raise UsageError(f"clock {action} needs a value, e.g. `clock advance 1d`, "
                         "`clock set 2026-01-05T09:00:00Z`, `clock speed 60`")
    if action == "advance":
        try:
            seconds = parse_duration(value)
        except argparse.ArgumentTypeError as exc:
            raise UsageError(str(exc)) from None
        clock = target.advance(seconds)
    elif action == "set":
        clock = target.set_time(value)
    elif action == "speed":
        clock = target.set_speed(_float("speed", value))
    elif action in ("freeze", "unfreeze"):
        clock = target.freeze(action == "freeze")
    else:
        clock = target.clock()
    return clock, _clock_line(clock)


def _sandbox(client: EmulatorClient, args: argparse.Namespace) -> tuple[Any, str]:
    if args.action == "create":
        made = client.sandbox(name=args.name, **_world(args))
        return made.view, f"{made.id}  seed {made.seed}  clock {_clock_line(made.view['clock'])}"
    if args.action == "list":
        views = [s.view for s in client.sandboxes()]
        lines = [f"{v['id']}  {v.get('name') or '-'}  seed {v['seed']}  "
                 f"clock {_clock_line(v['clock'])}" for v in views]
        return views, "\n".join(lines) or "no sandboxes"
    if not args.id:
        raise UsageError(f"sandbox {args.action} needs the sandbox's id")
    if args.action == "show":
        view = client.get_sandbox(args.id).view
        return view, json.dumps(view, indent=2)
    client.delete_sandbox(args.id)
    return {"deleted": args.id}, f"deleted {args.id}"


def _fault(client: EmulatorClient, args: argparse.Namespace) -> tuple[Any, str]:
    given = {field: getattr(args, f"fault_{field}") for field in FAULT_FIELDS}
    given = {k: v for k, v in given.items() if v is not None}
    if args.action == "add":
        if not args.what:
            raise UsageError("fault add needs an action: error, throttle, latency, drop or "
                             "truncate")
        rule = {"action": args.what, **{k: _fault_value(k, v) for k, v in given.items()}}
        made = client.add_fault(**rule)
        return made, f"fault {made['id']}: {_fault_line(made)}"
    if args.action == "list":
        rules = client.faults(sandbox=given.get("sandbox"))
        return rules, "\n".join(f"{r['id']}  {_fault_line(r)}" for r in rules) or "no faults"
    if args.what:
        client.remove_fault(_number("fault id", args.what))
        return {"deleted": int(args.what)}, f"deleted fault {args.what}"
    client.clear_faults(sandbox=given.get("sandbox"))
    return {"cleared": True}, "cleared " + (f"sandbox {given['sandbox']}'s faults"
                                             if "sandbox" in given else "every fault")


def _number(what: str, text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise UsageError(f"{what} must be a number, not {text!r}")
    return int(text)


def _fault_value(field: str, text: str) -> Any:
    if field == "latency_ms" and "," in text:
        low, _, high = text.partition(",")
        return [_float(field, low), _float(field, high)]
    kind = FAULT_FIELDS[field][0]
    if kind is str and field != "latency_ms":
        return text
    return _float(field, text) if kind is not int else _number(f"--{field}", text)


def _float(field: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        flag = field if field == "speed" else f"--{field.replace('_', '-')}"
        raise UsageError(f"{flag} must be a number, not {text!r}") from None


def _fault_line(rule: dict[str, Any]) -> str:
    match = " ".join(f"{k}={rule[k]}" for k in ("vendor", "method", "path", "api_call",
                                                "sandbox") if rule.get(k))
    left = "" if rule.get("remaining") is None else f", {rule['remaining']} left"
    return f"{rule['action']} on {match or 'every vendor request'} (fired {rule['fired']}{left})"


def _journal(client: EmulatorClient, args: argparse.Namespace) -> tuple[Any, str]:
    filters = {"vendor": args.vendor, "method": args.method, "path": args.path,
               "status": args.status, "api_call": args.api_call, "sandbox": args.sandbox}
    answer = client.journal(**filters, limit=args.limit)
    entries = answer["data"]
    for entry in entries:
        _print_entry(entry, args.json)
    if args.follow:
        last = entries[-1]["id"] if entries else _newest(client, filters)
        print(f"following {client.base_url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        while True:
            time.sleep(FOLLOW_INTERVAL)  # real time: the CLI waits on a server, not a clock
            for entry in client.requests(**filters, after=last):
                _print_entry(entry, args.json)
                last = entry["id"]
    return _NOTHING, ""


def _newest(client: EmulatorClient, filters: dict[str, Any]) -> int:
    """The id of the newest entry so far (0: none), so --follow shows only what comes next."""
    newest = client.requests(**filters, limit=1)
    return int(newest[-1]["id"]) if newest else 0


def _print_entry(entry: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(entry), flush=True)
        return
    where = f" [{entry['sandbox']}]" if entry.get("sandbox") else ""
    call = f" {entry['api_call']}" if entry.get("api_call") else ""
    faults = "".join(f" (fault {f['rule']}: {f['action']})" for f in entry.get("faults") or ())
    print(f"{entry['id']:>6} {entry.get('time', '')} {entry['vendor']:<9} {entry['method']:<6} "
          f"{entry['path']}{call} -> {entry['status']}{faults}{where}", flush=True)


def _snapshot(client: EmulatorClient, args: argparse.Namespace) -> tuple[Any, str]:
    action, name = args.action, args.name
    if action == "list":
        views = client.snapshots()
        return views, "\n".join(_snapshot_line(v) for v in views) or "no snapshots"
    if not name:
        raise UsageError(f"snapshot {action} needs " + ("a FILE" if action == "import"
                                                         else "the snapshot's name"))
    if action == "save":
        view = client.snapshot(name, replace=args.replace, sandbox=args.sandbox)
    elif action == "restore":
        view = client.restore(name)
    elif action == "delete":
        client.delete_snapshot(name)
        return {"deleted": name}, f"deleted snapshot {name}"
    elif action == "export":
        if not args.file:
            raise UsageError("snapshot export needs a FILE to write ('-' for stdout)")
        data = client.export_snapshot(name)
        if args.file == "-":
            sys.stdout.buffer.write(data)
            return _NOTHING, ""
        Path(args.file).write_bytes(data)
        return {"name": name, "file": args.file, "bytes": len(data)}, \
            f"exported {name} to {args.file} ({len(data):,} bytes)"
    else:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        view = client.import_snapshot(data, name=args.rename, replace=args.replace)
        if args.restore:
            view = client.restore(view["name"])
        return view, ("imported and restored " if args.restore else "imported ") + \
            _snapshot_line(view)
    return view, _snapshot_line(view)


def _snapshot_line(view: dict[str, Any]) -> str:
    what = f"sandbox {view['sandbox']}" if view.get("sandbox") else "whole state"
    clock = f", clock {_clock_line(view['clock'])}" if view.get("clock") else ""
    return f"{view['name']}: {what}, {view['rows']:,} rows{clock}"


_HANDLERS: dict[str, Callable[[EmulatorClient, argparse.Namespace], tuple[Any, str]]] = {
    "reset": _reset, "clock": _clock, "sandbox": _sandbox, "fault": _fault,
    "journal": _journal, "snapshot": _snapshot,
}
