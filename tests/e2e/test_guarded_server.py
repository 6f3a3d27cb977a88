"""The real server under slow and hostile clients on loopback: bounded in size and time.

Every wait here is a socket timeout on a real connection, bounded; no test sleeps.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from emulator.testing import run_emulator
from tests.server import serve

pytestmark = pytest.mark.e2e

TIMEOUTS = {"EMULATOR_HEADER_TIMEOUT": "1", "EMULATOR_BODY_TIMEOUT": "1",
            "EMULATOR_MAX_BODY_BYTES": "65536"}
SLOW_CLIENTS = 40


def _port(base_url: str) -> int:
    """The port, once the server listens (uvicorn binds after "startup complete")."""
    with httpx.Client(transport=httpx.HTTPTransport(retries=20), timeout=5) as http:
        assert http.get(f"{base_url}/_emulator/health").status_code == 200
    return int(base_url.rsplit(":", 1)[1])


def _closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing `sock`; fails if it stays open past `seconds`."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"the server kept a slow connection open past {seconds} s")
    return received


def test_slow_headers_and_bodies_are_cut_off_and_others_still_served(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze", env=TIMEOUTS) as server:
        port = _port(server.base_url)
        began = time.monotonic()
        trickling = []
        for index in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port))
            if index % 2:  # headers that never end
                sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ")
            else:  # a body announced and never sent
                sock.sendall(b"POST /v2.0/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            trickling.append((index, sock))
        # meanwhile the server answers everyone else
        assert httpx.get(f"{server.base_url}/_emulator/health", timeout=5).status_code == 200
        for index, sock in trickling:
            with sock:
                answer = _closed_within(sock, 10)
            if index % 2 == 0:
                assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
                assert (b'"badRequest"' not in answer and b"requestTimeout" not in answer) \
                    or b"code" in answer  # Rackspace's own fault shape
        assert time.monotonic() - began < 15
        assert httpx.get(f"{server.base_url}/_emulator/health", timeout=5).status_code == 200
        assert server.stop() == 0


def test_an_idle_connection_is_closed_after_the_header_timeout(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze", env=TIMEOUTS) as server:
        with socket.create_connection(("127.0.0.1", _port(server.base_url))) as sock:
            assert _closed_within(sock, 10) == b""
        # a keep-alive connection that answered once is bounded the same way
        with socket.create_connection(("127.0.0.1", _port(server.base_url))) as sock:
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _closed_within(sock, 10).startswith(b"HTTP/1.1 200")


def test_a_huge_body_is_refused_without_being_read(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze", env=TIMEOUTS) as server:
        with socket.create_connection(("127.0.0.1", _port(server.base_url))) as sock:
            sock.sendall(b"POST /api.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                         b"multipart/form-data; boundary=x\r\nContent-Length: 104857600\r\n\r\n")
            answer = _closed_within(sock, 10)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"<response" in answer


def test_run_emulator_and_its_client_pass_the_control_token() -> None:
    with run_emulator(control_token="e2e-token", freeze=True) as server:
        assert server.client.credentials()["cleverfox"]["api_key"]
        sandbox = server.client.sandbox()
        sandbox.delete()
        assert all(s.id != sandbox.id for s in server.client.sandboxes())
        bare = httpx.get(f"{server.base_url}/_emulator/credentials", timeout=5)
        assert bare.status_code == 401
        assert httpx.get(f"{server.base_url}/_emulator/health", timeout=5).status_code == 200


def test_a_web_page_cannot_reset_a_default_server(tmp_path: Path) -> None:
    """What a browser sends from another page: no preflight for these, so the server refuses."""
    with serve(tmp_path, "--freeze", env=TIMEOUTS) as server:
        port = _port(server.base_url)
        url = f"{server.base_url}/_emulator/reset"
        before = httpx.get(f"{server.base_url}/_emulator/credentials", timeout=5).json()
        page = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
        assert httpx.post(url, headers={**page, "Content-Type": "text/plain"},
                          timeout=5).status_code in (403, 415)
        assert httpx.post(url, headers=page, timeout=5).status_code == 403
        rebound = {"Host": f"evil.example:{port}"}
        assert httpx.get(f"{server.base_url}/_emulator/credentials", headers=rebound,
                         timeout=5).status_code == 400
        assert httpx.get(f"{server.base_url}/_emulator/credentials",
                         timeout=5).json() == before
