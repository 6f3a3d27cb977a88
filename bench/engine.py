"""The simulation engine: job runs per CPU second, and who waits while a world advances.

    python bench/engine.py [--scale 20] [--days 7] [--month 30] [--json] [--no-http]

Issue 18 targets, measured in one run:
- the engine applies at least 20,000 job runs per second of CPU (a job run: one CleverFox
  log, Rackspace backup or BackupRun task that the agents started), in-process on a SQLite file
  with a world built at `--scale`: for each vendor alone (a world with only its data), and for
  all four together;
- advancing the default world (scale 1) `--month` days takes well under a second;
- of each advance's CPU, the share spent inside the store's own calls (the SQLite driver's
  execute, executemany and commit): `runs / store CPU s` is the most the engine could reach if
  its Python cost nothing, with each run's rows written when the run is applied;
- while one world advances `--days` days over HTTP, the p99 of reads in another world (a
  sandbox's CleverFox `GET /api/devices`) stays under 50 ms and health always answers within
  100 ms. The same reads against an idle server are the baseline of the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import emulator_command, free_port, stop, time_to_health

NOW = "2026-01-05T09:00:00Z"
RUN_TABLES = {"cleverfox": "cleverfox_log", "rackspace": "rackspace_backup",
              "backuprun": "backuprun_task"}
"""Where each vendor's job runs land (Code42 has no runs of its own)."""


