"""What the control plane does: reset, clocks and sandboxes. Handlers call one function each."""

from __future__ import annotations

import time

from sqlmodel import Session, col, select

from emulator import __version__
from emulator.control.schemas import (
    ClockUpdate,
    ClockView,
    Health,
    ResetRequest,
    ResetView,
    SandboxRequest,
    SandboxView,
)
from emulator.core import secrets
from emulator.core.clock import Clock, ClockState
from emulator.core.errors import NotFound
from emulator.core.http_rules import public_base, sandbox_path
from emulator.core.runtime import Emulator
from emulator.core.snapshots import put_back
from emulator.core.timeutil import iso_z
from emulator.core.world import DEFAULT_WORLD_ID, Counter, World
from emulator.fixtures.world import make_world

__all__ = ["create_sandbox", "credentials", "delete_sandbox", "get_clock", "get_sandbox",
           "health", "list_sandboxes", "reset", "update_clock"]

SANDBOX_COUNTER = "sandbox"


def health(vendors: list[str]) -> Health:
    return Health(status="ok", version=__version__, vendors=vendors)


def clock_view(clock: Clock) -> ClockView:
    return ClockView(now=iso_z(clock.now()), frozen=clock.frozen, speed=clock.speed)


def credentials(emu: Emulator) -> dict[str, object]:
    world = emu.worlds.get(DEFAULT_WORLD_ID)
    if world is None:  # only between a failed reset and the next one
        raise NotFound("the default world is missing; POST /_emulator/reset rebuilds it")
    return dict(world.credentials)


def reset(emu: Emulator, session: Session, request: ResetRequest) -> ResetView:
    """Drop every world, sandboxes included, and make the default one again: copied from a
    template world as sandboxes are (fixtures.world.make_world), in milliseconds."""
    settings = emu.settings
    seed = settings.seed if request.seed is None else request.seed
    now = request.now or settings.now
    freeze = settings.freeze if request.freeze is None else request.freeze
    emu.lock_worlds(session)
    pristine = emu.pristine_for(seed, now, freeze)
    if pristine is not None:  # only while some vendor is built, not copied (runtime)
        put_back(emu, session, pristine)
    else:
        try:
            emu.wipe(session)
            emu.build_default_world(session, seed=seed, now=now, freeze=freeze)
            session.commit()
        except Exception:
            session.rollback()  # the old state stands, and the caches follow it again
            emu.load_worlds(session)
            raise
        emu.remember_pristine(session, seed, now, freeze)
    emu.faults.reset()  # a fresh start has no fault rules and an empty journal
    emu.journal.clear()
    world = emu.worlds[DEFAULT_WORLD_ID]
    return ResetView(seed=world.seed, clock=clock_view(emu.clock(DEFAULT_WORLD_ID)),
                     credentials=world.credentials)


def get_clock(emu: Emulator, world_id: str) -> ClockView:
    return clock_view(emu.clock(world_id))


def update_clock(emu: Emulator, session: Session, world_id: str,
                 update: ClockUpdate) -> ClockView:
    """Move a world's clock; the caller then awaits `emu.settle(world_id)`, which applies
    every transition that fell due, in order."""
    emu.lock_worlds(session)
    clock = emu.refresh_clock(session, world_id)
    before, was = clock.state, clock.now()
    try:
        if update.set is not None:
            clock.set(update.set)
        if update.advance_seconds is not None:
            clock.advance(update.advance_seconds)
        if update.speed is not None:
            clock.set_speed(update.speed)
        if update.freeze is not None:
            clock.freeze(update.freeze)
    except Exception:
        emu.clocks[world_id] = Clock(before)  # all or nothing
        raise
    emu.save_clock(session, world_id)
    session.commit()
    emu.hold(world_id, was)
    return clock_view(clock)


def _sandbox_view(emu: Emulator, world: World) -> SandboxView:
    return SandboxView(id=world.id, name=world.name, seed=world.seed,
                       base_url=public_base() + sandbox_path(world.id),
                       created_at=iso_z(world.created_at), credentials=world.credentials,
                       clock=clock_view(emu.clock(world.id)))


def create_sandbox(emu: Emulator, session: Session, request: SandboxRequest) -> SandboxView:
    """A fresh world with its own credentials, by default with the default world's seed (its
    data), copied from a template world where its vendors allow (fixtures.world.make_world)."""
    root = session.get(World, DEFAULT_WORLD_ID)
    if root is None:
        raise NotFound("the default world is missing; POST /_emulator/reset rebuilds it")
    emu.lock_worlds(session)
    counter = session.get(Counter, SANDBOX_COUNTER, populate_existing=True) or Counter(
        name=SANDBOX_COUNTER, value=0)
    counter.value += 1
    session.add(counter)
    # Its seed (data) is the default world's unless given: same-seed worlds share one
    # template; its id and secrets follow the server's epoch, so they are new even after a
    # reset and whatever the seed.
    seed = root.seed if request.seed is None else request.seed
    key, epoch = secrets.sandbox_key(session)
    world_id = secrets.sandbox_id(key, epoch)
    parent = emu.refresh_clock(session, DEFAULT_WORLD_ID)
    state = ClockState(
        anchor=request.now or parent.now(),
        anchor_real=time.time(),
        speed=parent.speed,
        frozen=parent.frozen if request.freeze is None else request.freeze,
    )
    world = make_world(session, emu.sim, world_id=world_id, ordinal=counter.value, seed=seed,
                       clock=state, exact=request.now is not None or parent.frozen,
                       name=request.name, secret_key=key, templates=emu.settings.clone_worlds)
    session.commit()
    emu.register_world(world)
    return _sandbox_view(emu, world)


def _sandbox(session: Session, sandbox_id: str) -> World:
    world = session.get(World, sandbox_id)
    if world is None or world.kind != "sandbox":
        raise NotFound(f"no sandbox {sandbox_id!r}")
    return world


def get_sandbox(emu: Emulator, session: Session, sandbox_id: str) -> SandboxView:
    return _sandbox_view(emu, _sandbox(session, sandbox_id))


def list_sandboxes(emu: Emulator, session: Session) -> list[SandboxView]:
    worlds = session.exec(
        select(World).where(World.kind == "sandbox").order_by(col(World.ordinal))
    ).all()
    return [_sandbox_view(emu, w) for w in worlds]


def delete_sandbox(emu: Emulator, session: Session, sandbox_id: str) -> None:
    emu.lock_worlds(session)
    world = _sandbox(session, sandbox_id)
    session.expunge(world)
    emu.drop_world(session, sandbox_id)
    session.commit()
    emu.faults.clear(sandbox_id)  # they could never fire again


def sandbox_world(session: Session, sandbox_id: str) -> str:
    """The world id of a sandbox, or NotFound."""
    return _sandbox(session, sandbox_id).id
