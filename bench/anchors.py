"""Baselines measured beside the emulator in one run: bare FastAPI, Prism and moto_server.

Prism (npm `@stoplight/prism-cli`) and moto (PyPI `moto[server]`) are installed on first use
into a cache folder (`$BENCH_CACHE`, default `~/.cache/backup-emulator-bench`), each in its own
prefix so neither touches the project's environment. Where one cannot be installed (no npm, no
registry) its row says so and the rest of the run goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import BARE_APP, free_port, stop, time_to_health

__all__ = ["CACHE", "S3_AUTH", "bare_fastapi", "moto_server", "prism"]

CACHE = Path(os.environ.get("BENCH_CACHE", Path.home() / ".cache" / "backup-emulator-bench"))
PRISM_VERSION = "5"
MOTO_SPEC = "moto[server]>=5,<6"

# moto checks that an S3 call is signed by someone, not the signature: any SigV4 header will do.
S3_AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/s3/"
           "aws4_request, SignedHeaders=host, Signature=0"}

# One GET with a static example, the smallest document Prism serves.
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "anchor", "version": "1"},
    "paths": {"/api/devices/1": {"get": {"responses": {"200": {
        "description": "a device",
        "content": {"application/json": {"example": {
            "DeviceId": 1, "Name": "WS-ACCT-01", "CompanyId": 1, "IsActive": True}}}}}}}},
}


def _run(command: list[str], what: str) -> bool:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"# {what} not installed: {done.stderr.strip().splitlines()[-1:]}")
    return done.returncode == 0


@contextlib.contextmanager
def _serving(command: list[str], path: str) -> Iterator[str | None]:
    """`command` (given its port as `{port}`) started on a free loopback port; yields its base
    URL once `path` answers 200, or None if it never does. Stopped afterwards."""
    port = free_port()
    try:
        _, process = time_to_health([a.replace("{port}", str(port)) for a in command], port,
                                    {}, path=path)
    except RuntimeError:
        yield None
        return
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextlib.contextmanager
def bare_fastapi() -> Iterator[str]:
    """A bare FastAPI async hello under the same uvicorn; yields its URL."""
    with _serving([sys.executable, "-c", BARE_APP, "{port}"], "/_emulator/health") as base:
        if base is None:
            raise RuntimeError("the bare FastAPI app did not start")
        yield f"{base}/_emulator/health"


@contextlib.contextmanager
def prism() -> Iterator[str | None]:
    """Prism mocking one static example; yields its URL, or None where it cannot run."""
    prefix = CACHE / "prism"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if not binary.exists() and (not shutil.which("npm") or not _run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
             f"@stoplight/prism-cli@{PRISM_VERSION}"], "prism")):
        yield None
        return
    spec = CACHE / "anchor-openapi.json"
    spec.write_text(json.dumps(SPEC))
    command = [str(binary), "mock", "-h", "127.0.0.1", "-p", "{port}", str(spec)]
    with _serving(command, "/api/devices/1") as base:
        yield None if base is None else f"{base}/api/devices/1"


@contextlib.contextmanager
def moto_server() -> Iterator[str | None]:
    """moto_server holding one small S3 object; yields the object's URL, or None."""
    venv = CACHE / "moto-venv"
    binary = venv / "bin" / "moto_server"
    if not binary.exists() and not (
            _run([sys.executable, "-m", "venv", str(venv)], "moto")
            and _run([str(venv / "bin" / "pip"), "install", "-q", MOTO_SPEC], "moto")):
        yield None
        return
    with _serving([str(binary), "-H", "127.0.0.1", "-p", "{port}"], "/moto-api/") as base:
        if base is None:
            yield None
            return
        httpx.put(f"{base}/anchor", headers=S3_AUTH).raise_for_status()
        httpx.put(f"{base}/anchor/device.json", headers=S3_AUTH,
                  content=json.dumps(SPEC["paths"]).encode()).raise_for_status()
        yield f"{base}/anchor/device.json"
