"""pytest plugin: a running emulator per test session and a fresh sandbox per test.

Loaded in every pytest run where backup-emulator is installed (the `backup_emulator` pytest11
entry point), so it imports nothing heavy and starts nothing until a test asks for a fixture:

- `backup_emulator` (session): an `EmulatorClient` on a server the plugin starts on a free
  loopback port (one per pytest-xdist worker), or on the server given by `--emulator-url` /
  `EMULATOR_URL` (shared by every worker; sandboxes keep the tests apart).
- `emulator_sandbox` (function): a `Sandbox` in a fresh state with a frozen clock: the
  session's sandbox restored from its snapshot (fast), or, with
  `@pytest.mark.emulator_sandbox(seed=..., now=..., freeze=...)`, one made for the test.

It also reports: a header line (the emulator's URL, version and the sandboxes' seed), a closing
line naming the server the session used, and, when a test that used `emulator_sandbox` fails,
its sandbox's request journal (secrets masked) as a section of the failure report.

With `--emulator-url` it needs only httpx (the base install, without the `server` extra), so a
client's test venv can run against a container: `pytest --emulator-url http://127.0.0.1:8080`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from emulator.testing import report

if TYPE_CHECKING:
    from emulator.testing.client import EmulatorClient, Sandbox

__all__ = ["backup_emulator", "emulator_sandbox"]

# A sandbox's restore replaces its rows, clock and credentials' state; its fault rules and
# journal entries live beside it in the server, so the fixture clears those itself.

URL_VARIABLE = "EMULATOR_URL"
SERVER_KEY = pytest.StashKey["report.ServerInfo"]()
MARKER = "emulator_sandbox"
SANDBOX_OPTIONS = ("seed", "now", "freeze", "name")


def pytest_addoption(parser: pytest.Parser) -> None:
    """--emulator-url, --emulator-mode, --emulator-now, --emulator-token, --emulator-seed."""
    group = parser.getgroup("backup-emulator", "backup-emulator test server")
    group.addoption("--emulator-url", default=None, metavar="URL",
                    help=f"use the emulator running at URL instead of starting one "
                    f"[{URL_VARIABLE}]")
    group.addoption("--emulator-mode", default="thread", choices=("thread", "subprocess"),
                    help="start the emulator in a thread of the test process (default) or as "
                    "a `backup-emulator serve` subprocess")
    group.addoption("--emulator-now", default=None, metavar="ISO",
                    help="virtual time every test's sandbox starts at (default: the server's "
                    "now); fixing it makes runs reproducible")
    group.addoption("--emulator-token", default=None, metavar="TOKEN",
                    help="the control-plane token of the emulator (started or given by URL) "
                    "[EMULATOR_CONTROL_TOKEN]")
    group.addoption("--emulator-seed", default=None, type=int, metavar="N",
                    help="seed of the tests' sandboxes (default: derived from the server's)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (so --strict-markers accepts it)."""
    config.addinivalue_line(
        "markers", f"{MARKER}(seed=None, now=None, freeze=True, name=None): options of the "
        "sandbox the emulator_sandbox fixture creates")


def _url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("emulator_url") or os.environ.get(URL_VARIABLE)
    return url


def pytest_report_header(config: pytest.Config) -> str:
    """One line: where the emulator is, its version, and the seed of the tests' sandboxes."""
    return report.header(_url(config), config.getoption("emulator_mode"),
                         config.getoption("emulator_seed"), config.getoption("emulator_now"))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The server the session used, if a test asked for one."""
    info = config.stash.get(SERVER_KEY, None)
    if info is not None:
        terminalreporter.write_line(report.summary(info))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test's sandbox journal, attached to its report (before the sandbox goes)."""
    rep = yield
    sandbox = getattr(item, "funcargs", {}).get("emulator_sandbox")
    if rep.when == "call" and rep.failed and sandbox is not None:
        try:
            answer = sandbox.client.journal(sandbox=sandbox.id, limit=report.ENTRIES)
            text = report.journal_section(sandbox.id, answer["data"], answer["total"])
        except Exception as exc:  # the report must not hide the test's own failure
            text = f"could not read the journal of sandbox {sandbox.id}: {exc}"
        rep.sections.append((f"{report.SECTION} (sandbox {sandbox.id})", text))
    return rep


