"""The wire: WCF dates and slashes, sizes, durations, tenant-less paths, faults, base URL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from emulator.app import create_app
from emulator.core.timeutil import UTC
from emulator.vendors.rackspace.wire import date, duration, size
from tests.conftest import make_settings
from tests.vendors.rackspace.conftest import Rax, as_tenant


def test_sizes_durations_and_dates_as_the_vendor_writes_them() -> None:
    assert size(0) == "0 B"
    assert size(512 * 1024) == "512 KB"
    assert size(int(35.3 * 2**20)) == "35.3 MB"
    assert size(2 * 2**30) == "2 GB"
    assert size(int(3.7 * 2**30)) == "3.7 GB"
    start = datetime(2012, 10, 24, 22, 46, tzinfo=UTC)
    assert duration(start, start + timedelta(minutes=4, seconds=33)) == "00:04:33"
    assert duration(start, start + timedelta(hours=27, seconds=1)) == "27:00:01"
    assert duration(None, start) == "00:00:00"
    assert date(datetime(2013, 1, 10, 11, 30, tzinfo=UTC)) == "/Date(1357817400000)/"
    assert date(None) is None


def _get_paths(rax: Rax) -> list[str]:
    config = rax.get("/backup-configuration").json()[0]
    config_id = config["BackupConfigurationId"]
    backup_id = rax.get(f"/backup/completed/{config_id}").json()[0]["BackupId"]
    restore_id = next(a["ID"] for a in rax.get("/activity").json() if a["Type"] == "Restore")
    agent = rax.get(f"/agent/{rax.agents[0]}").json()
    return [
        f"/agent/{rax.agents[0]}", f"/agent/server/{agent['HostServerId']}", "/user/agents",
        "/backup-configuration", f"/backup-configuration/{config_id}",
        f"/backup-configuration/system/{rax.agents[0]}", f"/backup/{backup_id}",
        f"/backup/completed/{config_id}", f"/backup/report/{backup_id}",
        "/backup/availableforrestore", f"/restore/{restore_id}",
        f"/restore/report/{restore_id}", f"/restore/files/{restore_id}",
        f"/system/activity/{rax.agents[0]}", "/activity",
    ]


def test_tenantless_and_slash_paths_answer_the_same_bytes(client: TestClient, rax: Rax) -> None:
    for path in _get_paths(rax):
        documented = rax.get(path)
        assert documented.status_code == 200, path
        assert documented.headers["content-type"] == "application/json; charset=utf-8"
        for variant in (f"/v1.0{path}", f"/v1.0{path}/", rax.url(path) + "/"):
            response = client.get(variant, headers=rax.headers)
            assert response.status_code == 200, variant
            assert response.content == documented.content, variant


def test_tenantless_writes_use_the_tokens_tenant(client: TestClient, rax: Rax) -> None:
    response = client.post("/v1.0/agent/enable", headers=rax.headers,
                           json={"MachineAgentId": rax.agents[0], "Enable": False})
    assert response.status_code == 204
    assert rax.get(f"/agent/{rax.agents[0]}").json()["IsDisabled"] is True
    assert client.post("/v1.0/user/wakeupagents/", headers=rax.headers).status_code == 200


def test_every_slash_in_a_string_is_escaped_as_wcf_does(rax: Rax) -> None:
    raw = rax.get(f"/agent/{rax.agents[0]}").content
    assert b'"BackupContainer":"https:\\/\\/storage101.' in raw
    assert b'"TimeOfLastSuccessfulBackup":"\\/Date(' in raw
    assert b"/" not in raw.replace(b"\\/", b"")


def test_unknown_paths_and_methods_are_faults(rax: Rax) -> None:
    missing = rax.get("/no/such/thing")
    assert missing.status_code == 404 and missing.json()["itemNotFound"]["code"] == 404
    wrong = rax.call("PATCH", "/user/agents")
    assert wrong.status_code == 405 and wrong.json()["badMethod"]["code"] == 405
    bad_id = rax.get("/agent/not-a-number")
    assert bad_id.status_code == 400 and "machineAgentId" in bad_id.json()["badRequest"][
        "message"]


@pytest.fixture
def configured() -> Iterator[TestClient]:
    app = create_app(make_settings(base_url="https://backup.example.test/"))
    with TestClient(app) as test_client:
        yield test_client


def test_configured_base_url_goes_into_the_catalog(configured: TestClient) -> None:
    rax = as_tenant(configured)
    creds = configured.get("/_emulator/credentials").json()["rackspace"]
    body = {"auth": {"passwordCredentials": {"username": creds["username"],
                                             "password": creds["password"]}}}
    catalog = configured.post("/v2.0/tokens", json=body).json()["access"]["serviceCatalog"]
    urls = {e["publicURL"] for e in catalog[0]["endpoints"]}
    assert urls == {f"https://backup.example.test/v1.0/{rax.tenant}"}


def test_ids_too_large_for_the_store_are_404_not_500(rax: Rax) -> None:
    big = 10**30
    for path in (f"/agent/{big}", f"/backup/{big}", f"/restore/{big}",
                 f"/backup-configuration/{big}", f"/system/activity/{big}"):
        response = rax.get(path)
        assert response.status_code == 404, path
    enable = rax.call("POST", "/agent/enable", {"MachineAgentId": big, "Enable": True})
    # a body int past the vendor's 32 bits is refused naming the field (WCF cannot read it)
    assert enable.status_code == 400 and "MachineAgentId" in enable.text
    name = rax.call("POST", "/backup-configuration", {
        "MachineAgentId": rax.agents[0], "BackupConfigurationName": "x" * 201,
        "IsActive": True, "VersionRetention": 30, "Frequency": "Manually",
        "TimeZoneId": "UTC", "NotifyRecipients": "", "NotifySuccess": False,
        "NotifyFailure": False})
    assert name.status_code == 400 and "BackupConfigurationName" in name.text
