"""Volume encryption (one way, key change needs the old key) and vault migration rules."""

from __future__ import annotations

import re

from tests.vendors.rackspace.conftest import Rax

GUID = re.compile(rb"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
KEY = "0bff42a526c78076a3d986fa75eecd 83211f166fd7692797cdde2317faee544e3300614fd54b8c"


def _plain(rax: Rax) -> dict:
    return next(a for a in (rax.get(f"/agent/{i}").json() for i in rax.agents)
                if not a["IsEncrypted"] and not a["IsDisabled"])


def test_encrypt_is_one_way_and_answers_a_guid(rax: Rax) -> None:
    agent = _plain(rax)
    body = {"MachineAgentId": agent["MachineAgentId"], "EncryptedPasswordHex": KEY}
    response = rax.call("POST", "/agent/encrypt", body)
    assert response.status_code == 200
    assert GUID.match(response.content), response.content
    assert response.headers["content-type"].startswith("text/plain")
    assert rax.get(f"/agent/{agent['MachineAgentId']}").json()["IsEncrypted"] is True
    again = rax.call("POST", "/agent/encrypt", body)
    assert again.status_code == 403 and "forbidden" in again.json()


def test_encrypt_validates_the_key(rax: Rax) -> None:
    agent = _plain(rax)
    response = rax.call("POST", "/agent/encrypt", {"MachineAgentId": agent["MachineAgentId"],
                                                   "EncryptedPasswordHex": "not hex!"})
    assert response.status_code == 400
    assert "EncryptedPasswordHex" in response.json()["badRequest"]["message"]
    assert rax.get(f"/agent/{agent['MachineAgentId']}").json()["IsEncrypted"] is False


def test_change_encryption_needs_the_old_key(rax: Rax) -> None:
    agent = _plain(rax)
    agent_id = agent["MachineAgentId"]
    change = {"MachineAgentId": agent_id, "OldEncryptedPasswordHex": KEY,
              "NewEncryptedPasswordHex": "abcdef0123"}
    assert rax.call("POST", "/agent/changeencryption", change).status_code == 403  # not yet
    rax.call("POST", "/agent/encrypt", {"MachineAgentId": agent_id,
                                        "EncryptedPasswordHex": KEY})
    wrong = rax.call("POST", "/agent/changeencryption",
                     {**change, "OldEncryptedPasswordHex": "deadbeef"})
    assert wrong.status_code == 403
    ok = rax.call("POST", "/agent/changeencryption", change)
    assert ok.status_code == 200 and GUID.match(ok.content)
    # The old key no longer works; the new one does.
    assert rax.call("POST", "/agent/changeencryption", change).status_code == 403
    back = {**change, "OldEncryptedPasswordHex": "ABCDEF0123", "NewEncryptedPasswordHex": KEY}
    assert rax.call("POST", "/agent/changeencryption", back).status_code == 200


def test_migrate_vault_rules(rax: Rax, other: Rax) -> None:
    agents = {a["MachineAgentId"]: a for a in (rax.get(f"/agent/{i}").json()
                                               for i in rax.agents)}
    encrypted = next(i for i, a in agents.items() if a["IsEncrypted"])
    empty = next(i for i in agents
                 if not rax.get(f"/backup-configuration/system/{i}").json())
    source, busy = (i for i in agents
                    if i not in (encrypted, empty))
    cases = [
        (source, encrypted), (encrypted, empty), (source, busy), (source, other.agents[0]),
        (source, source), (source, 987654),
    ]
    for src, dst in cases:
        response = rax.call("PUT", "/agent/migratevault",
                            {"SourceMachineAgentId": src, "DestinationMachineAgentId": dst})
        assert response.status_code == 403, (src, dst, response.text)
        assert "forbidden" in response.json()
    configs = rax.get(f"/backup-configuration/system/{source}").json()
    vault = agents[source]["BackupVaultSize"]
    ok = rax.call("PUT", "/agent/migratevault",
                  {"SourceMachineAgentId": source, "DestinationMachineAgentID": empty})
    assert ok.status_code == 200 and ok.content == b""
    moved = rax.get(f"/backup-configuration/system/{empty}").json()
    assert [c["BackupConfigurationId"] for c in moved] == \
        [c["BackupConfigurationId"] for c in configs]
    assert rax.get(f"/backup-configuration/system/{source}").json() == []
    assert rax.get(f"/agent/{empty}").json()["BackupVaultSize"] == vault
    assert rax.get(f"/agent/{source}").json()["BackupVaultSize"] == "0 B"