@pytest.fixture(scope="session")
def backup_emulator(pytestconfig: pytest.Config) -> Iterator[EmulatorClient]:
    """A control-plane client on a running emulator (started for this session or worker)."""
    import httpx

    from emulator.testing.client import ControlError, EmulatorClient

    url = _url(pytestconfig)
    token = pytestconfig.getoption("emulator_token")  # else EMULATOR_CONTROL_TOKEN, if set
    if url:
        with EmulatorClient(url, token=token) as client:
            try:
                version = client.health()["version"]
            except (ControlError, httpx.HTTPError) as exc:
                pytest.fail(f"no emulator answers at {url}: {exc}", pytrace=False)
            pytestconfig.stash[SERVER_KEY] = report.ServerInfo(url, version)
            yield client
        return

    from emulator.testing.server import run_emulator

    mode = pytestconfig.getoption("emulator_mode")
    missing = None
    try:
        running = run_emulator(mode, control_token=token)
        server = running.__enter__()
    except ImportError as exc:
        missing = exc.name
    if missing is not None:
        pytest.fail(f"no --emulator-url given, and the server is not installed here "
                    f"({missing} is missing): pip install 'backup-emulator[server]', or "
                    "run it elsewhere (docker compose up) and pass --emulator-url URL",
                    pytrace=False)
    try:
        pytestconfig.stash[SERVER_KEY] = report.ServerInfo(
            server.base_url, server.client.health()["version"], mode=mode)
        yield server.client
    finally:
        running.__exit__(None, None, None)


def _defaults(config: pytest.Config) -> dict[str, Any]:
    """Sandbox options given on the command line."""
    given = {"now": config.getoption("emulator_now"), "seed": config.getoption("emulator_seed")}
    return {key: value for key, value in given.items() if value is not None}


@pytest.fixture(scope="session")
def _emulator_pristine(backup_emulator: EmulatorClient,
                       pytestconfig: pytest.Config) -> Iterator[tuple[Sandbox, str]]:
    """One sandbox per session (or xdist worker) and a snapshot of it as it was made."""
    from emulator.testing.client import ControlError

    sandbox = backup_emulator.sandbox(freeze=True, name=f"pytest {os.getpid()}",
                                      **_defaults(pytestconfig))
    info = pytestconfig.stash.get(SERVER_KEY, None)
    if info is not None:
        info.seed = sandbox.seed
    name = f"pytest-pristine-{sandbox.id}"  # snapshot names are server-wide
    sandbox.snapshot(name, replace=True)
    yield sandbox, name
    for cleanup in (sandbox.delete, lambda: backup_emulator.delete_snapshot(name)):
        try:
            cleanup()
        except ControlError as exc:
            if exc.status != 404:
                raise


@pytest.fixture
def emulator_sandbox(backup_emulator: EmulatorClient,
                     request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A sandbox in a fresh state (frozen clock unless the marker says freeze=False).

    Without the marker every test gets the session's sandbox restored to the snapshot taken
    when it was made (same id and credentials, its rows, clock, fault rules and journal as
    new) in tens of milliseconds; the marker asks for a sandbox of its own, made and deleted
    around the test (a few hundred milliseconds).
    """
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        sandbox, snapshot = request.getfixturevalue("_emulator_pristine")
        sandbox.restore(snapshot)
        sandbox.clear_faults()
        sandbox.clear_requests()
        yield sandbox
        sandbox.close()  # the next test's `http` starts with an empty cookie jar
        return
    unknown = set(marker.kwargs) - set(SANDBOX_OPTIONS)
    if unknown or marker.args:
        pytest.fail(f"@pytest.mark.{MARKER} takes keyword arguments "
                    f"{', '.join(SANDBOX_OPTIONS)}; got {marker.args or sorted(unknown)}",
                    pytrace=False)
    options: dict[str, Any] = {"freeze": True, "name": request.node.nodeid[-200:],
                               **_defaults(request.config), **marker.kwargs}
    sandbox = backup_emulator.sandbox(**options)
    yield sandbox

    from emulator.testing.client import ControlError

    try:
        sandbox.delete()
    except ControlError as exc:
        if exc.status != 404:  # the test may have deleted it itself
            raise
