"""A client-only install: the base package (httpx) without the `server` extra.

The client's test venv has none of the server's dependencies. Here a `sitecustomize` makes
every one of them unimportable in the child processes, which then do what a client developer
does: run their tests with the plugin against a server elsewhere (`--emulator-url`, e.g. the
container), and drive it with the CLI's control-plane commands.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from emulator.testing import RunningEmulator

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60

SERVER_ONLY = sorted({
    "fastapi", "starlette", "uvicorn", "sqlmodel", "sqlalchemy", "pydantic",
    "pydantic_settings", "pydantic_core", "lxml", "faker", "orjson", "multipart",
    "python_multipart", "tzlocal", "tqdm", "uvloop", "httptools", "watchfiles", "websockets",
    "psycopg",
})

BLOCKER = f'''
import importlib.abc
import sys

BLOCKED = {SERVER_ONLY!r}


class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
'''

CLIENT_TESTS = """
import sys

import httpx

def test_a_vendor_call_through_the_plugin(emulator_sandbox):
    answer = httpx.get(f"{emulator_sandbox.base_url}/api/devices",
                       auth=emulator_sandbox.cleverfox_auth)
    assert answer.status_code == 200
    emulator_sandbox.advance(3600)

def test_nothing_of_the_server_was_imported(backup_emulator):
    server_side = {"fastapi", "sqlalchemy", "pydantic", "uvicorn", "emulator.app",
                   "emulator.settings", "emulator.core"}
    assert not server_side & set(sys.modules)

def test_a_failure_still_gets_its_journal(emulator_sandbox):
    httpx.get(f"{emulator_sandbox.base_url}/api/devices", auth=emulator_sandbox.cleverfox_auth)
    assert False
"""


@pytest.fixture
def client_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of a child process in which the server's dependencies are not installed."""
    site = tmp_path / "client-only-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    monkeypatch.setenv("PYTHONPATH", str(site))
    monkeypatch.delenv("EMULATOR_URL", raising=False)
    import os

    return dict(os.environ)


def test_the_base_install_needs_only_httpx_and_the_server_is_an_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [Requirement(r).name for r in project["dependencies"]] == ["httpx"]
    server = {Requirement(r).name for r in project["optional-dependencies"]["server"]}
    assert {"fastapi", "uvicorn", "sqlmodel", "pydantic-settings"} <= server
    for extra in ("test", "postgres"):
        assert "backup-emulator[server]" in project["optional-dependencies"][extra]


def test_the_blocker_blocks(client_only: dict[str, str]) -> None:
    probe = subprocess.run([sys.executable, "-c", "import fastapi"], env=client_only,
                           capture_output=True, text=True, timeout=TIMEOUT)
    assert probe.returncode == 1 and "No module named 'fastapi'" in probe.stderr


def test_the_plugin_runs_a_clients_tests_against_a_server_elsewhere(
        pytester: pytest.Pytester, server: RunningEmulator, client_only: dict[str, str]) -> None:
    pytester.makepyfile(test_client=CLIENT_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--emulator-url",
                                           server.base_url, timeout=TIMEOUT)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*backup-emulator journal (sandbox sb-*",
                                 "*GET /api/devices -> 200*"])


def test_without_a_url_the_plugin_says_how_to_get_a_server(
        pytester: pytest.Pytester, client_only: dict[str, str]) -> None:
    pytester.makepyfile(test_client="def test_x(emulator_sandbox):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no --emulator-url given, and the server is not installed "
                                 "here (* is missing): pip install 'backup-emulator[[]server]'*"])


def test_the_control_commands_run_and_the_server_commands_say_what_to_install(
        server: RunningEmulator, client_only: dict[str, str], tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "emulator.cli", *args],
                              env=client_only, capture_output=True, text=True,
                              timeout=TIMEOUT, cwd=tmp_path)

    clock = cli("clock", "--url", server.base_url)
    assert clock.returncode == 0, clock.stderr
    made = cli("sandbox", "create", "--url", server.base_url, "--json")
    assert made.returncode == 0, made.stderr
    saved = cli("snapshot", "save", "client-only", "--url", server.base_url)
    assert saved.returncode == 0, saved.stderr
    exported = cli("snapshot", "export", "client-only", "x.json", "--url", server.base_url)
    assert exported.returncode == 0 and (tmp_path / "x.json").stat().st_size > 1000
    server.client.delete_snapshot("client-only")
    healthy = cli("health", "--url", server.base_url)
    assert healthy.returncode == 0, healthy.stderr
    for command in (["serve"], ["seed"], ["openapi"]):
        refused = cli(*command)
        assert refused.returncode == 1
        assert refused.stderr.strip().startswith(f"backup-emulator {command[0]}: the server is "
                                                 "not installed (")
        assert refused.stderr.strip().endswith("is missing): pip install "
                                               "'backup-emulator[server]'")
