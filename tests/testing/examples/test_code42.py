"""Example: a Code42 DeviceBackupReport reader that pages until empty and waits out a 429.

The reader logs in once (a v3 user token), then reads page after page; the test throttles
the second page with a fault rule on its sandbox and checks the journal for what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulator.testing import Sandbox

REPORT = "/api/v1/DeviceBackupReport"


class Code42ReportReader:
    """Reads DeviceBackupReport page by page with a bearer token; honours Retry-After."""

    def __init__(self, base_url: str, username: str, password: str, *, page_size: int,
                 sleep: Callable[[float], object]) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.page_size = page_size
        self.sleep = sleep
        token = self.http.get("/api/v3/auth/jwt", params={"useBody": "true"},
                              auth=(username, password))
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['data']['v3_user_token']}"

    def _page(self, number: int) -> list[dict[str, Any]]:
        params = {"pgNum": number, "pgSize": self.page_size}
        while (response := self.http.get(REPORT, params=params)).status_code == 429:
            self.sleep(float(response.headers.get("Retry-After", "1")))
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """Every non-empty page, in order (the report ends with an empty one)."""
        number = 1
        while page := self._page(number):
            yield page
            number += 1


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def reader(emulator_sandbox: Sandbox, sleeps: list[float]) -> Iterator[Code42ReportReader]:
    client = Code42ReportReader(emulator_sandbox.base_url, *emulator_sandbox.code42_auth(),
                                page_size=25, sleep=sleeps.append)
    yield client
    client.http.close()


def test_the_reader_waits_out_a_429_and_misses_no_device(
        reader: Code42ReportReader, emulator_sandbox: Sandbox, sleeps: list[float]) -> None:
    everything = reader.http.get(REPORT).json()["data"]
    assert len(everything) > 2 * reader.page_size  # enough for three pages

    pages = reader.pages()
    first = next(pages)
    emulator_sandbox.add_fault(vendor="code42", path=REPORT, action="throttle", retry_after=30,
                               times=1)
    rest = [device for page in pages for device in page]

    assert [d["deviceUid"] for d in first + rest] == [d["deviceUid"] for d in everything]
    assert sleeps == [30.0]
    calls = emulator_sandbox.requests(path=REPORT)[1:]  # after the unpaged read above
    assert [(c["query"], c["status"]) for c in calls[:4]] == [
        ("pgNum=1&pgSize=25", 200), ("pgNum=2&pgSize=25", 429), ("pgNum=2&pgSize=25", 200),
        ("pgNum=3&pgSize=25", 200)]
    assert calls[-1]["status"] == 200  # the empty page that ended the loop


def test_each_role_reads_only_what_it_may(emulator_sandbox: Sandbox) -> None:
    counts = {}
    for role in ("sysadmin", "org_manager", "user"):
        reader = Code42ReportReader(emulator_sandbox.base_url,
                                    *emulator_sandbox.code42_auth(role), page_size=10,
                                    sleep=lambda _: None)
        counts[role] = sum(len(page) for page in reader.pages())
        reader.http.close()
    assert counts["sysadmin"] > counts["org_manager"] > counts["user"] >= 1
