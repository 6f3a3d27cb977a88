"""The live page's BackupRun buttons act on the world the page shows: service ids are numbered
per world (issue 12), so the default world has a service with the same id as the sandbox's."""

from __future__ import annotations

from typing import Any

from emulator.testing import RunningEmulator
from tests.console.browser import offline_page

TIMEOUT = 15_000  # ms


def _reachable(emulator: RunningEmulator, service: str, sandbox: str | None) -> bool:
    # next-task "ok" changes nothing on a fixture service and answers its steering state
    view = emulator.client.call("POST", f"/backuprun/services/{service}/next-task",
                                json={"outcome": "ok"},
                                params={"sandbox": sandbox} if sandbox else None)
    return bool(view["agent_reachable"])


def test_a_backuprun_button_acts_on_the_sandbox_shown(emulator: RunningEmulator,
                                                      chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    with offline_page(chromium) as (page, _guard):
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        form = page.get_by_role("form", name="BackupRun service")
        service = form.locator("select").input_value()
        assert _reachable(emulator, service, sandbox.id) and _reachable(emulator, service, None)
        form.get_by_role("button", name="Agent unreachable").click()
        page.locator("#status", has_text="Done").wait_for(timeout=TIMEOUT)
    assert _reachable(emulator, service, sandbox.id) is False
    assert _reachable(emulator, service, None) is True  # the default world's same id
