"""Worlds never leak: for every vendor, sandboxes made with the same seed (and one with the
default world's seed) each log in, create, read and delete through their own credentials and
base URL, and no other world's bytes move."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests.conftest import SEED, T0
from tests.vendors.rackspace.test_configurations import EXAMPLE as RAX_CONFIG


@dataclass
class World:
    """One world as a client sees it: its base (path prefix) and its credentials."""

    name: str
    base: str
    creds: dict[str, Any]


def worlds(client: TestClient) -> list[World]:
    """The default world, two sandboxes with the same seed, one with the default's seed."""
    made = [client.post("/_emulator/sandboxes", json={"seed": seed, "now": T0}).json()
            for seed in (42, 42, SEED)]
    for sandbox in made:
        assert sandbox["base_url"] == f"http://testserver/sandbox/{sandbox['id']}"
    default = client.get("/_emulator/credentials").json()
    return [World("default", "", default),
            *(World(f"{s['id']} (seed {s['seed']})", f"/sandbox/{s['id']}", s["credentials"])
              for s in made)]


# -- each vendor: what a world's lists read, and one log-in/create/read/delete cycle ----------

def cleverfox_lists(http: TestClient, w: World) -> list[bytes]:
    auth = (w.creds["cleverfox"]["api_key"], "")
    return [http.get(f"{w.base}/api/{name}", params={"PageSize": 1000}, auth=auth).content
            for name in ("companies", "devices", "partners")]


def cleverfox_cycle(http: TestClient, w: World) -> None:
    auth = (w.creds["cleverfox"]["api_key"], "")
    assert http.get(f"{w.base}/api/partners", auth=auth).status_code == 200
    body = {"data": {"PartnerId": 1, "PlanTypeId": 1, "Name": "Isolation Inc."}}
    made = http.post(f"{w.base}/api/companies", json=body, auth=auth)
    assert made.status_code == 201, made.text
    ident = made.json()["data"]["CompanyId"]
    device = http.get(f"{w.base}/api/devices/1", auth=auth).json()["data"]
    assert device["AgentDownloadUrl"].startswith(f"http://testserver{w.base}/downloads/")
    renamed = http.put(f"{w.base}/api/devices/1", json={"data": {**device, "Name": "Mine"}},
                       auth=auth)
    assert renamed.status_code == 200, renamed.text
    assert http.get(f"{w.base}/api/companies/{ident}", auth=auth).json()["data"]["Name"] == \
        "Isolation Inc."
    assert http.delete(f"{w.base}/api/companies/{ident}", auth=auth).status_code == 200
    assert http.get(f"{w.base}/api/companies/{ident}", auth=auth).status_code == 404


def cleverfox_refused(http: TestClient, w: World, base: str) -> None:
    answer = http.get(f"{base}/api/companies", auth=(w.creds["cleverfox"]["api_key"], ""))
    assert answer.status_code == 401 and "unknown API key" in answer.json()["Message"]


