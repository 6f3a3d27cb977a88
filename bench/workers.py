"""Vendor hot reads served by one worker and by two (`serve --workers 2`), in one run.

    python bench/workers.py [--seconds 5] [--connections 16] [--rounds 1] [--all]

Both servers serve the same SQLite file (built by the first start) with a frozen clock, one
after the other, under the same wrk load (`apt-get install wrk`; else a bounded httpx
generator, which itself needs a core and so understates the gain). Each row: req/s with one
worker, with two, and their ratio; below, the ratio's geometric mean over the rows.
Target (issue 16): >= 1.6x on 2 cores. The load generator runs on the same cores, so on a
2-core machine it takes some of what the second worker would use; on a machine loaded by
other work, read the ratio rather than the req/s. `--rounds 2` alternates 1, 2, 1, 2 workers
and keeps each row's best.

Each row also shows the CPU the server and the load generator spent per request, and the
ceiling those put on the ratio here: with every core busy and each request costing the server
what it costs one worker, two workers serve at most cores / (server + client CPU per request).
One worker fills one core, so on 2 cores that ceiling is about 2 x server / (server + client):
the cheaper the server's request, the larger the load generator's share and the lower the
ceiling. A ratio near its ceiling means the second worker adds all the machine has left.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import load
from startup import emulator_command, free_port, stop, time_to_health
from suite import NOW, Request, vendor_requests

TICK = os.sysconf("SC_CLK_TCK")

ROWS = ("CleverFox GET /api/devices/1", "Rackspace GET /v1.0/{t}/user/agents",
        "BackupRun POST /api.php apiCALL=getStatus", "Code42 GET /api/v1/Computer?pgSize=25")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` and its children (the workers)."""
    def own(one: str) -> float:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime

    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = own(str(pid))
    for child in children:
        with contextlib.suppress(FileNotFoundError):
            total += own(child)
    return total


@contextlib.contextmanager
def server(db: Path, workers: int) -> Iterator[tuple[str, int]]:
    """`serve --workers N` on `db`: its URL and pid."""
    port = free_port()
    _, process = time_to_health([*emulator_command(), "serve", "--port", str(port), "--db",
                                 str(db), "--log-level", "warning", "--freeze", "--now", NOW,
                                 "--workers", str(workers)], port, {})
    assert isinstance(process, subprocess.Popen)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process and its ended children (wrk)."""
    mine, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + ended.ru_utime + ended.ru_stime


Row = tuple[float, float, float]  # req/s, server CPU ms per request, client CPU ms per request


def measure(db: Path, workers: int, seconds: float, connections: int,
            every_row: bool) -> dict[str, Row]:
    """(req/s, server and load generator CPU ms per request) of each hot read on
    `serve --workers N` over `db`."""
    with server(db, workers) as (base, pid):
        requests: list[Request] = [r for r in vendor_requests(base)
                                   if every_row or r.label in ROWS]
        rows = {}
        for request in requests:
            # Warm: every worker's first answers (imports, caches) are not what is measured.
            load(request.url, request.method, request.headers, request.body,
                 connections=connections, seconds=1)
            before, client_before = cpu_seconds(pid), own_cpu_seconds()
            result = load(request.url, request.method, request.headers, request.body,
                          connections=connections, seconds=seconds)
            used, client = cpu_seconds(pid) - before, own_cpu_seconds() - client_before
            assert result["errors"] == 0, f"{request.label}: {result['errors']:.0f} errors"
            answered = result["rps"] * seconds
            rows[request.label] = (result["rps"], used * 1000 / answered,
                                   client * 1000 / answered)
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--all", action="store_true", help="every vendor's hot reads, not four")
    args = parser.parse_args()

    best: dict[int, dict[str, Row]] = {1: {}, 2: {}}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        for _ in range(args.rounds):
            for workers in (1, 2):
                for label, row in measure(db, workers, args.seconds, args.connections,
                                          args.all).items():
                    best[workers][label] = max(row, best[workers].get(label, (0.0, 0.0, 0.0)))

    tool = "wrk" if shutil.which("wrk") else "httpx"
    print(f"load: {tool}, {args.connections} connections, {args.seconds:g} s per row, "
          f"{args.rounds} round(s); {os.cpu_count()} cores; SQLite file, frozen clock")
    print(f"{'request':<45} {'1 worker':>9} {'2 workers':>9} {'ratio':>6}   "
          f"{'CPU ms/req 1w':>13} {'2w':>6} {'client':>7} {'ceiling':>8}")
    ratios, ceilings = [], []
    cores = os.cpu_count() or 1
    for label, (one, cpu_one, _) in best[1].items():
        two, cpu_two, client = best[2][label]
        ratios.append(two / one)
        # What two workers could serve at most on these cores, shared with the load
        # generator, if each request cost the server what it costs one worker.
        ceilings.append(cores * 1000 / (cpu_one + client) / one)
        print(f"{label:<45} {one:>9.0f} {two:>9.0f} {two / one:>5.2f}x   "
              f"{cpu_one:>13.3f} {cpu_two:>6.3f} {client:>7.3f} {ceilings[-1]:>7.2f}x")
    mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    ceiling = math.exp(sum(map(math.log, ceilings)) / len(ceilings))
    print(f"geometric mean {mean:.2f}x (target >= 1.6x on 2 cores): "
          f"{'ok' if mean >= 1.6 else 'MISSED'}; ceiling on these cores {ceiling:.2f}x")
    print("CPU ms/req: the server's CPU (all its processes) per answered request; alike for "
          "1 and 2 workers means a second free core adds what the first serves. client: the "
          "load generator's CPU per request with 2 workers. ceiling: the most two workers "
          "could serve, over one worker's figure, with every core busy and each request "
          f"costing the server what it costs one worker: {cores} x 1000 / (1w + client) / 1w")
    return 0


if __name__ == "__main__":
    sys.exit(main())
