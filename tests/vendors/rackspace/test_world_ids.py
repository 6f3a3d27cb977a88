"""Ids are numbered per world (issue 12): same-seed sandboxes number what clients create alike,
and an id resolves only in its own world; elsewhere it is the vendor's 404 (itemNotFound)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from emulator.vendors.rackspace import routes_agents, routes_configurations, routes_jobs
from tests.conftest import T0
from tests.vendors.rackspace.conftest import Rax, as_tenant
from tests.vendors.rackspace.test_configurations import EXAMPLE

LEGACY = 4  # tenant one's disabled agent without configurations (fixtures/rackspace.py)


@dataclass
class Sandbox:
    """A same-seed sandbox as its client sees it: id, base path and tenant one, logged in."""

    id: str
    base: str
    rax: Rax
    secrets: list[str]

    def call(self, method: str, path: str, body: Any = None, *, tenant: bool = True) -> Any:
        """A call under the sandbox's base URL (tenant-less form when not `tenant`)."""
        prefix = f"{self.base}/v1.0/{self.rax.tenant}" if tenant else f"{self.base}/v1.0"
        return self.rax.client.request(method, prefix + path, json=body,
                                       headers=self.rax.headers)

    def masked(self, content: bytes) -> bytes:
        """An answer with the sandbox's secrets (its tenant ids, login names) masked."""
        text = content.decode()
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return re.sub(r"-sb\d+", "-sb#", text).encode()


def _sandbox(client: TestClient) -> Sandbox:
    made = client.post("/_emulator/sandboxes", json={"seed": 42, "now": T0})
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    rax = as_tenant(client, sandbox=ident)
    creds = made.json()["credentials"]["rackspace"]
    return Sandbox(ident, f"/sandbox/{ident}", rax, [creds["tenant_id"], creds["username"]])


def _advance(client: TestClient, box: Sandbox, seconds: float) -> None:
    answer = client.post(f"/_emulator/sandboxes/{box.id}/clock",
                         json={"advance_seconds": seconds})
    assert answer.status_code == 200, answer.text


def _create_everything(client: TestClient, box: Sandbox) -> dict[str, Any]:
    """A configuration, a manual backup (run to its end), a restore and a restore file."""
    agent = box.rax.agents[2]  # app01: online, not encrypted
    body = copy.deepcopy(EXAMPLE)
    body["MachineAgentId"] = agent
    config = box.call("POST", "/backup-configuration", body)
    assert config.status_code == 200, config.text
    config_id = config.json()["BackupConfigurationId"]
    forced = client.post(f"/_emulator/rackspace/agents/{agent}/next-backup",
                         params={"sandbox": box.id}, json={"outcome": "Completed"})
    assert forced.status_code == 200 and forced.json()["world"] == box.id
    started = box.call("POST", "/backup/action-requested",
                       {"Action": "StartManual", "Id": config_id})
    assert started.status_code == 200, started.text
    backup_id = int(started.content)
    _advance(client, box, 3600)
    restore = box.call("PUT", "/restore", {
        "BackupId": backup_id, "BackupMachineId": agent, "DestinationMachineId": agent,
        "DestinationPath": "/srv/restored/", "OverwriteFiles": False})
    assert restore.status_code == 200, restore.text
    restore_id = restore.json()["RestoreId"]
    added = box.call("PUT", "/restore/files", {"ParentId": restore_id, "FilePath": "/srv/app/",
                                               "Filter": 1, "FileItemType": 1})
    assert added.status_code == 200, added.text
    files = box.call("GET", f"/restore/files/{restore_id}").json()
    answers = [box.call("GET", path).content for path in (
        f"/backup-configuration/{config_id}", f"/backup/report/{backup_id}",
        f"/restore/{restore_id}", "/activity", f"/agent/{agent}")]
    return {"ids": {"config": config_id, "backup": backup_id, "restore": restore_id,
                    "file": files[0]["FileId"], "config file":
                        config.json()["Inclusions"][0]["FileId"]},
            "answers": [box.masked(a) for a in answers]}


def test_same_seed_sandboxes_number_new_rows_alike(client: TestClient) -> None:
    first, second = _sandbox(client), _sandbox(client)
    made = [_create_everything(client, box) for box in (first, second)]
    assert made[0]["ids"] == made[1]["ids"]
    assert made[0]["answers"] == made[1]["answers"]
    assert b"Completed" in made[0]["answers"][1]  # the report of the forced outcome


