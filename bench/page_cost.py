"""Cost grows with the page, not the table: one list request against a small and a large world.

    python bench/page_cost.py [--seconds 5] [--connections 8]
    (or as rows of python bench/suite.py --page-rows)

Builds worlds with `backup-emulator seed` (for each request, its vendor alone: about 100 rows
at a small scale, then Code42 at scale 1667: about 100,000 devices, CleverFox at 381: about
10,000 logs), serves each with its clock frozen and the response cache off (a kept answer would
hide the table's cost), and loads the same page request on both. Printed: req/s and p99 on
each, and large/small ratios of both; the issue's target is a ratio near 1 (as fast on 100,000
rows as on 100). Building the large worlds takes a minute or more; they are made in a
temporary directory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import emulator_command

NOW = "2026-01-05T09:00:00Z"
NO_CACHE = {"EMULATOR_RESPONSE_CACHE": "0"}
Load = Callable[[str, dict[str, str]], dict[str, float]]


def seed(db: Path, scale: int, vendors: list[str]) -> None:
    """`backup-emulator seed` a new database: these vendors (all when empty) at `scale`."""
    flags = [arg for vendor in vendors for arg in ("--vendor", vendor)]
    subprocess.run([*emulator_command(), "seed", "--db", str(db), "--scale", str(scale),
                    "--now", NOW, *flags], check=True, stdout=subprocess.DEVNULL)


def code42_report(base: str) -> tuple[str, dict[str, str], int]:
    """The report page request, its auth header, and the devices in the world."""
    login = httpx.get(f"{base}/_emulator/credentials").json()["code42"]["sysadmin"]
    header = {"Authorization": httpx.BasicAuth(login["username"], login["password"])
              ._auth_header}
    count = httpx.get(f"{base}/api/v1/Computer?pgSize=1", headers=header).json()
    return f"{base}/api/DeviceBackupReport?pgSize=25", header, int(count["data"]["totalCount"])


def _cleverfox_logs(base: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The CleverFox auth header and every log of the world (the vendor gives no total)."""
    key = httpx.get(f"{base}/_emulator/credentials").json()["cleverfox"]["api_key"]
    header = {"Authorization": httpx.BasicAuth(key, "")._auth_header}
    logs: list[dict[str, Any]] = []
    page: list[dict[str, Any]] = [{}] * 1000
    while len(page) == 1000:
        page = httpx.get(f"{base}/api/logs?PageSize=1000&PageNo={len(logs) // 1000 + 1}",
                         headers=header).json()["data"]
        logs += page
    return header, logs


def cleverfox_logs(base: str) -> tuple[str, dict[str, str], int]:
    """The logs page request (its default page of 25), its auth header, and the logs."""
    header, logs = _cleverfox_logs(base)
    return f"{base}/api/logs", header, len(logs)


REQUESTS: list[tuple[str, Callable[[str], tuple[str, dict[str, str], int]], str, int, int]] = [
    ("Code42 GET /api/DeviceBackupReport?pgSize=25", code42_report, "code42", 2, 1667),
    ("CleverFox GET /api/logs (page of 25)", cleverfox_logs, "cleverfox", 4, 381),
]
"""(label, request maker, the vendor, the scale of its small and of its large world). Both
worlds hold that vendor alone, the small one about 100 rows (120 devices, 107 logs), so a page
is alike in both: at scale 1 CleverFox has 27 logs naming a handful of devices and jobs, where
a page of the large world's names about 25 of each, and the page cost differs by its content."""


def rows(serve: Callable[..., Any], load: Load, tmp: Path) -> list[dict[str, Any]]:
    """One result per request: rows, req/s and p99 on the small and the large world.
    `serve(db, *flags, env=...)` is a context manager yielding the server's URL."""
    out = []
    for label, make, vendor, small_scale, scale in REQUESTS:
        small, large = tmp / f"small-{vendor}.db", tmp / f"large-{vendor}.db"
        seed(small, small_scale, [vendor])
        seed(large, scale, [vendor])
        result: dict[str, Any] = {"label": label}
        for size, db in (("small", small), ("large", large)):
            with serve(db, "--freeze", env=NO_CACHE) as base:
                url, headers, count = make(base)
                result[size] = {"rows": count, **load(url, headers)}
        out.append(result)
    return out


def print_table(results: list[dict[str, Any]]) -> None:
    print("| request (cache off) | rows small / large | req/s small / large | large/small req/s "
          "| p99 small / large | large/small p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        s, g = r["small"], r["large"]
        print(f"| {r['label']} | {s['rows']:,} / {g['rows']:,} | {s['rps']:.0f} / {g['rps']:.0f} "
              f"| {g['rps'] / s['rps']:.2f} | {s['p99_ms']:.1f} / {g['p99_ms']:.1f} ms "
              f"| {g['p99_ms'] / s['p99_ms']:.2f} |")


def main() -> int:
    from loadgen import load
    from suite import emulator

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="load per row")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = rows(emulator, lambda url, headers: load(
            url, "GET", headers, None, args.connections, args.seconds), Path(tmp))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
