"""A world's due work and writes bump that world's response version and no other's.

The response cache (core/response_cache.py) keeps a world's answers while its counter and
`~all` stand still; a statement whose world the write hooks cannot tell bumps `~all`, which
makes every other world's answers be made again. So a sandbox living days of every vendor's
due work (each vendor's agents and their batch writes, whatever statements they use) must
leave the default world's counter and `~all` where they were.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import bindparam, update
from sqlmodel import col

from emulator.app import create_app
from emulator.core.versions import ALL
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.vendors.cleverfox.models import CfDevice
from tests.conftest import emulator_of, make_settings

DAY = 24 * 3600


def _counters(client: TestClient, *scopes: str) -> tuple[int, ...]:
    return emulator_of(client).versions.read(*scopes)


def test_a_sandbox_living_days_bumps_only_itself(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={"seed": 7}).json()
    before = _counters(client, DEFAULT_WORLD_ID, ALL, sandbox["id"])
    for seconds in (3 * DAY, 5 * 3600, 3600):  # a long jump, then live runs and notifications
        moved = client.post(f"/_emulator/sandboxes/{sandbox['id']}/clock",
                            json={"advance_seconds": seconds})
        assert moved.status_code == 200, moved.text
    after = _counters(client, DEFAULT_WORLD_ID, ALL, sandbox["id"])
    assert after[2] > before[2], "the sandbox's due work was written"
    assert after[:2] == before[:2], "another world's answers were made stale"


def test_a_statement_naming_its_world_through_a_parameter_bumps_that_world(
        client: TestClient) -> None:
    emu = emulator_of(client)
    table = CfDevice.__table__  # type: ignore[attr-defined]
    statement = update(table).where(table.c.world_id == bindparam("w"),
                                    table.c.id == bindparam("i")).values(name=bindparam("n"))
    scopes = (DEFAULT_WORLD_ID, "elsewhere", ALL)
    for params, bumped in (({"w": DEFAULT_WORLD_ID, "i": 1, "n": "x"}, {DEFAULT_WORLD_ID}),
                           ([{"w": DEFAULT_WORLD_ID, "i": 1, "n": "y"},
                             {"w": DEFAULT_WORLD_ID, "i": 2, "n": "z"}], {DEFAULT_WORLD_ID}),
                           ([{"w": DEFAULT_WORLD_ID, "i": 1, "n": "y"},
                             {"w": "elsewhere", "i": 2, "n": "z"}],
                            {DEFAULT_WORLD_ID, "elsewhere"})):
        before = _counters(client, *scopes)
        with emu.db.session() as session:
            session.execute(statement, params)
            session.commit()
        after = _counters(client, *scopes)
        assert {s for s, b, a in zip(scopes, before, after, strict=True) if a > b} == bumped


def test_an_orm_statement_naming_its_world_bumps_that_world(client: TestClient) -> None:
    emu = emulator_of(client)
    scopes = (DEFAULT_WORLD_ID, ALL)
    before = _counters(client, *scopes)
    with emu.db.session() as session:
        session.execute(update(CfDevice).where(col(CfDevice.world_id) == DEFAULT_WORLD_ID,
                                               col(CfDevice.id) == 1).values(name="renamed"))
        session.commit()
    after = _counters(client, *scopes)
    assert (after[0] > before[0], after[1] == before[1]) == (True, True)


def test_a_first_sandbox_building_its_template_leaves_other_worlds_alone() -> None:
    with TestClient(create_app(make_settings())) as fresh:  # no template world yet
        before = _counters(fresh, DEFAULT_WORLD_ID, ALL)
        for seed in (None, 5):  # each builds a template world, then copies it
            made = fresh.post("/_emulator/sandboxes", json={} if seed is None else {"seed": seed})
            assert made.status_code == 201, made.text
        assert _counters(fresh, DEFAULT_WORLD_ID, ALL) == before
