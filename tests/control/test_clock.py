"""The virtual clock over the control plane: get, freeze, set, advance, speed, and refusals."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import T0


def test_get_clock(client: TestClient) -> None:
    assert client.get("/_emulator/clock").json() == {"now": T0, "frozen": True, "speed": 1.0}


def test_advance_moves_a_frozen_clock_exactly(client: TestClient) -> None:
    response = client.post("/_emulator/clock", json={"advance_seconds": 90.5})
    assert response.status_code == 200
    assert response.json()["now"] == "2026-01-05T09:01:30.500Z"
    assert client.get("/_emulator/clock").json()["now"] == "2026-01-05T09:01:30.500Z"


def test_set_then_advance_in_one_call(client: TestClient) -> None:
    body = {"set": "2026-02-01T00:00:00Z", "advance_seconds": 60}
    assert client.post("/_emulator/clock", json=body).json()["now"] == "2026-02-01T00:01:00.000Z"


def test_set_accepts_offsets_and_naive_times_as_utc(client: TestClient) -> None:
    now = client.post("/_emulator/clock", json={"set": "2026-02-01T02:00:00+02:00"}).json()["now"]
    assert now == "2026-02-01T00:00:00.000Z"
    now = client.post("/_emulator/clock", json={"set": "2026-02-01T01:00:00"}).json()["now"]
    assert now == "2026-02-01T01:00:00.000Z"


def test_set_backwards_is_refused_with_409_and_changes_nothing(client: TestClient) -> None:
    response = client.post("/_emulator/clock",
                           json={"set": "2025-01-01T00:00:00Z", "speed": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "clock_backwards"
    assert "2025-01-01T00:00:00.000Z" in response.json()["message"]
    assert client.get("/_emulator/clock").json() == {"now": T0, "frozen": True, "speed": 1.0}


def test_negative_advance_is_refused_and_changes_nothing(client: TestClient) -> None:
    response = client.post("/_emulator/clock", json={"freeze": False, "advance_seconds": -1})
    assert response.status_code == 409
    assert "advance_seconds" in response.json()["message"]
    assert client.get("/_emulator/clock").json()["frozen"] is True


def test_speed_and_unfreeze(client: TestClient) -> None:
    response = client.post("/_emulator/clock", json={"speed": 60, "freeze": False})
    body = response.json()
    assert body["speed"] == 60.0 and body["frozen"] is False
    assert body["now"] >= T0
    frozen = client.post("/_emulator/clock", json={"freeze": True}).json()
    assert frozen["frozen"] is True
    assert client.get("/_emulator/clock").json()["now"] == frozen["now"]


def test_malformed_clock_bodies_name_the_field(client: TestClient) -> None:
    cases = [
        ({"speed": 0}, "speed"),
        ({"speed": "fast"}, "speed"),
        ({"set": "yesterday"}, "set"),
        ({"advance_seconds": "a while"}, "advance_seconds"),
        ({"freeze": "maybe"}, "freeze"),
        ({"advance": 10}, "advance"),
    ]
    for body, field in cases:
        response = client.post("/_emulator/clock", json=body)
        assert response.status_code == 422, body
        assert field in response.json()["message"], body
    response = client.post("/_emulator/clock", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert client.get("/_emulator/clock").json() == {"now": T0, "frozen": True, "speed": 1.0}


def test_out_of_range_times_are_refused_not_crashed_on(client: TestClient) -> None:
    cases = [
        ("/_emulator/clock", b'{"advance_seconds": 1e400}', "advance_seconds"),
        ("/_emulator/clock", b'{"advance_seconds": NaN}', "advance_seconds"),
        ("/_emulator/clock", b'{"advance_seconds": 1e12}', "advance_seconds"),
        ("/_emulator/clock", b'{"set": "9999-12-31T23:59:59Z"}', "set"),
        ("/_emulator/clock", b'{"speed": 1e300}', "speed"),
        ("/_emulator/sandboxes", b'{"now": "1900-01-01T00:00:00Z"}', "now"),
        ("/_emulator/reset", b'{"now": "3000-01-01T00:00:00Z"}', "now"),
    ]
    for path, body, field in cases:
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, body, response.text)
        assert field in response.json()["message"], (path, body)
    assert client.get("/_emulator/clock").json() == {"now": T0, "frozen": True, "speed": 1.0}
    assert client.get("/_emulator/sandboxes").json() == []


def test_the_last_supported_second_is_reachable_but_not_passed(client: TestClient) -> None:
    response = client.post("/_emulator/clock", json={"set": "2999-12-31T23:59:59Z"})
    assert response.status_code == 200
    response = client.post("/_emulator/clock", json={"advance_seconds": 1})
    assert response.status_code == 422
    assert response.json()["code"] == "clock_out_of_range"
    assert client.get("/_emulator/clock").json()["now"] == "2999-12-31T23:59:59.000Z"
