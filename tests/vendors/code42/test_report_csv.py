"""DeviceBackupReport export=csv: header, every row, no paging, download name."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from emulator.vendors.code42.schemas import REPORT_FIELDS
from tests.vendors.code42.helpers import REPORT, everything, login, report


def _csv(client: TestClient, role: str = "sysadmin", **params: str) -> list[list[str]]:
    response = client.get(REPORT, params={"export": "csv", **params}, auth=login(client, role))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and ".csv" in disposition
    return list(csv.reader(io.StringIO(response.text)))


def test_header_and_row_count_equal_the_json_total(client: TestClient) -> None:
    for role in ("sysadmin", "org_manager", "user"):
        rows = _csv(client, role)
        assert tuple(rows[0]) == REPORT_FIELDS
        assert len(rows) - 1 == len(everything(client, role))


def test_csv_ignores_paging_and_keeps_filters_and_values(client: TestClient) -> None:
    rows = _csv(client, pgSize="5", pgNum="2", os="mac")
    expected = report(client, os="mac")
    assert len(rows) - 1 == len(expected) > 5
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first == {k: "" if v is None else v for k, v in expected[0].items()}


def test_csv_follows_the_sort_key(client: TestClient) -> None:
    rows = _csv(client, srtKey="selectedBytes", srtDir="desc")
    column = rows[0].index("selectedBytes")
    values = [int(r[column]) for r in rows[1:]]
    assert len(values) == 60 and values == sorted(values, reverse=True)


def test_cold_storage_use_case_from_the_csv(client: TestClient) -> None:
    rows = _csv(client)
    header = rows[0]
    records = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    cold = [r for r in records if r["coldStorage"] == "true"]
    assert cold and all(r["status"] == "Deactivated" for r in cold)
    assert all(r["coldStorage"] == "false" for r in records if r["status"] == "Active")
