"""The offline API reference: Swagger UI per vendor, tried out against the emulator itself."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.testing import RunningEmulator
from tests.console.browser import offline_page

TIMEOUT = 15_000


def _operation(page: Any, path: str, method: str) -> Any:
    """The expanded operation block of `method path`, ready to execute (try-it-out is on)."""
    block = page.locator(f".opblock-{method}:has(.opblock-summary-path[data-path='{path}'])")
    block.locator(".opblock-summary").first.click()
    block.locator("button.execute").wait_for(timeout=TIMEOUT)
    return block


def _authorize(page: Any, values: list[str]) -> None:
    """Fill the first scheme of the Authorize dialog (Basic: user and password; key: value)."""
    page.locator("button.authorize").first.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    scheme = dialog.locator(".auth-container").first
    for box, value in zip(scheme.locator("input").all(), values, strict=False):
        box.fill(value)
    scheme.locator("button.authorize").click()
    dialog.locator("button.btn-done").first.click()


def _execute(block: Any) -> tuple[str, str]:
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=TIMEOUT)
    body = block.locator(".live-responses-table .response-col_description pre").first
    return status.inner_text().strip(), body.inner_text()


def _open(page: Any, emulator: RunningEmulator, name: str) -> None:
    page.goto(f"{emulator.base_url}/console/reference/{name}")
    page.locator(".opblock").first.wait_for(timeout=TIMEOUT)


@pytest.fixture
def sandbox(emulator: RunningEmulator) -> Any:
    return emulator.client.sandbox(freeze=True)


def test_every_reference_renders_offline_with_an_authorize_button(
        emulator: RunningEmulator, chromium: Any) -> None:
    with offline_page(chromium) as (page, guard):
        for name in ("cleverfox", "rackspace", "backuprun", "code42", "control"):
            _open(page, emulator, name)
            if name != "control":
                assert page.locator("button.authorize").count() >= 1
        assert guard.blocked == []


def test_backuprun_lists_each_call_with_its_own_form(
        emulator: RunningEmulator, chromium: Any) -> None:
    document = httpx.get(f"{emulator.base_url}/_emulator/openapi/backuprun.json").json()
    with offline_page(chromium) as (page, _guard):
        _open(page, emulator, "backuprun")
        shown = set(page.eval_on_selector_all(
            ".opblock-summary-path", "els => els.map(e => e.dataset.path)"))
        assert shown == set(document["paths"])
        assert len(shown) == 18  # 17 documented calls and logout


def test_try_it_out_cleverfox(emulator: RunningEmulator, chromium: Any, sandbox: Any) -> None:
    with offline_page(chromium) as (page, _guard):
        _open(page, emulator, "cleverfox")
        _authorize(page, [sandbox.credentials["cleverfox"]["api_key"], "x"])
        status, body = _execute(_operation(page, "/api/devices", "get"))
        assert status == "200"
        assert '"DeviceId"' in body


def test_try_it_out_rackspace(emulator: RunningEmulator, chromium: Any, sandbox: Any) -> None:
    creds = sandbox.credentials["rackspace"]
    with offline_page(chromium) as (page, _guard):
        _open(page, emulator, "rackspace")
        tokens = _operation(page, "/v2.0/tokens", "post")
        tokens.locator("textarea.body-param__text").fill(json.dumps({"auth": {
            "RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                            "apiKey": creds["api_key"]}}}))
        status, body = _execute(tokens)
        assert status == "200", body
        token = json.loads(body)["access"]["token"]["id"]
        _authorize(page, [token])
        agents = _operation(page, "/v1.0/{tenant_id}/user/agents", "get")
        agents.locator("tr[data-param-name='tenant_id'] input").fill(creds["tenant_id"])
        status, body = _execute(agents)
        assert status == "200", body
        assert "MachineAgentId" in body


def test_try_it_out_backuprun(emulator: RunningEmulator, chromium: Any, sandbox: Any) -> None:
    creds = sandbox.credentials["backuprun"]
    with offline_page(chromium) as (page, _guard):
        _open(page, emulator, "backuprun")
        login = _operation(page, "/api.php#login", "post")
        login.locator("tr[data-property-name='email'] input").fill(creds["email"])
        login.locator("tr[data-property-name='password'] input").fill(creds["password"])
        status, body = _execute(login)
        assert status == "200"
        assert '<status value="ok">' in body, body
        # The session cookie the login set is what the next call runs on.
        status, body = _execute(_operation(page, "/api.php#getStatus", "post"))
        assert status == "200"
        assert '<status value="ok">' in body and "<agent " in body, body


def test_try_it_out_code42(emulator: RunningEmulator, chromium: Any, sandbox: Any) -> None:
    admin = sandbox.credentials["code42"]["sysadmin"]
    with offline_page(chromium) as (page, _guard):
        _open(page, emulator, "code42")
        _authorize(page, [admin["username"], admin["password"]])
        status, body = _execute(_operation(page, "/api/v1/Computer", "get"))
        assert status == "200", body
        assert '"guid"' in body
