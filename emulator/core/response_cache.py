"""The response cache: a repeated vendor GET answered before routing, while provably fresh.

It sits just inside the toolkit (core.middleware), so every request, hit or miss, still goes
through the guard, the fault rules decided before serving, the journal and request masking
exactly as it would without it; on a hit this layer does what the vendor would have done up to
its answer: it names the request's world to the exchange (which decides that sandbox's own
fault rules) and sends the bytes the vendor sent last time.

An answer is kept for a key of (method, path, query, the base URL's sandbox, every request
header but a few routine ones: so the caller's credentials, cookies, Accept and Host; and the
body), only if
- it is a 200 without a Set-Cookie to a GET (HEAD is a GET to this layer, see
  core.http_rules) of a vendor route, or to a POST of a vendor named in `posts` (BackupRun,
  whose every call, reads included, is a form POST), whose handler named its world
  (Emulator.ctx);
- no write happened anywhere while it was made (the store's ANY counter did not move), so
  it was not made from a state that was already changing, and a GET that writes (a session
  touch, due work applied) is never kept;
- its world's due work was not being caught up, and the virtual time it was made at is before
  its horizon (below).

What an answer made of virtual time decides how long it holds (core.exchange):
- made from the instant itself (it read `Ctx.now`: a timestamp shown, an age, a seed): it
  holds while the world's clock still shows that instant, so only under a frozen clock;
- otherwise it holds until its horizon: the earliest of the world's next due transition (read
  from the store when the answer is made; scheduling work is a write, so anything earlier
  bumps the world's counter) and the instants the handler compared the clock with and has
  not reached (core.present: a token's expiry, a session's next idle minute, an agent's next
  check-in). Under a running clock such an answer is served again until then;
- showing the instant is neither (core.stamps): the answer is kept with a token where it
  shows now, and every time it is sent, the miss that made it included, the token becomes
  the rendering of the instant it is sent at.
It is served again only if the world is the same incarnation (not reset or dropped), its
clock says the answer still holds, no due work is being caught up, and the store's counters
of that world and of ALL still hold the values it was made at (core.versions): one indexed
read per hit, so another process's write is seen as surely as this one's. Virtual time only
moves forward within an incarnation, and every move of a clock but its running is a write of
the world's row, so "before the horizon" is all time can change.

Memory is bounded by `response_cache_mb` (least recently used answers go first); an answer
bigger than an eighth of it is not kept. EMULATOR_RESPONSE_CACHE=0 turns the cache off.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.coherence import ANY_SEEN
from emulator.core.engine import DueTransition
from emulator.core.exchange import CURRENT, Exchange, pinned_world
from emulator.core.runtime import Emulator
from emulator.core.stamps import Filling, Render, fill, fill_headers
from emulator.core.transport import replaying
from emulator.core.versions import ALL, ANY
from emulator.core.world import World

__all__ = ["ResponseCache"]

# Request headers no vendor answer depends on: left out of the key, so clients that differ
# only in these share answers.
ROUTINE_HEADERS = frozenset({b"connection", b"user-agent", b"accept-encoding", b"keep-alive",
                             b"content-length", b"te"})

_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})

Key = tuple[str, str, bytes, str | None, tuple[tuple[bytes, bytes], ...], bytes]


@dataclass(frozen=True, slots=True)
class Answer:
    """A kept answer and what it was made from."""

    world: World  # the incarnation (Emulator.worlds holds a new object after a reset)
    now: datetime  # the virtual time it was made at
    versions: tuple[int, int]  # the world's and ALL's counters
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    uses_now: bool  # made from `now` itself: holds at that instant only
    horizon: datetime | None  # else it holds while virtual time is before this (None: ever)
    stamps: tuple[tuple[bytes, Render], ...] = ()  # tokens in it that show now (core.stamps)
    written: int | None = None  # ANY's counter when it was kept (nothing written meanwhile)

    def holds_at(self, now: datetime) -> bool:
        """Whether it is still the answer at virtual time `now` (versions apart)."""
        if self.uses_now:
            return now == self.now
        return self.horizon is None or now < self.horizon

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200

    def at(self, now: datetime) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """Its headers and body as sent at virtual time `now`."""
        if not self.stamps:
            return list(self.headers), self.body
        stamps = dict(self.stamps)
        body = fill(self.body, stamps, now)
        return fill_headers(self.headers, stamps, now, len(body)), body


class Answers:
    """An LRU of answers, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Key, Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Key) -> Answer | None:
        answer = self._items.get(key)
        if answer is not None:
            self._items.move_to_end(key)
        return answer

    def put(self, key: Key, answer: Answer) -> None:
        if answer.size * 8 > self.max_bytes:
            return
        self.drop(key)
        self._items[key] = answer
        self.bytes += answer.size
        while self.bytes > self.max_bytes:
            _, old = self._items.popitem(last=False)
            self.bytes -= old.size

    def drop(self, key: Key) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old.size

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


