"""A bounded load on one request: wrk when installed, else an asyncio httpx generator.

wrk is driven through a Lua script so one function loads GETs and BackupRun's form POSTs
alike. Both stop by themselves (wrk after its duration, httpx after its duration or 200,000
requests) and talk to loopback only.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time

import httpx

__all__ = ["load"]


def _lua(method: str, headers: dict[str, str], body: str | None) -> str:
    lines = [f"wrk.method = {json.dumps(method)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    return "\n".join(lines) + "\n"


def _wrk(url: str, method: str, headers: dict[str, str], body: str | None, connections: int,
         seconds: float) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_lua(method, headers, body))
        script.flush()
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s",
                              "--latency", "-s", script.name, url],
                             capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert rps is not None and p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * scale,
            "errors": float(non2xx.group(1)) if non2xx else 0.0}


async def _httpx(url: str, method: str, headers: dict[str, str], body: str | None,
                 connections: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline and len(latencies) < 200_000:
            begin = time.perf_counter()
            response = await client.request(method, url, headers=headers, content=body)
            latencies.append((time.perf_counter() - begin) * 1000)
            errors += response.status_code >= 300

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=connections)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            "median_ms": statistics.median(latencies), "errors": float(errors)}


def load(url: str, method: str = "GET", headers: dict[str, str] | None = None,
         body: str | None = None, connections: int = 8, seconds: float = 5) -> dict[str, float]:
    """req/s, p99 (ms) and non-2xx count of `connections` clients repeating one request."""
    headers = headers or {}
    if shutil.which("wrk"):
        return _wrk(url, method, headers, body, connections, seconds)
    return asyncio.run(_httpx(url, method, headers, body, connections, seconds))