def _runs(emu: Any) -> int:
    with emu.db.session() as session:
        return sum(int(session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                   for t in RUN_TABLES.values())


class StoreTimer:
    """CPU seconds spent inside the DBAPI calls SQLAlchemy makes through one engine's dialect
    (statements, batches of parameters, commits): SQLite's own work, not the Python around it."""

    CALLS = ("do_execute", "do_executemany", "do_execute_no_params", "do_commit")

    def __init__(self, engine: Any) -> None:
        self.cpu = 0.0
        self.calls = 0
        dialect = engine.dialect
        for name in self.CALLS:  # instance attributes shadow the dialect's methods
            setattr(dialect, name, self._timed(getattr(dialect, name)))

    def _timed(self, call: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            begin = time.process_time()
            try:
                return call(*args, **kwargs)
            finally:
                self.cpu += time.process_time() - begin
                self.calls += 1
        return timed

    def reset(self) -> None:
        self.cpu, self.calls = 0.0, 0


def job_runs_per_cpu_second(scale: int, days: float, tmp: str,
                            vendor: str | None = None) -> dict[str, Any]:
    """Advance a world built at `scale` (only `vendor`'s data, if given) by `days`,
    in-process; count runs and CPU seconds."""
    from emulator.core.runtime import Emulator
    from emulator.core.world import DEFAULT_WORLD_ID
    from emulator.fixtures.scale import build_large_world
    from emulator.settings import Settings

    settings = Settings(db=str(Path(tmp) / f"engine-{scale}-{vendor}-{days}.db"), now=NOW,
                        freeze=True, tick_seconds=0)
    build_large_world(settings, scale, [vendor] if vendor else None)
    emu = Emulator(settings)
    emu.open()
    store = StoreTimer(emu.db.engine)
    before = _runs(emu)
    clock = emu.clock(DEFAULT_WORLD_ID)
    clock.advance(days * 86400)
    store.reset()
    cpu, wall = time.process_time(), time.perf_counter()
    with emu.db.session() as session:
        transitions = emu.sim.run_due(session, emu.worlds[DEFAULT_WORLD_ID], clock.now())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    store_cpu, statements = store.cpu, store.calls
    runs = _runs(emu) - before
    emu.db.dispose()
    return {"vendor": vendor or "all", "scale": scale, "days": days, "job_runs": runs,
            "transitions": transitions, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
            "job_runs_per_cpu_s": round(runs / max(cpu, 1e-9), 1),
            "transitions_per_cpu_s": round(transitions / max(cpu, 1e-9), 1),
            "store_cpu_s": round(store_cpu, 3), "store_calls": statements,
            "store_us_per_run": round(store_cpu / max(runs, 1) * 1e6, 1),
            "python_us_per_run": round((cpu - store_cpu) / max(runs, 1) * 1e6, 1),
            "job_runs_per_store_cpu_s": round(runs / max(store_cpu, 1e-9), 1)}


class Sampler(threading.Thread):
    """GETs one path in a loop and keeps each latency (ms) until stopped."""

    def __init__(self, base: str, path: str, auth: tuple[str, str] | None = None) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, auth=auth, timeout=30)
        self.path = path
        self.samples: list[float] = []
        self.errors = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            begin = time.perf_counter()
            status = self.client.get(self.path).status_code
            self.samples.append((time.perf_counter() - begin) * 1000)
            self.errors += status != 200
            time.sleep(0.002)  # a client's pace, not a load test
        self.client.close()


def _p(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _sample(base: str, auth: tuple[str, str], seconds: float | None,
            during: Any = None) -> tuple[dict[str, float], float]:
    health = Sampler(base, "/_emulator/health")
    read = Sampler(base, "/api/devices", auth)
    for s in (health, read):
        s.start()
    begin = time.perf_counter()
    if during is None:
        time.sleep(seconds or 0)
    else:
        during()
    took = time.perf_counter() - begin
    for s in (health, read):
        s.halt.set()
        s.join()
    return ({"health_p99_ms": _p(health.samples, 0.99), "health_max_ms": _p(health.samples, 1),
             "read_p50_ms": _p(read.samples, 0.5), "read_p99_ms": _p(read.samples, 0.99),
             "read_max_ms": _p(read.samples, 1), "reads": len(read.samples),
             "errors": health.errors + read.errors}, took)


def latency_while_advancing(scale: int, days: float, tmp: str) -> dict[str, Any]:
    db = str(Path(tmp) / f"serve-{scale}.db")
    subprocess.run([*emulator_command(), "seed", "--db", db, "--scale", str(scale), "--now", NOW],
                   check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    _, process = time_to_health([*emulator_command(), "serve", "--port", str(port), "--db", db,
                                 "--freeze", "--log-level", "warning"], port, {})
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as http:
            sandbox = http.post("/_emulator/sandboxes", json={}).raise_for_status().json()
            auth = (sandbox["credentials"]["cleverfox"]["api_key"], "")
            idle, _ = _sample(base, auth, 3.0)
            idle["load_1min"] = round(os.getloadavg()[0], 2)

            def advance() -> None:
                http.post("/_emulator/clock",
                          json={"advance_seconds": days * 86400}).raise_for_status()

            busy, took = _sample(base, auth, None, advance)
            busy["load_1min"] = round(os.getloadavg()[0], 2)
    finally:
        stop(process)
    return {"idle": idle, "advancing": busy, "advance_s": round(took, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=20, help="world size (seed --scale)")
    parser.add_argument("--days", type=float, default=7, help="virtual days to advance")
    parser.add_argument("--month", type=float, default=30,
                        help="days the default world (scale 1) is advanced in one jump")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--no-http", action="store_true",
                        help="in-process numbers only (no server, no latency table)")
    parser.add_argument("--http-only", action="store_true",
                        help="the latency table only (idle and advancing, same server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.http_only:
            alone = latency_while_advancing(args.scale, args.days, tmp)
            print(json.dumps({"latency": alone}, indent=2))
            return 0
        throughput = [job_runs_per_cpu_second(args.scale, args.days, tmp, vendor)
                      for vendor in (*RUN_TABLES, None)]
        month = job_runs_per_cpu_second(1, args.month, tmp)
        latency = None if args.no_http else latency_while_advancing(args.scale, args.days, tmp)
    results = {"throughput": throughput, "default_world": month, "latency": latency}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"engine, worlds at scale {args.scale}, advanced {args.days:g} days in one jump "
          "(in-process, SQLite file)")
    print("  | world | job runs | transitions | CPU s | job runs / CPU s | transitions / CPU s "
          "| store µs / run | Python µs / run | job runs / store CPU s |")
    print("  | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in throughput:
        print(f"  | {row['vendor']} | {row['job_runs']} | {row['transitions']} | {row['cpu_s']} | "
              f"{row['job_runs_per_cpu_s']:,.0f} | {row['transitions_per_cpu_s']:,.0f} | "
              f"{row['store_us_per_run']:,.0f} | {row['python_us_per_run']:,.0f} | "
              f"{row['job_runs_per_store_cpu_s']:,.0f} |")
    print("  (target: 20,000 job runs per CPU second; the last column is the ceiling with no "
          "Python at all)")
    print(f"  default world (scale 1) advanced {args.month:g} days: {month['wall_s']} s wall, "
          f"{month['cpu_s']} s CPU, {month['job_runs']} job runs, {month['transitions']} "
          "transitions (target: well under a second)")
    if latency is None:
        return 0
    print(f"  advance over HTTP took {latency['advance_s']} s")
    print("  | while | load (1 min) | health p99 | health max | other-world read p50 | p99 | max "
          "| reads |")
    print("  | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ("idle", "advancing"):
        row = latency[name]
        print(f"  | {name} | {row['load_1min']} | {row['health_p99_ms']} ms | "
              f"{row['health_max_ms']} ms | "
              f"{row['read_p50_ms']} ms | {row['read_p99_ms']} ms | {row['read_max_ms']} ms | "
              f"{row['reads']} |")
    ratio = latency["advancing"]["read_p99_ms"] / max(latency["idle"]["read_p99_ms"], 0.01)
    print(f"  other-world read p99 while advancing / idle: {ratio:.1f}x "
          "(targets: p99 < 50 ms, health < 100 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
