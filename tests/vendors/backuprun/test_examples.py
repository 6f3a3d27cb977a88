"""Every response example of the vendor page, reproduced element for element and attribute for
attribute, in the page's order (values aside). The shapes below are transcribed from the page.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree

from tests.vendors.backuprun.helpers import (
    add_service,
    advance,
    agents,
    api,
    credentials,
    login,
    ok,
)

Shape = tuple[str, list[str], list[Any]]


def _names(text: str) -> list[str]:
    return text.split()


STATUS: Shape = ("status", ["value"], [])
OK_ONLY: Shape = ("response", [], [STATUS])
LOGIN: Shape = ("response", [], [STATUS, ("user", [], [
    ("name", ["value"], []), ("email", ["value"], []), ("special_locations", ["value"], [])])])
ADD_CONTACT: Shape = ("response", [], [STATUS, ("contact", ["id"], [])])
# addService / activateAgent example, lines 3-12
AGENT_BRIEF: Shape = ("agent", _names(
    "id service_id readonly name host port type status cpanel_instance_id cpanel_startup "
    "mysql_instances mysql_startup ostype create_status status_min_ok startup_ok serverurl "
    "serverhostname serverip username password location location_id"),
    [("server", ["http_port", "https_port", "hostname"], [])])
ADD_SERVICE: Shape = ("response", [], [STATUS, AGENT_BRIEF])
# getStatus example, lines 4-17 (getBackupStatus has the same agent plus a task)
FULL = _names("id service_id readonly name host port type status disk_usage cpanel_instance_id "
        "cpanel_startup mysql_instances mysql_startup mssql_startup exchange_startup ostype "
        "running alert_history n_alerts create_status status_min_ok startup_ok activation_hint "
        "serverurl serverhostname serverip username password location location_id "
        "first_backup_try service_configured restricted maintenance")
SERVER_FULL: Shape = ("server", ["ip", "http_port", "https_port", "hostname"], [])
AGENT_FULL: Shape = ("agent", FULL, [SERVER_FULL])
BACKUP_STATUS: Shape = ("response", [], [STATUS, ("agent", FULL, [
    SERVER_FULL, ("task", ["first_backup_try", "service_configured", "taskstate"], [])])])
MESSAGE = ["messagesource", "messagekey", "messagekeyparameters", "messagelevel",
           "messagestring", "messagetime"]


def shape(node: etree._Element) -> Shape:
    return (str(node.tag), list(node.attrib.keys()), [shape(c) for c in node])


def _check_empty_elements_have_end_tags(raw: bytes) -> None:
    # the page writes <status value="ok"></status>, never <status/>
    assert b"/>" not in raw


def test_account_examples(client: TestClient) -> None:
    assert shape(api(client, "registerNewUser", name="John Doe", email="jd@example.com",
                     password="pw")) == OK_ONLY
    assert shape(login(client)) == LOGIN
    contact = api(client, "addContact", email="sub@example.com", name="Sub", password="pw",
                  role=4)
    assert shape(contact) == ADD_CONTACT
    contact_id = contact.find("contact").get("id")
    assert shape(api(client, "updateContactData", contact_id=contact_id, telephone="555",
                     password="pw2")) == OK_ONLY
    assert shape(api(client, "removeContact", contact_id=contact_id)) == OK_ONLY
    assert shape(api(client, "updateUserData", name="John Doe", fixed__phone="555")) == OK_ONLY
    email = credentials(client)["email"]
    assert shape(api(client, "recoverPassword", email=email)) == OK_ONLY
    code = client.get("/_emulator/backuprun/outbox").json()["messages"][-1]["recoverycode"]
    assert shape(api(client, "resetPassword", recoverycode=code, password="new",
                     remember=1)) == OK_ONLY


def test_service_examples(client: TestClient) -> None:
    login(client)
    raw = client.post("/api.php", data={
        "apiCALL": "addService", "type": "VDS", "location": "527", "name": "servername",
        "agent": "123.123.123.123", "agent_port": "1167", "encrypt": "1",
        "password": "password"}).content
    _check_empty_elements_have_end_tags(raw)
    added = etree.fromstring(raw)
    assert shape(added) == ADD_SERVICE
    agent = added.find("agent")
    assert agent is not None
    sc_id, service_id = agent.get("id"), agent.get("service_id")
    assert shape(api(client, "activateAgent", location="527", name="servername",
                     agent="123.123.123.123", agent_port="1167", agent__id=sc_id, encrypt="1",
                     password="password")) == ADD_SERVICE
    status = ok(api(client, "getStatus"))
    assert [shape(a) for a in status.find("account")] == [AGENT_FULL] * 6
    assert shape(status)[:2] == ("response", [])
    assert shape(api(client, "getBackupStatus", service_id=service_id,
                     timezoneOffset="0")) == BACKUP_STATUS
    assert shape(api(client, "setActivationHint", activation_hint="install-on-Linux",
                     service_id=service_id)) == OK_ONLY
    assert shape(api(client, "setServiceConfigured", activation_hint="linux-express-install",
                     service_id=service_id)) == OK_ONLY
    advance(client, 120)
    assert shape(api(client, "runPolicy", activation_hint="linux-express-install",
                     service_id=service_id)) == OK_ONLY
    assert shape(api(client, "editService", sc_id=sc_id, service_action="terminate",
                     service_type="custom")) == OK_ONLY


def test_task_detail_example(client: TestClient) -> None:
    login(client)
    agent = add_service(client)
    advance(client, 120)
    sid = agent.get("service_id")
    client.post(f"/_emulator/backuprun/services/{sid}/agent", json={"reachable": False})
    ok(api(client, "runPolicy", service_id=sid))
    advance(client, 60)
    history = agents(client)[sid].get("alert_history")
    context_id = json.loads(history)[0]["taskExecutionContextId"]
    raw = client.post("/api.php", data={"apiCALL": "getTaskDetailById",
                                        "taskExecutionContextId": context_id}).content
    _check_empty_elements_have_end_tags(raw)
    root = etree.fromstring(raw)
    # the page's example: connect (2 parameters), failure (3), Task Finished (none)
    expected: list[Shape] = [("message", MESSAGE, [("messagekeyparameter", ["value"], [])] * n)
                for n in (2, 3, 0)]
    assert shape(root) == ("response", [], [STATUS, ("task", [], expected)])
