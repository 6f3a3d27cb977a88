"""Fixtures of the emulator.testing tests: one real server per module, in a thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import RunningEmulator, run_emulator
from tests.conftest import SEED, T0

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningEmulator]:
    """A real emulator on a free port, its default world frozen at T0."""
    with run_emulator(seed=SEED, now=T0, freeze=True) as running:
        yield running
