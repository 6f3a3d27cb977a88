"""Restoring a whole-state snapshot of the default world, against reset in the same run.

    python bench/snapshots.py [--calls 30] [--db file|memory] [--json]

Target (issue 7): restoring the default world under 100 ms. Both are timed over HTTP on one
`backup-emulator serve` on loopback, so the ratio restore / reset compares across machines.
The snapshot is taken after one vendor change, so each restore has real work to undo.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import emulator_command, free_port, median_ms, stop, time_to_health

TARGET_MS = 100.0


def _dirty(http: httpx.Client) -> None:
    """One CleverFox write and a day of virtual time, so a restore has something to undo."""
    key = http.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
    auth = "Basic " + base64.b64encode(f"{key}:x".encode()).decode()
    http.post("/api/companies", headers={"Authorization": auth}, json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "bench"}}).raise_for_status()
    http.post("/_emulator/clock", json={"advance_seconds": 86400}).raise_for_status()


def measure(calls: int, db: str) -> dict[str, float]:
    """Median milliseconds of reset, snapshot and restore on one server."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        where = ":memory:" if db == "memory" else str(Path(tmp) / "bench.db")
        _, process = time_to_health(
            [*emulator_command(), "serve", "--port", str(port), "--db", where, "--freeze"],
            port, {})
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                results["reset_ms"] = median_ms(
                    lambda: http.post("/_emulator/reset").raise_for_status(), calls)
                results["snapshot_ms"] = median_ms(
                    lambda: http.post("/_emulator/snapshots", json={
                        "name": "bench", "replace": True}).raise_for_status(), calls)
                results["rows"] = http.get("/_emulator/snapshots/bench").json()["rows"]

                def restore() -> None:
                    http.post("/_emulator/snapshots/bench/restore").raise_for_status()

                _dirty(http)
                results["restore_ms"] = median_ms(restore, calls)
        finally:
            stop(process)
    results["restore_vs_reset"] = results["restore_ms"] / results["reset_ms"]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=30, help="calls of each request (median)")
    parser.add_argument("--db", choices=("file", "memory"), default="file",
                        help="a SQLite file (as `serve` defaults to) or :memory:")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    results = measure(args.calls, args.db)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"default world: {results['rows']:.0f} rows, SQLite {args.db}, "
          f"median of {args.calls} calls")
    for name in ("reset_ms", "snapshot_ms", "restore_ms"):
        print(f"{name:<18}{results[name]:>10.1f}")
    verdict = "ok" if results["restore_ms"] < TARGET_MS else "MISSED"
    print(f"restore / reset   {results['restore_vs_reset']:>10.2f}   "
          f"target restore < {TARGET_MS:g} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
