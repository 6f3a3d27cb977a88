"""Headless Debian chromium driven by Playwright, with every non-loopback request blocked.

Tests skip with the reason when chromium or Playwright is missing, and fail instead when
CI=true (CI must have installed them: .ci/run does).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("EMULATOR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


class Offline:
    """Routes every request: loopback goes through, anything else is aborted and remembered."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


@contextmanager
def browser() -> Iterator[Any]:
    """A launched chromium (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def offline_page(launched: Any, viewport: dict[str, int] | None = None
                 ) -> Iterator[tuple[Any, Offline]]:
    """A fresh context and page that can reach only loopback; closed on the way out."""
    context = launched.new_context(viewport=viewport or DESKTOP, service_workers="block")
    guard = Offline()
    context.route("**/*", guard)
    page = context.new_page()
    try:
        yield page, guard
    finally:
        context.close()
