"""Identity v2.0 tokens and the 401/403/404 rules of every Cloud Backup call."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from emulator.core.timeutil import parse_iso
from tests.conftest import T0
from tests.vendors.rackspace.conftest import Rax, advance, as_tenant, login

REGIONS = {"DFW", "ORD", "IAD", "LON", "HKG", "SYD"}


def _creds(client: TestClient) -> dict[str, str]:
    creds: dict[str, str] = client.get("/_emulator/credentials").json()["rackspace"]
    return creds


def test_api_key_login_returns_the_documented_access_object(client: TestClient) -> None:
    creds = _creds(client)
    body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                                     "apiKey": creds["api_key"]},
                     "tenantId": creds["tenant_id"]}}
    response = client.post("/v2.0/tokens", json=body)
    assert response.status_code == 200
    access = response.json()["access"]
    token = access["token"]
    assert len(token["id"]) == 32
    assert parse_iso(token["expires"]) == parse_iso(T0) + timedelta(hours=24)
    assert token["tenant"] == {"id": creds["tenant_id"], "name": creds["tenant_id"]}
    assert token["RAX-AUTH:authenticatedBy"] == ["APIKEY"]
    assert access["user"]["name"] == creds["username"]
    assert access["user"]["RAX-AUTH:defaultRegion"] in REGIONS
    assert access["user"]["roles"]
    backup = [s for s in access["serviceCatalog"] if s["type"] == "rax:backup"]
    assert [s["name"] for s in backup] == ["cloudBackup"]
    endpoints = backup[0]["endpoints"]
    assert {e["region"] for e in endpoints} == REGIONS
    for endpoint in endpoints:
        assert endpoint["publicURL"] == f"http://testserver/v1.0/{creds['tenant_id']}"
        assert endpoint["tenantId"] == creds["tenant_id"]
    # The catalog's URL works as given.
    agents = client.get(endpoints[0]["publicURL"] + "/user/agents",
                        headers={"X-Auth-Token": token["id"]})
    assert agents.status_code == 200 and len(agents.json()) == 4


def test_password_login_and_tenant_name(client: TestClient) -> None:
    creds = _creds(client)
    body = {"auth": {"passwordCredentials": {"username": creds["username"],
                                             "password": creds["password"]},
                     "tenantName": creds["tenant_id"]}}
    response = client.post("/v2.0/tokens", json=body)
    assert response.status_code == 200
    assert response.json()["access"]["token"]["RAX-AUTH:authenticatedBy"] == ["PASSWORD"]


def test_bad_credentials_are_401_unauthorized_faults(client: TestClient) -> None:
    creds = _creds(client)
    cases = [
        {"RAX-KSKEY:apiKeyCredentials": {"username": creds["username"], "apiKey": "nope"}},
        {"passwordCredentials": {"username": creds["username"], "password": creds["api_key"]}},
        {"passwordCredentials": {"username": "nobody", "password": "x"}},
        {"RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                         "apiKey": creds["api_key"]}, "tenantId": "123"},
    ]
    for auth in cases:
        response = client.post("/v2.0/tokens", json={"auth": auth})
        assert response.status_code == 401, auth
        assert response.json() == {"unauthorized": {
            "code": 401, "message": "Unable to authenticate user with credentials provided."}}


def test_malformed_auth_bodies_are_400_bad_request(client: TestClient) -> None:
    for body, field in [({}, "auth"), ({"auth": {}}, "auth"),
                        ({"auth": {"passwordCredentials": {"username": "x"}}}, "password")]:
        response = client.post("/v2.0/tokens", json=body)
        assert response.status_code == 400
        fault = response.json()["badRequest"]
        assert fault["code"] == 400 and field in fault["message"]
    response = client.post("/v2.0/tokens", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 400 and "badRequest" in response.json()


def test_tokens_are_distinct_even_after_a_reset(client: TestClient) -> None:
    creds = _creds(client)
    first = login(client, creds["username"], creds["api_key"])
    second = login(client, creds["username"], creds["api_key"])
    assert first != second
    client.post("/_emulator/reset")  # the same credentials, a new incarnation of the world
    again = login(client, creds["username"], creds["api_key"])
    assert again not in (first, second)
    response = client.get(f"/v1.0/{creds['tenant_id']}/user/agents",
                          headers={"X-Auth-Token": first})
    assert response.status_code == 401  # a token kept from before the reset reaches nothing


def test_missing_unknown_and_expired_tokens_are_401(client: TestClient, rax: Rax) -> None:
    assert client.get(rax.url("/user/agents")).status_code == 401
    response = client.get(rax.url("/user/agents"), headers={"X-Auth-Token": "f" * 32})
    assert response.status_code == 401
    assert set(response.json()) == {"unauthorized"}
    advance(client, 24 * 3600 - 1)
    assert rax.get("/user/agents").status_code == 200
    advance(client, 1)
    expired = rax.get("/user/agents")
    assert expired.status_code == 401
    assert "expired" in expired.json()["unauthorized"]["message"]


def test_reset_invalidates_tokens(client: TestClient, rax: Rax) -> None:
    assert rax.get("/user/agents").status_code == 200
    client.post("/_emulator/reset", json={"seed": 7})
    assert rax.get("/user/agents").status_code == 401


def test_another_tenants_path_is_403_and_its_ids_404(client: TestClient, rax: Rax,
                                                     other: Rax) -> None:
    response = client.get(other.url("/user/agents"), headers=rax.headers)
    assert response.status_code == 403
    assert response.json()["forbidden"]["code"] == 403
    theirs = other.agents[0]
    for path in (f"/agent/{theirs}", f"/backup-configuration/system/{theirs}",
                 f"/system/activity/{theirs}"):
        response = rax.get(path)
        assert response.status_code == 404, path
        assert response.json()["itemNotFound"]["code"] == 404
    their_config = other.get("/backup-configuration").json()[0]["BackupConfigurationId"]
    assert rax.get(f"/backup-configuration/{their_config}").status_code == 404
    assert rax.call("POST", "/backup/action-requested",
                    {"Action": "StartManual", "Id": their_config}).status_code == 404
    assert {a["MachineAgentId"] for a in rax.get("/user/agents").json()}.isdisjoint(other.agents)


def test_sandbox_tokens_are_isolated_and_die_with_the_sandbox(client: TestClient,
                                                             rax: Rax) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={"seed": 7}).json()  # other data
    mine = as_tenant(client, sandbox=sandbox["id"])
    assert mine.tenant == sandbox["credentials"]["rackspace"]["tenant_id"]
    assert mine.get("/user/agents").status_code == 200
    assert client.get(mine.url("/user/agents"), headers=rax.headers).status_code == 403
    # ids are numbered per world: the sandbox's agent 1 is its own, never the default world's
    assert mine.get(f"/agent/{rax.agents[0]}").json()["HostServerId"] != \
        rax.get(f"/agent/{rax.agents[0]}").json()["HostServerId"]
    client.delete(f"/_emulator/sandboxes/{sandbox['id']}")
    assert mine.get("/user/agents").status_code == 401
    assert rax.get("/user/agents").status_code == 200
