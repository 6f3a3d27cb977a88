"""registerNewUser, login, sessions and their cookie, logout, expiry, password recovery."""

from __future__ import annotations

from fastapi.testclient import TestClient

from emulator.vendors.backuprun.backend import CALL_NAMES
from tests.vendors.backuprun.helpers import advance, api, credentials, error, login, ok


def _outbox(client: TestClient, **query: str) -> list[dict[str, object]]:
    response = client.get("/_emulator/backuprun/outbox", params=query)
    assert response.status_code == 200
    messages: list[dict[str, object]] = response.json()["messages"]
    return messages


def test_register_then_login(client: TestClient) -> None:
    ok(api(client, "registerNewUser", name="Ann O'Neil", email="Ann@Example.com", password="pw"))
    root = ok(api(client, "login", email="ann@example.com", password="pw"))
    assert root.find("user/name").get("value") == "Ann O'Neil"
    assert root.find("user/email").get("value") == "ann@example.com"
    assert root.find("user/special_locations").get("value") == "0"
    # a new account has no services
    assert ok(api(client, "getStatus")).findall("account/agent") == []
    assert _outbox(client, to="ann@example.com")[0]["kind"] == "welcome"


def test_duplicate_registration_changes_nothing(client: TestClient) -> None:
    email = credentials(client)["email"]
    message = error(api(client, "registerNewUser", name="X", email=email.upper(),
                        password="other"), "email_taken")
    assert email in message.lower()
    error(api(client, "login", email=email, password="other"), "login_failed")
    login(client)  # the old password still works
    assert "email" in error(api(client, "registerNewUser", name="X", email="not-an-email",
                                password="p"), "invalid_value")
    assert "name" in error(api(client, "registerNewUser", email="a@b.co", password="p"),
                           "missing_parameter")


def test_wrong_password_is_refused(client: TestClient) -> None:
    creds = credentials(client)
    error(api(client, "login", email=creds["email"], password="nope"), "login_failed")
    error(api(client, "login", email="nobody@example.com", password="x"), "login_failed")
    error(api(client, "getStatus"), "not_logged_in")


def test_remember_sets_a_persistent_cookie(client: TestClient) -> None:
    creds = credentials(client)
    response = client.post("/api.php", data={"apiCALL": "login", **creds, "remember": "1"})
    assert "Max-Age=2592000" in response.headers["set-cookie"]
    assert response.headers["set-cookie"].startswith("PHPSESSID=")
    response = client.post("/api.php", data={"apiCALL": "login", **creds})
    cookie = response.headers["set-cookie"]
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()


def test_session_cookie_expires_after_idle_time_on_the_virtual_clock(client: TestClient) -> None:
    login(client, remember=0)
    advance(client, 1400)
    ok(api(client, "getStatus"))  # use restarts the idle time
    advance(client, 1400)
    ok(api(client, "getStatus"))
    advance(client, 1441)
    response = client.post("/api.php", data={"apiCALL": "getStatus"})
    assert "expired" in response.text
    assert response.headers["set-cookie"].startswith('PHPSESSID=""')  # the dead cookie goes
    assert "PHPSESSID" not in client.cookies


def test_every_call_restarts_the_idle_time_even_when_it_answers_an_error(
        client: TestClient) -> None:
    """As PHP's session_start on every request: a client polling a removed service, or
    sending a bad call, stays logged in while it keeps calling."""
    login(client, remember=0)
    removed = ok(api(client, "addService", type="VDS", location="528", name="gone",
                     agent="h", agent_port="1167")).find("agent")
    ok(api(client, "editService", sc_id=removed.get("id"), service_action="terminate"))
    advance(client, 120)
    calls = [("getBackupStatus", {"service_id": removed.get("service_id")}),
             ("noSuchCall", {}), ("", {}), ("getStatus", {"bad": "\x01"})]
    bad = {"contact_id": "x", "service_id": "x", "sc_id": "x", "agent-id": "x", "email": "x"}
    calls += [(name, bad)
              for name in CALL_NAMES if name != "logout"]
    for name, params in calls:
        advance(client, 1000)
        answer = client.post("/api.php", data={"apiCALL": name, **params})
        assert 'value="error"' in answer.text or name == "getStatus", (name, answer.text)
        advance(client, 1000)  # 2000 s after the last successful call
        ok(api(client, "getStatus"))


def test_remembered_session_outlives_a_day_but_not_a_month(client: TestClient) -> None:
    login(client, remember=1)
    advance(client, 86400 * 3)
    ok(api(client, "getStatus"))
    advance(client, 86400 * 31)
    error(api(client, "getStatus"), "not_logged_in")


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client)
    sid = client.cookies["PHPSESSID"]
    response = client.post("/api.php", data={"apiCALL": "logout"})
    assert 'value="ok"' in response.text
    client.cookies.set("PHPSESSID", sid)  # even a client that keeps the old cookie
    error(api(client, "getStatus"), "not_logged_in")


