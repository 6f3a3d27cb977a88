"""Throughput and latency of one GET on the emulator against a bare FastAPI "hello" app.

    python bench/throughput.py [--path /_emulator/clock] [--header 'Authorization: Basic ...']
                               [--connections 8] [--seconds 5]

Both servers run here on loopback, one after the other, under the same load: wrk when it is
installed (`apt-get install wrk`), else a bounded asyncio httpx generator (slower, so only
the ratio means much). The target for a vendor GET (docs/architecture.md): at least 35% of
the bare app's requests per second, p99 under 10 ms. Vendor issues point --path at their hot GET.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import BARE_APP, emulator_command, free_port, stop, time_to_health


def _wrk(url: str, headers: list[str], connections: int, seconds: float) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", url]
    for header in headers:
        args[1:1] = ["-H", header]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale,
            "errors": float(non2xx.group(1)) if non2xx else 0.0}


async def _httpx(url: str, headers: list[str], connections: int,
                 seconds: float) -> dict[str, float]:
    hdrs = dict(h.split(": ", 1) for h in headers)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limit = 200_000  # bounded in count as well as time

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline and len(latencies) < limit:
            begin = time.perf_counter()
            response = await client.get(url, headers=hdrs)
            latencies.append((time.perf_counter() - begin) * 1000)
            errors += response.status_code >= 300

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=connections)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            "median_ms": statistics.median(latencies), "errors": float(errors)}


def load(url: str, headers: list[str], connections: int, seconds: float) -> dict[str, float]:
    if shutil.which("wrk"):
        return _wrk(url, headers, connections, seconds)
    return asyncio.run(_httpx(url, headers, connections, seconds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", default="/_emulator/clock")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--db", help="serve this database (e.g. one built by `seed --scale`)")
    args = parser.parse_args()

    port = free_port()
    _, bare = time_to_health([sys.executable, "-c", BARE_APP, str(port)], port, {})
    try:
        # the bare app answers its one route; the same path shape keeps the comparison fair
        baseline = load(f"http://127.0.0.1:{port}/_emulator/health", [], args.connections,
                        args.seconds)
    finally:
        stop(bare)

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        db = args.db or str(Path(tmp) / "bench.db")
        _, server = time_to_health([*emulator_command(), "serve", "--port", str(port), "--db",
                                    db, "--freeze", "--log-level", "warning"], port, {})
        try:
            measured = load(f"http://127.0.0.1:{port}{args.path}", args.header,
                            args.connections, args.seconds)
        finally:
            stop(server)

    tool = "wrk" if shutil.which("wrk") else "httpx"
    print(f"load: {tool}, {args.connections} connections, {args.seconds:g} s each")
    print(f"bare FastAPI hello : {baseline['rps']:9.0f} req/s  p99 {baseline['p99_ms']:.2f} ms")
    print(f"emulator {args.path:<10}: {measured['rps']:9.0f} req/s  p99 "
          f"{measured['p99_ms']:.2f} ms  errors {measured['errors']:.0f}")
    ratio = measured["rps"] / baseline["rps"]
    print(f"ratio {ratio:.0%} of bare (target >= 35%), p99 target < 10 ms: "
          f"{'ok' if ratio >= 0.35 and measured['p99_ms'] < 10 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
