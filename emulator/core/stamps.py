"""The virtual now shown in an answer, filled in each time the answer is sent.

An answer that only shows the instant it is made at (Code42's envelope `timestamp`, an online
device's `lastConnected`, a download's file name) is the same answer at every instant but for
that text. Vendor code renders such text through `Present.shown` (core.present), which comes
here. While the response cache (core.response_cache) is making an answer it may keep, the
exchange carries a table of stamps: the text is then a token standing for "now, rendered so",
and the cache writes the rendering of the instant the answer is sent at over every token, in
the body and in the headers, on the miss that made it (`Filling`) and on every hit (`fill`,
`fill_headers`), with Content-Length set to match. Anywhere else (no cache, a request it does
not keep, a tool, the control plane) it is the text itself, and the answer is marked as made
from now (core.exchange.depends_on_now).

A token is `PREFIX`, drawn at random per process (letters and digits, so JSON, CSV and header
values carry it unchanged and no stored value holds one), and the renderer's number within
the answer. Stamps are for text sent, never for text stored: a token written to the store
would stay a token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from starlette.types import Message, Send

from emulator.core.exchange import CURRENT, Exchange, depends_on_now

__all__ = ["PREFIX", "Filling", "Render", "fill", "fill_headers", "shown"]

Render = Callable[[datetime], str]
"""How an instant is shown: a pure function of it (a format, a floor, a file name)."""

PREFIX = "t" + secrets.token_hex(10)


def shown(instant: datetime, render: Render) -> str:
    """`render(instant)`, or a token for it in an answer the response cache fills in."""
    exchange = CURRENT.get()
    stamps = None if exchange is None else exchange.stamps
    if stamps is None or exchange is None or exchange.time != instant:
        depends_on_now()
        return render(instant)
    for token, known in stamps.items():
        if known is render:
            return token.decode()
    text = f"{PREFIX}{len(stamps)}x"  # the x ends it: token 1 is no prefix of token 12
    stamps[text.encode()] = render
    return text


def fill(data: bytes, stamps: Mapping[bytes, Render], now: datetime) -> bytes:
    """`data` with every token of `stamps` replaced by its rendering of `now`."""
    for token, render in stamps.items():
        if token in data:
            data = data.replace(token, render(now).encode())
    return data


def fill_headers(headers: Iterable[tuple[bytes, bytes]], stamps: Mapping[bytes, Render],
                 now: datetime, length: int | None) -> list[tuple[bytes, bytes]]:
    """`headers` filled in, and a Content-Length among them set to `length` (if given)."""
    out = []
    for name, value in headers:
        if length is not None and name.lower() == b"content-length":
            value = str(length).encode()
        else:
            value = fill(value, stamps, now)
        out.append((name, value))
    return out


class Filling:
    """A send that fills in the stamps of the answer in flight, at the time it was made.

    The start of the answer is held until its body: an answer of known length (one body,
    rendered before it starts) is passed on filled with its length set; a streamed one
    (no Content-Length) is filled chunk by chunk, so a token made while it streams is
    filled in too (a chunk never splits a token: chunks are whole lines of text).
    """

    def __init__(self, send: Send, exchange: Exchange) -> None:
        self.send = send
        self.exchange = exchange
        self.start: Message | None = None
        self.parts: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        stamps, now = self.exchange.stamps, self.exchange.time
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or not stamps or now is None:
            await self._begin(None)
            await self.send(message)
            return
        body = fill(message.get("body", b""), stamps, now)
        more = message.get("more_body", False)
        start = self.start
        if start is not None and any(k.lower() == b"content-length"
                                     for k, _ in start.get("headers", ())):
            self.parts.append(body)
            if more:
                return
            body = b"".join(self.parts)
            await self._begin(len(body))
        else:
            await self._begin(None)
        await self.send({"type": "http.response.body", "body": body, "more_body": more})

    async def _begin(self, length: int | None) -> None:
        """Pass the held start on (filled in, with Content-Length `length` if given)."""
        start, self.start = self.start, None
        if start is None:
            return
        stamps, now = self.exchange.stamps, self.exchange.time
        if stamps and now is not None:
            start = {**start, "headers": fill_headers(start.get("headers", ()), stamps, now,
                                                      length)}
        await self.send(start)
