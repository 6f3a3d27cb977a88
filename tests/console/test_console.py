"""The console as its users meet it: pages in a real headless chromium, with no network.

Each test works in a sandbox of its own (created over the control plane or in the page), so
the tests do not see each other's clocks and agents.
"""

from __future__ import annotations

from typing import Any

import httpx

from emulator.testing import RunningEmulator
from tests.console.browser import PHONE, offline_page

TIMEOUT = 15_000  # ms: server push is every half second


def _ids(page: Any, selector: str, attribute: str) -> set[str]:
    return set(page.eval_on_selector_all(
        selector, f"rows => rows.map(r => r.getAttribute('{attribute}'))"))


def test_landing_page_shows_vendors_credentials_and_health_offline(
        emulator: RunningEmulator, chromium: Any) -> None:
    credentials = emulator.client.credentials()
    version = emulator.client.health()["version"]
    with offline_page(chromium) as (page, guard):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(emulator.base_url + "/")
        assert page.locator("#base-url").inner_text() == emulator.base_url
        assert f"version {version}" in page.locator("#health-line").inner_text()
        for vendor in ("cleverfox", "rackspace", "backuprun", "code42"):
            card = page.locator(f"#vendor-{vendor}")
            assert card.get_by_role("link", name="API reference").count() == 1
        shown = page.locator("[data-credential='cleverfox api key']").inner_text()
        assert shown == credentials["cleverfox"]["api_key"]
        assert (page.locator("[data-credential='rackspace tenant id']").inner_text()
                == credentials["rackspace"]["tenant_id"])
        assert (page.locator("[data-credential='code42 sysadmin password']").inner_text()
                == credentials["code42"]["sysadmin"]["password"])
        page.get_by_role("button", name="Copy CleverFox Backup api key").click()
        assert page.evaluate("navigator.clipboard.readText()") == shown
        assert page.locator("#status").inner_text().startswith("Copied")
        assert guard.blocked == []


def test_a_new_sandbox_shows_its_credentials_and_its_client_calls_appear_live(
        emulator: RunningEmulator, chromium: Any) -> None:
    with offline_page(chromium) as (page, guard):
        page.goto(emulator.base_url + "/console/worlds")
        page.get_by_label("Name").fill("Acme demo")
        page.keyboard.press("Enter")  # keyboard only: Enter in the name field creates it
        page.wait_for_url("**created=*", timeout=TIMEOUT)
        sandbox_id = page.url.rsplit("created=", 1)[1]
        sandbox = emulator.client.get_sandbox(sandbox_id)
        assert sandbox.name == "Acme demo"
        created = page.locator("#created")
        key = created.locator("[data-credential='cleverfox api key']").inner_text()
        assert key == sandbox.credentials["cleverfox"]["api_key"]
        assert created.locator("#created-base-url").inner_text() == sandbox.base_url

        created.get_by_role("link", name="Watch its traffic").click()
        page.wait_for_url("**/console/traffic?world=*")
        page.evaluate("window.stillHere = true")
        answer = httpx.get(sandbox.base_url + "/api/devices", auth=(key, "x"), timeout=60)
        assert answer.status_code == 200
        row = page.locator("#traffic details[data-vendor='cleverfox']").first
        row.wait_for(timeout=TIMEOUT)
        assert page.evaluate("window.stillHere") is True  # pushed, not reloaded
        assert "/api/devices" in row.locator("summary").inner_text()
        row.locator("summary").click()
        request_side = row.locator(".sides section").first.inner_text()
        assert "authorization: Basic ***" in request_side
        assert key not in request_side
        assert guard.blocked == []


