"""The Dockerfile and docker-compose.yml, checked without a Docker engine.

The image's CMD and HEALTHCHECK are run directly with the image's environment (port, database
path and host adjusted for this machine), so a broken command fails here rather than in a
user's CI.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import signal
import subprocess
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
    assert user and user[-1] not in ("root", "0")  # the CMD and HEALTHCHECK run as it
    assert keywords.index("CMD") < len(keywords)
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


def test_healthcheck_is_tuned_to_the_real_start() -> None:
    options = dict(re.findall(r"--([a-z-]+)=(\S+)", dict(_instructions())["HEALTHCHECK"]))
    # Checked every second while starting (the server answers in 1-3 s), then every 10 s.
    assert options["start-interval"] == "1s"
    assert options["start-period"] == "30s"
    assert options["interval"] == "10s"


def test_dependencies_install_in_their_own_layer_from_the_lock_before_the_code() -> None:
    steps = [f"{k} {rest}" for k, rest in _instructions()]
    copies = [i for i, s in enumerate(steps) if s.startswith(("COPY", "ADD"))]
    lock_copy, code_copy = copies  # the lock alone, then the code
    assert steps[lock_copy].split()[1] == "requirements.lock"
    lock_install = next(i for i, s in enumerate(steps) if "-r /tmp/requirements.lock" in s)
    assert lock_copy < lock_install < code_copy
    assert "--no-deps" in steps[lock_install]  # only what the lock pins
    code_install = next(i for i, s in enumerate(steps) if "pip install" in s and
                        i > code_copy)
    assert "--no-deps" in steps[code_install] and "--no-build-isolation" in steps[code_install]
    # After the code only what must follow it: a change to the code rebuilds three layers.
    assert [s.split()[0] for s in steps[code_copy:]] == ["COPY", "RUN", "USER"]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_every_server_dependency_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for r in project["optional-dependencies"]["server"]
               if not r.startswith("backup-emulator")]
    wanted += [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())
               ["build-system"]["requires"]]
    pins = _pins()
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock.sh"
        assert requirement.specifier.contains(pins[name]), \
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement}: scripts/lock.sh"


def _context(root: Path) -> set[str]:
    """The files a Docker build context holds under `.dockerignore` (Docker's rules: the last
    matching pattern decides; a pattern matches a path or any of its parent directories)."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    kept = set()
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        parents = [relative.rsplit("/", n)[0] for n in range(relative.count("/") + 1)]
        excluded = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            glob = pattern.lstrip("!").rstrip("/")
            if any(fnmatch.fnmatch(p, glob) or fnmatch.fnmatch(p, glob.replace("**/", ""))
                   for p in parents):
                excluded = not negated
        if not excluded:
            kept.add(relative)
    return kept


def test_dockerignore_lets_in_only_what_the_image_installs(tmp_path: Path) -> None:
    for name in ("requirements.lock", "pyproject.toml", "README.md", "LICENSE",
                 "emulator/cli.py", "emulator/py.typed", "fixtures/world.py",
                 # what a checkout, a venv, a build, a test run or a user leaves behind
                 ".git/HEAD", ".venv/bin/python", "tests/test_cli.py", "docs/toolkit.md",
                 "bench/startup.py", "openapi/control.json", "scripts/lock.sh", "build/lib/x.py",
                 "dist/x.whl", "backup_emulator.egg-info/PKG-INFO",
                 "emulator/__pycache__/cli.cpython-311.pyc", ".pytest_cache/v/x",
                 ".mypy_cache/x.json", ".ruff_cache/x", "backup-emulator.db",
                 "backup-emulator.db-wal", "emulator/state.db", "notes.txt", "Dockerfile",
                 "docker-compose.yml", ".ci/run"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert _context(tmp_path) == {"requirements.lock", "pyproject.toml", "README.md", "LICENSE",
                                  "emulator/cli.py", "emulator/py.typed", "fixtures/world.py"}


def test_compose_runs_the_emulator_as_a_service_for_other_containers() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    emulator = compose["services"]["emulator"]
    assert emulator["build"] == "."
    # Loopback only unless opened on purpose: the control plane has no authentication.
    assert emulator["ports"] == ["${EMULATOR_PUBLISH:-127.0.0.1}:8080:8080"]
    assert "EMULATOR_PUBLISH=0.0.0.0" in (ROOT / "docker-compose.yml").read_text()
    assert any(v.endswith(":/data") for v in emulator["volumes"])
    others = [s for name, s in compose["services"].items() if name != "emulator"]
    assert others, "show a service that uses the emulator"
    for service in others:
        assert service["depends_on"]["emulator"]["condition"] == "service_healthy"
        assert service["environment"]["EMULATOR_URL"] == "http://emulator:8080"
