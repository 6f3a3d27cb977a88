"""The `backup-emulator` command: run the server (serve, seed, health, openapi) and steer a
running one through its control plane (reset, clock, sandbox, fault, journal, snapshot).

argparse (the standard library) rather than click or typer: the control-plane commands must
run in a client-only install (httpx alone) and start fast in CI scripts, and the commands are
few enough that a framework would save little. Server modules are imported only by the server
commands.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator import __version__, control_cli

if TYPE_CHECKING:
    from emulator.settings import Settings

__all__ = ["main"]

SERVER_EXTRA = "pip install 'backup-emulator[server]'"
NOW_FORMAT = "an ISO 8601 date and time, e.g. 2026-01-05T09:00:00Z"


def _settings(args: argparse.Namespace) -> Settings:
    """EMULATOR_* variables, overridden by the flags that were given."""
    from emulator.settings import Settings

    given = {k: v for k, v in vars(args).items()
             if v is not None and k in Settings.model_fields}
    return Settings(**given)


def _add_world_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLite path, ':memory:' or SQLAlchemy URL "
                        "[EMULATOR_DB, default ./backup-emulator.db]")
    parser.add_argument("--seed", type=int, help="seed of the default world [EMULATOR_SEED]")
    parser.add_argument("--now", help="virtual start time of a new default world, ISO 8601 "
                        "[EMULATOR_NOW, default real now]")


def _command(commands: Any, name: str, summary: str, description: str,
             example: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=description,
                               epilog=f"example:\n  {example}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backup-emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _command(commands, "serve", "run the emulator",
                     "Serve the four vendor APIs and the /_emulator control plane. On first "
                     "start it builds the default world into the database; later starts keep "
                     "the stored state.",
                     "backup-emulator serve --port 8080 --seed 7 --now 2026-01-05T09:00:00Z "
                     "--freeze")
    serve.add_argument("--host", help="address to listen on [EMULATOR_HOST, default 127.0.0.1]")
    serve.add_argument("--port", type=int, help="port [EMULATOR_PORT, default 8080]")
    _add_world_flags(serve)
    serve.add_argument("--speed", type=float,
                       help="virtual seconds per real second [EMULATOR_SPEED, default 1]")
    serve.add_argument("--freeze", action=argparse.BooleanOptionalAction, default=None,
                       help="start with the virtual clock frozen [EMULATOR_FREEZE]")
    serve.add_argument("--snapshot", metavar="FILE", help="start from a snapshot file (as "
                       "`snapshot export` writes it); replaces the stored state at each start "
                       "[EMULATOR_SNAPSHOT]")
    serve.add_argument("--workers", type=int, metavar="N",
                       help="server processes sharing the port and the database (a file or a "
                       "URL, not :memory:) [EMULATOR_WORKERS, default 1]")
    serve.add_argument("--log-level", help="uvicorn log level [EMULATOR_LOG_LEVEL, default info]")
    serve.add_argument("--base-url", help="public base URL advertised to clients, e.g. in the "
                       "Rackspace service catalog [EMULATOR_BASE_URL, default: each request's]")

    seed = _command(commands, "seed", "build a world into a database, e.g. a large one",
                    "Replace the database's state by a default world built at a scale, for "
                    "benchmarks; `serve --db` then serves it.",
                    "backup-emulator seed --db big.db --scale 1667 --vendor code42")
    _add_world_flags(seed)
    seed.add_argument("--scale", type=int, default=1,
                      help="size multiplier handed to every vendor's generator (default 1)")
    seed.add_argument("--vendor", action="append", dest="vendors", metavar="NAME",
                      help="populate only this vendor (repeatable), e.g. --vendor code42 "
                      "--scale 1667 for a 100,000-device Code42 world")
    seed.add_argument("--json", action="store_true", help="print every table's row count "
                      "as JSON instead of a summary")

    health = _command(commands, "health", "exit 0 if a running emulator answers healthy",
                      "Ask /_emulator/health; exit 0 if it answers ok, 1 otherwise (the "
                      "Docker HEALTHCHECK).",
                      "backup-emulator health --url http://127.0.0.1:8080")
    health.add_argument("--url", help="base URL [default http://127.0.0.1:$EMULATOR_PORT]")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds (default 3)")

    openapi = _command(commands, "openapi", "write one OpenAPI document per surface",
                       "Write the OpenAPI document of each vendor and of the control plane.",
                       "backup-emulator openapi --out openapi")
    openapi.add_argument("--out", default="openapi", help="directory (default ./openapi)")
    control_cli.add_commands(commands)
    return parser


def _banner(settings: Settings, credentials: dict[str, Any], port: int) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{host}:{port}"
    return "\n".join([
        f"backup-emulator {__version__} listening on http://{settings.host}:{port}",
        f"  state:       {settings.db}",
        f"  docs:        {base}/docs  (per API: {base}/_emulator/openapi/{{name}}.json)",
        f"  control:     {base}/_emulator/health, /_emulator/credentials"
        + ("  (send X-Emulator-Token: $EMULATOR_CONTROL_TOKEN)" if settings.control_token
           else ""),
        "  credentials of the default world:",
        json.dumps(credentials, indent=2),
    ])


class CommandError(Exception):
    """A one-line reason a command cannot go on (printed without a traceback)."""


def _bind(host: str, port: int) -> socket.socket:
    """The listening address taken now, before anything is built, or CommandError."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}: {exc.strerror or exc}") from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = "is taken by another process" if exc.errno == 98 else f"failed: {exc.strerror}"
        raise CommandError(f"port {port} on {host} {reason}; choose another with --port or "
                           "EMULATOR_PORT") from None
    return sock


