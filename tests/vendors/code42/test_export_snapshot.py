"""A sorted CSV export streamed while the world changes is one consistent read (live server).

The world (18,000 devices) is read page by page first; then an export sorted by archiveBytes
starts, and after its first lines the clock is advanced two days and a request applies the
backup sweeps (archive sizes grow, so devices move in the sort order) before the rest is read.
The export must hold every device exactly once, in order, with the values of its start.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from emulator.fixtures.scale import build_large_world
from emulator.vendors.code42 import backend, export
from emulator.vendors.code42.schemas import REPORT_FIELDS, ReportQuery
from tests.conftest import T0, TEST_DB, emulator_of, make_settings
from tests.server import serve
from tests.vendors.code42.helpers import login, report

SCALE = 300  # 60 devices per scale unit: 18,000 devices, about 10 MB of CSV


def _wire(record: dict[str, Any]) -> tuple[str, ...]:
    return tuple("" if record[f] is None else str(record[f]) for f in REPORT_FIELDS)


def _all_records(client: httpx.Client, auth: tuple[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        chunk = client.get("/api/DeviceBackupReport", params={"pgNum": page, "pgSize": 1000},
                           auth=auth).json()["data"]
        if not chunk:
            return rows
        rows += chunk
        page += 1


@pytest.mark.e2e
def test_sorted_export_is_one_snapshot_while_the_clock_moves(tmp_path: Path) -> None:
    build_large_world(make_settings(db=str(tmp_path / "state.db")), SCALE, ["code42"])
    with serve(tmp_path, "--freeze", "--now", T0) as server, \
            httpx.Client(base_url=server.base_url, timeout=120) as client:
        login = client.get("/_emulator/credentials").json()["code42"]["sysadmin"]
        auth = (login["username"], login["password"])
        before = _all_records(client, auth)
        assert len(before) == 60 * SCALE
        params = {"export": "csv", "srtKey": "archiveBytes", "srtDir": "desc"}
        lines: list[str] = []
        with client.stream("GET", "/api/DeviceBackupReport", params=params,
                           auth=auth) as response:
            assert response.status_code == 200
            stream = response.iter_lines()
            lines += [next(stream) for _ in range(100)]
            # The world changes mid-download: two days pass and a read applies the sweeps.
            moved = client.post("/_emulator/clock", json={"advance_seconds": 2 * 86400})
            assert moved.status_code == 200
            after = {r["deviceUid"]: r for r in _all_records(client, auth)}
            lines += list(stream)
        changed = [r for r in before if after[r["deviceUid"]]["archiveBytes"] != r["archiveBytes"]]
        assert len(changed) > len(before) // 2, "the clock move changed the world"
        rows = list(csv.reader(io.StringIO("\n".join(lines))))
        assert rows[0] == list(REPORT_FIELDS)
        body = [tuple(r) for r in rows[1:] if r]
        assert len(body) == len(before)
        uid = REPORT_FIELDS.index("deviceUid")
        assert len({r[uid] for r in body}) == len(before), "no device repeated or dropped"
        assert set(body) == {_wire(r) for r in before}, "every value as at the export's start"
        size = REPORT_FIELDS.index("archiveBytes")
        sizes = [int(r[size]) for r in body]
        assert sizes == sorted(sizes, reverse=True)


@pytest.mark.skipif(TEST_DB != ":memory:", reason="the :memory: copy path (EMULATOR_TEST_DB set)")
def test_in_memory_database_export_reads_a_copy_made_at_its_start(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """:memory: has one shared connection and no snapshot of its own: the export copies."""
    monkeypatch.setattr(export, "CSV_CHUNK", 7)  # the default world's 60 devices: 9 chunks
    emu = emulator_of(client)
    user, password = login(client, "sysadmin")
    header = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    query = ReportQuery.check(sort_key="archiveBytes", sort_dir="desc", page=None,
                              page_size=None, export="csv")
    before = {_wire(r) for r in report(client)}

    async def download() -> list[str]:
        with emu.db.session() as session:
            _name, chunks = backend.report_csv(emu, session, header, query)
            parts = [await anext(chunks), await anext(chunks)]
            client.post("/_emulator/clock", json={"advance_seconds": 2 * 86400})
            assert {_wire(r) for r in report(client)} != before  # the sweeps ran
            parts += [part async for part in chunks]
        return parts

    rows = list(csv.reader(io.StringIO("".join(asyncio.run(download())))))
    assert len(rows) == 61 and {tuple(r) for r in rows[1:]} == before
    sizes = [int(r[REPORT_FIELDS.index("archiveBytes")]) for r in rows[1:]]
    assert sizes == sorted(sizes, reverse=True)
    temporary = emu.db.engine.connect().exec_driver_sql(
        "SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'c42_export_%'").scalar()
    assert temporary == 0  # the copy is dropped
