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


def test_the_console_asks_for_the_token_then_steers_with_it(
        emulator: RunningEmulator, chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    start = _day(sandbox)
    api_key = sandbox.credentials["cleverfox"]["api_key"]
    with offline_page(chromium) as (page, _guard):
        page.on("dialog", lambda dialog: dialog.dismiss())  # no prompt expected
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        assert api_key not in page.content()
        page.get_by_label("Token").fill("wrong-token")
        page.keyboard.press("Enter")
        page.get_by_role("alert").wait_for(timeout=TIMEOUT)
        assert api_key not in page.content()
        page.get_by_label("Token").fill(TOKEN)
        page.keyboard.press("Enter")
        page.get_by_role("button", name="+1 day").wait_for(timeout=TIMEOUT)
        # The token went into a cookie, not the address; the page asked for is the one shown.
        assert "token=" not in page.url and page.url.endswith(f"/console/live?world={sandbox.id}")
        page.get_by_role("button", name="+1 day").click()
        page.wait_for_function("document.getElementById('status').textContent"
                               ".startsWith('Done')", timeout=TIMEOUT)
        assert _day(sandbox) == "2026-01-06" != start
