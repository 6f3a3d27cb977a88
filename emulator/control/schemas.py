"""Bodies of the control plane, in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from emulator.core.clock import check_in_range
from emulator.core.numbers import Int64


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("now", "set", check_fields=False)
    @classmethod
    def _utc(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else check_in_range(str(info.field_name), value)


class ResetRequest(_Body):
    """POST /_emulator/reset: each field defaults to what the server was started with."""

    seed: Int64 | None = Field(default=None, description="Seed of the rebuilt default world")
    now: datetime | None = Field(default=None, description="Virtual time to start at (ISO 8601)")
    freeze: bool | None = Field(default=None, description="Start with the clock frozen")


class SandboxRequest(_Body):
    """POST /_emulator/sandboxes: each field defaults to the default world's current value."""

    seed: Int64 | None = Field(default=None, description="Seed of the sandbox's world")
    now: datetime | None = Field(default=None, description="Virtual time to start at (ISO 8601)")
    freeze: bool | None = Field(default=None, description="Start with the clock frozen")
    name: str | None = Field(default=None, max_length=200, description="A label for people")


class ClockUpdate(_Body):
    """POST /_emulator/clock: applied in the order set, advance_seconds, speed, freeze."""

    freeze: bool | None = Field(default=None, description="Stop (true) or restart (false) time")
    set: datetime | None = Field(default=None, description="Jump forward to this time")
    advance_seconds: float | None = Field(default=None, allow_inf_nan=False,
                                          description="Move forward this much")
    speed: float | None = Field(default=None, gt=0, le=1_000_000,
                                description="Virtual seconds per real second")


class ClockView(BaseModel):
    now: str = Field(description="Virtual now, ISO 8601 UTC")
    frozen: bool
    speed: float


class ResetView(BaseModel):
    seed: int
    clock: ClockView
    credentials: dict[str, Any]


class Health(BaseModel):
    status: str
    version: str
    vendors: list[str]


class SandboxView(BaseModel):
    id: str
    name: str | None = None
    seed: int
    base_url: str = Field(description="Where this sandbox serves all four vendor APIs, as at "
                          "the root: requests there act on this sandbox only")
    created_at: str
    credentials: dict[str, Any]
    clock: ClockView
