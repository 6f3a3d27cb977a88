"""What the request journal and the fault check cost a vendor GET.

    python bench/journal.py [--seconds 8] [--connections 8]

Serves the emulator twice in this run, with the journal at its default size and with
EMULATOR_JOURNAL_SIZE=0 (the fault middleware still runs; no rule is set), loads CleverFox's
`GET /api/devices/1` on each, and prints requests/s and p99 with the journal on as a ratio of
the run with it off. Target: at least 90% of the throughput, and the same p99 budget as any
vendor GET (under 10 ms). A full ring is reached within the run at the default load.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import emulator_command, free_port, stop, time_to_health
from throughput import load

PATH = "/api/devices/1"


def measure(size: int, connections: int, seconds: float) -> dict[str, float]:
    """Serve with a journal of `size` entries and load the CleverFox GET."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        _, server = time_to_health(
            [*emulator_command(), "serve", "--port", str(port), "--db", str(Path(tmp) / "b.db"),
             "--freeze", "--log-level", "warning"], port, {"EMULATOR_JOURNAL_SIZE": str(size)})
        try:
            base = f"http://127.0.0.1:{port}"
            key = httpx.get(f"{base}/_emulator/credentials").json()["cleverfox"]["api_key"]
            auth = base64.b64encode(f"{key}:".encode()).decode()
            return load(f"{base}{PATH}", [f"Authorization: Basic {auth}"], connections, seconds)
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
              f"errors {result['errors']:.0f}")
    ratio = on["rps"] / off["rps"]
    met = ratio >= 0.9 and on["p99_ms"] < 10
    print(f"journal on / off: {ratio:.0%} (target >= 90%, p99 < 10 ms): "
          f"{'ok' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
