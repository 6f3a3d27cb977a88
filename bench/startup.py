"""Foundation benchmarks: cold start, reset and sandbox creation, with baselines from this run.

    python bench/startup.py [--runs 5] [--calls 30]

Targets (docs/architecture.md, issue 2): cold start of `backup-emulator serve` to the first 200 from
health under 1.5 s; reset of the default world under 50 ms (measured twice: from real time,
which builds the world each time, and from a fixed `now`, where the world built first is put
back); sandbox creation under 50 ms.
Baselines measured in the same run: a bare FastAPI app under uvicorn for start-up, and
`GET /_emulator/health` for a request round trip, so numbers compare across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/_emulator/health")
async def health():
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def emulator_command() -> list[str]:
    script = Path(sys.executable).with_name("backup-emulator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]


def time_to_health(command: list[str], port: int, env: dict[str, str],
                   path: str = "/_emulator/health") -> tuple[float, object]:
    """Seconds from spawn to the first 200 from `path`; returns the still-running process."""
    url = f"http://127.0.0.1:{port}{path}"
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = started + 30
    while time.perf_counter() < deadline:
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return time.perf_counter() - started, process
        except httpx.TransportError:
            pass
        time.sleep(0.005)
    process.kill()
    raise RuntimeError(f"{command} did not become healthy")


def stop(process: object) -> None:
    assert isinstance(process, subprocess.Popen)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=15)


def median_ms(call: Callable[[], object], calls: int) -> float:
    samples = []
    for _ in range(calls):
        begin = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples)


def compile_sources() -> None:
    """Write the emulator's bytecode beside its sources, as installing it does.

    pip compiles a package it installs (the Docker image's included), and the bare app's
    packages are installed. An editable checkout run with PYTHONDONTWRITEBYTECODE set would
    instead compile every emulator module from source at each start (about 0.15 s of CPU):
    a cost of that checkout, not of a server's start. Up-to-date bytecode is left as it is.
    """
    import compileall
    import importlib.util

    for package in ("emulator", "emulator.fixtures"):  # fixtures/ is mapped in by the install
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def cold_starts(runs: int) -> tuple[float, float]:
    """Median seconds from spawn to the first healthy answer: a bare FastAPI app, and
    `backup-emulator serve` on a new database file (its world is built at start), both with
    their code compiled as installed (compile_sources)."""
    compile_sources()
    bare, cold = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            port = free_port()
            seconds, process = time_to_health([sys.executable, "-c", BARE_APP, str(port)],
                                              port, {})
            stop(process)
            bare.append(seconds)
            port = free_port()
            seconds, process = time_to_health(
                [*emulator_command(), "serve", "--port", str(port), "--db",
                 str(Path(tmp) / f"cold-{run}.db"), "--freeze"], port, {})
            stop(process)
            cold.append(seconds)
    return statistics.median(bare), statistics.median(cold)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each (median)")
    parser.add_argument("--calls", type=int, default=30, help="calls of each request (median)")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()

    results: dict[str, float] = {}
    results["bare_fastapi_start_s"], results["cold_start_s"] = cold_starts(args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        _, process = time_to_health(
            [*emulator_command(), "serve", "--port", str(port), "--db",
             str(Path(tmp) / "warm.db"), "--freeze"], port, {})
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                results["health_roundtrip_ms"] = median_ms(
                    lambda: http.get("/_emulator/health"), args.calls)
                results["reset_ms"] = median_ms(
                    lambda: http.post("/_emulator/reset").raise_for_status(), args.calls)
                # From a fixed virtual time the world built first is put back afterwards.
                fixed = {"now": "2026-01-05T09:00:00Z"}
                http.post("/_emulator/reset", json=fixed).raise_for_status()
                results["reset_fixed_now_ms"] = median_ms(
                    lambda: http.post("/_emulator/reset", json=fixed).raise_for_status(),
                    args.calls)
                results["sandbox_create_ms"] = median_ms(
                    lambda: http.post("/_emulator/sandboxes").raise_for_status(), args.calls)
        finally:
            stop(process)

    targets = {"cold_start_s": 1.5, "reset_ms": 50.0, "reset_fixed_now_ms": 50.0,
               "sandbox_create_ms": 50.0}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    baseline = {"cold_start_s": "bare_fastapi_start_s", "reset_ms": "health_roundtrip_ms",
                "reset_fixed_now_ms": "health_roundtrip_ms",
                "sandbox_create_ms": "health_roundtrip_ms"}
    print(f"{'measure':<22}{'value':>10}{'target':>10}{'x baseline':>12}  verdict")
    for name, value in results.items():
        target = targets.get(name)
        ratio = value / results[baseline[name]] if name in baseline else None
        print(f"{name:<22}{value:>10.3f}"
              f"{'' if target is None else f'{target:>10g}':>10}"
              f"{'' if ratio is None else f'{ratio:>12.1f}':>12}"
              f"  {'' if target is None else ('ok' if value < target else 'MISSED')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
