"""ASP.NET matches paths, query parameter names and JSON property names regardless of case.

Generated from the route table and the field lists, so a new route, query parameter or
attribute is covered without a new test (issue 13).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from emulator.core.caseless import Spellings
from emulator.vendors.cleverfox.resources import RESOURCES
from emulator.vendors.cleverfox.router import SURFACE
from emulator.vendors.cleverfox.schemas import Attr
from tests.vendors.cleverfox.helpers import auth

ROUTES = [(route.path, method) for route in SURFACE.router.routes
          if isinstance(route, APIRoute) for method in sorted(route.methods or ())]
GET_PATHS = sorted({path for path, method in ROUTES if method == "GET"})
CASINGS = (str.upper, str.lower, str.swapcase, str.title)


def _fill(client: TestClient, headers: dict[str, str], template: str,
          casing: Any = None) -> str:
    """The path of a route template with real ids, its literal segments re-cased."""
    parts = []
    for part in template.split("/"):
        if part.startswith("{"):
            name = part[1:-1]
            if name == "TimeZoneId":
                parts.append("Eastern Standard Time")
                continue
            collection = template.split("/")[2]
            res = RESOURCES[collection]
            data = client.get(f"/api/{collection}", headers=headers).json()["data"]
            parts.append(str(data[-1][res.label.replace(" ", "") + "Id"]))
        else:
            parts.append(casing(part) if casing else part)
    return "/".join(parts)


def test_the_route_table_is_walked() -> None:
    assert len(GET_PATHS) >= 20 and "/api/devices/{DeviceId}/ExecuteGetNextJob" in GET_PATHS


@pytest.mark.parametrize("template", GET_PATHS)
def test_every_path_answers_in_any_case(client: TestClient, template: str) -> None:
    headers = auth(client)
    # An event to read: the default world starts with none.
    assert client.put("/api/companies/1", headers=headers, json={}).status_code == 200
    params = {"ExternalId": "x"} if template.endswith("lookup") else {}
    canonical = client.get(_fill(client, headers, template), params=params, headers=headers)
    for casing in CASINGS:
        path = _fill(client, headers, template, casing)
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == canonical.status_code, (path, response.text)
        if "ExecuteGetNextJob" not in template:
            assert response.content == canonical.content, path


def test_writes_answer_in_any_case(client: TestClient) -> None:
    headers = auth(client)
    created = client.post("/API/Companies", headers=headers, json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "Case Co."}})
    assert created.status_code == 201, created.text
    ident = created.json()["data"]["CompanyId"]
    put = client.put(f"/api/COMPANIES/{ident}", headers=headers, json={"data": {"Name": "B"}})
    assert put.status_code == 200 and put.json()["data"]["Name"] == "B"
    assert client.delete(f"/Api/companies/{ident}", headers=headers).status_code == 200
    assert client.get(f"/api/companies/{ident}", headers=headers).status_code == 404


def test_code42_paths_under_api_are_not_taken() -> None:
    spelling = Spellings(SURFACE)
    assert not spelling.owns("/api/DeviceBackupReport")
    assert not spelling.owns("/api/v1/Computer")
    assert spelling.owns("/API/Devices") and spelling.owns("/api/devices/1/LOGS")


QUERY_NAMES = sorted(Spellings(SURFACE).queries.values())
PAGED = sorted({route.path for route in SURFACE.router.routes if isinstance(route, APIRoute)
                and "PageNo" in [q.alias for q in route.dependant.query_params]})


def test_the_query_names_are_walked() -> None:
    assert {"PageNo", "PageSize", "ExternalId"} <= set(QUERY_NAMES)
    assert "/api/devices" in PAGED and "/api/devices/{DeviceId}/logs" in PAGED


@pytest.mark.parametrize("template", PAGED)
def test_paging_parameters_in_any_case(client: TestClient, template: str) -> None:
    headers = auth(client)
    path = _fill(client, headers, template)
    canonical = client.get(path, params={"PageNo": 2, "PageSize": 1}, headers=headers).json()
    assert canonical["page_no"] == 2 and canonical["page_size"] == 1
    for casing in CASINGS:
        query = {casing("PageNo"): 2, casing("PageSize"): 1}
        assert client.get(path, params=query, headers=headers).json() == canonical, query


def test_lookup_parameter_in_any_case(client: TestClient) -> None:
    headers = auth(client)
    device = client.get("/api/devices", headers=headers).json()["data"][-1]
    ext = "case-ext-1"
    assert client.put(f"/api/devices/{device['DeviceId']}", headers=headers,
                      json={"data": {"ExternalId": ext}}).status_code == 200
    for name in ("ExternalId", "externalid", "EXTERNALID", "externalId"):
        found = client.get("/api/devices/lookup", params={name: ext}, headers=headers)
        assert found.status_code == 200 and found.json()["data"]["DeviceId"] == device["DeviceId"]


def _other_value(attr: Attr, current: Any) -> Any:
    """A valid value different from `current` for one attribute."""
    if attr.kind == "bool":
        return not current
    if attr.kind == "int":
        lo = 1 if attr.lo is None else attr.lo
        return lo + 1 if current == lo else lo
    if attr.choices is not None:
        return next(c for c in attr.choices if c != current)
    if attr.kind == "tz":
        return "Tokyo Standard Time" if current != "Tokyo Standard Time" else "UTC"
    if attr.kind == "emails":
        return "case.test@example.com"
    if attr.kind == "local":
        return "2027-03-04T05:06:00.000"
    return ("Changed " + attr.wire)[: attr.max_len or 100]


FIELDS = sorted((name, attr.wire) for name, res in RESOURCES.items() if "PUT" in res.methods
                for attr in res.attrs if not attr.post_only and attr.wire != "Token"
                # An inactive partner's key stops working: the test could not put it back.
                and (name, attr.wire) != ("partners", "IsInactive"))


def test_the_field_lists_are_walked() -> None:
    assert ("devices", "TimeZoneId") in FIELDS and ("jobs", "NextRunOn") in FIELDS


@pytest.mark.parametrize(("name", "wire"), FIELDS)
def test_json_property_names_in_any_case(client: TestClient, name: str, wire: str) -> None:
    headers = auth(client)
    res = RESOURCES[name]
    attr = next(a for a in res.attrs if a.wire == wire)
    data = client.get(f"/api/{name}", headers=headers).json()["data"][-1]
    ident = data[res.label.replace(" ", "") + "Id"]
    url = f"/api/{name}/{ident}"
    new = _other_value(attr, data.get(wire))
    # The canonical spelling first: what it does is what every spelling must do.
    canonical = client.put(url, headers=headers, json={"data": {wire: new}})
    expected = client.get(url, headers=headers).json()["data"]
    for casing in (str.lower, str.upper, lambda w: w[0].lower() + w[1:]):
        client.put(url, headers=headers, json={"data": {wire: data.get(wire)}})  # back
        response = client.put(url, headers=headers, json={casing("data"): {casing(wire): new}})
        assert response.status_code == canonical.status_code, (casing(wire), response.text)
        got = client.get(url, headers=headers).json()["data"]
        assert _strip(got) == _strip(expected), casing(wire)
    if canonical.status_code == 200 and not attr.write_only:
        assert expected[wire] == new


def _strip(obj: dict) -> dict:
    """An object without the stamps the server writes (UpdatedOn, LastRanOn, ...)."""
    stamped = {k for k in obj if k.endswith("On")} - {"NextRunOn", "ExpireOn"}
    return {k: v for k, v in obj.items() if k not in stamped}


def test_any_case_under_a_sandbox_base_url(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes").json()
    base = sandbox["base_url"].removeprefix(str(client.base_url))
    key = (sandbox["credentials"]["cleverfox"]["api_key"], "")
    canonical = client.get(f"{base}/api/devices", params={"PageSize": 2}, auth=key)
    assert canonical.status_code == 200 and len(canonical.json()["data"]) == 2
    for path in ("/API/Devices", "/Api/devices"):
        response = client.get(f"{base}{path}", params={"pagesize": 2}, auth=key)
        assert response.content == canonical.content, (path, response.text)
