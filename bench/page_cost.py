"""Cost grows with the page, not the table: one list request against a small and a large world.

    python bench/page_cost.py [--seconds 5] [--connections 8]
    (or as rows of python bench/suite.py --page-rows)

Builds worlds with `backup-emulator seed` (the default world at scale 1, then Code42 alone at
scale 1667: about 100,000 devices, and CleverFox alone at scale 381: about 10,000 logs), serves
each with its clock frozen and the response cache off (a kept answer would hide the table's
cost), and loads the same page request on both. Printed: req/s and p99 on each, and large/small
ratios of both; the issue's target is a ratio near 1 (as fast on 100,000 rows as on 100).
Building the large worlds takes a minute or more; they are made in a temporary directory.
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


def cleverfox_logs(base: str) -> tuple[str, dict[str, str], int]:
    """The logs page request (its default page of 25), its auth header, and the logs."""
    key = httpx.get(f"{base}/_emulator/credentials").json()["cleverfox"]["api_key"]
    header = {"Authorization": httpx.BasicAuth(key, "")._auth_header}
    every = httpx.get(f"{base}/api/logs?PageSize=1000", headers=header).json()["data"]
    rows, page = len(every), 1
    while len(every) == 1000:  # the vendor gives no total: count the pages
        page += 1
        every = httpx.get(f"{base}/api/logs?PageSize=1000&PageNo={page}",
                          headers=header).json()["data"]
        rows += len(every)
    return f"{base}/api/logs", header, rows


REQUESTS: list[tuple[str, Callable[[str], tuple[str, dict[str, str], int]], str, int]] = [
    ("Code42 GET /api/DeviceBackupReport?pgSize=25", code42_report, "code42", 1667),
    ("CleverFox GET /api/logs (page of 25)", cleverfox_logs, "cleverfox", 381),
]
"""(label, request maker, the vendor of the large world, its scale)."""


def rows(serve: Callable[..., Any], load: Load, tmp: Path) -> list[dict[str, Any]]:
    """One result per request: rows, req/s and p99 on the small and the large world.
    `serve(db, *flags, env=...)` is a context manager yielding the server's URL."""
    small = tmp / "small.db"
    seed(small, 1, [])
    out = []
    for label, make, vendor, scale in REQUESTS:
        large = tmp / f"large-{vendor}.db"
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