def test_password_recovery_through_the_outbox(client: TestClient) -> None:
    creds = credentials(client)
    ok(api(client, "recoverPassword", email=creds["email"]))
    mail = _outbox(client, to=creds["email"])[-1]
    code = str(mail["recoverycode"])
    assert mail["kind"] == "recovery" and code in str(mail["body"])
    ok(api(client, "resetPassword", recoverycode=code, password="fresh", remember=1))
    ok(api(client, "getStatus"))  # resetPassword logs in
    error(api(client, "login", email=creds["email"], password=creds["password"]),
          "login_failed")
    ok(api(client, "login", email=creds["email"], password="fresh"))
    # once only
    assert "used" in error(api(client, "resetPassword", recoverycode=code, password="again"),
                           "wrong_state")
    error(api(client, "resetPassword", recoverycode="nope", password="x"), "not_found")
    error(api(client, "recoverPassword", email="nobody@example.com"), "not_found")


def test_recovery_code_expires_after_a_day(client: TestClient) -> None:
    creds = credentials(client)
    ok(api(client, "recoverPassword", email=creds["email"]))
    code = str(_outbox(client)[-1]["recoverycode"])
    advance(client, 86401)
    assert "expired" in error(api(client, "resetPassword", recoverycode=code, password="n"),
                              "wrong_state")
    login(client)  # nothing changed


def test_sandbox_credentials_reach_the_sandbox_only(client: TestClient) -> None:
    # a seed of its own: a sandbox of the default world's seed holds the same data (by design)
    sandbox = client.post("/_emulator/sandboxes", json={"seed": 7}).json()
    creds = sandbox["credentials"]["backuprun"]
    login(client, creds["email"], creds["password"])
    mine = ok(api(client, "getStatus")).findall("account/agent")
    assert len(mine) == 5
    ok(api(client, "recoverPassword", email=creds["email"]))
    assert _outbox(client, sandbox=sandbox["id"])[-1]["to"] == creds["email"]
    assert all(m["to"] != creds["email"] for m in _outbox(client))
    login(client)
    theirs = ok(api(client, "getStatus")).findall("account/agent")
    # ids are numbered per world (1, 2 ... in each); the services are the world's own
    assert [a.get("id") for a in mine] == [a.get("id") for a in theirs]
    assert {a.get("host") for a in mine}.isdisjoint({a.get("host") for a in theirs})
    assert client.delete(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 204
    error(api(client, "login", email=creds["email"], password=creds["password"]),
          "login_failed")


def test_same_seed_sandboxes_each_log_in_recover_and_reset(client: TestClient) -> None:
    # Session ids and recovery codes live in tables every world shares: drawn per world,
    # they never collide (a collision used to be an internal_error on every retry).
    sandboxes = [client.post("/_emulator/sandboxes", json={"seed": 9}).json() for _ in range(2)]
    sids = []
    for sandbox in sandboxes:
        creds = sandbox["credentials"]["backuprun"]
        base = f"/sandbox/{sandbox['id']}"
        answer = client.post(f"{base}/api.php", data={"apiCALL": "login", **creds})
        assert '<status value="ok">' in answer.text, answer.text
        sids.append(answer.cookies["PHPSESSID"])
        ok(api(client, "recoverPassword", email=creds["email"]))  # at the root: finds it
        code = [m for m in _outbox(client, sandbox=sandbox["id"])
                if m["kind"] == "recovery"][-1]["recoverycode"]
        answer = client.post(f"{base}/api.php", data={
            "apiCALL": "resetPassword", "recoverycode": code, "password": "new-pw"})
        assert '<status value="ok">' in answer.text, answer.text
        sids.append(answer.cookies["PHPSESSID"])
        client.cookies.clear()
    assert len(set(sids)) == len(sids)


def test_a_cookie_kept_from_before_a_reset_reaches_nobody(client: TestClient) -> None:
    creds = credentials(client)
    before = client.post("/api.php", data={"apiCALL": "login", **creds}).cookies["PHPSESSID"]
    client.cookies.clear()
    client.post("/_emulator/reset")
    after = client.post("/api.php", data={"apiCALL": "login", **creds}).cookies["PHPSESSID"]
    client.cookies.clear()
    assert after != before  # the first login after a reset is not the first one before it
    kept = client.post("/api.php", data={"apiCALL": "getStatus"},
                       headers={"Cookie": f"PHPSESSID={before}"})
    assert 'code="not_logged_in"' in kept.text
