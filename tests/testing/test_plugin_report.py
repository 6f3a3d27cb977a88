"""What the plugin adds to pytest's report, seen in inner pytest runs: the header line, the
closing line, and a failed test's sandbox journal (masked), as WireMock's near-miss report."""

from __future__ import annotations

import base64
import re

import pytest

from emulator import __version__
from emulator.testing import RunningEmulator

TIMEOUT = 60

FAILING = """
import httpx

def test_my_client_reads_devices(emulator_sandbox):
    http = httpx.Client(base_url=emulator_sandbox.base_url)
    http.get("/api/devices", auth=("not-the-key", ""))
    answer = http.get("/api/devices", params={"PageSize": 2},
                      auth=emulator_sandbox.cleverfox_auth)
    with open("key.txt", "w") as out:
        out.write(emulator_sandbox.credentials["cleverfox"]["api_key"])
    assert answer.json()["data"] == []  # fails: the world has devices

def test_a_passing_test_gets_no_journal(emulator_sandbox):
    httpx.get(f"{emulator_sandbox.base_url}/api/devices", auth=emulator_sandbox.cleverfox_auth)

def test_a_failing_test_without_requests_says_so(emulator_sandbox):
    assert False

def test_a_failing_test_without_the_fixture_gets_nothing():
    assert False
"""


@pytest.fixture(autouse=True)
def _no_url_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMULATOR_URL", raising=False)


def test_the_header_names_the_url_the_version_and_the_seed(
        pytester: pytest.Pytester, server: RunningEmulator) -> None:
    pytester.makepyfile(test_inner="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--emulator-url",
                                           server.base_url, "--emulator-seed", "77",
                                           "--emulator-now", "2026-01-05T09:00:00Z",
                                           timeout=TIMEOUT)
    result.stdout.fnmatch_lines([
        f"backup-emulator {__version__}: {server.base_url} (server {__version__}); "
        "sandbox seed 77, now 2026-01-05T09:00:00Z"])
    # No test asked for the emulator: no closing line.
    assert "backup-emulator" not in "\n".join(result.stdout.lines[-3:])

    started = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    started.stdout.fnmatch_lines([
        f"backup-emulator {__version__}: started on first use on a free loopback port "
        "(thread); sandbox seed derived from the server's (fix it: --emulator-seed N)"])


def test_a_failed_tests_sandbox_journal_is_attached_to_its_report(
        pytester: pytest.Pytester, server: RunningEmulator) -> None:
    pytester.makepyfile(test_inner=FAILING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--emulator-url",
                                           server.base_url, "--emulator-seed", "31",
                                           timeout=TIMEOUT)
    result.assert_outcomes(passed=1, failed=3)
    out = result.stdout.str()
    title = r"-+ backup-emulator journal \(sandbox (sb-\w+)\) -+\n"
    sections = re.findall(title + r"(.*?)(?=\n[-=_]{5})", out, re.S)
    assert len(sections) == 2, out  # the two failed tests that used emulator_sandbox
    (sandbox_id, journal), (_, empty) = sections
    assert journal.startswith(f"2 request(s) to sandbox {sandbox_id} (its base URL or its")
    # Both went to the sandbox's base URL: the one with a wrong key is listed with its 401.
    assert re.search(r"#\d+ \S+ GET /api/devices -> 401", journal), journal
    assert re.search(r"#\d+ \S+ GET /api/devices\?PageSize=2 -> 200", journal), journal
    assert "request headers: accept: */*; authorization: Basic ***" in journal
    # The answer's body as it came, its first bytes (the journal keeps more: GET .../requests).
    assert '  response: {"data":[{"DeviceId":' in journal and "bytes in all)" in journal
    key = (pytester.path / "key.txt").read_text()
    assert key not in out and base64.b64encode(f"{key}:".encode()).decode() not in out
    assert empty.startswith("no vendor request reached sandbox")
    # The closing line names the server and the session sandbox's seed.
    result.stdout.fnmatch_lines([f"backup-emulator {__version__} at {server.base_url} (url), "
                                 "sandbox seed 31"])
