"""Ids are numbered per world (issue 12): same-seed sandboxes number what clients create alike,
and an id of another world is an unknown object, in BackupRun's own error format."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree

from emulator.vendors.backuprun.openapi import FIELDS
from tests.conftest import T0
from tests.vendors.backuprun.helpers import error, ok

# The form fields that name a row by its id (the rest are settings).
ID_FIELDS = ("contact_id", "subuser_id", "agent-id", "sc_id", "service_id",
             "taskExecutionContextId")
SERVICE = {"type": "VDS", "location": "528", "name": "srv", "agent": "123.123.123.123",
           "agent_port": "1167"}


class Sandbox:
    """One sandbox as a PHP client sees it: its base URL and a cookie jar of its own."""

    def __init__(self, client: TestClient, seed: int) -> None:
        made = client.post("/_emulator/sandboxes", json={"seed": seed, "now": T0}).json()
        self.id, self.creds = made["id"], made["credentials"]["backuprun"]
        self.base = f"/sandbox/{self.id}"
        self.http = TestClient(client.app)
        ok(self.api("login", email=self.creds["email"], password=self.creds["password"],
                    remember="1"))

    def api(self, call: str, **params: Any) -> etree._Element:
        answer = self.http.post(f"{self.base}/api.php", data={"apiCALL": call, **params})
        assert answer.status_code == 200, answer.text
        return etree.fromstring(answer.content)

    def advance(self, seconds: float) -> None:
        answer = self.http.post(f"/_emulator/sandboxes/{self.id}/clock",
                                json={"advance_seconds": seconds})
        assert answer.status_code == 200, answer.text

    def status(self) -> bytes:
        """getStatus's bytes with the secrets (the CDP users' passwords) masked."""
        text = etree.tostring(ok(self.api("getStatus"))).decode()
        return re.sub(r' password="[^"]*"', ' password="<secret>"', text).encode()


def _context(agent: etree._Element) -> str:
    """The taskExecutionContextId of an agent's latest task, from its alert_history."""
    return str(json.loads(agent.get("alert_history"))[0]["taskExecutionContextId"])


def _create_everything(sandbox: Sandbox) -> dict[str, str]:
    """A contact, a service that runs a backup, and mail: the ids each creation got."""
    contact = ok(sandbox.api("addContact", email="new@example.com", name="New",
                             password="pw", role="4")).find("contact").get("id")
    agent = ok(sandbox.api("addService", **SERVICE)).find("agent")
    sandbox.advance(120)  # created
    ok(sandbox.api("runPolicy", service_id=agent.get("service_id")))
    sandbox.advance(3600)  # the backup ran
    backup = ok(sandbox.api("getBackupStatus", service_id=agent.get("service_id")))
    context = _context(backup.find("agent"))
    ok(sandbox.api("recoverPassword", email="new@example.com"))
    mail = sandbox.http.get("/_emulator/backuprun/outbox",
                            params={"sandbox": sandbox.id}).json()["messages"]
    return {"contact_id": contact, "subuser_id": contact, "agent-id": agent.get("id"),
            "sc_id": agent.get("id"), "service_id": agent.get("service_id"),
            "taskExecutionContextId": context, "mail": str(mail[-1]["id"])}


def test_same_seed_sandboxes_number_new_creations_alike(client: TestClient) -> None:
    first, second = Sandbox(client, 7), Sandbox(client, 7)
    made = [_create_everything(first), _create_everything(second)]
    assert made[0] == made[1]
    assert made[0]["agent-id"] == "6"  # after the fixture's five services, in each world
    assert first.status() == second.status()
    details = [s.api("getTaskDetailById", taskExecutionContextId=made[0]["taskExecutionContextId"])
               for s in (first, second)]
    assert etree.tostring(ok(details[0])) == etree.tostring(ok(details[1]))


def _value(call: str, name: str, choices: tuple[str, ...], own: dict[str, str]) -> str:
    if name in own:
        return own[name]
    if name == "service_action":
        return "set_subuser"  # never terminate the world's own service in this test
    if choices:
        return choices[0]
    return {"email": "other@example.com", "agent_port": "1167"}.get(name, "x")


def _cases() -> list[tuple[str, str, dict[str, tuple[str, ...]]]]:
    """Every call naming a row by id, once per id field, other fields valid in the world."""
    cases = []
    for call, (_summary, fields) in FIELDS.items():
        for field in fields:
            if field.name in ID_FIELDS:
                cases.append((call, field.name, {f.name: f.choices for f in fields
                                                 if f.required or f.name in ID_FIELDS}))
    return cases


def test_an_id_of_another_world_is_an_unknown_object(client: TestClient) -> None:
    first, second = Sandbox(client, 7), Sandbox(client, 7)
    foreign = _create_everything(first)
    # the second world's own rows, which every other id field names
    own_task = _context(ok(second.api("getStatus")).find("account/agent[@id='2']"))
    own = {"contact_id": "2", "subuser_id": "2", "agent-id": "1", "sc_id": "1",
           "service_id": "V15767", "taskExecutionContextId": own_task}
    cases = _cases()
    assert {name for _call, name, _fields in cases} == set(ID_FIELDS)
    before = [first.status(), second.status()]
    for call, name, fields in cases:
        params = {f: _value(call, f, choices, own) for f, choices in fields.items()}
        params[name] = foreign[name]
        message = error(second.api(call, **params), "not_found")
        assert foreign[name] in message, (call, name, message)
    assert [first.status(), second.status()] == before
    # the control plane too: ids are per world, so a sandbox is named, never guessed
    for key in (foreign["sc_id"], foreign["service_id"]):
        answer = client.post(f"/_emulator/backuprun/services/{key}/agent",
                             params={"sandbox": second.id}, json={"reachable": False})
        assert answer.status_code == 404, answer.text
        answer = client.post(f"/_emulator/backuprun/services/{key}/agent",
                             params={"sandbox": first.id}, json={"reachable": False})
        assert answer.status_code == 200 and answer.json()["world"] == first.id
