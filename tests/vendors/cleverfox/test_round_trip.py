"""What the server writes, it accepts: every GET body PUT back unchanged (issue 13).

Generated from the route table: every resource with a PUT route, every object of the world.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from emulator.vendors.cleverfox.models import CfJobItem
from emulator.vendors.cleverfox.resources import RESOURCES
from tests.conftest import emulator_of
from tests.vendors.cleverfox.helpers import advance, auth, job_body, new_device, new_job

WRITABLE = sorted(name for name, res in RESOURCES.items() if "PUT" in res.methods)


def _ids(client: TestClient, headers: dict[str, str], name: str) -> list[int]:
    id_name = RESOURCES[name].label.replace(" ", "") + "Id"
    data = client.get(f"/api/{name}", params={"PageSize": 1000}, headers=headers).json()["data"]
    return [obj[id_name] for obj in data]


def _round_trip(client: TestClient, headers: dict[str, str], name: str, ident: int) -> None:
    got = client.get(f"/api/{name}/{ident}", headers=headers)
    assert got.status_code == 200, got.text
    body = got.json()
    put = client.put(f"/api/{name}/{ident}", json=body, headers=headers)
    assert put.status_code == 200, (name, ident, put.text)
    again = client.get(f"/api/{name}/{ident}", headers=headers).json()["data"]
    before = {k: v for k, v in body["data"].items() if k != "UpdatedOn"}
    assert {k: v for k, v in again.items() if k != "UpdatedOn" and k in before} == before


def test_the_route_table_has_writable_resources() -> None:
    assert {"companies", "devices", "jobs", "jobitems"} <= set(WRITABLE)


@pytest.mark.parametrize("name", WRITABLE)
def test_every_object_of_the_default_world_round_trips(client: TestClient, name: str) -> None:
    headers = auth(client)
    idents = _ids(client, headers, name)
    assert idents
    for ident in idents:
        _round_trip(client, headers, name, ident)


def test_a_job_after_its_one_time_run_round_trips(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    job = new_job(client, headers, ident, "2026-01-05T05:00:00.000", Frequency="One Time",
                  ExpireOn="2026-02-01T00:00:00.000")
    advance(client, 2 * 3600)
    data = client.get(f"/api/jobs/{job['JobId']}", headers=headers).json()["data"]
    assert data["NextRunOn"] is None and data["LastRanOn"] is not None
    _round_trip(client, headers, "jobs", job["JobId"])
    for item in data["JobItems"]:
        _round_trip(client, headers, "jobitems", item["JobItemId"])


def test_a_job_item_password_survives_a_round_trip(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    job = new_job(client, headers, ident, "2026-01-06T05:00:00.000", items=0)
    item = client.post("/api/jobitems", headers=headers, json={"data": {
        "JobId": job["JobId"], "Name": "db", "BackupTypeId": 2, "ServerName": "sql1",
        "DatabaseName": "crm", "AuthenticationMode": "S", "Username": "sa",
        "Password": "secret"}}).json()["data"]
    assert item["Password"] is None  # write only
    _round_trip(client, headers, "jobitems", item["JobItemId"])
    with emulator_of(client).db.session() as session:
        row = session.exec(select(CfJobItem).where(CfJobItem.id == item["JobItemId"])).all()
        assert [r.password for r in row if r.username == "sa"] == ["secret"]


REQUIRED_STRINGS = sorted(
    (name, attr.wire) for name, res in RESOURCES.items() if "PUT" in res.methods
    for attr in res.attrs
    if attr.required and not attr.post_only and attr.kind in ("str", "tz", "emails", "local"))


def test_the_field_lists_have_required_strings() -> None:
    assert ("devices", "Name") in REQUIRED_STRINGS and ("jobs", "NextRunOn") in REQUIRED_STRINGS


@pytest.mark.parametrize(("name", "wire"), REQUIRED_STRINGS)
@pytest.mark.parametrize("blank", ["", "   ", "\t\r\n"])
def test_a_required_string_refuses_empty_and_blank(client: TestClient, name: str, wire: str,
                                                    blank: str) -> None:
    headers = auth(client)
    ident = _ids(client, headers, name)[-1]
    before = client.get(f"/api/{name}/{ident}", headers=headers).json()
    body = {"data": {**before["data"], wire: blank}}
    put = client.put(f"/api/{name}/{ident}", json=body, headers=headers)
    assert put.status_code == 400, put.text
    assert put.json()["Message"].startswith(wire)
    assert client.get(f"/api/{name}/{ident}", headers=headers).json() == before


@pytest.mark.parametrize("value", ["2026-01-06T05:00:00.000Z", "2026-01-06T05:00:00Z",
                                   "2026-01-06T05:00:00.000+02:00",
                                   "2026-01-06T05:00:00-05:00"])
def test_a_local_date_with_a_zone_is_refused(client: TestClient, value: str) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    job = new_job(client, headers, ident, "2026-01-06T05:00:00.000")
    for field in ("NextRunOn", "ExpireOn"):
        put = client.put(f"/api/jobs/{job['JobId']}", headers=headers,
                         json={"data": {field: value}})
        assert put.status_code == 400, put.text
        assert put.json()["Message"].startswith(f"{field}: must be a local date")
        post = client.post("/api/jobs", headers=headers, json={"data": {
            **job_body(ident, "2026-01-06T05:00:00.000")["data"], field: value}})
        assert post.status_code == 400, post.text
    after = client.get(f"/api/jobs/{job['JobId']}", headers=headers).json()["data"]
    assert after["NextRunOn"] == "2026-01-06T05:00:00.000" and after["ExpireOn"] is None

