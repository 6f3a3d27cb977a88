"""Worlds: the default world and every sandbox are rows here, and all state hangs off one.

A vendor table joins a world by inheriting `WorldScoped`; deleting a world deletes its rows in
every such table, which is what makes a sandbox's credentials stop working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from emulator.core.clock import ClockState
from emulator.core.db import UTCDateTime, empty_dict

__all__ = ["DEFAULT_WORLD_ID", "TEMPLATE", "Counter", "World", "WorldScoped"]

DEFAULT_WORLD_ID = "default"
TEMPLATE = "template"
"""The kind of a template world (fixtures.templates): copied from, never served or listed."""


class World(SQLModel, table=True):
    """One isolated world: its seed, its credentials for all four vendors and its clock."""

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=16)  # "default", "sandbox" or "template"
    ordinal: int = Field(description="0 for the default world, 1, 2, ... for sandboxes")
    seed: int = Field(sa_type=BigInteger)  # any 64-bit seed (control's Int64)
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    credentials: dict[str, Any] = Field(default_factory=empty_dict,
                                        sa_column=Column(JSON, nullable=False))
    # Where its secrets come from (core.secrets): its key, and its incarnation (0 while built).
    secret_key: str = Field(default="", max_length=64)
    epoch: int = 0
    clock_anchor: datetime = Field(sa_type=UTCDateTime)
    clock_anchor_real: float
    clock_speed: float = 1.0
    clock_frozen: bool = False

    @property
    def clock_state(self) -> ClockState:
        return ClockState(self.clock_anchor, self.clock_anchor_real, self.clock_speed,
                          self.clock_frozen)

    def store_clock(self, state: ClockState) -> None:
        """Copy a clock's state onto this row (the caller commits)."""
        self.clock_anchor = state.anchor
        self.clock_anchor_real = state.anchor_real
        self.clock_speed = state.speed
        self.clock_frozen = state.frozen


class WorldScoped(SQLModel):
    """Mixin for every table whose rows belong to one world."""

    world_id: str = Field(foreign_key="world.id", index=True, max_length=40, ondelete="CASCADE")


class Counter(SQLModel, table=True):
    """Named counters that outlive the rows they number (sandbox ordinals are never reused)."""

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0
