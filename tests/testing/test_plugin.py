"""The pytest plugin, run as users run it: inner pytest processes that load the entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import RunningEmulator

TIMEOUT = 60

FIXTURES = """
import pytest

MADE = []

def test_the_session_server_is_healthy(backup_emulator):
    assert backup_emulator.health()["status"] == "ok"

def test_a_sandbox_is_frozen_and_a_test_may_change_it(emulator_sandbox):
    clock = emulator_sandbox.clock()
    assert clock["frozen"] is True
    MADE.append((emulator_sandbox.id, clock["now"]))
    emulator_sandbox.advance(3600)
    emulator_sandbox.add_fault(vendor="cleverfox", action="error", status=503)
    emulator_sandbox.http.get("/api/devices", auth=emulator_sandbox.cleverfox_auth)
    assert len(emulator_sandbox.requests()) == 1

def test_the_next_test_finds_it_fresh(emulator_sandbox):
    sandbox_id, started = MADE[0]
    assert emulator_sandbox.id == sandbox_id  # the session's sandbox, restored
    assert emulator_sandbox.clock()["now"] == started
    assert emulator_sandbox.faults() == [] and emulator_sandbox.requests() == []
    answer = emulator_sandbox.http.get("/api/devices", auth=emulator_sandbox.cleverfox_auth)
    assert answer.status_code == 200

@pytest.mark.emulator_sandbox(seed=7, now="2026-06-01T00:00:00Z", freeze=False)
def test_the_marker_tunes_the_sandbox(emulator_sandbox):
    assert emulator_sandbox.seed == 7
    assert emulator_sandbox.name.endswith("test_the_marker_tunes_the_sandbox")
    clock = emulator_sandbox.clock()
    assert clock["frozen"] is False
    assert clock["now"].startswith("2026-06-01T00:")
    MADE.append((emulator_sandbox.id, clock["now"]))

def test_a_marked_tests_own_sandbox_is_deleted_after_it(backup_emulator):
    assert [s.id for s in backup_emulator.sandboxes()] == [MADE[0][0]]

@pytest.mark.emulator_sandbox(7)
def test_a_marker_with_positional_arguments_is_an_error(emulator_sandbox):
    pass
"""


@pytest.fixture(autouse=True)
def _no_url_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMULATOR_URL", raising=False)


def test_the_fixtures_start_a_server_and_give_each_test_a_sandbox(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=FIXTURES)
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider",
                                           timeout=TIMEOUT)
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*emulator_sandbox takes keyword arguments*"])


def test_the_plugin_starts_nothing_for_tests_that_do_not_ask(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner="""
        import sys

        def test_nothing_heavy_was_imported():
            assert "emulator.app" not in sys.modules
            assert "emulator.testing.server" not in sys.modules
            assert "httpx" not in sys.modules
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    result.assert_outcomes(passed=1)


URL_TEST = """
import os
from pathlib import Path

def test_uses_the_given_server(backup_emulator, emulator_sandbox):
    assert backup_emulator.base_url == os.environ["OUTER_URL"]
    Path(os.environ["OUT_FILE"]).write_text(emulator_sandbox.id)
"""


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_given_url_is_used_instead_of_starting_a_server(
        how: str, pytester: pytest.Pytester, server: RunningEmulator,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "sandbox-id"
    monkeypatch.setenv("OUTER_URL", server.base_url)
    monkeypatch.setenv("OUT_FILE", str(out))
    args = ["-p", "no:cacheprovider"]
    if how == "option":
        args += ["--emulator-url", server.base_url]
    else:
        monkeypatch.setenv("EMULATOR_URL", server.base_url)
    pytester.makepyfile(test_inner=URL_TEST)
    result = pytester.runpytest_subprocess(*args, timeout=TIMEOUT)
    result.assert_outcomes(passed=1)
    # The sandbox was made on the outer server, and deleted there after the inner session.
    sandbox_id = out.read_text()
    assert sandbox_id.startswith("sb-")
    assert sandbox_id not in [s.id for s in server.client.sandboxes()]


def test_an_unreachable_url_fails_with_a_clear_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner="def test_x(backup_emulator):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--emulator-url",
                                           "http://127.0.0.1:9", timeout=TIMEOUT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no emulator answers at http://127.0.0.1:9*"])



def test_now_and_seed_options_fix_where_every_sandbox_starts(
        pytester: pytest.Pytester, server: RunningEmulator) -> None:
    pytester.makepyfile(test_inner="""
        import pytest

        def test_the_session_sandbox(emulator_sandbox):
            assert emulator_sandbox.clock()["now"] == "2030-02-03T04:05:06.000Z"
            assert emulator_sandbox.seed == 99

        @pytest.mark.emulator_sandbox(freeze=False)
        def test_a_marked_sandbox_too(emulator_sandbox):
            assert emulator_sandbox.clock()["now"].startswith("2030-02-03T04:05")
            assert emulator_sandbox.seed == 99

        @pytest.mark.emulator_sandbox(seed=5)
        def test_the_marker_wins(emulator_sandbox):
            assert emulator_sandbox.seed == 5
    """)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--emulator-url", server.base_url,
        "--emulator-now", "2030-02-03T04:05:06Z", "--emulator-seed", "99", timeout=TIMEOUT)
    result.assert_outcomes(passed=3)