def _check_writable(db: str) -> None:
    """A SQLite file that cannot be written: CommandError naming the path and the user."""
    if db == ":memory:" or "://" in db:
        return
    path = Path(db).expanduser().absolute()
    folder = path.parent
    # SQLite writes the file and, in WAL mode, two files beside it.
    if not folder.exists():
        why = f"directory {folder} does not exist"
    elif not folder.is_dir():
        why = f"{folder} is not a directory"
    elif not os.access(folder, os.W_OK | os.X_OK):
        why = f"directory {folder} is not writable"
    elif path.is_dir():
        why = f"{path} is a directory"
    elif path.exists() and not os.access(path, os.W_OK):
        why = f"file {path} is not writable"
    else:
        return
    import getpass

    raise CommandError(f"cannot write the database {path}: {why} for user {getpass.getuser()} "
                       f"(uid {os.getuid()}); choose another with --db or EMULATOR_DB")


def _check_workers(settings: Settings) -> None:
    """More than one worker on a database no other process can open: CommandError."""
    from emulator.core.db import database_url

    in_memory = database_url(settings.db) in ("sqlite://", "sqlite:///:memory:")
    if settings.workers > 1 and in_memory:
        raise CommandError(f"--workers {settings.workers} needs a database the workers share: "
                           "':memory:' lives inside one process; give --db a file or a URL, "
                           "or serve with one worker")


def serve(settings: Settings, given: set[str] | None = None) -> int:
    _check_writable(settings.db)
    sock = _bind(settings.host, settings.port)
    try:
        return _serve(settings, sock, given or set())
    finally:
        sock.close()


