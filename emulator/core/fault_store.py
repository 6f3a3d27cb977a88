"""Fault rules in the store: every process over one database sees the same rules and counts.

Two tables, both toolkit state rather than world state (they survive a world reset's wipe and
are in no snapshot; reset, sandbox deletion and DELETE remove rules explicitly):

- `fault_rule`: one row per live rule, with how often it fired (`fired`) and how many
  draws it has made (`draws`): the n-th draw of a rule is seeded from (its seed, n), so
  whichever process makes it, it comes out the same;
- `fault_counter`: the last rule number given, so numbers are never reused until a reset
  starts them over at 1.

Every write of a rule (add, remove, clear, reset) bumps the FAULTS counter (core.versions),
which each process reads at each vendor request to know when its copy of the rules is stale.
A firing does not: it changes no rule, only its counts, and is claimed by one statement that
checks and counts at once (`claim`, `fire`), so a rule with `times` fires exactly that often
over all processes. No statement here is held open across an await.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Row, Text, delete, event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from emulator.core.db import UTCDateTime, let_go, placeholder
from emulator.core.versions import FAULTS, bump

__all__ = ["FaultCounter", "FaultRuleRow", "FaultStore"]

RULES = "rules"  # the fault_counter row numbering rules


class FaultRuleRow(SQLModel, table=True):
    """A fault rule as POST /_emulator/faults made it, and its counts."""

    __tablename__ = "fault_rule"
    __table_args__ = {"info": {"survives_reset": True}}

    # The rule's number (given from fault_counter, not by the database), up to 2**63-1 as
    # the path of GET /_emulator/faults/{id} allows.
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    action: str = Field(max_length=16)
    vendor: str | None = Field(default=None, max_length=16)
    method: str | None = Field(default=None, max_length=16)
    path: str | None = Field(default=None, max_length=500)
    api_call: str | None = Field(default=None, max_length=100)
    sandbox: str | None = Field(default=None, max_length=40, index=True)
    probability: float = 1.0
    times: int | None = None
    seed: int = Field(sa_type=BigInteger)
    status: int | None = None
    body: str | None = Field(default=None, sa_type=Text)
    content_type: str | None = Field(default=None, max_length=200)
    retry_after: int | None = None
    latency_ms: float | None = None
    latency_max_ms: float | None = None  # set: a [latency_ms, latency_max_ms] range
    truncate_at: int | None = None
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    fired: int = 0
    draws: int = 0


class FaultCounter(SQLModel, table=True):
    """The last fault rule number given (one row, `rules`)."""

    __tablename__ = "fault_counter"
    __table_args__ = {"info": {"survives_reset": True}}

    name: str = Field(primary_key=True, max_length=16)
    value: int = 0


RULE = FaultRuleRow.__table__  # type: ignore[attr-defined]
COUNTER = FaultCounter.__table__  # type: ignore[attr-defined]


class FaultStore:
    """The rules' rows: control-plane writes in short transactions of their own, and the
    firing claims on one held connection (no pool checkout per claim)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        mark = placeholder(engine.dialect)
        still_open = "(times IS NULL OR fired < times)"
        # One statement each: counts only while the rule is not spent, and says what it
        # counted (SQLite >= 3.35 and PostgreSQL both have RETURNING).
        self._claim = {
            False: f"UPDATE fault_rule SET draws = draws + 1 WHERE id = {mark} AND "
                   f"{still_open} RETURNING draws, fired, times",
            True: f"UPDATE fault_rule SET draws = draws + 1, fired = fired + 1 WHERE "
                  f"id = {mark} AND {still_open} RETURNING draws, fired, times",
        }
        self._fire = (f"UPDATE fault_rule SET fired = fired + 1 WHERE id = {mark} AND "
                      f"{still_open} RETURNING fired, times")
        self._held: Any = None
        # The held connection goes when the engine's pool does (Emulator.close disposes it).
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    # -- control-plane writes: each bumps FAULTS in its own transaction -----------------------

    def add(self, values: dict[str, Any], default_seed: Any) -> Row[Any]:
        """Number a new rule, store it and return its row; `default_seed(number)` gives its
        seed when `values` has none."""
        with self.engine.begin() as connection:
            number = connection.execute(self._next_number()).scalar_one()
            if values.get("seed") is None:
                values = {**values, "seed": default_seed(number)}
            connection.execute(insert(RULE).values(id=number, **values))
            bump(connection, [FAULTS])
            row = connection.execute(select(RULE).where(RULE.c.id == number)).one()
        return row

    def _next_number(self) -> Any:
        make = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = make(COUNTER).values(name=RULES, value=1)
        return statement.on_conflict_do_update(
            index_elements=[COUNTER.c.name], set_={"value": COUNTER.c.value + 1}
        ).returning(COUNTER.c.value)

    def remove(self, rule_id: int) -> bool:
        with self.engine.begin() as connection:
            found = connection.execute(delete(RULE).where(RULE.c.id == rule_id)).rowcount > 0
            if found:
                bump(connection, [FAULTS])
        return found

    def clear(self, sandbox: str | None = None) -> None:
        """Remove every rule, or only those scoped to `sandbox`."""
        statement = delete(RULE)
        if sandbox is not None:
            statement = statement.where(RULE.c.sandbox == sandbox)
        with self.engine.begin() as connection:
            if connection.execute(statement).rowcount > 0:
                bump(connection, [FAULTS])

    def reset(self) -> None:
        """No rules, and numbering starts over at 1."""
        with self.engine.begin() as connection:
            connection.execute(delete(RULE))
            connection.execute(delete(COUNTER).where(COUNTER.c.name == RULES))
            bump(connection, [FAULTS])

    # -- reads -------------------------------------------------------------------------------

    def rows(self, sandbox: str | None = None) -> Sequence[Row[Any]]:
        """Every rule (or a sandbox's), oldest first, with its counts as stored now."""
        statement = select(RULE).order_by(RULE.c.id)
        if sandbox is not None:
            statement = statement.where(RULE.c.sandbox == sandbox)
        with self.engine.connect() as connection:
            return connection.execute(statement).all()

    def row(self, rule_id: int) -> Row[Any] | None:
        with self.engine.connect() as connection:
            return connection.execute(select(RULE).where(RULE.c.id == rule_id)).first()

    # -- firing: one statement each, on the held connection ----------------------------------

    def claim(self, rule_id: int, fire: bool) -> tuple[int, bool] | None:
        """Take the rule's next draw, and count a firing too if `fire`: (the draw's number,
        whether the rule is spent now), or None when it was spent (or is gone)."""
        found = self._write(self._claim[fire], rule_id)
        if found is None:
            return None
        draws, fired, times = found
        return int(draws), times is not None and fired >= times

    def fire(self, rule_id: int) -> tuple[bool, bool]:
        """Count a firing of a drawn rule: (counted, the rule is spent now); not counted when
        other processes' firings spent it since the draw."""
        found = self._write(self._fire, rule_id)
        if found is None:
            return False, True
        fired, times = found
        return True, times is not None and fired >= times

    def _write(self, sql: str, rule_id: int) -> tuple[Any, ...] | None:
        try:
            found = self._execute(sql, rule_id)
        except Exception:  # a dropped connection: one more try on a new one
            self.close(invalidate=True)
            found = self._execute(sql, rule_id)
        return None if found is None else tuple(found)

    def _execute(self, sql: str, rule_id: int) -> Any:
        connection = self._connection()
        cursor = connection.cursor()
        try:
            cursor.execute(sql, (rule_id,))
            found = cursor.fetchone()
        finally:
            cursor.close()
        connection.commit()  # (nothing is left to commit in PostgreSQL's autocommit)
        return found

    def _connection(self) -> Any:
        if self._held is None:
            held = self.engine.raw_connection()
            if self.engine.dialect.name == "postgresql":
                held.driver_connection.autocommit = True  # type: ignore[union-attr]
                # A claim is seen by every other session at once; only its flush to disk is
                # not waited for (2-3 ms a firing on a busy disk). A crash of the database
                # server, not of an emulator, could forget the last moment's counts.
                cursor = held.cursor()
                cursor.execute("SET synchronous_commit TO off")
                cursor.close()
            self._held = held
        return self._held

    def close(self, invalidate: bool = False) -> None:
        held, self._held = self._held, None
        let_go(held, invalidate)
