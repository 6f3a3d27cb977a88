"""DeviceBackupReport on a 100,000-device world: page latency, CSV export time and memory.

    backup-emulator seed --db /tmp/code42-100k.db --scale 1667 --vendor code42 \\
        --now 2026-01-05T09:00:00Z
    python bench/code42_report.py --db /tmp/code42-100k.db

Starts `backup-emulator serve` on that database (clock frozen), then measures, as a client:
the median and p95 time of filtered and sorted report pages, and the full CSV export streamed
(wall time, rows, and the server's resident memory growth read from /proc/<pid>/status).
Targets from the issue: page median < 100 ms; CSV < 5 s with < 50 MB growth.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server import console_script, free_port, running

QUERIES = [
    "active=true&srtKey=lastConnectedDate",
    "srtKey=archiveBytes&srtDir=desc",
    "os=mac&org=Accounting&active=true&srtKey=selectedBytes&srtDir=desc",
    "alerted=true&srtKey=lastConnectedDate&srtDir=desc",
    "os=win&active=true&srtKey=username&pgSize=250",
    "user=smith&srtKey=deviceName",
    "device=MacBook&srtKey=creationDate&srtDir=desc",
    "pgNum=50&pgSize=1000",
]


def rss_kb(pid: int) -> int:
    """Resident set size of a process, in kB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_pages(client: httpx.Client, auth: dict[str, str], repeat: int) -> None:
    print(f"{'query':64} {'rows':>5} {'median ms':>10} {'p95 ms':>8}")
    for query in QUERIES:
        times, rows = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(f"/api/DeviceBackupReport?{query}", headers=auth)
            times.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
            rows = len(response.json()["data"])
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{query:64} {rows:5d} {statistics.median(times):10.1f} {p95:8.1f}")


def measure_csv(client: httpx.Client, auth: dict[str, str], pid: int) -> None:
    peak = before = rss_kb(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kb(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    lines = 0
    first = b""
    with client.stream("GET", "/api/DeviceBackupReport?export=csv", headers=auth) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            if not first:
                first = chunk
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    header = next(csv.reader(io.StringIO(first.decode().split("\r\n")[0])))
    print(f"CSV export: {lines - 1} rows, {len(header)} columns, {elapsed:.2f} s, server RSS "
          f"{before / 1024:.1f} MB -> peak {peak / 1024:.1f} MB "
          f"(growth {(peak - before) / 1024:.1f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="database built by `seed --vendor code42`")
    parser.add_argument("--repeat", type=int, default=21, help="requests per query")
    args = parser.parse_args()
    port = free_port()
    command = [console_script(), "serve", "--db", args.db, "--port", str(port), "--freeze"]
    with tempfile.TemporaryDirectory() as cwd, \
            running(command, port=port, cwd=Path(cwd)) as server:
        pid = server.process.pid
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            admin = client.get("/_emulator/credentials").json()["code42"]["sysadmin"]
            jwt = client.get("/api/v3/auth/jwt", params={"useBody": "true"},
                             auth=(admin["username"], admin["password"]))
            auth = {"Authorization": f"Bearer {jwt.json()['data']['v3_user_token']}"}
            count = client.get("/api/v1/Computer?pgSize=1", headers=auth).json()
            print(f"devices in the world: {count['data']['totalCount']}")
            measure_pages(client, auth, args.repeat)
            measure_csv(client, auth, pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