def _serve(settings: Settings, sock: socket.socket, given: set[str]) -> int:
    import uvicorn
    from sqlalchemy.exc import OperationalError

    from emulator.app import create_app
    from emulator.core.runtime import Emulator
    from emulator.core.snapshot_files import SnapshotFileError
    from emulator.core.transport import uvicorn_config
    from emulator.core.world import DEFAULT_WORLD_ID, World

    emu = Emulator(settings)
    try:
        emu.open()
    except OperationalError as exc:
        raise CommandError(f"cannot open the database {settings.db}: {exc.orig}") from None
    except SnapshotFileError as exc:
        print(f"backup-emulator serve: {exc.message}", file=sys.stderr)
        return 2
    ignored = sorted(given & {"seed", "now"}) if not emu.built_default_world else []
    with emu.db.session() as session:
        world = session.get(World, DEFAULT_WORLD_ID)
        if ignored and world is not None and settings.snapshot is None:
            flags = " and ".join(f"--{flag}" for flag in ignored)
            print(f"warning: {flags} ignored: {settings.db} already holds a world (seed "
                  f"{world.seed}); `backup-emulator reset` rebuilds it", file=sys.stderr)
        port = sock.getsockname()[1]
        print(_banner(settings, world.credentials if world else {}, port), flush=True)
    if settings.workers > 1:
        # Each worker opens the store again and sets the default clock's mode from its
        # settings: the mode as this open left it (a snapshot file's, unless a flag changed it).
        clock = emu.clock(DEFAULT_WORLD_ID)
        settings = settings.model_copy(update={"freeze": clock.frozen, "speed": clock.speed})
        emu.versions.close()
        emu.db.dispose()  # nothing of the parent's stays open
        from emulator import workers

        workers.run(settings, sock)
        return 0
    config = uvicorn_config(create_app(settings, emulator=emu), host=settings.host,
                            port=port, log_level=settings.log_level,
                            header_timeout=settings.header_timeout)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was there before it; ours turns that into a clean exit 0 (docker stop, Ctrl-C).
    previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Everything start-up built (modules, routes, the world's session long closed) lives as long
    # as the server or is already freed: collections would only scan it again and again. See
    # _server_command, which turned them off for the start.
    gc.freeze()
    gc.enable()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


class _Stopped(Exception):
    """The server was asked to stop and has shut down."""


def _stopped(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


def seed(settings: Settings, scale: int, vendors: list[str] | None = None,
         as_json: bool = False) -> int:
    import time

    from tqdm import tqdm

    from emulator.fixtures.scale import build_large_world, summary

    _check_writable(settings.db)
    started = time.monotonic()
    with tqdm(total=1, desc="seeding", unit="step", disable=None, file=sys.stderr) as bar:
        def progress(step: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(step, refresh=False)
            bar.update(done - bar.n)

        try:
            counts = build_large_world(settings, scale, vendors, progress=progress)
        except ValueError as exc:
            print(f"backup-emulator seed: {exc}", file=sys.stderr)
            return 2
    if as_json:
        print(json.dumps({"db": settings.db, "scale": scale, "rows": counts}, indent=2))
    else:
        print(summary(settings.db, scale, counts, time.monotonic() - started))
    return 0


def check_health(url: str | None, timeout: float) -> int:
    import urllib.request

    base = url or f"http://127.0.0.1:{os.environ.get('EMULATOR_PORT', '8080')}"
    target = base.rstrip("/") + "/_emulator/health"
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:
            body = json.load(response)
    except (OSError, ValueError) as exc:
        print(f"unhealthy: {target}: {exc}", file=sys.stderr)
        return 1
    if body.get("status") != "ok":
        print(f"unhealthy: {target}: {body}", file=sys.stderr)
        return 1
    print(f"healthy: {target}")
    return 0


def export_openapi(out: Path) -> int:
    from emulator.app import SURFACES

    out.mkdir(parents=True, exist_ok=True)
    for surface in SURFACES:
        path = out / f"{surface.name}.json"
        path.write_text(json.dumps(surface.openapi(__version__), indent=2) + "\n")
        print(path)
    return 0


def _check_now(text: str | None) -> None:
    if text is None:
        return
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now {text!r} is not {NOW_FORMAT}") from None


def _settings_error(exc: Exception) -> str:
    """pydantic's ValidationError as `field: message` lines; anything else as it reads."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return str(exc)
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: "
                     f"{e['msg'].removeprefix('Value error, ')}" for e in errors())


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in control_cli.COMMANDS:
        return control_cli.run(args)
    if args.command == "health":
        return check_health(args.url, args.timeout)
    try:
        return _server_command(args)
    except CommandError as exc:
        print(f"backup-emulator {args.command}: {exc}", file=sys.stderr)
        return 1


def _server_command(args: argparse.Namespace) -> int:
    if args.command == "serve":
        # Start-up allocates a great deal and frees little (imports, routes, the default world):
        # the cyclic collector would spend a tenth of it scanning live objects. It comes back
        # on, with what start-up built frozen, just before serving (_serve).
        gc.disable()
    try:
        import fastapi  # noqa: F401

        from emulator.settings import Settings  # noqa: F401
    except ImportError as exc:
        raise CommandError(f"the server is not installed ({exc.name} is missing): "
                           f"{SERVER_EXTRA}") from None
    if args.command in ("serve", "seed"):
        try:
            _check_now(args.now)
        except CommandError as exc:
            print(f"backup-emulator {args.command}: {exc}", file=sys.stderr)
            return 2
    try:
        settings = _settings(args)
    except ValueError as exc:  # pydantic's ValidationError names the field
        print(f"backup-emulator {args.command}: {_settings_error(exc)}", file=sys.stderr)
        return 2
    if args.command == "serve":
        try:
            _check_workers(settings)
        except CommandError as exc:
            print(f"backup-emulator serve: {exc}", file=sys.stderr)
            return 2
        given = {k for k, v in vars(args).items() if v is not None}
        return serve(settings, given)
    if args.command == "seed":
        return seed(settings, args.scale, args.vendors, args.json)
    return export_openapi(Path(args.out))


if __name__ == "__main__":
    sys.exit(main())
