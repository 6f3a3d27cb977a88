"""A real emulator on a free port and a headless chromium that can reach only loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.testing import RunningEmulator, run_emulator
from tests.console.browser import browser, missing

NOW = "2026-01-05T09:00:00Z"


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with run_emulator(seed=424242, now=NOW, freeze=True) as running:
        yield running


@pytest.fixture(scope="module")
def chromium(emulator: RunningEmulator) -> Iterator[Any]:
    """Skips when chromium or Playwright is missing, except under CI=true: then it fails."""
    why = missing()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the console's browser tests cannot run: {why}")
        pytest.skip(why)
    with browser() as launched:
        yield launched
