"""The running emulator: settings, the state store, every world's clock and the engine loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime

from sqlmodel import Session, SQLModel, select

from emulator.core.clock import Clock, ClockState
from emulator.core.db import Database
from emulator.core.engine import Ctx, Simulation
from emulator.core.errors import EmulatorError, NotFound
from emulator.core.exchange import pinned_world, world_resolved
from emulator.core.faults import FaultBook
from emulator.core.journal import Journal
from emulator.core.snapshots import Snapshot, SnapshotStore, capture
from emulator.core.timeutil import UTC
from emulator.core.world import DEFAULT_WORLD_ID, World
from emulator.settings import Settings

__all__ = ["Emulator"]

PristineKey = tuple[int, datetime, bool, float]

log = logging.getLogger(__name__)


class Emulator:
    """Everything one server holds: one per app, reached from handlers as app.state.emulator."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.db)
        self.sim = Simulation()
        self.clocks: dict[str, Clock] = {}
        # Detached copies of the World rows: a world's id, seed and credentials never change,
        # so a request resolves its world without a query. Clocks are kept beside them.
        self.worlds: dict[str, World] = {}
        # The toolkit's state lives beside the worlds, not in them: no snapshot or world
        # build touches it.
        self.faults = FaultBook(settings.seed)
        self.journal = Journal(settings.journal_size, settings.journal_body_bytes)
        self.snapshots = SnapshotStore()  # in memory: outlives resets, not the process
        # The default world as last built from a fixed `now`, keyed by what built it: a reset
        # with the same seed, now and clock mode puts it back instead of building it again.
        self.pristine: tuple[PristineKey, Snapshot] | None = None
        self._opened = False
        self._engine_task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Create tables, load the worlds' clocks, and build the default world if there is none."""
        if self._opened:
            return
        self.db.create_all()
        with self.db.session() as session:
            if session.get(World, DEFAULT_WORLD_ID) is None:
                self.build_default_world(session, self.settings.seed, self.settings.now,
                                         self.settings.freeze)
                session.commit()
                self.remember_pristine(session, self.settings.seed, self.settings.now,
                                       self.settings.freeze)
            self.load_worlds(session)
            # The clock's mode follows the flags the server was started with; its time goes on.
            default = self.clock(DEFAULT_WORLD_ID)
            if default.speed != self.settings.speed:
                default.set_speed(self.settings.speed)
            if default.frozen != self.settings.freeze:
                default.freeze(self.settings.freeze)
            self.save_clock(session, DEFAULT_WORLD_ID)
            session.commit()
        self._opened = True

    def start_engine(self) -> None:
        """Apply due transitions in the background, every tick_seconds (0: never)."""
        if self.settings.tick_seconds > 0 and self._engine_task is None:
            self._engine_task = asyncio.get_running_loop().create_task(self._engine_loop())

    async def close(self) -> None:
        if self._engine_task is not None:
            self._engine_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._engine_task
            self._engine_task = None
        self.db.dispose()
        self._opened = False

    async def _engine_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick_seconds)
            try:
                self.tick()
            except Exception:  # keep serving; the next tick tries again
                log.exception("engine tick failed")

    def tick(self) -> int:
        """Apply what is due in every running world; returns how many transitions ran."""
        applied = 0
        with self.db.session() as session:
            for world_id, clock in list(self.clocks.items()):
                if clock.frozen:
                    continue
                now = clock.now()
                if self.sim.is_due(session, world_id, now):
                    applied += self.sim.run_due(session, self.worlds[world_id], now)
        return applied

    # -- worlds and clocks -----------------------------------------------------------------

    def build_default_world(self, session: Session, seed: int, now: datetime | None,
                            freeze: bool, *, scale: int = 1) -> World:
        """Add the default world (the caller commits); its clock starts at `now` or real time."""
        from emulator.fixtures.world import build_world

        state = ClockState(anchor=now or datetime.now(UTC), anchor_real=time.time(),
                           speed=self.settings.speed, frozen=freeze)
        world = build_world(session, self.sim, world_id=DEFAULT_WORLD_ID, ordinal=0, seed=seed,
                            clock=state, scale=scale)
        self.register_world(world)
        return world

    def remember_pristine(self, session: Session, seed: int, now: datetime | None,
                          freeze: bool) -> None:
        """Keep the just-built default world, if `now` was fixed (else it depends on when)."""
        if now is not None:
            self.pristine = ((seed, now, freeze, self.settings.speed), capture(self, session))

    def pristine_for(self, seed: int, now: datetime | None, freeze: bool) -> Snapshot | None:
        """The kept default world built from exactly these, if any."""
        if now is None or self.pristine is None:
            return None
        key, snapshot = self.pristine
        return snapshot if key == (seed, now, freeze, self.settings.speed) else None

    def load_worlds(self, session: Session) -> None:
        """Remember exactly the worlds the store holds (at start, or after a failed change)."""
        self.worlds.clear()
        self.clocks.clear()
        self.sim.forget()
        for world in session.exec(select(World)).all():
            self.register_world(world)

    def register_world(self, world: World) -> None:
        """Remember a world and start its clock from the row's stored state."""
        self.worlds[world.id] = World(**world.model_dump())
        self.clocks[world.id] = Clock(world.clock_state)

    def wipe(self, session: Session) -> None:
        """Delete every row of every table (the caller commits)."""
        self.db.truncate_all(session)
        self.worlds.clear()
        self.clocks.clear()
        self.sim.forget()

    def drop_world(self, session: Session, world_id: str) -> None:
        """Delete a world and every row it owns, in every table (the caller commits)."""
        for table in reversed(SQLModel.metadata.sorted_tables):
            if "world_id" in table.columns:
                session.execute(table.delete().where(table.columns["world_id"] == world_id))
        session.execute(World.__table__.delete().where(World.__table__.c.id == world_id))  # type: ignore[attr-defined]
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
        """A context for a request against `world_id`, after applying what is already due."""
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
        self.sim.run_due(session, world, now)
        return Ctx(session, world, now, self.sim)
