"""In-process CPU per vendor request with the journal on and off, on one store (issue 16).

    python bench/journal_store.py [--db PATH_OR_URL] [--requests 4000] [--concurrency 8]

Drives the app's ASGI callable directly (no sockets, no client): `concurrency` tasks send
CleverFox's `GET /api/devices/1` (a hot read, answered from the response cache) until
`requests` are answered, first with the journal at its default size, then with it at 0 (PUT
/_emulator/requests/config), alternating rounds, and prints the process's CPU time per request
(all threads: the journal's commits run in one) and requests per second of wall time. The
difference is what keeping the journal costs a request. On a SQLite file by default; give a
PostgreSQL URL to measure that store.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings

Message = dict[str, Any]


async def call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]],
               body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI app; its status and body."""
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
    sent = False
    status, chunks = 0, []

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never disconnects
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def load(app: Any, headers: list[tuple[bytes, bytes]], requests: int,
               concurrency: int) -> tuple[float, float]:
    """(CPU µs per request, requests per wall second) of `requests` hot reads."""
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status, _ = await call(app, "GET", "/api/devices/1", headers)
            assert status == 200, status

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / requests * 1e6, requests / wall


async def measure(db: str, requests: int, concurrency: int, rounds: int) -> dict[str, Any]:
    app = create_app(Settings(db=db, freeze=True, now="2026-01-05T09:00:00Z", seed=424242,
                              tick_seconds=0, log_level="warning"))
    out: dict[str, list[tuple[float, float]]] = {"journal on": [], "journal off": []}
    async with app.router.lifespan_context(app):
        _, creds = await call(app, "GET", "/_emulator/credentials", [])
        key = json.loads(creds)["cleverfox"]["api_key"]
        auth = [(b"authorization", b"Basic " + base64.b64encode(f"{key}:".encode()))]
        config = [(b"content-type", b"application/json")]
        await load(app, auth, requests // 4, concurrency)  # warm: routes, cache, connections
        for _ in range(rounds):
            for name, capacity in (("journal on", 10_000), ("journal off", 0)):
                status, _ = await call(app, "PUT", "/_emulator/requests/config", config,
                                       json.dumps({"capacity": capacity}).encode())
                assert status == 200, status
                out[name].append(await load(app, auth, requests, concurrency))
    return {name: (statistics.median(c for c, _ in runs), statistics.median(r for _, r in runs))
            for name, runs in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a SQLite path or a database URL (default: a new file)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "journal.db")
        figures = asyncio.run(measure(db, args.requests, args.concurrency, args.rounds))
    print(f"store: {db if args.db else 'SQLite file'}; {args.requests} requests x "
          f"{args.rounds} rounds, {args.concurrency} at once (medians)")
    for name, (cpu_us, rps) in figures.items():
        print(f"{name:12} {cpu_us:8.1f} µs CPU/request {rps:8.0f} requests/s")
    on, off = figures["journal on"][0], figures["journal off"][0]
    print(f"journal cost: {on - off:.1f} µs CPU per request ({on / off:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
