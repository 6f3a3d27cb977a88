"""The state store's SQLite settings and URL handling."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, text
from sqlalchemy.dialects import sqlite
from sqlmodel import SQLModel

from emulator.core.db import Database, UTCDateTime, database_url, register_tables
from emulator.core.engine import DueTransition
from emulator.core.timeutil import as_utc
from emulator.core.world import Counter, World


def test_file_databases_use_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "state.db"))
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_memory_database_is_one_shared_database() -> None:
    db = Database(":memory:")
    db.create_all()
    with db.session() as session:
        session.add(Counter(name="n", value=3))
        session.commit()
    with db.session() as session:  # another checkout sees the same rows
        counter = session.get(Counter, "n")
        assert counter is not None and counter.value == 3
    db.dispose()


def test_database_url_forms(tmp_path: Path) -> None:
    assert database_url(":memory:") == "sqlite://"
    assert database_url("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_datetimes_come_back_as_aware_utc(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "t.db"))
    db.create_all()
    local = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with db.session() as session:
        session.add(World(id="w", kind="default", ordinal=0, seed=1, created_at=local,
                          clock_anchor=local, clock_anchor_real=0.0))
        session.flush()  # the foreign key is enforced: the world row must exist first
        session.add(DueTransition(world_id="w", due_at=local, kind="k", entity_id="e"))
        session.commit()
    with db.session() as session:
        world = session.get(World, "w")
        assert world is not None
        assert world.created_at == local
        assert world.created_at.utcoffset() == timedelta(0)
        assert world.created_at.hour == 10
        due = session.get(DueTransition, 1)
        assert due is not None and due.due_at == local
    db.dispose()


def test_sqlite_stores_instants_as_sqlalchemys_datetime_would() -> None:
    """UTCDateTime's one-step SQLite conversion writes the text SQLAlchemy's two steps (to
    naive UTC, then SQLite's DATETIME) write, so stored instants compare and sort alike."""
    dialect = sqlite.dialect()
    fused = UTCDateTime().bind_processor(dialect)
    stock = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert stock is not None
    values = [datetime(2026, 1, 5, 9, 0), datetime(2026, 1, 5, 9, 0, 0, 7, tzinfo=UTC),
              datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
              datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
              datetime(2026, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")), None]
    for value in values:
        expected = None if value is None else stock(as_utc(value).replace(tzinfo=None))
        assert fused(value) == expected, value
    with pytest.raises((TypeError, AttributeError)):
        fused("2026-01-05")


def test_every_table_models_default_factory_is_told_its_signature() -> None:
    """A table model built without a field that has a default factory makes pydantic inspect
    the factory's signature, at every construction: `list` or `dict` there cost about 60 us
    twice per row. Every table model's factories are ones whose signature is stored."""
    register_tables()
    factories = {}
    for mapper in SQLModel._sa_registry.mappers:
        model = mapper.class_
        for name, info in model.model_fields.items():
            if info.default_factory is not None:
                factories[f"{model.__name__}.{name}"] = info.default_factory
    assert len(factories) >= 6  # payloads, credentials, histories, errors, parameters
    for field, factory in factories.items():
        assert isinstance(vars(factory).get("__signature__"), inspect.Signature), field
        assert factory() == factory() and factory() is not factory(), field
