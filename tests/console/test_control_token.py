"""The console on a server started with EMULATOR_CONTROL_TOKEN: its control-plane writes are
refused (401) until the user gives the token, which the page then keeps for the tab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator.testing import RunningEmulator, run_emulator
from tests.console.browser import offline_page

TOKEN = "console-token-7f3a"
TIMEOUT = 15_000


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """Overrides the package's emulator (the chromium fixture uses this one)."""
    with run_emulator(seed=424242, now="2026-01-05T09:00:00Z", freeze=True,
                      control_token=TOKEN) as running:
        yield running


def _day(sandbox: Any) -> str:
    return str(sandbox.clock()["now"])[:10]


def test_a_write_asks_for_the_token_once_and_sends_it_from_then_on(
        emulator: RunningEmulator, chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    start = _day(sandbox)
    asked: list[str] = []
    answers = iter(["wrong-token", TOKEN])

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept(next(answers))

    with offline_page(chromium) as (page, _guard):
        page.on("dialog", answer)
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        page.get_by_role("button", name="+1 day").click()
        page.wait_for_function("document.getElementById('status').textContent"
                               ".startsWith('Done')", timeout=TIMEOUT)
        assert len(asked) == 2 and "EMULATOR_CONTROL_TOKEN" in asked[0]  # wrong, then right
        assert _day(sandbox) == "2026-01-06" != start
        assert page.evaluate("sessionStorage.getItem('backup-emulator.control-token')") == TOKEN
        page.evaluate("document.getElementById('status').textContent = ''")
        page.get_by_role("button", name="+1 day").click()
        page.wait_for_function("document.getElementById('status').textContent"
                               ".startsWith('Done')", timeout=TIMEOUT)
        assert len(asked) == 2  # kept for the tab: not asked again
        assert _day(sandbox) == "2026-01-07"


def test_a_refused_token_prompt_leaves_the_world_as_it_was(
        emulator: RunningEmulator, chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    start = _day(sandbox)
    with offline_page(chromium) as (page, _guard):
        page.on("dialog", lambda dialog: dialog.dismiss())
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        page.get_by_role("button", name="+1 day").click()
        page.wait_for_function("document.getElementById('status').textContent"
                               ".startsWith('Refused (401)')", timeout=TIMEOUT)
        assert _day(sandbox) == start
