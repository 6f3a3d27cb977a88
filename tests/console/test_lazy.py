"""The console costs nothing until someone opens it, and answers plain HTTP sensibly."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

PROBE = """
import sys
from fastapi.testclient import TestClient
from emulator.app import create_app
from tests.conftest import make_settings
heavy = ("jinja2", "fastapi_offline", "emulator.console.app")
with TestClient(create_app(make_settings())) as client:
    client.get("/api/devices", auth=("x", ""))
    print(sorted(m for m in heavy if m in sys.modules))
    client.get("/")
    print(sorted(m for m in heavy if m in sys.modules))
"""


def test_the_console_loads_on_its_first_request_only() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["[]", "['emulator.console.app', 'fastapi_offline', 'jinja2']"]


def test_pages_answer_html_and_an_unknown_world_is_a_404_page(client: TestClient) -> None:
    for path in ("/", "/console/worlds", "/console/live", "/console/traffic",
                 "/console/pictures", "/console/reference", "/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
    missing = client.get("/console/live?world=sb-nope")
    assert missing.status_code == 404
    assert "sb-nope" in missing.text


def test_the_stream_sends_the_parts_asked_for(client: TestClient) -> None:
    with client.stream("GET", "/console/stream?parts=clock,cleverfox") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        seen: set[str] = set()
        for line in response.iter_lines():
            if line.startswith("event: "):
                seen.add(line.removeprefix("event: "))
            if seen >= {"clock", "cleverfox"}:
                break
    assert seen == {"clock", "cleverfox"}


def test_traffic_filters_read_numbers_strictly(client: TestClient) -> None:
    """A status filter in other scripts' digits ("²", "٥٠٣") or past 599 is ignored, not a 500."""
    for status in ("²", "٥٠٣", "9" * 30, "503", "5xx", " 503"):
        answer = client.get("/console/traffic", params={"status": status})
        assert answer.status_code == 200, (status, answer.text[:200])
