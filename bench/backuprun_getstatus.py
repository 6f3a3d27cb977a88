"""Throughput of BackupRun's hot call, POST /api.php apiCALL=getStatus, against a bare app.

    python bench/backuprun_getstatus.py [--connections 8] [--seconds 5]

bench/throughput.py only loads GETs; every BackupRun call is a form POST with a session
cookie, so this logs in once and posts getStatus with wrk (a Lua script sets method, body
and cookie). Needs wrk; the baseline is the same bare FastAPI GET as throughput.py's.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import BARE_APP, emulator_command, free_port, stop, time_to_health

LUA = """wrk.method = "POST"
wrk.body = "apiCALL=getStatus"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "PHPSESSID={sid}"
"""


def _wrk(url: str, connections: int, seconds: float,
         script: str | None = None) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", url]
    if script:
        args[1:1] = ["-s", script]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert rps is not None and p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * scale,
            "errors": float(non2xx.group(1)) if non2xx else 0.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); nothing measured")
        return 0

    port = free_port()
    _, bare = time_to_health([sys.executable, "-c", BARE_APP, str(port)], port, {})
    try:
        baseline = _wrk(f"http://127.0.0.1:{port}/_emulator/health", args.connections,
                        args.seconds)
    finally:
        stop(bare)

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        _, server = time_to_health([*emulator_command(), "serve", "--port", str(port), "--db",
                                    str(Path(tmp) / "bench.db"), "--freeze", "--log-level",
                                    "warning"], port, {})
        try:
            base = f"http://127.0.0.1:{port}"
            creds = httpx.get(f"{base}/_emulator/credentials").json()["backuprun"]
            login = httpx.post(f"{base}/api.php", data={"apiCALL": "login", "remember": "1",
                                                        **creds})
            script = Path(tmp) / "getstatus.lua"
            script.write_text(LUA.replace("{sid}", login.cookies["PHPSESSID"]))
            measured = _wrk(f"{base}/api.php", args.connections, args.seconds,
                            script=str(script))
        finally:
            stop(server)

    print(f"wrk, {args.connections} connections, {args.seconds:g} s each")
    print(f"bare FastAPI hello GET : {baseline['rps']:8.0f} req/s  "
          f"p99 {baseline['p99_ms']:.2f} ms")
    print(f"BackupRun getStatus    : {measured['rps']:8.0f} req/s  "
          f"p99 {measured['p99_ms']:.2f} ms  non-2xx {measured['errors']:.0f}")
    print(f"ratio {measured['rps'] / baseline['rps']:.0%} of bare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
