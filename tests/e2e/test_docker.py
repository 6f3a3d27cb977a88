"""The Dockerfile and docker-compose.yml, checked without a Docker engine.

The image's CMD and HEALTHCHECK are run directly with the image's environment (port, database
path and host adjusted for this machine), so a broken command fails here rather than in a
user's CI.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from tests.server import console_script, free_port, running

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in _instructions():
        if keyword == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def _exec_form(rest: str) -> list[str]:
    command = json.loads(rest)
    assert isinstance(command, list), "use the exec form so signals reach the server"
    return [str(part) for part in command]


def _local(command: list[str]) -> list[str]:
    return [console_script() if part == "backup-emulator" else part for part in command]


def test_image_shape() -> None:
    pairs = _instructions()
    keywords = [k for k, _ in pairs]
    assert pairs[0][0] == "FROM" and "python:3.11-slim" in pairs[0][1]
    user = [rest for k, rest in pairs if k == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert keywords.index("USER") < keywords.index("CMD")
    assert ("EXPOSE", "8080") in pairs
    assert any(k == "VOLUME" and "/data" in rest for k, rest in pairs)
    env = _env()
    assert env["EMULATOR_HOST"] == "0.0.0.0"
    assert env["EMULATOR_PORT"] == "8080"
    assert env["EMULATOR_DB"].startswith("/data/")


def test_cmd_serves_and_healthcheck_passes_then_fails_after_stop(tmp_path: Path) -> None:
    pairs = dict(_instructions())
    cmd = _local(_exec_form(pairs["CMD"]))
    health_args = pairs["HEALTHCHECK"].split(" CMD ", 1)[1]
    healthcheck = _local(_exec_form(health_args))
    port = free_port()
    env = {**_env(), "EMULATOR_PORT": str(port), "EMULATOR_DB": str(tmp_path / "state.db"),
           "EMULATOR_HOST": "127.0.0.1"}
    with running(cmd, port=port, env=env, cwd=tmp_path) as server:
        assert httpx.get(f"{server.base_url}/_emulator/health", timeout=5).status_code == 200
        check = subprocess.run(healthcheck, env=env, capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        assert server.stop(signal.SIGTERM) == 0  # what `docker stop` sends
    assert (tmp_path / "state.db").exists()
    check = subprocess.run(healthcheck, env=env, capture_output=True, text=True, timeout=30)
    assert check.returncode == 1


def test_compose_runs_the_emulator_as_a_service_for_other_containers() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    emulator = compose["services"]["emulator"]
    assert emulator["build"] == "."
    assert "8080:8080" in emulator["ports"]
    assert any(v.endswith(":/data") for v in emulator["volumes"])
    others = [s for name, s in compose["services"].items() if name != "emulator"]
    assert others, "show a service that uses the emulator"
    for service in others:
        assert service["depends_on"]["emulator"]["condition"] == "service_healthy"
        assert service["environment"]["EMULATOR_URL"] == "http://emulator:8080"
