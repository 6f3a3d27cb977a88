"""addContact, updateContactData, removeContact, updateUserData; subusers and their scope."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.vendors.backuprun.helpers import add_service, agents, api, error, login, ok


def _add_subuser(client: TestClient, email: str = "sub@example.com") -> str:
    root = ok(api(client, "addContact", email=email, name="Sub User", password="subpw", role=4,
                  telephone="0711", FixedPhone="021", Mobile2="0722"))
    contact_id = root.find("contact").get("id")
    assert contact_id and contact_id.isdigit()
    return str(contact_id)


def test_subuser_sees_only_its_services(client: TestClient) -> None:
    login(client)
    contact_id = _add_subuser(client)
    mine = add_service(client, name="for-sub").get("id")
    ok(api(client, "editService", sc_id=mine, service_action="set_subuser", service_type="custom",
           subuser_id=contact_id))
    login(client, "sub@example.com", "subpw")
    seen = agents(client)
    assert [a.get("id") for a in seen.values()] == [mine]
    # a service of the account not assigned to it: named as such, and nothing changes
    login(client)
    other = next(a for a in agents(client).values() if a.get("id") != mine)
    login(client, "sub@example.com", "subpw")
    assert "not assigned" in error(api(client, "editService", sc_id=other.get("id"),
                                       service_action="terminate"), "access_denied")
    assert "not assigned" in error(api(client, "getBackupStatus",
                                       service_id=other.get("service_id")), "access_denied")
    # a subuser manages neither contacts nor assignments
    error(api(client, "addContact", email="x@example.com", name="x", password="p", role=4),
          "access_denied")
    error(api(client, "editService", sc_id=mine, service_action="set_subuser", subuser_id=-1),
          "access_denied")
    # a service it adds is its own
    added = add_service(client, name="sub-made")
    assert set(agents(client)) == {seen[next(iter(seen))].get("service_id"),
                                   added.get("service_id")}
    login(client)
    assert other.get("service_id") in agents(client)
    assert agents(client)[other.get("service_id")].get("create_status") == "10"


def test_set_subuser_zero_and_minus_one_take_it_away(client: TestClient) -> None:
    login(client)
    contact_id = _add_subuser(client)
    sc_id = add_service(client).get("id")
    for value in (contact_id, "0", contact_id, "-1"):
        ok(api(client, "editService", sc_id=sc_id, service_action="set_subuser",
               subuser_id=value))
    login(client, "sub@example.com", "subpw")
    assert agents(client) == {}
    login(client)
    assert "subuser_id" in error(api(client, "editService", sc_id=sc_id,
                                     service_action="set_subuser", subuser_id="9999"),
                                 "not_found")
    assert "subuser_id" in error(api(client, "editService", sc_id=sc_id,
                                     service_action="set_subuser"), "missing_parameter")
    error(api(client, "editService", sc_id=sc_id, service_action="rename"), "invalid_value")


def test_update_and_remove_contact(client: TestClient) -> None:
    login(client)
    contact_id = _add_subuser(client)
    ok(api(client, "updateContactData", contact_id=contact_id, password="changed",
           email="renamed@example.com", name="Renamed"))
    error(api(client, "login", email="sub@example.com", password="subpw"), "login_failed")
    login(client, "renamed@example.com", "changed")
    login(client)
    assert "contact_id" in error(api(client, "updateContactData", contact_id="424242"),
                                 "not_found")
    error(api(client, "addContact", email="renamed@example.com", name="dup", password="p",
              role=4), "email_taken")
    error(api(client, "addContact", email="r2@example.com", name="r", password="p", role=3),
          "invalid_value")
    ok(api(client, "removeContact", contact_id=contact_id))
    error(api(client, "removeContact", contact_id=contact_id), "not_found")
    error(api(client, "login", email="renamed@example.com", password="changed"), "login_failed")


def test_removed_subusers_session_ends_and_services_unassign(client: TestClient) -> None:
    login(client)
    contact_id = _add_subuser(client)
    sc_id = add_service(client).get("id")
    ok(api(client, "editService", sc_id=sc_id, service_action="set_subuser",
           subuser_id=contact_id))
    sub = TestClient(client.app)
    login(sub, "sub@example.com", "subpw")
    ok(api(client, "removeContact", contact_id=contact_id))
    error(api(sub, "getStatus"), "not_logged_in")
    assert any(a.get("id") == sc_id for a in agents(client).values())


def test_contacts_of_another_account_are_unknown(client: TestClient) -> None:
    login(client)
    contact_id = _add_subuser(client)
    ok(api(client, "registerNewUser", email="other@example.com", name="O", password="o"))
    login(client, "other@example.com", "o")
    error(api(client, "removeContact", contact_id=contact_id), "not_found")
    error(api(client, "editService", sc_id="1", service_action="terminate"), "not_found")


def test_update_user_data(client: TestClient) -> None:
    login(client)
    ok(api(client, "updateUserData", name="New <Name>", email="me@example.com", notify=0,
           notify_email="alerts@example.com", mobile="1", mobile2="2", fixed__phone="3"))
    root = login(client, "me@example.com", next(iter([client.get(
        "/_emulator/credentials").json()["backuprun"]["password"]])))
    assert root.find("user/name").get("value") == "New <Name>"
    ok(api(client, "updateUserData", password="pw2"))
    login(client, "me@example.com", "pw2")
    # bad values change nothing, not even the fields before them
    error(api(client, "updateUserData", name="Other", notify="2"), "invalid_value")
    error(api(client, "updateUserData", name="Other", notify_email="nope"), "invalid_value")
    assert login(client, "me@example.com", "pw2").find("user/name").get("value") == "New <Name>"
    ok(api(client, "addContact", email="taken@example.com", name="t", password="p", role=4))
    error(api(client, "updateUserData", email="taken@example.com"), "email_taken")


def test_subuser_cannot_read_tasks_of_other_services(client: TestClient) -> None:
    login(client)
    _add_subuser(client)
    status = agents(client)
    ran = next(a for a in status.values() if a.get("status") == "1")
    context_id = json.loads(ran.get("alert_history"))[0]["taskExecutionContextId"]
    ok(api(client, "getTaskDetailById", taskExecutionContextId=context_id))
    login(client, "sub@example.com", "subpw")
    error(api(client, "getTaskDetailById", taskExecutionContextId=context_id), "access_denied")
    error(api(client, "runPolicy", service_id=ran.get("service_id")), "access_denied")
    error(api(client, "setActivationHint", service_id=ran.get("service_id"),
              activation_hint="install-on-Linux"), "access_denied")


def test_form_ids_past_an_id_column_are_unknown_as_ids_never_issued(client: TestClient) -> None:
    """2**31 overflows PostgreSQL's INTEGER id (SQLite's is 64-bit): on both stores it names no
    row, as 424242 does; past 18 digits BackupRun reads no integer at all."""
    login(client)
    sc_id = add_service(client).get("id")
    for value in ("424242", str(2**31), str(10**18 - 1)):
        assert f"contact_id {value}" in error(api(client, "updateContactData",
                                                  contact_id=value), "not_found")
        assert f"subuser_id {value}" in error(api(client, "editService", sc_id=sc_id,
                                                  service_action="set_subuser",
                                                  subuser_id=value), "not_found")
        assert f"sc_id {value}" in error(api(client, "editService", sc_id=value,
                                             service_action="terminate"), "not_found")
    assert "subuser_id" in error(api(client, "editService", sc_id=sc_id,
                                     service_action="set_subuser", subuser_id=str(2**63 - 1)),
                                 "invalid_value")
