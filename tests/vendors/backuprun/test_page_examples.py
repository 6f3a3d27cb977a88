"""Each response example of the vendor page against our answer in the situation it shows,
value for value (ids and times aside), and every value the page enumerates for a parameter
against what we accept. The examples and values are in tests/vendors/backuprun/page.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from emulator.vendors.backuprun.backend import CALL_NAMES
from tests.vendors.backuprun.helpers import add_service, advance, agents, api, error, login, ok
from tests.vendors.backuprun.page import ENUMERATED, RESPONSES, values_of

EMAIL, NAME, PASSWORD = "user@email.com", "username", "userpassword"
# Values that name things of one world (ids, clock times) are compared by form only.
_BY_FORM: dict[str, re.Pattern[str]] = {
    "id": re.compile(r"^\d+$"),
    "messagetime": re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"),
}
# Where the page's text has a slip, what we answer instead (documented in docs/backuprun.md).
_PAGE_SLIPS = {"Connecting to agent hostname_or IP at port 1167 failed: Connection refused":
               "Connecting to agent hostname_or_IP at port 1167 failed: Connection refused"}


def _account(client: TestClient) -> None:
    ok(api(client, "registerNewUser", name=NAME, email=EMAIL, password=PASSWORD))
    login(client, EMAIL, PASSWORD)


def _service(client: TestClient, **overrides: str) -> etree._Element:
    fields = {"type": "VDS", "location": "528", "name": "NumeServer",
              "agent": "123.123.123.123", "agent_port": "1167", **overrides}
    return add_service(client, **fields)


def _register(client: TestClient) -> etree._Element:
    return api(client, "registerNewUser", name="John Doe", email="id@email.com",
               password=PASSWORD)


def _login(client: TestClient) -> etree._Element:
    ok(api(client, "registerNewUser", name=NAME, email=EMAIL, password=PASSWORD))
    return api(client, "login", email=EMAIL, password=PASSWORD)


def _add_contact(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "addContact", email="id@email.com", name="John Doe",
               password="password", role="4")


def _contact_id(client: TestClient) -> str:
    return str(ok(_add_contact(client)).find("contact").get("id"))


def _update_contact(client: TestClient) -> etree._Element:
    return api(client, "updateContactData", contact_id=_contact_id(client), telephone="5555",
               password="password")


def _remove_contact(client: TestClient) -> etree._Element:
    return api(client, "removeContact", contact_id=_contact_id(client))


def _update_user(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "updateUserData", name="John Doe", email="id@email.com",
               fixed__phone="55555555")


def _recover(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "recoverPassword", email=EMAIL)


def _reset(client: TestClient) -> etree._Element:
    ok(_recover(client))
    code = client.get("/_emulator/backuprun/outbox", params={"to": EMAIL}).json()
    return api(client, "resetPassword", recoverycode=code["messages"][-1]["recoverycode"],
               password="password", remember="1")


def _add_service(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "addService", type="VDS", location="528", name="NumeServer",
               agent="123.123.123.123", agent_port="1167", encrypt="1", password="password")


def _activate(client: TestClient) -> etree._Element:
    _account(client)
    sc_id = _service(client, location="527").get("id")
    return api(client, "activateAgent", location="528", name="NumeServer",
               agent="123.123.123.123", agent_port="1167", agent__id=sc_id, encrypt="1",
               password="password")


def _set_hint(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "setActivationHint", activation_hint="install-on-Linux",
               service_id=_service(client).get("service_id"))


def _set_configured(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "setServiceConfigured", activation_hint="linux-express-install",
               service_id=_service(client).get("service_id"))


def _edit(client: TestClient) -> etree._Element:
    _account(client)
    return api(client, "editService", sc_id=_service(client).get("id"),
               service_action="terminate", service_type="custom")


def _run(client: TestClient) -> etree._Element:
    _account(client)
    sid = _service(client).get("service_id")
    advance(client, 120)
    return api(client, "runPolicy", activation_hint="linux-express-install", service_id=sid)


def _status(client: TestClient) -> etree._Element:
    _account(client)
    _service(client, type="SERVER", name="123")
    _service(client, name="43", agent="124.124.124.124")
    return api(client, "getStatus")


def _backup_status(client: TestClient) -> etree._Element:
    _account(client)
    sid = _service(client, name="server").get("service_id")
    return api(client, "getBackupStatus", service_id=sid, timezoneOffset="0")


def _task_detail(client: TestClient) -> etree._Element:
    _account(client)
    sid = _service(client, agent="hostname_or_IP").get("service_id")
    advance(client, 120)
    client.post(f"/_emulator/backuprun/services/{sid}/agent", json={"reachable": False})
    ok(api(client, "runPolicy", service_id=sid))
    advance(client, 60)
    context_id = json.loads(agents(client)[sid].get("alert_history"))[0]
    return api(client, "getTaskDetailById",
               taskExecutionContextId=context_id["taskExecutionContextId"])


SITUATIONS: dict[str, Callable[[TestClient], etree._Element]] = {
    "registerNewUser": _register, "login": _login, "addContact": _add_contact,
    "updateContactData": _update_contact, "removeContact": _remove_contact,
    "updateUserData": _update_user, "recoverPassword": _recover, "resetPassword": _reset,
    "addService": _add_service, "activateAgent": _activate, "setActivationHint": _set_hint,
    "setServiceConfigured": _set_configured, "editService": _edit, "runPolicy": _run,
    "getStatus": _status, "getBackupStatus": _backup_status, "getTaskDetailById": _task_detail,
}


def _compare(page: etree._Element, ours: etree._Element, path: str) -> None:
    where = f"{path}/{page.tag}"
    assert ours.tag == page.tag, where
    assert list(ours.attrib) == list(page.attrib), where
    for name, value in page.attrib.items():
        got = ours.get(name)
        if name in _BY_FORM:
            assert got is not None and _BY_FORM[name].match(got), f"{where}@{name}: {got!r}"
        elif name == "service_id":  # V or S by type, then a number of the world
            assert got is not None and re.fullmatch(value[0] + r"\d+", got), f"{where}@{name}"
        else:
            assert got == _PAGE_SLIPS.get(value, value), f"{where}@{name}: {got!r} != {value!r}"
    assert len(ours) == len(page), where
    for page_child, our_child in zip(page, ours, strict=True):
        _compare(page_child, our_child, where)


def test_every_call_of_the_page_has_an_example_and_a_situation() -> None:
    assert set(RESPONSES) == set(SITUATIONS) == set(CALL_NAMES) - {"logout"}


@pytest.mark.parametrize("call", sorted(RESPONSES))
def test_answer_matches_the_page_example(client: TestClient, call: str) -> None:
    parser = etree.XMLParser(remove_blank_text=True)
    page = etree.fromstring(RESPONSES[call].encode(), parser)
    _compare(page, SITUATIONS[call](client), "")


def _base_params(client: TestClient, call: str) -> dict[str, str]:
    """Valid parameters for `call` besides the one under test."""
    if call in ("login", "resetPassword"):
        return {"email": EMAIL, "password": PASSWORD}
    if call == "addService":
        return {"type": "VDS", "location": "528", "name": "n", "agent": "h",
                "agent_port": "1167", "encrypt": "0", "password": "pw"}
    if call == "addContact":
        return {"email": "c@email.com", "name": "c", "password": "pw", "role": "4"}
    if call == "updateUserData":
        return {}
    agent = _service(client)
    if call == "activateAgent":
        return {"agent-id": str(agent.get("id")), "password": "pw"}
    if call == "editService":
        return {"sc_id": str(agent.get("id")), "service_action": "set_subuser",
                "subuser_id": "0"}
    advance(client, 120)
    return {"service_id": str(agent.get("service_id"))}


@pytest.mark.parametrize(("call", "parameter"), sorted(ENUMERATED))
def test_every_value_the_page_enumerates_is_accepted(client: TestClient, call: str,
                                                     parameter: str) -> None:
    _account(client)
    for value in values_of(ENUMERATED[(call, parameter)]):
        params = {**_base_params(client, call), parameter: value}
        fields = {"apiCALL": call, **params}
        root = etree.fromstring(client.post("/api.php", data=fields).content)
        if root.find("status").get("value") != "ok":
            message = error(root)
            assert f"for {parameter}:" not in message, (value, message)
        if parameter == "activation_hint" and call != "runPolicy":
            shown = ok(api(client, "getBackupStatus", service_id=params["service_id"]))
            assert shown.find("agent").get("activation_hint") == value
