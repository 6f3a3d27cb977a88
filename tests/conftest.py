"""Shared fixtures: an in-process app on in-memory SQLite with a frozen clock."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
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
# Every app built on it starts from empty tables, as on ":memory:".
TEST_DB = os.environ.get("EMULATOR_TEST_DB", ":memory:")


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"db": TEST_DB, "now": T0, "freeze": True, "seed": SEED,
                                 "tick_seconds": 0}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def empty_shared_database() -> None:
    """Drop every table of the suite's database when it is not ":memory:"."""
    if TEST_DB != ":memory:":
        engine = create_engine(database_url(TEST_DB))
        import emulator.models  # noqa: F401

        SQLModel.metadata.drop_all(engine)
        engine.dispose()


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
    """Copy a built world into the emulator's empty in-memory database (sqlite backup API)."""
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
def client(settings: Settings, default_world_template: Path) -> Iterator[TestClient]:
    """The emulator as shipped, on in-memory SQLite, with its default world.

    Building the default world with all four vendors' data takes most of a second; with the
    standard test settings each test starts from a copy of one built per session instead (the
    same rows, byte for byte). Tests of the building itself go through reset and sandboxes.
    """
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
