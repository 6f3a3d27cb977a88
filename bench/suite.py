"""The whole speed table in one run: every vendor's hot reads against bare FastAPI, Prism and moto.

    python bench/suite.py [--seconds 5] [--connections 8] [--no-anchors] [--reads-only]
                          [--cache-off-too] [--running] [--page-rows]

One command for issue 15's table. Every server runs here on loopback, one after the other,
under the same wrk load (`apt-get install wrk`; without it a bounded httpx generator stands
in and only the ratios mean much). Each row is req/s as a share of a bare FastAPI async hello
served by the same uvicorn in this run, and its p99. Below the table: a new sandbox, resets
from real time and from a fixed now, and cold start with a new database (medians), against
their targets. Targets: every hot read >= 35% of bare with p99 < 10 ms and above Prism;
sandbox and reset < 20 ms; cold start < 1 s.

The vendor rows run against a server whose clock is frozen at a fixed now (`--freeze`);
`--running` runs them on a running clock instead (the default `serve` mode; started at the
same fixed now, so the same world), where an answer is kept only until the world's next due
work or the instant it is declared to change (docs/performance.md, "Time").
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchors import S3_AUTH, bare_fastapi, moto_server, prism
from loadgen import load
from page_cost import print_table as print_page_rows
from page_cost import rows as page_rows
from startup import cold_starts, emulator_command, free_port, median_ms, stop, time_to_health

NOW = "2026-01-05T09:00:00Z"


@dataclass
class Request:
    """One row of the table: a request wrk repeats."""

    label: str
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@contextlib.contextmanager
def emulator(db: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`backup-emulator serve` on a new database file; yields its URL."""
    port = free_port()
    _, process = time_to_health([*emulator_command(), "serve", "--port", str(port), "--db",
                                 str(db), "--log-level", "warning", *flags], port, env or {})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def vendor_requests(base: str) -> list[Request]:
    """The hot reads of every vendor, logged in as a client would."""
    creds: dict[str, Any] = httpx.get(f"{base}/_emulator/credentials").json()
    cf = httpx.BasicAuth(creds["cleverfox"]["api_key"], "")
    cf_header = {"Authorization": cf._auth_header}
    rs = creds["rackspace"]
    token = httpx.post(f"{base}/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
        "username": rs["username"], "apiKey": rs["api_key"]}}}).json()["access"]["token"]["id"]
    rs_header = {"X-Auth-Token": token}
    tenant = f"{base}/v1.0/{rs['tenant_id']}"
    agents = httpx.get(f"{tenant}/user/agents", headers=rs_header).json()
    agent = agents[0]["MachineAgentId"]
    configs = httpx.get(f"{tenant}/backup-configuration/system/{agent}", headers=rs_header).json()
    config = configs[0]["BackupConfigurationId"]
    login = httpx.post(f"{base}/api.php", data={"apiCALL": "login", "remember": "1",
                                                **creds["backuprun"]})
    br_header = {"Cookie": f"PHPSESSID={login.cookies['PHPSESSID']}",
                 "Content-Type": "application/x-www-form-urlencoded"}
    c42 = creds["code42"]["sysadmin"]
    c42_header = {"Authorization": httpx.BasicAuth(c42["username"], c42["password"])._auth_header}
    return [
        Request("CleverFox GET /api/devices/1", f"{base}/api/devices/1", headers=cf_header),
        Request("CleverFox GET /api/devices", f"{base}/api/devices", headers=cf_header),
        Request("CleverFox GET /api/jobs", f"{base}/api/jobs", headers=cf_header),
        Request("CleverFox GET /api/logs", f"{base}/api/logs", headers=cf_header),
        Request("CleverFox GET /api/companies", f"{base}/api/companies", headers=cf_header),
        Request("Rackspace GET /v1.0/{t}/user/agents", f"{tenant}/user/agents",
                headers=rs_header),
        Request("Rackspace GET /v1.0/{t}/agent/{id}", f"{tenant}/agent/{agent}",
                headers=rs_header),
        Request("Rackspace GET .../backup-configuration/system/{id}",
                f"{tenant}/backup-configuration/system/{agent}", headers=rs_header),
        Request("Rackspace GET .../backup/completed/{id}",
                f"{tenant}/backup/completed/{config}", headers=rs_header),
        Request("BackupRun POST /api.php apiCALL=getStatus", f"{base}/api.php", "POST",
                br_header, "apiCALL=getStatus"),
        Request("Code42 GET /api/DeviceBackupReport?pgSize=25",
                f"{base}/api/DeviceBackupReport?pgSize=25", headers=c42_header),
        Request("Code42 GET /api/v1/User/my", f"{base}/api/v1/User/my", headers=c42_header),
        Request("Code42 GET /api/v1/Computer?pgSize=25", f"{base}/api/v1/Computer?pgSize=25",
                headers=c42_header),
        Request("Code42 GET /api/v1/Org", f"{base}/api/v1/Org", headers=c42_header),
    ]


