"""addService and create_status, activateAgent, hints, editService terminate, no partial writes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.vendors.backuprun.helpers import (
    add_service,
    advance,
    agents,
    api,
    created_service,
    error,
    login,
    ok,
)

LOCATIONS = {"527": "Washington", "528": "Los Angeles", "529": "Frankfurt", "530": "Bucharest"}


def test_add_service_per_type_and_location(client: TestClient) -> None:
    login(client)
    for kind, type_code, prefix in (("VDS", "3", "V"), ("SERVER", "1", "S")):
        for location, name in LOCATIONS.items():
            agent = add_service(client, type=kind, location=location)
            assert agent.get("type") == type_code
            assert agent.get("service_id") == f"{prefix}{15766 + int(agent.get('id'))}"
            assert agent.get("location") == name and agent.get("location_id") == location
            host = agent.get("serverhostname")
            assert agent.get("serverurl") == f"https://{host}:443/j_spring_security_check"
            assert agent.find("server").get("hostname") == host
            assert agent.get("create_status") == "0" and agent.get("status") == "0"
    assert len({a.get("serverip") for a in agents(client).values()}) == 4


def test_create_status_climbs_to_ten_on_the_clock(client: TestClient) -> None:
    login(client)
    sid = add_service(client).get("service_id")
    seen = ["0"]
    for _ in range(60):
        advance(client, 2)
        value = agents(client)[sid].get("create_status")
        if value != seen[-1]:
            seen.append(value)
    assert seen == ["0", "1", "2", "3", "4", "5", "10"]
    agent = agents(client)[sid]
    assert agent.get("username") == sid.lower() and len(agent.get("password")) == 12


def test_errors_change_nothing(client: TestClient) -> None:
    login(client)
    before = client.post("/api.php", data={"apiCALL": "getStatus"}).content
    error(api(client, "addService", type="VDS", location="528", name="n", agent="h",
              agent_port="1167", encrypt="1"), "missing_parameter")
    error(api(client, "addService", type="VDS", location="528", name="n", agent="h",
              agent_port="70000"), "invalid_value")
    error(api(client, "activateAgent", agent__id="1", name="changed", agent_port="0"),
          "invalid_value")
    error(api(client, "activateAgent", agent__id="1", name="changed", encrypt="1"),
          "missing_parameter")
    error(api(client, "setActivationHint", service_id="V15767", activation_hint="bogus"),
          "invalid_value")
    error(api(client, "editService", sc_id="abc", service_action="terminate"), "invalid_value")
    error(api(client, "editService", sc_id="999999", service_action="terminate"), "not_found")
    error(api(client, "getBackupStatus", service_id="V1"), "not_found")
    assert client.post("/api.php", data={"apiCALL": "getStatus"}).content == before


def test_activate_agent_applies_changes(client: TestClient) -> None:
    login(client)
    agent = add_service(client)
    changed = ok(api(client, "activateAgent", agent__id=agent.get("id"), agent="10.0.0.9",
                     agent_port="2000", location="529", name="renamed", encrypt="1",
                     password="secret")).find("agent")
    assert (changed.get("host"), changed.get("port"), changed.get("name")) == (
        "10.0.0.9", "2000", "renamed")
    assert changed.get("location") == "Frankfurt"
    assert agents(client)[agent.get("service_id")].get("host") == "10.0.0.9"
    error(api(client, "activateAgent"), "missing_parameter")


def test_activation_hint_and_configured(client: TestClient) -> None:
    login(client)
    sid = add_service(client).get("service_id")
    ok(api(client, "setActivationHint", service_id=sid, activation_hint="install-on-Windows"))
    agent = agents(client)[sid]
    assert agent.get("activation_hint") == "install-on-Windows"
    assert agent.get("service_configured") == "0"
    ok(api(client, "setServiceConfigured", service_id=sid,
           activation_hint="linux-express-install"))
    agent = agents(client)[sid]
    assert agent.get("activation_hint") == "linux-express-install"
    assert agent.get("service_configured") == "1"


def test_terminate_sets_minus_four_then_removes(client: TestClient) -> None:
    login(client)
    agent = created_service(client)
    sid, sc_id = agent.get("service_id"), agent.get("id")
    ok(api(client, "editService", sc_id=sc_id, service_action="terminate",
           service_type="custom"))
    assert agents(client)[sid].get("create_status") == "-4"
    assert "terminated" in error(api(client, "editService", sc_id=sc_id,
                                     service_action="terminate"), "wrong_state")
    error(api(client, "runPolicy", service_id=sid), "wrong_state")
    advance(client, 61)
    assert sid not in agents(client)
    error(api(client, "getBackupStatus", service_id=sid), "not_found")


def test_terminate_while_being_created(client: TestClient) -> None:
    login(client)
    agent = add_service(client)
    advance(client, 5)
    ok(api(client, "editService", sc_id=agent.get("id"), service_action="terminate"))
    advance(client, 30)
    assert agents(client)[agent.get("service_id")].get("create_status") == "-4"
    advance(client, 60)
    assert agent.get("service_id") not in agents(client)
