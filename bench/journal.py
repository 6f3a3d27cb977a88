"""What the request journal and the fault check cost a vendor GET.

    python bench/journal.py [--seconds 8] [--connections 8]

Serves the emulator twice in this run, with the journal at its default size and with
EMULATOR_JOURNAL_SIZE=0 (the fault middleware still runs; no rule is set), loads CleverFox's
`GET /api/devices/1` on each, and prints requests/s and p99 with the journal on as a ratio of
the run with it off. Targets: at least 90% of the throughput, a p99 at most 1.5 times as
long, and flat memory once the ring is full. Each server takes two loads; the second runs on
a full ring (10,000 entries) and the resident memory it adds is printed: flat means about 0.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import load
from startup import emulator_command, free_port, stop, time_to_health

PATH = "/api/devices/1"


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(size: int, connections: int, seconds: float) -> dict[str, float]:
    """Serve with a journal of `size` entries and load the CleverFox GET twice: the second
    load runs on a full ring, so the memory it adds shows whether the ring stays flat."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        _, server = time_to_health(
            [*emulator_command(), "serve", "--port", str(port), "--db", str(Path(tmp) / "b.db"),
             "--freeze", "--log-level", "warning"], port, {"EMULATOR_JOURNAL_SIZE": str(size)})
        try:
            base = f"http://127.0.0.1:{port}"
            key = httpx.get(f"{base}/_emulator/credentials").json()["cleverfox"]["api_key"]
            auth = base64.b64encode(f"{key}:".encode()).decode()
            headers = {"Authorization": f"Basic {auth}"}
            first = load(f"{base}{PATH}", headers=headers, connections=connections,
                         seconds=seconds)
            after_first = rss_mb(server.pid)  # type: ignore[attr-defined]
            second = load(f"{base}{PATH}", headers=headers, connections=connections,
                          seconds=seconds)
            after_second = rss_mb(server.pid)  # type: ignore[attr-defined]
            return {**second, "requests": (first["rps"] + second["rps"]) * seconds,
                    "rss_mb": after_second, "rss_growth_mb": after_second - after_first}
        finally:
            stop(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    off = measure(0, args.connections, args.seconds)
    on = measure(10_000, args.connections, args.seconds)
    for label, result in (("journal off", off), ("journal on ", on)):
        print(f"{label}: {result['rps']:7.0f} req/s  p99 {result['p99_ms']:.2f} ms  "
              f"errors {result['errors']:.0f}  RSS {result['rss_mb']:.0f} MB, "
              f"{result['rss_growth_mb']:+.1f} MB over the second load "
              f"({result['requests']:.0f} requests in all)")
    ratio = on["rps"] / off["rps"]
    p99_ratio = on["p99_ms"] / off["p99_ms"]
    flat = on["rss_growth_mb"] < 5
    met = ratio >= 0.9 and p99_ratio <= 1.5 and flat
    print(f"journal on / off: {ratio:.0%} of the throughput (target >= 90%), p99 x{p99_ratio:.2f} "
          f"(target <= 1.5), memory {'flat' if flat else 'GROWING'} on a full ring: "
          f"{'ok' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