def figures(base: str, calls: int) -> dict[str, float]:
    """Sandbox creation and resets on a running server (medians, ms)."""
    out: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        out["health round trip (ms)"] = median_ms(lambda: http.get("/_emulator/health"), calls)
        created: list[str] = []

        def create() -> None:
            response = http.post("/_emulator/sandboxes")
            response.raise_for_status()
            created.append(response.json()["id"])

        out["new sandbox (ms)"] = median_ms(create, calls)
        for sandbox in created:
            http.delete(f"/_emulator/sandboxes/{sandbox}")
        out["reset, fixed now (ms)"] = median_ms(
            lambda: http.post("/_emulator/reset", json={"now": NOW, "freeze": True})
            .raise_for_status(), calls)
        # A server started without --now builds its world from real time at every reset.
        out["reset, real-time clock (ms)"] = median_ms(
            lambda: http.post("/_emulator/reset", json={}).raise_for_status(), calls)
    return out


def machine() -> str:
    cpu = "unknown cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    tool = "wrk" if shutil.which("wrk") else "httpx (wrk missing)"
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, load by {tool}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="load per row")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--calls", type=int, default=20, help="calls per figure (median)")
    parser.add_argument("--runs", type=int, default=3, help="cold starts (median)")
    parser.add_argument("--no-anchors", action="store_true", help="skip Prism and moto")
    parser.add_argument("--figures-only", action="store_true",
                        help="only the sandbox, reset and cold-start figures (no load rows)")
    parser.add_argument("--reads-only", action="store_true",
                        help="only bare and the vendor rows (no anchors, figures, cold starts)")
    parser.add_argument("--cache-off-too", action="store_true",
                        help="also the vendor rows with EMULATOR_RESPONSE_CACHE=0, same run")
    parser.add_argument("--running", action="store_true",
                        help="the vendor rows on a running clock (default serve), not frozen")
    parser.add_argument("--page-rows", action="store_true",
                        help="also the same list page on a small and a large world, cache off "
                             "(bench/page_cost.py; seeding the large worlds takes minutes)")
    args = parser.parse_args()
    clock = ("--now", NOW, "--no-freeze") if args.running else ("--now", NOW, "--freeze")

    def measure(request: Request) -> dict[str, float]:
        return load(request.url, request.method, request.headers, request.body,
                    args.connections, args.seconds)

    rows: list[tuple[str, dict[str, float] | None]] = []
    baseline = {"rps": 0.0, "p99_ms": 0.0}
    if not args.figures_only:
        with bare_fastapi() as bare:
            baseline = measure(Request("bare", bare))
    extra: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.cache_off_too and not args.figures_only:
            with emulator(Path(tmp) / "nocache.db", *clock,
                          env={"EMULATOR_RESPONSE_CACHE": "0"}) as base:
                rows += [(f"{r.label} (cache off)", measure(r)) for r in vendor_requests(base)]
        if not args.figures_only:
            with emulator(Path(tmp) / "reads.db", *clock) as base:
                rows += [(r.label, measure(r)) for r in vendor_requests(base)]
        if not args.reads_only:
            with emulator(Path(tmp) / "figures.db") as base:
                extra = figures(base, args.calls)
        pages = page_rows(emulator, lambda url, headers: load(
            url, "GET", headers, None, args.connections, args.seconds),
            Path(tmp)) if args.page_rows else []
    if not (args.no_anchors or args.reads_only or args.figures_only):
        with prism() as mock:
            rows.append(("anchor: Prism 5 serving a static OpenAPI example",
                         measure(Request("prism", mock)) if mock else None))
        with moto_server() as s3:
            rows.append(("anchor: moto_server GET of an S3 object",
                         measure(Request("moto", s3, headers=S3_AUTH)) if s3 else None))
    if not args.reads_only:
        extra["bare FastAPI start (s)"], extra["cold start, new db (s)"] = cold_starts(args.runs)

    print(f"machine: {machine()}; {args.connections} connections, {args.seconds:g} s a row; "
          f"vendor rows on a {'running' if args.running else 'frozen'} clock")
    print(f"bare FastAPI hello: {baseline['rps']:.0f} req/s, p99 {baseline['p99_ms']:.1f} ms\n")
    prism_rps = next((m["rps"] for label, m in rows if "Prism" in label and m), None)
    print("| request | req/s | share of bare | p99 | errors | verdict |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for label, m in rows:
        if m is None:
            print(f"| {label} | - | not installed | - | - | |")
            continue
        share = m["rps"] / baseline["rps"]
        verdict = ""
        if not label.startswith("anchor"):
            ok = (share >= 0.35 and m["p99_ms"] < 10 and m["errors"] == 0
                  and (prism_rps is None or m["rps"] > prism_rps))
            verdict = "ok" if ok else "MISSED"
        print(f"| {label} | {m['rps']:.0f} | {share:.0%} | {m['p99_ms']:.1f} ms "
              f"| {m['errors']:.0f} | {verdict} |")
    if pages:
        print("\nCost grows with the page, not the table (large/small near 1 is the target):")
        print_page_rows(pages)
    targets = {"new sandbox (ms)": 20, "reset, fixed now (ms)": 20,
               "reset, real-time clock (ms)": 20, "cold start, new db (s)": 1.0}
    print("\n| figure | value | target | verdict |")
    print("| --- | ---: | ---: | --- |")
    for name, value in extra.items():
        target = targets.get(name)
        verdict = "" if target is None else ("ok" if value < target else "MISSED")
        print(f"| {name} | {value:.3g} | {'' if target is None else target} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
