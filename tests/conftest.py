"""Shared fixtures: an in-process app on in-memory SQLite with a frozen clock."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, StaticPool, make_url
from sqlmodel import SQLModel, create_engine, select

from emulator.app import create_app
from emulator.core.db import database_url
from emulator.core.runtime import Emulator
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.fixtures import world as world_fixtures
from emulator.settings import Settings
from tests import fakevendor

T0 = "2026-01-05T09:00:00.000Z"
SEED = 424242


# Run the in-process tests on another database, e.g. PostgreSQL:
#   EMULATOR_TEST_DB=postgresql+psycopg://user:pw@127.0.0.1/emu pytest tests/core tests/control
# or on a throwaway cluster (.ci/run does):
#   python -m emulator.testing.postgres -- pytest -m "not e2e"
# Every app built on it starts from an empty database, as on ":memory:".
TEST_DB = os.environ.get("EMULATOR_TEST_DB", ":memory:")
ON_POSTGRES = make_url(database_url(TEST_DB)).get_backend_name() == "postgresql"
if ON_POSTGRES and os.environ.get("PYTEST_XDIST_WORKER"):
    # Under pytest-xdist (-n), each worker process has a database of its own on the server.
    _url = make_url(TEST_DB)
    TEST_DB = _url.set(database=f"{_url.database}_{os.environ['PYTEST_XDIST_WORKER']}"
                       ).render_as_string(hide_password=False)


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"db": TEST_DB, "now": T0, "freeze": True, "seed": SEED,
                                 "tick_seconds": 0}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def empty_shared_database() -> None:
    """Empty the suite's database when it is not ":memory:" (PostgreSQL: made again)."""
    if ON_POSTGRES:
        recreate_database()
    elif TEST_DB != ":memory:":
        engine = create_engine(database_url(TEST_DB))
        import emulator.models  # noqa: F401

        SQLModel.metadata.drop_all(engine)
        engine.dispose()


_admin: list[Engine] = []


def _remake(name: str, template: str | None = None) -> None:
    """PostgreSQL: database `name` dropped, with any connection left open to it, and made
    again: empty, or a copy of the database `template`."""
    if not _admin:  # one connection to the server's own database for the whole session
        _admin.append(create_engine(make_url(TEST_DB).set(database="postgres"),
                                    isolation_level="AUTOCOMMIT", poolclass=StaticPool))
    copy = f' TEMPLATE "{template}"' if template else ""
    with _admin[0].connect() as admin:
        admin.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')


_fresh = [False]  # the test database was just made and no Emulator has opened it yet


def recreate_database(template: str | None = None) -> None:
    """PostgreSQL: the test database made again (see _remake). Nothing of an earlier test
    survives, not even the tables a reset keeps (the secrets' epoch, the versions)."""
    _remake(str(make_url(TEST_DB).database), template)
    _fresh[0] = True


@pytest.fixture(autouse=True)
def _each_app_on_a_database_of_its_own(request: pytest.FixtureRequest,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL as on ":memory:", every Emulator made on the test database starts from
    its own: a second one in the same test (a determinism test's second run) gets the
    database made again, empty, instead of the first one's rows."""
    if not ON_POSTGRES or request.node.get_closest_marker("shared_store"):
        return  # (tests of servers sharing one store mark themselves shared_store)
    made = Emulator.__init__

    def init(self: Emulator, settings: Settings) -> None:
        if settings.db == TEST_DB:
            if not _fresh[0]:
                recreate_database()
            _fresh[0] = False
        made(self, settings)

    monkeypatch.setattr(Emulator, "__init__", init)


@pytest.fixture(scope="session")
def postgres_world_template() -> str:
    """On PostgreSQL: a database holding the default world of make_settings(), built once per
    session; each `client` starts from a copy (CREATE DATABASE ... TEMPLATE)."""
    url = make_url(TEST_DB)
    template = f"{url.database}_world"
    _remake(template)
    emu = Emulator(make_settings(db=url.set(database=template).render_as_string(False)))
    emu.open()
    emu.versions.close()  # a template is copied only while nobody is connected to it
    emu.db.dispose()
    return template


@pytest.fixture(autouse=True)
def _empty_shared_database() -> None:
    empty_shared_database()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def default_world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default world of make_settings(), built once per session into a SQLite file."""
    path = tmp_path_factory.mktemp("template") / "default-world.db"
    emu = Emulator(make_settings(db=str(path)))
    emu.open()
    emu.db.dispose()
    return path


def load_template(emu: Emulator, template: Path) -> None:
    """Copy a built world into the emulator's empty in-memory database (sqlite backup API).

    Only there: a test that builds its apps this way, each on a database of its own, is
    skipped when EMULATOR_TEST_DB points the suite at one shared database."""
    if TEST_DB != ":memory:":
        pytest.skip("each app on a copy in its own in-memory database (EMULATOR_TEST_DB set)")
    raw = emu.db.engine.raw_connection()
    try:
        source = sqlite3.connect(template)
        try:
            source.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            source.close()
    finally:
        raw.close()


@pytest.fixture
def client(settings: Settings, default_world_template: Path,
           request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The emulator as shipped, on in-memory SQLite, with its default world.

    Building the default world with all four vendors' data takes most of a second; with the
    standard test settings each test starts from a copy of one built per session instead (the
    same rows, byte for byte). Tests of the building itself go through reset and sandboxes.
    """
    if ON_POSTGRES and settings == make_settings():
        recreate_database(request.getfixturevalue("postgres_world_template"))
    emu = Emulator(settings)
    if TEST_DB == ":memory:" and settings == make_settings():
        load_template(emu, default_world_template)
    with TestClient(create_app(settings, emulator=emu)) as test_client:
        yield test_client


@pytest.fixture
def fake_client(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The emulator with the miniature test vendor plugged in, populator included."""
    monkeypatch.setattr(world_fixtures, "POPULATORS", [("fake", fakevendor.populate)])
    app = create_app(settings)
    fakevendor.install(app)
    with TestClient(app) as test_client:
        yield test_client


def emulator_of(client: TestClient) -> Emulator:
    emu: Emulator = client.app.state.emulator  # type: ignore[attr-defined]
    return emu


@contextmanager
def two_servers(db: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one database file, as two processes would be: the first keeps answers in
    its response cache, the second does not."""
    first = Emulator(make_settings(db=db))
    first.open()
    second = Emulator(make_settings(db=db, response_cache=False))
    with TestClient(create_app(first.settings, emulator=first)) as one, \
            TestClient(create_app(second.settings, emulator=second)) as two:
        yield one, two


def default_world_rows(client: TestClient, tables: Callable[[str], bool]
                       ) -> dict[str, list[tuple[str, ...]]]:
    """The default world's rows in the tables `tables` picks, as sorted reprs, without the
    internal `pk` (and due_transition's `id`), which rows written in another order number
    differently: what two ways of reaching one state must leave alike."""
    emu = emulator_of(client)
    dump = {}
    with emu.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            if tables(table.name):
                internal = {"pk", "id"} if table.name == "due_transition" else {"pk"}
                query = select(*(c for c in table.columns if c.name not in internal)).where(
                    table.c.world_id == DEFAULT_WORLD_ID)  # template worlds: named per build
                dump[table.name] = sorted(tuple(map(repr, row))
                                          for row in session.execute(query).all())
    return dump