# -- an id of world A is not found in world B -------------------------------------------------

def _id_routes() -> list[tuple[str, str]]:
    """(method, path) of every Cloud Backup GET naming a resource by id in its path."""
    return [("GET", route.path)
            for module in (routes_agents, routes_configurations, routes_jobs)
            for route in module.router.routes
            if isinstance(route, APIRoute) and "GET" in (route.methods or ())
            and re.search(r"\{\w+Id\}", route.path)]


def test_an_id_of_one_world_is_itemnotfound_in_another(client: TestClient) -> None:
    mine, theirs = _sandbox(client), _sandbox(client)
    made = _create_everything(client, mine)["ids"]
    # theirs lacks agent 4 (deleted), and the rows `mine` created after the two were alike
    assert theirs.call("POST", "/agent/delete", {"MachineAgentId": LEGACY}).status_code == 204
    ids = {"machineAgentId": LEGACY, "agentId": LEGACY, "backupConfigurationId": made["config"],
           "backupId": made["backup"], "restoreId": made["restore"]}
    walked = 0
    for _method, template in _id_routes():
        names = set(re.findall(r"\{(\w+)\}", template)) - {"tenant_id"}
        if names == {"hostServerId"}:
            continue  # a server's GUID is data, alike in same-seed worlds, not a numbered id
        assert names <= set(ids), f"{template}: add its id to this test"
        path = template.format(tenant_id=mine.rax.tenant, **ids)
        tail = path.split(f"/v1.0/{mine.rax.tenant}", 1)[-1].removeprefix("/v1.0")
        tenant = "{tenant_id}" in template
        assert mine.call("GET", tail, tenant=tenant).status_code == 200, path
        for base in (theirs.base, ""):  # its own base URL, and the root with its token
            url = (f"{base}/v1.0/{theirs.rax.tenant}{tail}" if tenant else f"{base}/v1.0{tail}")
            answer = client.get(url, headers=theirs.rax.headers)
            assert answer.status_code == 404, (url, answer.text)
            assert answer.json()["itemNotFound"]["code"] == 404
        walked += 1
    assert walked >= 20  # 10 routes, each with and without the tenant in the path

    # ids in bodies and in writes: 404 there too, and nothing of `mine` moves
    before = [mine.call("GET", p).content for p in ("/backup-configuration", "/activity")]
    for method, path, body in (
            ("POST", "/backup/action-requested", {"Action": "StartManual",
                                                  "Id": made["config"]}),
            ("POST", "/restore/action-requested", {"Action": "StartManual",
                                                   "Id": made["restore"]}),
            ("POST", "/agent/enable", {"MachineAgentId": LEGACY, "Enable": True}),
            ("DELETE", f"/backup-configuration/{made['config']}", None),
            ("PUT", "/restore/files", {"ParentId": made["restore"], "FilePath": "/x",
                                       "Filter": 1, "FileItemType": 0})):
        answer = theirs.call(method, path, body)
        assert answer.status_code == 404 and "itemNotFound" in answer.json(), (path, answer.text)
    assert [mine.call("GET", p).content for p in ("/backup-configuration", "/activity")] == before


def test_control_calls_name_an_agent_within_a_world(client: TestClient, rax: Rax) -> None:
    mine, theirs = _sandbox(client), _sandbox(client)
    assert theirs.call("POST", "/agent/delete", {"MachineAgentId": LEGACY}).status_code == 204
    gone = client.post(f"/_emulator/rackspace/agents/{LEGACY}/online",
                       params={"sandbox": theirs.id})
    assert gone.status_code == 404 and theirs.id in gone.json()["message"]
    agent = rax.agents[0]
    down = client.post(f"/_emulator/rackspace/agents/{agent}/offline", params={"sandbox": mine.id})
    assert down.status_code == 200 and down.json()["world"] == mine.id
    assert mine.call("GET", f"/agent/{agent}").json()["Status"] == "Offline"
    # the same id in the other sandbox and in the default world: untouched
    assert theirs.call("GET", f"/agent/{agent}").json()["Status"] == "Online"
    assert rax.get(f"/agent/{agent}").json()["Status"] == "Online"
