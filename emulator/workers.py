"""`backup-emulator serve --workers N`: N server processes on one listening socket and one store.

uvicorn's supervisor starts each worker as a fresh interpreter (multiprocessing's spawn) that
imports its app and HTTP protocol by name: both are named here (`app`, `http`), and the
settings reach the workers whole, as JSON in one environment variable, so a worker serves
exactly what the parent was started with. The parent opens the store first (the tables, the
default world, a `--snapshot` file put back), once, so the workers find it built; none of them
reads the snapshot file again.
"""

from __future__ import annotations

import json
import os
import socket
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from emulator.settings import Settings

__all__ = ["SETTINGS_VARIABLE", "app", "run"]

SETTINGS_VARIABLE = "BACKUP_EMULATOR_WORKER_SETTINGS"
"""Where a worker finds its settings (not EMULATOR_*: no user sets it)."""


@cache
def _settings() -> Settings:
    from emulator.settings import Settings

    values = json.loads(os.environ[SETTINGS_VARIABLE])
    return Settings(**values)


def app() -> FastAPI:
    """A worker's app (uvicorn calls it: factory=True), on the settings its parent passed."""
    import gc

    from emulator.app import create_app

    app = create_app(_settings())
    gc.freeze()  # what start-up built lives as long as the worker (as cli._serve does)
    return app


def __getattr__(name: str) -> Any:
    # `http`: the HTTP protocol of `backup-emulator serve`, imported by name in each worker
    # (uvicorn pickles its config for the workers, and the protocol class is made at run time).
    if name == "http":
        from emulator.core.transport import http_protocol

        return http_protocol(_settings().header_timeout)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(settings: Settings, sock: socket.socket) -> None:
    """Serve on `sock` with settings.workers worker processes until SIGINT or SIGTERM.

    The store is already open and built (the caller opened it); the workers only attach.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    worker = settings.model_copy(update={"snapshot": None})  # put back once, by the parent
    os.environ[SETTINGS_VARIABLE] = worker.model_dump_json(exclude_unset=False)
    config = uvicorn.Config(f"{__name__}:app", factory=True, host=settings.host,
                            port=sock.getsockname()[1], workers=settings.workers,
                            log_level=settings.log_level.lower(), access_log=False,
                            http=f"{__name__}:http")
    Multiprocess(config, sockets=[sock]).run()
