"""The clock on its own, with a fake real-time source."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulator.core.clock import Clock, ClockState, ClockWentBackwards
from emulator.core.timeutil import parse_iso

START = parse_iso("2026-01-01T00:00:00Z")


class FakeTime:
    def __init__(self) -> None:
        self.value = 5000.0

    def __call__(self) -> float:
        return self.value


def make(speed: float = 1.0, frozen: bool = False) -> tuple[Clock, FakeTime]:
    real = FakeTime()
    return Clock(ClockState(START, real.value, speed, frozen), real=real), real


def test_follows_real_time_at_its_speed() -> None:
    clock, real = make(speed=60)
    real.value += 2
    assert clock.now() == START + timedelta(minutes=2)


def test_frozen_stands_still_and_thaws_where_it_stood() -> None:
    clock, real = make(frozen=True)
    real.value += 100
    assert clock.now() == START
    clock.freeze(False)
    real.value += 3
    assert clock.now() == START + timedelta(seconds=3)


def test_speed_change_keeps_time_continuous() -> None:
    clock, real = make()
    real.value += 10
    clock.set_speed(10)
    assert clock.now() == START + timedelta(seconds=10)
    real.value += 1
    assert clock.now() == START + timedelta(seconds=20)


def test_never_runs_backwards_when_the_wall_clock_does() -> None:
    clock, real = make()
    real.value += 10
    seen = clock.now()
    real.value -= 5
    assert clock.now() == seen


def test_refuses_to_go_back() -> None:
    clock, _ = make(frozen=True)
    with pytest.raises(ClockWentBackwards):
        clock.set(START - timedelta(microseconds=1))
    with pytest.raises(ClockWentBackwards):
        clock.advance(-0.5)
    clock.set(START)  # standing still is allowed
    assert clock.now() == START


def test_a_fast_running_clock_stops_at_the_supported_limit() -> None:
    from emulator.core.clock import LATEST

    clock, real = make(speed=1_000_000)
    real.value += 10**9  # a thousand million virtual seconds per real second, for years
    assert START < clock.now() < LATEST
