"""README opens with the two set-up commands, and CI runs exactly the test one."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert lines[0].startswith("# ")
    body = [line for line in lines[1:] if line.strip()]
    return [line.strip() for line in body[:2]]


def test_readme_opens_with_a_run_command_and_a_test_command() -> None:
    run, test = _readme_commands()
    for command in (run, test):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
    assert run.endswith("backup-emulator serve")
    assert "'.[test]'" in test
    for step in ("ruff check", "mypy", "pytest"):
        assert step in test


def test_ci_runs_the_readme_test_command() -> None:
    _, test = _readme_commands()
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    assert script[0].startswith("#!")
    assert test in [line.strip() for line in script]
