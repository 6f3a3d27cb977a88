"""A round-robin TCP proxy on 127.0.0.1, standing in for the load balancer of a replicated
deployment: each new connection goes to the next backend in turn, and a backend that refuses
the connection (a replica that died) is skipped, as nginx's upstream does.

Connections, not requests, are spread: a client that should reach both replicas sends
`Connection: close` (see `spread_client`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx

START_TIMEOUT = 10.0
CHUNK = 65536


class RoundRobinProxy:
    """`with RoundRobinProxy([url_a, url_b]) as proxy:` listens at proxy.base_url."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = [httpx.URL(url) for url in backends]
        self.connections: Counter[str] = Counter()  # per backend, connections handed over
        self._turn = itertools.cycle(range(len(backends)))
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="round-robin-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self.base_url = ""

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or self._server is None:
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in self.backends:
            backend = self.backends[next(self._turn)]
            try:
                up_reader, up_writer = await asyncio.open_connection(backend.host, backend.port)
            except OSError:
                continue  # refused: try the next one
            self.connections[str(backend)] += 1
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            return
        writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            sink.close()


@contextlib.contextmanager
def spread_client(base_url: str, **options: Any) -> Iterator[httpx.Client]:
    """An httpx.Client whose every request opens its own connection, so that requests through
    the proxy take turns between the backends."""
    with httpx.Client(base_url=base_url, headers={"Connection": "close"}, timeout=30,
                      **options) as http:
        yield http