class ResponseCache:
    """The ASGI layer; a pass-through for anything but a vendor GET."""

    def __init__(self, app: ASGIApp, emulator: Emulator,
                 posts: Collection[str] = ()) -> None:
        self.app = app
        self.emu = emulator
        self.posts = frozenset(posts)
        self.answers = Answers(int(emulator.settings.response_cache_mb * 2**20))
        self.store = emulator.versions
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = CURRENT.get()  # set by the toolkit for vendor requests only
        method = scope.get("method")
        if exchange is None or scope["type"] != "http" or not (
                method == "GET" or (method == "POST" and exchange.facts.vendor in self.posts)):
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        body = b""
        if method == "POST":
            first = await receive()  # the toolkit has read it all: one message
            body = first.get("body", b"")
            receive = replaying(first, receive)
        elif any(k in _BODY_HEADERS and v != b"0" for k, v in headers):  # a GET with a body
            await self.app(scope, receive, send)
            return
        key: Key = (method, scope["path"], scope["query_string"], pinned_world(),
                    tuple(sorted(h for h in headers if h[0] not in ROUTINE_HEADERS)), body)
        answer = self.answers.get(key)
        if answer is not None:
            now = self._fresh(answer, scope.get(ANY_SEEN))
            if now is not None:
                self.hits += 1
                exchange.resolved(answer.world.id, now)  # may raise FaultFired
                headers, body = answer.at(now)
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            self.answers.drop(key)
        self.misses += 1
        exchange.stamps = {}
        await self._make(key, scope, receive, Filling(send, exchange))

    def _fresh(self, answer: Answer, written: int | None) -> datetime | None:
        """The world's virtual now if `answer` still holds, else None. `written`: the ANY
        counter as this request's start read it (core.coherence), if it did; when it is the
        one the answer was kept at, nothing was written since and the answer's own counters
        need no read."""
        world = answer.world
        clock = self.emu.clocks.get(world.id)
        if (self.emu.worlds.get(world.id) is not world or clock is None
                or self.emu.catching_up(world.id)):
            return None
        now = clock.now()
        if not answer.holds_at(now):
            return None
        if (written is None or written != answer.written) and \
                self.store.read(world.id, ALL) != answer.versions:
            return None
        return now

    async def _make(self, key: Key, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; keep its answer if it qualifies."""
        before = self.store.read(ANY)[0]
        start: Message | None = None
        chunks: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = message
                # A cookie set (or cleared, with a real-time expiry) is the caller's own.
                keep = message["status"] == 200 and not any(
                    k.lower() == b"set-cookie" for k, _ in message.get("headers", ()))
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
            else:
                keep = False
            await send(message)

        await self.app(scope, receive, capture)
        exchange = CURRENT.get()
        if not keep or start is None or exchange is None:
            return
        made = self._made(exchange)
        if made is None:
            return
        world, now, horizon = made
        mine, everyone, anything = self.store.read(world.id, ALL, ANY)
        if anything != before:
            return
        self.answers.put(key, Answer(world, now, (mine, everyone),
                                     tuple(start.get("headers", ())), b"".join(chunks),
                                     exchange.uses_now, horizon,
                                     tuple((exchange.stamps or {}).items()), anything))

    def _made(self, exchange: Exchange) -> tuple[World, datetime, datetime | None] | None:
        """The world, virtual time and horizon of the answer just made, if it may be kept."""
        world_id, now = exchange.world, exchange.time
        if world_id is None or now is None:
            return None
        world = self.emu.worlds.get(world_id)
        clock = self.emu.clocks.get(world_id)
        if world is None or clock is None or self.emu.catching_up(world_id):
            return None
        if exchange.uses_now and clock.now() != now:  # its instant has already passed
            return None
        due = self._next_due(world_id)
        horizon = min((h for h in (due, exchange.horizon) if h is not None), default=None)
        if horizon is not None and horizon <= now:  # made with work due and not applied
            return None
        return world, now, horizon

    def _next_due(self, world_id: str) -> datetime | None:
        """The earliest due time of the world's pending work, as the store holds it now."""
        table = DueTransition.__table__  # type: ignore[attr-defined]
        with self.emu.db.engine.connect() as connection:
            due: datetime | None = connection.execute(
                select(func.min(table.c.due_at)).where(table.c.world_id == world_id)).scalar()
        return due
