"""Refresh docs/screenshots/: every console page at 1280 px and at phone width.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts its own emulator (fixed seed and start time) on a free port, makes a demo sandbox and
some traffic, and photographs each page with headless Debian chromium (no network).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator.testing import run_emulator  # noqa: E402
from tests.console.browser import DESKTOP, PHONE, browser, missing, offline_page  # noqa: E402

NOW = "2026-03-02T09:00:00Z"
PAGES = [("overview", "/"), ("worlds", "/console/worlds?world={sandbox}&created={sandbox}"),
         ("live", "/console/live"),
         ("traffic", "/console/traffic"), ("pictures", "/console/pictures"),
         ("reference", "/console/reference/backuprun")]


def demo_traffic(base: str, credentials: dict[str, object]) -> None:
    """A few vendor calls so the traffic page has something to show."""
    cf = credentials["cleverfox"]
    assert isinstance(cf, dict)
    with httpx.Client(base_url=base, timeout=10) as http:
        http.get("/api/devices", auth=(cf["api_key"], ""))
        http.get("/api/logs", auth=(cf["api_key"], ""), params={"PageSize": 3})
        http.get("/api/devices", auth=("wrong-key", ""))
        rs = credentials["rackspace"]
        assert isinstance(rs, dict)
        http.post("/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
            "username": rs["username"], "apiKey": rs["api_key"]}}})
        br = credentials["backuprun"]
        assert isinstance(br, dict)
        http.post("/api.php", data={"apiCALL": "login", "email": br["email"],
                                    "password": br["password"]})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    why = missing()
    if why:
        print(f"cannot take screenshots: {why}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with run_emulator(seed=20150101, now=NOW) as emu:
        emu.client.set_speed(60)
        emu.client.advance(7 * 86400)
        demo_traffic(emu.base_url, emu.client.credentials())
        sandbox = emu.client.sandbox(name="Acme demo").id
        with browser() as launched:
            for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                with offline_page(launched, viewport) as (page, guard):
                    for name, path in PAGES:
                        page.goto(emu.base_url + path.format(sandbox=sandbox),
                                  wait_until="networkidle" if "reference" in path else "load")
                        if "reference" in path:
                            page.wait_for_selector(".opblock", timeout=15000)
                        if name == "traffic":  # one exchange opened, as a demo would
                            page.locator("#traffic summary").first.click()
                        target = args.out / f"{name}-{size}.png"
                        page.screenshot(path=str(target), full_page=size == "desktop")
                        print(target.relative_to(ROOT))
                    if guard.blocked:
                        print(f"blocked off-machine requests: {guard.blocked}", file=sys.stderr)
                        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
