"""The virtual clock: follows real time at a speed, or stands frozen; only ever moves forward."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from emulator.core.errors import Conflict, InvalidInput
from emulator.core.timeutil import UTC, as_utc, iso_z

__all__ = ["EARLIEST", "LATEST", "Clock", "ClockOutOfRange", "ClockState", "ClockWentBackwards",
           "check_in_range"]

# Virtual time stays inside these bounds, so that vendor arithmetic on it (a token's expiry a
# day later, a schedule a year ahead, milliseconds since the epoch) can never overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


class ClockWentBackwards(Conflict):
    """Time only moves forward within one world; a reset starts a new one."""

    code = "clock_backwards"


class ClockOutOfRange(InvalidInput, ValueError):
    """A virtual time outside the years the emulator supports.

    Also a ValueError, so a pydantic validator that calls check_in_range reports it as a
    validation error naming the field (control-plane bodies, EMULATOR_NOW and --now).
    """

    code = "clock_out_of_range"


def check_in_range(field: str, when: datetime) -> datetime:
    """`when` in UTC, or ClockOutOfRange naming `field`."""
    when = as_utc(when)
    if not EARLIEST <= when < LATEST:
        raise ClockOutOfRange(f"{field}: {iso_z(when)} is outside the supported range "
                              f"{iso_z(EARLIEST)} to before {iso_z(LATEST)}")
    return when


def _wall_time() -> float:
    # time.time looked up at each call, as every anchor_real is, so that a test standing in
    # for the wall clock moves the clocks and their anchors alike.
    return time.time()


@dataclass(frozen=True)
class ClockState:
    """What is stored for a clock: virtual `anchor` was current at real time `anchor_real`."""

    anchor: datetime
    anchor_real: float
    speed: float = 1.0
    frozen: bool = False


class Clock:
    """One world's virtual time: anchor + (real elapsed x speed), or the anchor while frozen."""

    def __init__(self, state: ClockState, real: Callable[[], float] | None = None) -> None:
        self._real = real or _wall_time
        self._state = ClockState(as_utc(state.anchor), state.anchor_real, state.speed, state.frozen)
        self._last = self._state.anchor

    @property
    def state(self) -> ClockState:
        return self._state

    @property
    def frozen(self) -> bool:
        return self._state.frozen

    @property
    def speed(self) -> float:
        return self._state.speed

    def now(self) -> datetime:
        """Current virtual time; never earlier than a value returned before."""
        s = self._state
        if s.frozen:
            current = s.anchor
        else:
            elapsed = max(0.0, self._real() - s.anchor_real) * s.speed
            room = (LATEST - s.anchor).total_seconds() - 1
            current = s.anchor + timedelta(seconds=min(elapsed, room))
        # A wall clock stepped back by NTP must not make virtual time run backwards.
        self._last = max(self._last, current)
        return self._last

    def _reanchor(self, anchor: datetime, *, speed: float | None = None,
                  frozen: bool | None = None) -> None:
        s = self._state
        self._state = ClockState(
            anchor=anchor,
            anchor_real=self._real(),
            speed=s.speed if speed is None else speed,
            frozen=s.frozen if frozen is None else frozen,
        )
        self._last = anchor

    def set(self, when: datetime) -> None:
        """Jump to `when`, which must not be earlier than now."""
        when = check_in_range("set", when)
        current = self.now()
        if when < current:
            raise ClockWentBackwards(
                f"set: {iso_z(when)} is before the current virtual time {iso_z(current)}; "
                "time only moves forward (reset starts a new world)"
            )
        self._reanchor(when)

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds` (not negative)."""
        if seconds < 0:
            raise ClockWentBackwards(
                f"advance_seconds: {seconds} is negative; time only moves forward"
            )
        current = self.now()
        if seconds >= (LATEST - current).total_seconds():
            raise ClockOutOfRange(f"advance_seconds: {seconds} would move the clock past "
                                  f"{iso_z(LATEST)}")
        self._reanchor(current + timedelta(seconds=seconds))

    def set_speed(self, speed: float) -> None:
        """Change how many virtual seconds pass per real second, from now on."""
        self._reanchor(self.now(), speed=speed)

    def freeze(self, frozen: bool) -> None:
        """Stop time where it is, or let it run again from where it stood."""
        self._reanchor(self.now(), frozen=frozen)
