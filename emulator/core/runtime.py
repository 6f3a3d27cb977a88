"""The running emulator: settings, the state store, every world's clock and the engine loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel import Session, select

from emulator.core.clock import Clock, ClockState
from emulator.core.cloning import delete_worlds, wipe_worlds
from emulator.core.coherence import forget_keys
from emulator.core.db import Database
from emulator.core.engine import Ctx, Simulation
from emulator.core.errors import EmulatorError, NotFound
from emulator.core.exchange import pinned_world, request_writes, world_resolved
from emulator.core.faults import FaultBook
from emulator.core.journal import Journal
from emulator.core.snapshot_files import read as read_snapshot
from emulator.core.snapshot_store import SnapshotStore
from emulator.core.snapshots import Snapshot, capture, put_back
from emulator.core.timeutil import UTC
from emulator.core.versions import ALL, ANY, FAULTS, WORLDS, StoreVersions, wrote
from emulator.core.world import DEFAULT_WORLD_ID, TEMPLATE, World
from emulator.settings import Settings

__all__ = ["Emulator"]

PristineKey = tuple[int, datetime, bool, float]

# Due work runs in chunks of about this many seconds, one transaction each, and the event loop
# serves other requests between chunks: a world catching up a week never holds up another.
CHUNK_SECONDS = 0.004
# After a chunk the engine lets the event loop turn this many times before the next one. A
# request needs a few turns (its bytes read, its task started, its answer written); with one
# turn between chunks it waited a chunk per turn it needed, two or three chunks in all. On an
# idle loop a turn costs microseconds, about 1% of a chunk.
TURNS_BETWEEN_CHUNKS = 8


async def _let_requests_through() -> None:
    for _ in range(TURNS_BETWEEN_CHUNKS):
        await asyncio.sleep(0)

log = logging.getLogger(__name__)


def _incarnation(world: World) -> tuple[object, ...]:
    """What tells one incarnation of a world from another (a reset draws a new epoch)."""
    return (world.kind, world.ordinal, world.seed, world.name, world.created_at,
            world.secret_key, world.epoch, world.credentials)


class Emulator:
    """Everything one server holds: one per app, reached from handlers as app.state.emulator."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.db)
        self.sim = Simulation()
        # The store's world versions (core.versions: importing it installs the write hooks).
        self.versions = StoreVersions(self.db.engine)
        # Other processes may share the store (core.coherence): the worlds, clocks and each
        # world's next due time are then checked against its counters.
        self.shared = not self.db.is_memory
        if self.shared:
            self.sim.versions = self.versions
        self._seen: tuple[int, ...] | None = None  # the WORLDS and ALL counters last synced
        self.clocks: dict[str, Clock] = {}
        # Detached copies of the World rows: a world's id, seed and credentials never change,
        # so a request resolves its world without a query. Clocks are kept beside them.
        self.worlds: dict[str, World] = {}
        # The toolkit's state lives beside the worlds, not in them: no snapshot or world
        # build touches it.
        self.faults = FaultBook(settings.seed, self.db.engine, self.versions)
        self.journal = Journal(self.db, settings.journal_size, settings.journal_body_bytes)
        self.snapshots = SnapshotStore(self.db)  # in the store: outlives resets and restarts
        # While some vendor's part cannot be copied from a template world, the default world
        # as last built from a fixed `now`, keyed by what built it: a reset with the same
        # seed, now and clock mode puts it back instead of building it again.
        self.pristine: tuple[PristineKey, Snapshot] | None = None
        self.built_default_world = False  # by open(): the database held none
        self._opened = False
        self._engine_task: asyncio.Task[None] | None = None
        # Catching up, per world: a lock so that one world's runs apply one after another, and
        # while one runs, the due time it has reached (requests see the world at that time).
        self._locks: dict[str, asyncio.Lock] = {}
        self._reached: dict[str, tuple[World, datetime]] = {}
        self._runs: set[asyncio.Task[None]] = set()
        # Worlds catching up at once take turns chunk by chunk, each chunk followed by the
        # loop's turns (`between_chunks`): a request waits for one chunk at most, not one per
        # world being caught up.
        self._engine_turn = asyncio.Lock()
        self.chunk_seconds = CHUNK_SECONDS
        self.between_chunks: Callable[[], Awaitable[None]] = _let_requests_through
        """Awaited between two chunks of due work; a test can hold a run here."""

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Create tables, load the worlds' clocks, and build the default world if there is none."""
        if self._opened:
            return
        # A snapshot file is read and checked before anything is built or changed.
        start = read_snapshot(self.settings.snapshot) if self.settings.snapshot else None
        with self.db.exclusive():
            self._open(start)
        if start is not None:
            self.snapshots.add(start, replace=True)
        self._opened = True

    def _open(self, start: Snapshot | None) -> None:
        self.db.create_all()
        with self.db.session() as session:
            if start is not None and start.sandbox is None:
                put_back(self, session, start)
            elif session.get(World, DEFAULT_WORLD_ID) is None:
                # Built, not copied: a template would be built first anyway, then copied
                # (fixtures.templates); the first sandbox or reset builds it instead.
                self.build_default_world(session, self.settings.seed, self.settings.now,
                                         self.settings.freeze, copy=False)
                self.built_default_world = True
                session.commit()
                self.remember_pristine(session, self.settings.seed, self.settings.now,
                                       self.settings.freeze)
            if start is not None and start.sandbox is not None:
                put_back(self, session, start)
            self.load_worlds(session)
            # The clock's mode follows the flags the server was started with; its time goes on.
            # From a snapshot file, only the flags given change the mode it was saved in.
            given = self.settings.model_fields_set if start is not None else {"speed", "freeze"}
            default = self.clock(DEFAULT_WORLD_ID)
            if "speed" in given and default.speed != self.settings.speed:
                default.set_speed(self.settings.speed)
            if "freeze" in given and default.frozen != self.settings.freeze:
                default.freeze(self.settings.freeze)
            self.save_clock(session, DEFAULT_WORLD_ID)
            session.commit()

    def start_engine(self) -> None:
        """Apply due transitions in the background, every tick_seconds (0: never)."""
        if self.settings.tick_seconds > 0 and self._engine_task is None:
            self._engine_task = asyncio.get_running_loop().create_task(self._engine_loop())

    async def close(self) -> None:
        tasks = [*self._runs, *([self._engine_task] if self._engine_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._engine_task = None
        self._runs.clear()
        self._reached.clear()
        self.versions.close()
        self.db.dispose()
        self._opened = False

    async def _engine_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick_seconds)
            try:
                self.sync()  # worlds and clocks other processes made or moved
                for world_id in self._due_worlds():
                    self._start_run(world_id)
            except Exception:  # keep serving; the next tick tries again
                log.exception("engine tick failed")

    def _due_worlds(self) -> list[str]:
        """Running worlds with work due by their clock's now and no run in progress."""
        with self.db.session() as session:
            return [world_id for world_id, clock in list(self.clocks.items())
                    if not clock.frozen and world_id not in self._reached
                    and self.sim.is_due(session, world_id, clock.now())]

    def tick(self) -> int:
        """Apply what is due in every running world at once; returns how many transitions ran.

        The server itself does this in chunks between requests (`settle`); this is for tools
        and tests that drive an emulator without an event loop.
        """
        applied = 0
        with self.db.session() as session:
            for world_id in self._due_worlds():
                applied += self.sim.run_due(session, self.worlds[world_id],
                                            self.clocks[world_id].now(),
                                            stored_clock=self.shared)
        return applied

    # -- catching a world up, off the request path ---------------------------------------

    def _lock(self, world_id: str) -> asyncio.Lock:
        lock = self._locks.get(world_id)
        if lock is None:
            lock = self._locks[world_id] = asyncio.Lock()
        return lock

    def _start_run(self, world_id: str) -> None:
        """Catch `world_id` up to its clock in the background (if no run is on its way)."""
        if world_id in self._reached and self._lock(world_id).locked():
            return
        task = asyncio.get_running_loop().create_task(self.settle(world_id))
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    def catching_up(self, world_id: str) -> bool:
        """Whether due work of `world_id` is being applied in the background (`settle`)."""
        return world_id in self._reached

    def hold(self, world_id: str, at: datetime) -> None:
        """A world's clock jumped from `at`: requests keep seeing the world at `at` (and then
        wherever the engine has got to) until `settle` has applied the work that fell due."""
        world = self.worlds.get(world_id)
        if world is not None and world_id not in self._reached:
            self._reached[world_id] = (world, at)

    async def settle(self, world_id: str) -> None:
        """Apply everything due in `world_id` by its clock's now, in order, a chunk at a time.

        Runs of one world take turns (a lock per world); other worlds' requests are served
        between chunks. Returns when the world has caught up with its clock, or is gone.
        """
        world = self.worlds.get(world_id)
        try:
            async with self._lock(world_id):
                while world is not None and self.worlds.get(world_id) is world:
                    async with self._engine_turn:
                        if self.worlds.get(world_id) is not world:
                            break  # dropped or reset while waiting for the turn
                        with self.db.session() as session:
                            step = self.sim.run_chunk(session, world,
                                                      self.clock(world_id).now(),
                                                      budget=self.chunk_seconds,
                                                      stored_clock=self.shared)
                        if step.finished:
                            break
                        if step.reached is not None:
                            self._reached[world_id] = (world, step.reached)
                        await self.between_chunks()
        finally:  # caught up, gone, or cancelled: requests see the world at its clock again
            held = self._reached.get(world_id)
            if held is not None and held[0] is world:
                del self._reached[world_id]

    # -- worlds and clocks -----------------------------------------------------------------

    def build_default_world(self, session: Session, seed: int, now: datetime | None,
                            freeze: bool, *, copy: bool = True) -> World:
        """Add the default world (the caller commits); its clock starts at `now` or real time.

        Made as sandboxes are (fixtures.world.make_world): copied from a template world where
        its vendors allow, so a reset costs milliseconds. `copy=False` builds every vendor's
        part, which gives the same rows (tests/test_templates.py) without making a template."""
        from emulator.fixtures.world import make_world

        state = ClockState(anchor=now or datetime.now(UTC), anchor_real=time.time(),
                           speed=self.settings.speed, frozen=freeze)
        world = make_world(session, self.sim, world_id=DEFAULT_WORLD_ID, ordinal=0, seed=seed,
                           clock=state, exact=now is not None,
                           templates=copy and self.settings.clone_worlds)
        self.register_world(world)
        return world

    def remember_pristine(self, session: Session, seed: int, now: datetime | None,
                          freeze: bool) -> None:
        """Keep the just-built default world, if `now` was fixed (else it depends on when)
        and some vendor's part of it is built rather than copied from a template world."""
        from emulator.fixtures.world import all_copied

        if now is not None and not (self.settings.clone_worlds and all_copied()):
            self.pristine = ((seed, now, freeze, self.settings.speed), capture(self, session))

    def pristine_for(self, seed: int, now: datetime | None, freeze: bool) -> Snapshot | None:
        """The kept default world built from exactly these, if any."""
        if now is None or self.pristine is None:
            return None
        key, snapshot = self.pristine
        return snapshot if key == (seed, now, freeze, self.settings.speed) else None

    def load_worlds(self, session: Session) -> None:
        """Remember exactly the worlds the store holds (at start, after a failed change, or
        when another process changed them: `sync`). A world whose row still shows the same
        incarnation keeps its object, which is what caches keyed by it check; a clock whose
        stored state differs takes the stored one."""
        rows = {w.id: w for w in session.exec(
            select(World).where(World.kind != TEMPLATE).execution_options(
                populate_existing=True)).all()}
        for gone in set(self.worlds) - set(rows):
            self.worlds.pop(gone, None)
            self.clocks.pop(gone, None)
            self.sim.forget(gone)
        for world_id, row in rows.items():
            known = self.worlds.get(world_id)
            if known is None or _incarnation(known) != _incarnation(row):
                self.register_world(row)
                self.sim.forget(world_id)
            elif self.clocks[world_id].state != row.clock_state:
                self.clocks[world_id] = Clock(row.clock_state)

    def sync(self) -> tuple[int, int] | None:
        """Catch up with what other processes did to the worlds (core.coherence): one read of
        the store's WORLDS, ALL, FAULTS and ANY counters; the worlds are read again only if
        the first two moved. Returns the FAULTS and ANY counters read (None: the store is not
        shared), for the fault rules and the response cache to check against."""
        if not self.shared or not self._opened:
            return None
        worlds, everything, faults, anything = self.versions.read(WORLDS, ALL, FAULTS, ANY)
        if (worlds, everything) != self._seen:
            with self.db.session() as session:
                self.load_worlds(session)
            forget_keys()
            self._seen = (worlds, everything)  # read before loading: a later change shows
        return faults, anything

    def lock_worlds(self, session: Session) -> None:
        """Take the store's lock on changes to the set of worlds and their clocks, for the
        session's transaction (the caller commits): processes making sandboxes, resetting or
        moving clocks at once take turns. A bump of WORLDS: SQLite's write lock, a row lock on
        PostgreSQL; reads after it see every change committed before."""
        wrote(session, [WORLDS])

    def refresh_clock(self, session: Session, world_id: str) -> Clock:
        """The world's clock as stored (another process may have moved it); call it after
        `lock_worlds`, so that nobody moves it before this transaction commits."""
        world = session.get(World, world_id, populate_existing=True)
        if world is None or world_id not in self.clocks:
            raise NotFound(f"no world {world_id!r}")
        if self.clocks[world_id].state != world.clock_state:
            self.clocks[world_id] = Clock(world.clock_state)
        return self.clocks[world_id]

    def register_world(self, world: World) -> None:
        """Remember a world and start its clock from the row's stored state."""
        self.worlds[world.id] = World(**world.model_dump())
        self.clocks[world.id] = Clock(world.clock_state)

    def wipe(self, session: Session) -> None:
        """Delete every row of every table but the template worlds' (the caller commits)."""
        wipe_worlds(session, keep_kind=TEMPLATE)
        self.worlds.clear()
        self.clocks.clear()
        self.sim.forget()

    def drop_world(self, session: Session, world_id: str) -> None:
        """Delete a world and every row it owns, in every table (the caller commits)."""
        delete_worlds(session, [world_id])
        self.worlds.pop(world_id, None)
        self.clocks.pop(world_id, None)
        self.sim.forget(world_id)

    def clock(self, world_id: str) -> Clock:
        try:
            return self.clocks[world_id]
        except KeyError:
            raise NotFound(f"no world {world_id!r}") from None

    def save_clock(self, session: Session, world_id: str) -> None:
        """Write a world's clock state to its row (the caller commits)."""
        world = session.get(World, world_id)
        if world is None:
            raise NotFound(f"no world {world_id!r}")
        world.store_clock(self.clock(world_id).state)
        session.add(world)

    def visible(self, world_id: str) -> bool:
        """Whether a credential of `world_id` counts in the request in flight: its world is
        live and, under a sandbox's base URL, is that sandbox (any other is unknown there)."""
        pinned = pinned_world()
        return world_id in self.worlds and (pinned is None or pinned == world_id)

    def home(self) -> str:
        """The world a call that names none acts on (a login, a registration): the sandbox
        of the base URL it came under, else the default world."""
        return pinned_world() or DEFAULT_WORLD_ID

    def ctx(self, session: Session, world_id: str) -> Ctx:
        """A context for a request against `world_id`, after applying what is already due.

        A little due work is applied right here; more than a chunk's worth goes on in the
        background (`settle`), and meanwhile the request sees the world at the due time the
        engine has reached, which is consistent: everything due before it has happened.
        """
        if not self.visible(world_id) and world_id in self.worlds:
            # Vendors check credentials with `visible` and answer in their own words; this
            # is the backstop for a path that did not.
            raise EmulatorError("these credentials are unknown under this sandbox's base URL",
                                status_code=401, code="unauthorized")
        clock = self.clock(world_id)
        world = self.worlds[world_id]
        now = clock.now()
        # Before due work: a sandbox's fault rule that replaces the answer changes nothing.
        world_resolved(world_id, now)
        held = self._reached.get(world_id)
        if held is not None and held[0] is world:
            return self._acting(Ctx(session, world, min(now, held[1]), self.sim))
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop (tools, plain tests): apply it all now
            self.sim.run_due(session, world, now, stored_clock=self.shared)
            return self._acting(Ctx(session, world, now, self.sim))
        step = self.sim.run_chunk(session, world, now, budget=self.chunk_seconds,
                                  stored_clock=self.shared)
        if not step.finished:
            reached = step.reached or now
            self._reached[world_id] = (world, reached)
            self._start_run(world_id)
            now = min(now, reached)
        return self._acting(Ctx(session, world, now, self.sim))

    def _acting(self, ctx: Ctx) -> Ctx:
        """The context, with its world's write lock taken first for a vendor request that may
        change the world, on a store other processes share: what the handler reads before it
        writes (a job's state, a counter) is then what it changes, whichever process serves
        a concurrent request. (SQLite: its write lock; PostgreSQL: the world counter's row.)
        Taken after due work, whose chunk commits; released when the request's transaction
        ends, and undone with it if the request fails."""
        if self.shared and request_writes():
            ctx.lock()
        return ctx
