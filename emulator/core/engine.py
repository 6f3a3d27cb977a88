"""The simulation engine: work that happens later is a stored due transition.

Vendor code schedules a transition (`Ctx.schedule`) with a kind, an entity and a due time.
The engine applies a world's due transitions in (due_at, id) order, a batch at a time in memory
(core.batch), handing each handler a context whose `now` is its transition's due time. So a
clock advanced a week in one jump replays the week in order: a job that fires schedules the
next run, which fires too if it falls inside the jump. The same code runs from the background
task while serving and synchronously when the clock is moved.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Index, Table, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, col, select

from emulator.core.batch import Batch, Due
from emulator.core.clock import Clock, ClockState
from emulator.core.db import UTCDateTime, empty_dict
from emulator.core.exchange import depends_on_now
from emulator.core.present import Present
from emulator.core.versions import StoreVersions, wrote
from emulator.core.world import World, WorldScoped

__all__ = ["Batch", "Ctx", "Due", "DueTransition", "Handler", "Simulation", "Step", "on_due",
           "rng_for"]

log = logging.getLogger(__name__)

# A runaway handler that keeps scheduling work "now" must not hang a request.
MAX_TRANSITIONS_PER_RUN = 1_000_000
# Due transitions claimed from the queue at once.
BATCH = 1024
BUDGETED_BATCH = 64


class DueTransition(WorldScoped, table=True):
    """Something that will happen to an entity at `due_at` (virtual time)."""

    __tablename__ = "due_transition"
    # AUTOINCREMENT: an id is never reused, so the engine's delete of the rows it applied can
    # never hit a row a handler scheduled after cancelling the one being applied.
    __table_args__ = (Index("ix_due_transition_world_due", "world_id", "due_at", "id"),
                      {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=80)
    entity_id: str = Field(max_length=80, index=True)
    payload: dict[str, Any] = Field(default_factory=empty_dict,
                                    sa_column=Column(JSON, nullable=False))


_TABLE: Table = DueTransition.__table__  # type: ignore[attr-defined]


def rng_for(*keys: object) -> random.Random:
    """A generator seeded from stable keys, so results do not depend on request interleaving."""
    return random.Random(":".join(map(str, keys)))


@dataclass
class Ctx:
    """What backends and handlers work with: a session, their world and the virtual `now`.

    `now` is read through a property that tells the request in flight its answer was made
    from that instant (core.exchange); code that only compares it with a stored instant asks
    `time` (core.present), so the answer can be served again until that instant comes.
    """

    session: Session
    world: World
    instant: datetime
    """The virtual now; read it as `now` or through `time`, never directly in vendor code."""
    sim: Simulation
    until: datetime | None = None
    """In a due handler, the time the engine is catching the world up to (now is the due time)."""
    batch: Batch | None = None
    """In a due handler, the batch being applied: per-batch state and buffered writes."""

    @property
    def world_id(self) -> str:
        return self.world.id

    @property
    def now(self) -> datetime:
        """The virtual now (the due time, in a due handler)."""
        depends_on_now()
        return self.instant

    @property
    def time(self) -> Present:
        """The virtual now, asked in questions whose answers hold until a known instant."""
        return Present(self.instant)

    def lock(self) -> None:
        """Take the world's write lock until the session's transaction ends, before reading
        what is about to be changed from what was read (a counter, a marker): a process
        doing the same then waits, and reads what this one wrote. Once per transaction;
        undone with it. (SQLite: its write lock; PostgreSQL: the world counter's row.)"""
        wrote(self.session, [self.world_id])

    @property
    def present(self) -> datetime:
        """The world's present: `until` while catching up, else `now`.

        A handler that finds itself far behind (a clock jumped a year) can use it to skip runs
        nobody could still observe, instead of replaying each one.
        """
        return self.now if self.until is None else max(self.now, self.until)

    def rng(self, *keys: object) -> random.Random:
        """A generator for this world, seeded from its seed and `keys`."""
        return rng_for(self.world.seed, *keys)

    def schedule(self, kind: str, entity_id: object, *, at: datetime | None = None,
                 after: float | timedelta | None = None,
                 payload: dict[str, Any] | None = None) -> None:
        """Store work of `kind` for `entity_id`, due `at` a time or `after` seconds from now."""
        if at is None:
            delay = after if isinstance(after, timedelta) else timedelta(seconds=after or 0)
            at = self.instant + delay
        self.sim.schedule(self.session, self.world.id, kind, str(entity_id), at, payload or {})

    def cancel(self, kind: str, entity_id: object) -> int:
        """Drop pending work of `kind` for `entity_id`; returns how many were dropped."""
        return self.sim.cancel(self.session, self.world.id, kind, str(entity_id))


Handler = Callable[[Ctx, Any], None]
"""Applies one due transition (a `Due`; older handlers annotate it as DueTransition)."""

_HANDLERS: dict[str, Handler] = {}


def on_due(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler that applies due transitions of `kind`."""

    def register(handler: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not handler:
            raise ValueError(f"a handler for {kind!r} is already registered")
        _HANDLERS[kind] = handler
        return handler

    return register


@dataclass
class Step:
    """What one call of `Simulation.run_chunk` did."""

    applied: int
    finished: bool
    """Nothing due up to `until` is left."""
    reached: datetime | None
    """The due time of the last transition applied (None: none was)."""


class Simulation:
    """Schedules and applies due transitions; remembers each world's earliest due time.

    A chunk claims up to `batch_size` of a world's due transitions in (due_at, id) order and
    applies them in memory (`core.batch.Batch`): work the handlers schedule inside the jump is
    applied from the same heap, cancels drop it there, and what the batch did is written with a
    few set-based statements. The order is exactly the one-at-a-time order; `batch_size=1`
    gives that path itself (a write and a fresh claim per transition), which tests compare.
    """

    def __init__(self, batch_size: int | None = None) -> None:
        # world id -> earliest due time, or None for "nothing pending". Missing means unknown.
        # It may be too early (a rolled-back schedule), which costs one query and is harmless.
        self._next_due: dict[str, datetime | None] = {}
        # With other processes on the store (core.coherence), each remembered time holds only
        # while the world's counter is the one it was read at: scheduling is a write of the
        # world, here or in another process.
        self.versions: StoreVersions | None = None
        self._read_at: dict[str, int] = {}
        self._batch: Batch | None = None
        self.batch_size = batch_size or BATCH

    def schedule(self, session: Session, world_id: str, kind: str, entity_id: str,
                 due_at: datetime, payload: dict[str, Any]) -> None:
        if kind not in _HANDLERS:
            raise LookupError(f"no handler is registered for transitions of kind {kind!r}")
        if world_id in self._next_due:
            known = self._next_due[world_id]
            self._next_due[world_id] = due_at if known is None else min(known, due_at)
        batch = self._batch
        if batch is not None and batch.world_id == world_id:
            batch.add(due_at, kind, entity_id, payload)
            return
        session.add(DueTransition(world_id=world_id, due_at=due_at, kind=kind,
                                  entity_id=entity_id, payload=payload))

    def cancel(self, session: Session, world_id: str, kind: str, entity_id: str) -> int:
        batch = self._batch
        if batch is not None and batch.world_id == world_id:
            return batch.cancel(kind, entity_id)
        # No synchronize_session: matching the criteria against every object the session
        # holds cost O(session size) per cancel.
        result = session.execute(
            delete(DueTransition).where(
                col(DueTransition.world_id) == world_id,
                col(DueTransition.kind) == kind,
                col(DueTransition.entity_id) == entity_id,
            ).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def forget(self, world_id: str | None = None) -> None:
        """Drop what is remembered about one world (or all), after it was deleted or reset."""
        if world_id is None:
            self._next_due.clear()
        else:
            self._next_due.pop(world_id, None)

    def next_due(self, session: Session, world_id: str) -> datetime | None:
        """The earliest due time of a world's pending work (remembered; queried when unknown)."""
        if self.versions is not None:
            (version,) = self.versions.read(world_id)
            if self._read_at.get(world_id) != version:
                self._next_due.pop(world_id, None)
                self._read_at[world_id] = version
        if world_id not in self._next_due:
            self._refresh(session, world_id)
        return self._next_due[world_id]

    def _refresh(self, session: Session, world_id: str) -> None:
        if self.versions is not None:  # read before the time: a change after it is seen
            (self._read_at[world_id],) = self.versions.read(world_id)
        self._next_due[world_id] = session.exec(
            select(func.min(DueTransition.due_at)).where(DueTransition.world_id == world_id)
        ).one()

    def is_due(self, session: Session, world_id: str, until: datetime) -> bool:
        due = self.next_due(session, world_id)
        return due is not None and due <= until

    def claim(self, session: Session, world_id: str, until: datetime, size: int) -> list[Due]:
        """The next `size` transitions of `world_id` due by `until`, in (due_at, id) order.

        The one place work is claimed. Applied rows are deleted in the same transaction, and
        `run_chunk` bumps the world's counter before claiming (SQLite's write lock, the
        counter's row lock on PostgreSQL, until the chunk commits), so a claim is exclusive
        across processes and each world's work is applied in order.
        """
        t = _TABLE.c
        rows = session.execute(
            sa_select(t.id, t.due_at, t.kind, t.entity_id, t.payload)
            .where(t.world_id == world_id, t.due_at <= until)
            .order_by(t.due_at, t.id).limit(size)).all()
        return [Due(r.id, r.due_at, r.kind, r.entity_id, r.payload, r.id) for r in rows]

    def run_due(self, session: Session, world: World, until: datetime, *,
                commit: bool = True, stored_clock: bool = False) -> int:
        """Apply every transition of `world` due at or before `until`, in order.

        `commit=False` (building a world): nothing is committed and a failing handler raises.
        `stored_clock`: no later than the world's clock as stored (see `run_chunk`).
        """
        applied = 0
        while applied < MAX_TRANSITIONS_PER_RUN:
            step = self.run_chunk(session, world, until, budget=None,
                                  limit=MAX_TRANSITIONS_PER_RUN - applied, commit=commit,
                                  stored_clock=stored_clock)
            applied += step.applied
            if step.finished:
                break
        else:
            log.warning("world %s: stopped after %d transitions; the rest run on the next tick",
                        world.id, applied)
        return applied

    def run_chunk(self, session: Session, world: World, until: datetime, *,
                  budget: float | None, limit: int = MAX_TRANSITIONS_PER_RUN,
                  commit: bool = True, stored_clock: bool = False) -> Step:
        """Apply `world`'s transitions due by `until`, in order, for about `budget` seconds of
        work (None: until done), and commit once. Always applies at least one if any is due.

        `stored_clock` (a server whose store other processes share): `until` is also bounded
        by the world's clock as stored, read under the claim's lock, since another process may
        have frozen, moved or dropped the world after this one read its copy of the clock."""
        if not self.is_due(session, world.id, until):
            return Step(0, True, None)
        if stored_clock:
            wrote(session, [world.id])  # the claim's lock, then the clock it guards
            stored = _stored_now(session, world.id)
            if stored is None:
                return Step(0, True, None)
            until = min(until, stored)
        # The budget counts from the first transition applied: what a chunk pays once (its
        # session, claim, the first lookups) must not leave it time for a single run only.
        deadline = _Deadline(budget)
        with _collector_paused():
            step = self._run_claims(session, world, until, deadline, limit, commit)
        # Remembered, not forgotten: the background tick asks about every running world.
        self._refresh(session, world.id)
        if not step.finished:
            step.finished = not self.is_due(session, world.id, until)
        return step

    def _run_claims(self, session: Session, world: World, until: datetime,
                    deadline: _Deadline, limit: int, commit: bool) -> Step:
        """`run_chunk`'s claims and batches, up to its commit."""
        budget = deadline.budget
        applied, reached, careful = 0, None, False
        finished = False
        while True:
            # Under a time budget (serving), a smaller claim: what a batch prefetches for its
            # claimed rows is paid for even when the budget ends the batch early.
            size = 1 if careful else self.batch_size if budget is None else \
                min(self.batch_size, BUDGETED_BATCH)
            # The claim's lock: a write of the world's counter first, so no other process
            # (or engine loop) claims this world's work until the chunk commits (SQLite's write
            # lock; the counter's row lock on PostgreSQL), and the claim reads every row
            # committed before. Once per transaction (a careful redo commits each step).
            wrote(session, [world.id])
            rows = self.claim(session, world.id, until, size)
            if not rows:
                finished = True
                break
            boundary = (rows[-1].due_at, rows[-1].seq) if len(rows) == size else None
            batch = Batch(_TABLE, world.id, until, boundary)
            batch.load(rows)
            try:
                done, last = self._apply_batch(session, world, batch, until, deadline,
                                               limit - applied)
            except _HandlerFailed as failed:
                if not commit:  # nothing to undo into (a world being built): the bug surfaces
                    raise (failed.__cause__ or failed) from None
                # Undo the chunk's uncommitted work, then redo it one transition per
                # transaction, so only the broken handler's transition is lost.
                session.rollback()
                if not careful:
                    careful = True
                    continue
                log.error("due transition %s (%s) failed; dropped", failed.row_id, failed.kind,
                          exc_info=failed.__cause__)
                session.execute(delete(DueTransition).where(col(DueTransition.id) ==
                                                            failed.row_id))
                session.commit()
                applied += 1
                continue
            applied += done
            reached = last or reached
            if careful:
                session.commit()
            out_of_time = deadline.passed()
            if out_of_time or applied >= limit:
                break
        if commit:
            session.commit()
        return Step(applied, finished, reached)

    def _apply_batch(self, session: Session, world: World, batch: Batch, until: datetime,
                     deadline: _Deadline, limit: int) -> tuple[int, datetime | None]:
        """Apply the batch's transitions in order until it runs dry, time or `limit` is up,
        then write what it did."""
        done, last = 0, None
        self._batch = batch
        try:
            while done < limit:
                due = batch.pop()
                if due is None:
                    break
                self._apply(session, world, batch, due, until)
                done += 1
                last = due.due_at
                if deadline.tick():
                    break
        finally:
            self._batch = None
        batch.write(session)
        return done, last

    def _apply(self, session: Session, world: World, batch: Batch, due: Due,
               until: datetime) -> None:
        handler = _HANDLERS.get(due.kind)
        if handler is None:
            log.warning("dropping due transition %s: no handler for %r", due.id, due.kind)
            return
        try:
            handler(Ctx(session, world, due.due_at, self, until, batch), due)
        except Exception as error:
            # A broken handler must not wedge the world: the caller undoes its writes and
            # drops the transition.
            raise _HandlerFailed(due.id, due.kind) from error


_pauses = 0
_paused_from = True
_pause_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk applies its batches. A batch allocates rows,
    dicts and tuples by the thousand and frees them by reference count; the collections they
    set off scanned every live object of the session and the process again and again (a tenth
    of a replayed run). Collection resumes, as it was, when the last chunk in flight ends."""
    global _pauses, _paused_from
    with _pause_lock:
        if _pauses == 0:
            _paused_from = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _paused_from:
                gc.enable()


def _stored_now(session: Session, world_id: str) -> datetime | None:
    """The world's virtual now by its stored clock, or None if the world is gone."""
    w = World.__table__.c  # type: ignore[attr-defined]
    row = session.execute(sa_select(w.clock_anchor, w.clock_anchor_real, w.clock_speed,
                                    w.clock_frozen).where(w.id == world_id)).first()
    return None if row is None else Clock(ClockState(*row)).now()


class _Deadline:
    """A time budget that starts with the first transition of a chunk (None: no budget)."""

    def __init__(self, budget: float | None) -> None:
        self.budget = budget
        self.at: float | None = None

    def tick(self) -> bool:
        """A transition was applied: start the clock, or tell whether the budget is spent."""
        if self.budget is None:
            return False
        if self.at is None:
            self.at = time.perf_counter() + self.budget
            return self.budget <= 0  # a zero budget: one transition per chunk
        return time.perf_counter() >= self.at

    def passed(self) -> bool:
        return self.at is not None and time.perf_counter() >= self.at


class _HandlerFailed(Exception):
    def __init__(self, row_id: int | None, kind: str) -> None:
        super().__init__(f"due transition {row_id} ({kind}) failed")
        self.row_id = row_id
        self.kind = kind
