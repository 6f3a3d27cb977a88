"""Throughput and latency of one GET on the emulator against a bare FastAPI "hello" app.

    python bench/throughput.py [--path /_emulator/clock] [--header 'Authorization: Basic ...']
                               [--connections 8] [--seconds 5]

Both servers run here on loopback, one after the other, under the same load: wrk when it is
installed (`apt-get install wrk`), else a bounded asyncio httpx generator (slower, so only
the ratio means much). The target for a vendor GET (docs/architecture.md): at least 35% of
the bare app's requests per second, p99 under 10 ms. bench/suite.py measures every vendor.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import load
from startup import BARE_APP, emulator_command, free_port, stop, time_to_health


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
        baseline = load(f"http://127.0.0.1:{port}/_emulator/health",
                        connections=args.connections, seconds=args.seconds)
    finally:
        stop(bare)

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        db = args.db or str(Path(tmp) / "bench.db")
        _, server = time_to_health([*emulator_command(), "serve", "--port", str(port), "--db",
                                    db, "--freeze", "--log-level", "warning"], port, {})
        try:
            headers = dict(h.split(": ", 1) for h in args.header)
            measured = load(f"http://127.0.0.1:{port}{args.path}", headers=headers,
                            connections=args.connections, seconds=args.seconds)
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
