"""The `backup-emulator` command: serve, seed, health, openapi."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emulator import __version__
from emulator.settings import Settings

__all__ = ["main"]


def _settings(args: argparse.Namespace) -> Settings:
    """EMULATOR_* variables, overridden by the flags that were given."""
    given = {k: v for k, v in vars(args).items()
             if v is not None and k in Settings.model_fields}
    return Settings(**given)


def _add_world_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLite path, ':memory:' or SQLAlchemy URL "
                        "[EMULATOR_DB, default ./backup-emulator.db]")
    parser.add_argument("--seed", type=int, help="seed of the default world [EMULATOR_SEED]")
    parser.add_argument("--now", help="virtual start time of a new default world, ISO 8601 "
                        "[EMULATOR_NOW, default real now]")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backup-emulator", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", help="address to listen on [EMULATOR_HOST, default 127.0.0.1]")
    serve.add_argument("--port", type=int, help="port [EMULATOR_PORT, default 8080]")
    _add_world_flags(serve)
    serve.add_argument("--speed", type=float,
                       help="virtual seconds per real second [EMULATOR_SPEED, default 1]")
    serve.add_argument("--freeze", action=argparse.BooleanOptionalAction, default=None,
                       help="start with the virtual clock frozen [EMULATOR_FREEZE]")
    serve.add_argument("--log-level", help="uvicorn log level [EMULATOR_LOG_LEVEL, default info]")
    serve.add_argument("--base-url", help="public base URL advertised to clients, e.g. in the "
                       "Rackspace service catalog [EMULATOR_BASE_URL, default: each request's]")

    seed = commands.add_parser("seed", help="build a world into a database, e.g. a large one")
    _add_world_flags(seed)
    seed.add_argument("--scale", type=int, default=1,
                      help="size multiplier handed to every vendor's generator (default 1)")
    seed.add_argument("--vendor", action="append", dest="vendors", metavar="NAME",
                      help="populate only this vendor (repeatable), e.g. --vendor code42 "
                      "--scale 1667 for a 100,000-device Code42 world")

    health = commands.add_parser("health", help="exit 0 if a running emulator answers healthy "
                                 "(the Docker HEALTHCHECK)")
    health.add_argument("--url", help="base URL [default http://127.0.0.1:$EMULATOR_PORT]")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds (default 3)")

    openapi = commands.add_parser("openapi", help="write one OpenAPI document per surface")
    openapi.add_argument("--out", default="openapi", help="directory (default ./openapi)")
    return parser


def _banner(settings: Settings, credentials: dict[str, Any]) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{host}:{settings.port}"
    return "\n".join([
        f"backup-emulator {__version__} listening on http://{settings.host}:{settings.port}",
        f"  state:       {settings.db}",
        f"  docs:        {base}/docs  (per API: {base}/_emulator/openapi/{{name}}.json)",
        f"  control:     {base}/_emulator/health, /_emulator/credentials"
        + ("  (send X-Emulator-Token: $EMULATOR_CONTROL_TOKEN)" if settings.control_token
           else ""),
        "  credentials of the default world:",
        json.dumps(credentials, indent=2),
    ])


def serve(settings: Settings) -> int:
    import uvicorn

    from emulator.app import create_app
    from emulator.core.runtime import Emulator
    from emulator.core.transport import uvicorn_config
    from emulator.core.world import DEFAULT_WORLD_ID, World

    emu = Emulator(settings)
    emu.open()
    with emu.db.session() as session:
        world = session.get(World, DEFAULT_WORLD_ID)
        print(_banner(settings, world.credentials if world else {}), flush=True)
    config = uvicorn_config(create_app(settings, emulator=emu), host=settings.host,
                            port=settings.port, log_level=settings.log_level,
                            header_timeout=settings.header_timeout)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was there before it; ours turns that into a clean exit 0 (docker stop, Ctrl-C).
    previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.Server(config).run()
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


def seed(settings: Settings, scale: int, vendors: list[str] | None = None) -> int:
    from emulator.fixtures.scale import build_large_world

    try:
        counts = build_large_world(settings, scale, vendors)
    except ValueError as exc:
        print(f"backup-emulator seed: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"db": settings.db, "scale": scale, "rows": counts}, indent=2))
    return 0


def check_health(settings: Settings, url: str | None, timeout: float) -> int:
    import urllib.request

    target = f"{url or f'http://127.0.0.1:{settings.port}'}".rstrip("/") + "/_emulator/health"
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ValueError as exc:  # pydantic's ValidationError names the field
        print(f"backup-emulator: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return serve(settings)
    if args.command == "seed":
        return seed(settings, args.scale, args.vendors)
    if args.command == "health":
        return check_health(settings, args.url, args.timeout)
    return export_openapi(Path(args.out))


if __name__ == "__main__":
    sys.exit(main())
