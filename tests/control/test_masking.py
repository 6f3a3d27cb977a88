"""Every secret-bearing name each vendor declares stays out of the journal, vendor by vendor."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from emulator.vendors.backuprun.schemas import SECRET_FIELDS as BACKUPRUN
from emulator.vendors.cleverfox.schemas import SECRET_FIELDS as CLEVERFOX
from emulator.vendors.code42.schemas import SECRET_FIELDS as CODE42
from emulator.vendors.rackspace.schemas import SECRET_FIELDS as RACKSPACE

# A path each vendor owns (the journal records every vendor request, answered or not).
VENDORS = {"cleverfox": ("/api/companies", CLEVERFOX),
           "rackspace": ("/v1.0/agent/encrypt", RACKSPACE),
           "backuprun": ("/api.php", BACKUPRUN),
           "code42": ("/api/v1/Computer", CODE42)}
CASES = [(vendor, field) for vendor, (_, fields) in VENDORS.items() for field in fields]


def _journal(client: TestClient) -> str:
    return json.dumps(client.get("/_emulator/requests").json())


@pytest.mark.parametrize(("vendor", "field"), CASES)
def test_a_declared_secret_is_masked_wherever_it_is_sent(client: TestClient, vendor: str,
                                                          field: str) -> None:
    path, _ = VENDORS[vendor]
    value = f"clear-{vendor}-{field}-value".replace("_", "-")
    nested = {"data": {field: value}, "auth": {"x": {field: value}}}
    client.post(path, json=nested)
    client.post(path, content=urlencode({"apiCALL": "x", field: value}),
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    client.post(path, files={field: (None, value)}, data={"apiCALL": "x"})
    client.post(path, content=f"<request><{field}>{value}</{field}></request>",
                headers={"Content-Type": "text/xml"})
    client.get(path, params={field: value})
    client.get(path, headers={field: value} if field.isascii() else {})
    client.get(path, cookies={field: value})
    journal = _journal(client)
    assert client.get("/_emulator/requests").json()["total"] >= 7
    assert value not in journal, journal


def test_rackspace_encryption_keys_are_masked(client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()["rackspace"]
    token = client.post("/v2.0/tokens", json={"auth": {"passwordCredentials": {
        "username": creds["username"], "password": creds["password"]}}})
    auth = {"X-Auth-Token": token.json()["access"]["token"]["id"]}
    agent = client.get("/v1.0/user/agents", headers=auth).json()[0]["MachineAgentId"]
    client.post("/v1.0/agent/encrypt", headers=auth,
                json={"MachineAgentId": agent, "EncryptedPasswordHex": "aa11bb22cc33"})
    client.post("/v1.0/agent/changeencryption", headers=auth,
                json={"MachineAgentId": agent, "OldEncryptedPasswordHex": "aa11bb22cc33",
                      "NewEncryptedPasswordHex": "dd44ee55ff66"})
    journal = _journal(client)
    for secret in ("aa11bb22cc33", "dd44ee55ff66", creds["password"],
                   token.json()["access"]["token"]["id"]):
        assert secret not in journal
    assert '\\"EncryptedPasswordHex\\":\\"***\\"' in journal


def test_backuprun_recovery_codes_are_masked(client: TestClient) -> None:
    email = client.get("/_emulator/credentials").json()["backuprun"]["email"]
    client.post("/api.php", data={"apiCALL": "recoverPassword", "email": email})
    mail = client.get("/_emulator/backuprun/outbox").json()["messages"][-1]
    code = str(mail["recoverycode"])
    client.post("/api.php", data={"apiCALL": "resetPassword", "recoverycode": code,
                                  "password": "fresh-secret-pw"})
    client.get("/api.php", params={"apiCALL": "resetPassword", "recoverycode": code})
    journal = _journal(client)
    assert code not in journal and "fresh-secret-pw" not in journal
    assert "recoverycode=***" in journal
