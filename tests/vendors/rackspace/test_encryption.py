"""Volume encryption (one way, key change needs the old key) and vault migration rules."""

from __future__ import annotations

import re

from tests.vendors.rackspace.conftest import Rax

GUID = re.compile(rb"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# The page's samples, spaces and the "fgh" at the end of the new key included.
OLD = ("0bff42a526c78076a3d986fa75eecd 83211f166fd7692797cdde2317faee544e3300614fd54b8c0d81f975 "
       "3e58cb1ffbd62d3faf0d2bf52e79ce5cd9c6d84b5295e3dea629e71b 0a5e26efda50ff8e05a5475bb7cbd553"
       "d238c05655f56ece2df070ce 374ff1e0724827c2300e373241e94c4bc13441561604e3e70b5034eb "
       "58d717864f304c9c73b6d1d46c4276d7ec2f0e2bd9a42a8ab0ba99eb adda84f4cbb5b3611bd319627436246"
       "912139c2dde62bd00528b1464 20dceae949d1926ae05fc7df9b474e1ee176f89069fb424b12f8f357 "
       "e6e2909ba05152e9f72a68de0046b3e1520838ff5e723af02a96f51a c1e6ef4254226249b872676af76a31"
       "9cbe")
NEW = OLD[:-3] + "fgh"
KEY = OLD


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
    # "Enables ... if it is not already enabled": again is a success that changes nothing.
    again = rax.call("POST", "/agent/encrypt", {**body, "EncryptedPasswordHex": "abcdef"})
    assert again.status_code == 200 and GUID.match(again.content), again.content
    change = {"MachineAgentId": agent["MachineAgentId"], "OldEncryptedPasswordHex": KEY,
              "NewEncryptedPasswordHex": "abcdef"}
    assert rax.call("POST", "/agent/changeencryption", change).status_code == 200


def test_encrypt_validates_the_key(rax: Rax) -> None:
    agent = _plain(rax)
    response = rax.call("POST", "/agent/encrypt", {"MachineAgentId": agent["MachineAgentId"],
                                                   "EncryptedPasswordHex": "  "})
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


def test_the_pages_encryption_examples(rax: Rax) -> None:
    agent_id = _plain(rax)["MachineAgentId"]
    encrypt = rax.call("POST", "/agent/encrypt",
                       {"MachineAgentId": agent_id, "EncryptedPasswordHex": OLD})
    assert encrypt.status_code == 200 and GUID.match(encrypt.content)
    change = rax.call("POST", "/agent/changeencryption",
                      {"MachineAgentId": agent_id, "OldEncryptedPasswordHex": OLD,
                       "NewEncryptedPasswordHex": NEW})
    assert change.status_code == 200 and GUID.match(change.content)
    assert change.content != encrypt.content
