"""/api.php transport: bodies, the XML answer, the error shape, sessions required."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests.vendors.backuprun.helpers import api, credentials, error, login, ok

SESSION_CALLS = ["addContact", "updateContactData", "removeContact", "updateUserData",
                 "addService", "activateAgent", "setActivationHint", "setServiceConfigured",
                 "editService", "runPolicy", "getStatus", "getBackupStatus",
                 "getTaskDetailById", "logout"]


def _xml(client: TestClient, method: str, path: str, **kwargs: Any) -> etree._Element:
    response = client.request(method, path, **kwargs)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=UTF-8"
    return etree.fromstring(response.content)


def test_unknown_and_missing_apicall(client: TestClient) -> None:
    assert "nope" in error(api(client, "nope"), "unknown_apicall")
    assert "apiCALL" in error(_xml(client, "POST", "/api.php", data={"x": "1"}),
                              "missing_apicall")
    assert "apiCALL" in error(_xml(client, "POST", "/api.php"), "missing_apicall")


def test_other_paths_and_methods_answer_the_error_shape(client: TestClient) -> None:
    error(_xml(client, "GET", "/api.php"), "method_not_allowed")
    error(_xml(client, "PUT", "/api.php", data={"apiCALL": "login"}), "method_not_allowed")
    error(_xml(client, "POST", "/api.php/extra"), "not_found")
    message = error(_xml(client, "POST", "/api.php", content=b"--x\r\nbroken",
                         headers={"content-type": "multipart/form-data; boundary=x"}))
    assert message


def test_api_call_in_the_query_string(client: TestClient) -> None:
    creds = credentials(client)
    root = _xml(client, "POST", "/api.php?apiCALL=login", data=creds)
    assert ok(root).find("user/email").get("value") == creds["email"]
    # a form field wins over the query string, as in PHP's $_REQUEST
    error(_xml(client, "POST", "/api.php?apiCALL=getStatus", data={"apiCALL": "nope"}),
          "unknown_apicall")


@pytest.mark.parametrize("multipart", [False, True])
def test_urlencoded_and_multipart_bodies(client: TestClient, multipart: bool) -> None:
    creds = credentials(client)
    ok(api(client, "login", multipart=multipart, **creds))
    root = ok(api(client, "getStatus", multipart=multipart))
    assert len(root.findall("account/agent")) == 5
    message = error(api(client, "addService", multipart=multipart, type="VDS"),
                    "missing_parameter")
    assert "location" in message or "name" in message or "agent" in message


@pytest.mark.parametrize("call", SESSION_CALLS)
def test_calls_need_a_session(client: TestClient, call: str) -> None:
    assert "login" in error(api(client, call), "not_logged_in")


def test_unknown_cookie_is_not_a_session(client: TestClient) -> None:
    client.cookies.set("PHPSESSID", "x" * 26)
    error(api(client, "getStatus"), "not_logged_in")
    client.cookies.set("PHPSESSID", "y" * 500)
    error(api(client, "getStatus"), "not_logged_in")


def test_names_are_escaped_and_parse_back(client: TestClient) -> None:
    nasty = "a<b>&c\"d'e]]>\u00e9"
    login(client)
    agent = ok(api(client, "addService", type="SERVER", location="527", name=nasty,
                   agent="h&<>", agent_port="1167")).find("agent")
    assert agent is not None and agent.get("name") == nasty and agent.get("host") == "h&<>"
    status = {a.get("name"): a for a in ok(api(client, "getStatus")).iterfind("account/agent")}
    assert nasty in status
    raw = client.post("/api.php", data={"apiCALL": "getStatus"}).content
    assert b"a&lt;b&gt;&amp;c&quot;d'e]]&gt;" in raw


def test_missing_and_bad_values_name_the_parameter(client: TestClient) -> None:
    login(client)
    assert "agent_port" in error(api(client, "addService", type="VDS", location="528",
                                     name="n", agent="h", agent_port="http"), "invalid_value")
    assert "location" in error(api(client, "addService", type="VDS", location="1",
                                   name="n", agent="h", agent_port="1"), "invalid_value")
    assert "type" in error(api(client, "addService", type="NAS", location="528",
                               name="n", agent="h", agent_port="1"), "invalid_value")
    assert "password" in error(api(client, "addService", type="VDS", location="528", name="n",
                                   agent="h", agent_port="1", encrypt="1"), "missing_parameter")
    assert "remember" in error(api(client, "login", email="a@b.c", password="p",
                                   remember="yes"), "invalid_value")


def test_text_xml_cannot_carry_is_refused_not_stored(client: TestClient) -> None:
    login(client)
    before = client.post("/api.php", data={"apiCALL": "getStatus"}).content
    message = error(api(client, "addService", type="VDS", location="528", name="bad\x01name",
                        agent="h", agent_port="1167"), "invalid_value")
    assert "name" in message
    error(api(client, "nope\x00"), "invalid_value")
    assert client.post("/api.php", data={"apiCALL": "getStatus"}).content == before