def test_advancing_a_day_adds_a_cleverfox_log_and_a_rackspace_backup_without_reload(
        emulator: RunningEmulator, chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    with offline_page(chromium) as (page, _guard):
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        logs = _ids(page, "#cf-logs tr[data-log]", "data-log")
        backups = _ids(page, "#rs-backups tr[data-backup]", "data-backup")
        page.evaluate("window.stillHere = true")
        page.get_by_role("button", name="+1 day").click()
        page.wait_for_function(
            """([logs, backups]) => {
                 const l = [...document.querySelectorAll('#cf-logs tr[data-log]')]
                   .some(r => !logs.includes(r.dataset.log));
                 const b = [...document.querySelectorAll('#rs-backups tr[data-backup]')]
                   .some(r => !backups.includes(r.dataset.backup));
                 return l && b;
               }""", arg=[sorted(logs), sorted(backups)], timeout=TIMEOUT)
        assert page.evaluate("window.stillHere") is True


def test_taking_an_agent_offline_turns_its_next_run_into_a_missed_log(
        emulator: RunningEmulator, chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    with offline_page(chromium) as (page, _guard):
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        form = page.get_by_role("form", name="CleverFox agent")
        device = form.locator("select").input_value()
        form.get_by_role("button", name="Take agent offline").click()
        page.locator("#status", has_text="Done").wait_for(timeout=TIMEOUT)
        agent = emulator.client.call("GET", f"/cleverfox/devices/{device}/agent",
                                     params={"sandbox": sandbox.id})
        assert agent["online"] is False
        page.locator("#live-cleverfox .s-offline").first.wait_for(timeout=TIMEOUT)
        api = httpx.Client(base_url=emulator.base_url, params={"PageSize": 1000}, timeout=60,
                           auth=(sandbox.credentials["cleverfox"]["api_key"], ""))
        before = {log["LogId"] for log in api.get(f"/api/devices/{device}/logs").json()["data"]}
        # A week: the job's LateAfter decides when a run that never started counts as Missed.
        page.evaluate("document.querySelector('#status').textContent = ''")
        page.get_by_role("button", name="+1 week").click()
        # The clock call answers once the week's due work is done.
        page.locator("#status", has_text="Done").wait_for(timeout=TIMEOUT)
        # What the page shows is what the vendor API answers.
        new = [log for log in api.get(f"/api/devices/{device}/logs").json()["data"]
               if log["LogId"] not in before]
        assert new and {log["JobStatus"] for log in new} == {"Missed"}
        newest = max(log["LogId"] for log in new)
        page.locator(f"#cf-logs tr[data-log='{newest}'][data-status='Missed']").wait_for(
            timeout=TIMEOUT)


def test_the_live_page_fits_a_phone(emulator: RunningEmulator, chromium: Any) -> None:
    with offline_page(chromium, PHONE) as (page, _guard):
        page.goto(emulator.base_url + "/console/live")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        page.get_by_role("button", name="+1 hour").focus()
        assert page.evaluate("document.activeElement.textContent") == "+1 hour"


def test_an_outage_answers_503_until_its_minutes_have_passed_on_the_clock(
        emulator: RunningEmulator, chromium: Any) -> None:
    sandbox = emulator.client.sandbox(freeze=True)
    key = sandbox.credentials["cleverfox"]["api_key"]

    def devices() -> int:
        return httpx.get(f"{emulator.base_url}/api/devices", auth=(key, ""),
                         timeout=60).status_code

    with offline_page(chromium) as (page, _guard):
        page.goto(f"{emulator.base_url}/console/live?world={sandbox.id}")
        form = page.get_by_role("form", name="Outage")
        form.get_by_label("Outage: 503 on").select_option("cleverfox")
        form.get_by_label("for minutes").fill("30")
        form.get_by_role("button", name="Start outage").click()
        page.locator("#status", has_text="Done").wait_for(timeout=TIMEOUT)
        assert devices() == 503
        rule = emulator.client.faults(sandbox=sandbox.id)[0]
        assert (rule["vendor"], rule["status"], rule["sandbox"]) == ("cleverfox", 503, sandbox.id)
        page.get_by_role("button", name="+1 hour").click()
        page.locator("#status", has_text="Done: advance an hour").wait_for(timeout=TIMEOUT)
        assert devices() == 200