def _rax_login(http: TestClient, w: World, base: str | None = None) -> Any:
    creds = w.creds["rackspace"]
    return http.post(f"{w.base if base is None else base}/v2.0/tokens", json={"auth": {
        "RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                        "apiKey": creds["api_key"]}}})


def _rax(http: TestClient, w: World) -> tuple[str, dict[str, str]]:
    answer = _rax_login(http, w)
    assert answer.status_code == 200, answer.text
    access = answer.json()["access"]
    url = access["serviceCatalog"][0]["endpoints"][0]["publicURL"]
    tenant = w.creds["rackspace"]["tenant_id"]
    assert url == f"http://testserver{w.base}/v1.0/{tenant}"  # back under the same base
    return url, {"X-Auth-Token": access["token"]["id"]}


def rackspace_lists(http: TestClient, w: World) -> list[bytes]:
    url, headers = _rax(http, w)
    return [http.get(f"{url}{path}", headers=headers).content
            for path in ("/user/agents", "/backup-configuration")]


def rackspace_cycle(http: TestClient, w: World) -> None:
    url, headers = _rax(http, w)
    agents = [a["MachineAgentId"] for a in http.get(f"{url}/user/agents",
                                                     headers=headers).json()]
    body = copy.deepcopy(RAX_CONFIG)
    body["MachineAgentId"] = agents[2]
    made = http.post(f"{url}/backup-configuration", json=body, headers=headers)
    assert made.status_code == 200, made.text
    ident = made.json()["BackupConfigurationId"]
    read = http.get(f"{url}/backup-configuration/{ident}", headers=headers)
    assert read.json()["BackupConfigurationName"] == RAX_CONFIG["BackupConfigurationName"]
    assert http.delete(f"{url}/backup-configuration/{ident}", headers=headers).status_code \
        in (200, 204)
    assert http.get(f"{url}/backup-configuration/{ident}", headers=headers).status_code == 404


def rackspace_refused(http: TestClient, w: World, base: str) -> None:
    answer = _rax_login(http, w, base)
    assert answer.status_code == 401 and "unauthorized" in answer.json()


def _br(http: TestClient, w: World, call: str, base: str | None = None,
        **params: str) -> etree._Element:
    answer = http.post(f"{w.base if base is None else base}/api.php",
                       data={"apiCALL": call, **params})
    return etree.fromstring(answer.content)


def _br_ok(root: etree._Element) -> etree._Element:
    assert root.find("status").get("value") == "ok", etree.tostring(root)
    return root


def backuprun_lists(http: TestClient, w: World) -> list[bytes]:
    creds = w.creds["backuprun"]
    _br_ok(_br(http, w, "login", email=creds["email"], password=creds["password"]))
    status = _br(http, w, "getStatus")
    _br_ok(_br(http, w, "logout"))
    return [etree.tostring(status)]


def backuprun_cycle(http: TestClient, w: World) -> None:
    # calls that name no world: they act on the world of the base URL
    _br_ok(_br(http, w, "registerNewUser", email="same@example.com", name="Same",
               password="same-password"))
    _br_ok(_br(http, w, "recoverPassword", email="same@example.com"))
    _br_ok(_br(http, w, "login", email="same@example.com", password="same-password"))
    cookie = http.cookies.jar
    assert [c.path for c in cookie if c.name == "PHPSESSID"] == [w.base + "/"]
    made = _br_ok(_br(http, w, "addContact", email="contact@example.com", name="Contact",
                      password="contact-pw", role="4"))
    contact = made.find("contact").get("id")
    _br_ok(_br(http, w, "getStatus"))
    _br_ok(_br(http, w, "removeContact", contact_id=contact))
    _br_ok(_br(http, w, "logout"))
    http.cookies.clear()


def backuprun_refused(http: TestClient, w: World, base: str) -> None:
    creds = w.creds["backuprun"]
    root = _br(http, w, "login", base, email=creds["email"], password=creds["password"])
    assert root.find("error").get("code") == "login_failed"


def _c42_basic(w: World) -> tuple[str, str]:
    login = w.creds["code42"]["sysadmin"]
    return (login["username"], login["password"])


def code42_lists(http: TestClient, w: World) -> list[bytes]:
    return [http.get(f"{w.base}/api/DeviceBackupReport", auth=_c42_basic(w)).content,
            http.get(f"{w.base}/api/v1/Org", auth=_c42_basic(w)).content]


def code42_cycle(http: TestClient, w: World) -> None:
    # The emulated Code42 API only reads; what a client creates there is its tokens.
    user = _c42_basic(w)[0]
    assert http.get(f"{w.base}/api/v3/LoginConfiguration", params={"username": user}).json()[
        "loginType"] == "LOCAL"
    jwt = http.get(f"{w.base}/api/v3/auth/jwt", auth=_c42_basic(w))
    assert jwt.status_code == 200, jwt.text
    token = jwt.json()["data"]["v3_user_token"]
    client = w.creds["code42"]["api_client"]
    oauth = http.post(f"{w.base}/api/v3/oauth/token", params={"grant_type": "client_credentials"},
                      auth=(client["client_id"], client["secret"]))
    assert oauth.status_code == 200, oauth.text
    for bearer in (token, oauth.json()["access_token"]):
        report = http.get(f"{w.base}/api/DeviceBackupReport",
                          headers={"Authorization": f"Bearer {bearer}"})
        assert report.status_code == 200 and report.json()["data"]


def code42_refused(http: TestClient, w: World, base: str) -> None:
    answer = http.get(f"{base}/api/DeviceBackupReport", auth=_c42_basic(w))
    assert answer.status_code == 401
    login = http.get(f"{base}/api/v3/LoginConfiguration",
                     params={"username": _c42_basic(w)[0]})
    assert login.json()["loginType"] == "LOCAL_2FA"  # not a user of that sandbox


Lists = Callable[[TestClient, World], list[bytes]]
Cycle = Callable[[TestClient, World], None]
Refused = Callable[[TestClient, World, str], None]
VENDORS: dict[str, tuple[Lists, Cycle, Refused]] = {
    "cleverfox": (cleverfox_lists, cleverfox_cycle, cleverfox_refused),
    "rackspace": (rackspace_lists, rackspace_cycle, rackspace_refused),
    "backuprun": (backuprun_lists, backuprun_cycle, backuprun_refused),
    "code42": (code42_lists, code42_cycle, code42_refused),
}


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_each_world_acts_through_its_own_base_url_and_moves_no_other(
        client: TestClient, vendor: str) -> None:
    lists, cycle, refused = VENDORS[vendor]
    everyone = worlds(client)
    own_jar = TestClient(client.app)  # a cookie jar of its own, on the same server
    for actor in everyone:
        others = [w for w in everyone if w is not actor]
        before = {w.name: lists(own_jar, w) for w in others}
        cycle(own_jar, actor)
        after = {w.name: lists(own_jar, w) for w in others}
        assert after == before, f"{actor.name} moved another world"
        # its credentials mean nothing under any other sandbox's base URL
        for other in others:
            if other.base:
                refused(own_jar, actor, other.base)


def test_sandbox_credentials_keep_working_at_the_root(client: TestClient) -> None:
    sandbox = worlds(client)[1]
    at_root = World(sandbox.name, "", sandbox.creds)
    root_lists, own_lists = cleverfox_lists(client, at_root), cleverfox_lists(client, sandbox)
    assert root_lists[0] == own_lists[0]  # companies (devices differ only in their URLs)
    assert root_lists[1].replace(b"http://testserver/downloads",
                                 f"http://testserver{sandbox.base}/downloads".encode()) == \
        own_lists[1]
    assert code42_lists(client, at_root) == code42_lists(client, sandbox)
    token = _rax_login(client, sandbox, "")
    assert token.status_code == 200, token.text
    url = token.json()["access"]["serviceCatalog"][0]["endpoints"][0]["publicURL"]
    assert url == f"http://testserver/v1.0/{sandbox.creds['rackspace']['tenant_id']}"
    assert client.get(f"{url}/user/agents", headers={
        "X-Auth-Token": token.json()["access"]["token"]["id"]}).status_code == 200


def _secrets_of(creds: Any) -> list[str]:
    """Every value of a credentials tree, longest first."""
    if isinstance(creds, dict):
        return sorted((s for v in creds.values() for s in _secrets_of(v)), key=len,
                      reverse=True)
    return [str(creds)]


def test_same_seed_worlds_hold_the_same_data_apart_from_secrets(client: TestClient) -> None:
    _default, first, second, _other = worlds(client)
    assert first.creds != second.creds
    assert not set(_secrets_of(first.creds)) & set(_secrets_of(second.creds)) - {"", "None"}

    def masked(w: World) -> list[bytes]:
        text = b"\n".join(cleverfox_lists(client, w)).decode().replace(w.base, "<base>")
        for secret in _secrets_of(w.creds):
            text = text.replace(secret, "<secret>")
        # the devices' own API keys are secrets too
        return [re.sub(r'"ApiKey":"[0-9A-F-]{36}"', '"ApiKey":"<secret>"', text).encode()]

    assert masked(first) == masked(second)


def test_a_credential_alone_names_its_world(client: TestClient) -> None:
    everyone = worlds(client)
    keys = [w.creds["cleverfox"]["api_key"] for w in everyone]
    assert len(set(keys)) == len(keys)
    clients = [w.creds["code42"]["api_client"]["client_id"] for w in everyone]
    assert len(set(clients)) == len(clients)
    # at the root, each key reaches its own world: the renamed device shows only there
    first = everyone[1]
    cleverfox_cycle(client, World(first.name, "", first.creds))
    names = [client.get("/api/devices/1", auth=(w.creds["cleverfox"]["api_key"], "")).json()[
        "data"]["Name"] for w in everyone]
    assert names[1] == "Mine" and "Mine" not in (names[0], names[2], names[3])


@pytest.mark.parametrize("vendor", ["rackspace", "backuprun", "code42"])
def test_same_seed_worlds_hold_the_same_data(client: TestClient, vendor: str) -> None:
    _default, first, second, _other = worlds(client)
    lists = VENDORS[vendor][0]

    def masked(w: World, ordinal: int) -> bytes:
        text = b"\n".join(lists(TestClient(client.app), w)).decode().replace(w.base, "<base>")
        for secret in _secrets_of(w.creds):
            text = text.replace(secret, "<secret>")
        text = re.sub(r'password="[a-z0-9]{12}"', 'password="<secret>"', text)
        # A Code42 org's registrationKey is a credential (a device that knows it registers
        # into the org), drawn per world through core.secrets like every other secret.
        text = re.sub(r'"registrationKey":"[0-9A-F]{4}(-[0-9A-F]{4}){3}"',
                      '"registrationKey":"<secret>"', text)
        # Login names and e-mails carry the sandbox's ordinal: BackupRun's `login` at the root
        # finds the world by e-mail alone, so a login e-mail is a credential, unique per world.
        return text.replace(f"-sb{ordinal}", "-sb#").encode()

    # Apart from secrets and login-name tags, same-seed worlds hold the same data (issue 12).
    assert masked(first, 1) == masked(second, 2)
