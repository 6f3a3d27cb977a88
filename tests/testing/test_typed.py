"""The package as a client installs it: a wheel with its license, project URLs and py.typed,
so a client's own mypy sees emulator.testing's types."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import emulator

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300

CLIENT = '''
from emulator.testing import EmulatorClient, Sandbox


def prepare(url: str) -> Sandbox:
    with EmulatorClient(url) as emu:
        sandbox = emu.sandbox(seed=7, freeze=True)
        clock: dict[str, object] = sandbox.advance(3600.0)
        print(clock["now"], sandbox.id.upper(), sandbox.cleverfox_auth[0])
        return sandbox
'''

MISTAKE = '''
from emulator.testing import EmulatorClient

EmulatorClient("http://127.0.0.1:8080").sandbox(seed="seven")
'''


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install backup-emulator` would get, built from a copy of the sources."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for name in ("emulator", "fixtures"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(out), str(source)], check=True, timeout=TIMEOUT)
    [built] = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def client_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A client's venv with the wheel installed (its dependencies are not needed for typing)."""
    venv = tmp_path_factory.mktemp("client") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=TIMEOUT)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", str(wheel)], check=True, timeout=TIMEOUT)
    return python


def _mypy(tmp_path: Path, python: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "client.py").write_text(source)
    # A client project of its own: its own config, strict, its own interpreter's packages.
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", "mypy.ini",
                           "--python-executable", str(python),
                           "--cache-dir", str(tmp_path / ".cache"), "client.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)


def test_the_package_is_marked_typed() -> None:
    assert (Path(emulator.__file__).parent / "py.typed").exists()


def test_the_wheel_carries_license_urls_and_py_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert "emulator/py.typed" in names
    assert any(n.endswith("/LICENSE") and ".dist-info/" in n for n in names)
    assert "License: MIT" in text or "License-Expression: MIT" in text
    assert "Classifier: License :: OSI Approved :: MIT License" in text
    for label in ("Homepage", "Documentation", "Source", "Issues"):
        assert f"Project-URL: {label}, https://" in text
    assert "Requires-Dist: httpx" in text
    assert 'Requires-Dist: fastapi<1,>=0.115; extra == "server"' in text


def test_a_clients_strict_mypy_passes_and_catches_a_wrong_argument(
        tmp_path: Path, client_venv: Path) -> None:
    clean = _mypy(tmp_path, client_venv, CLIENT)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    wrong = _mypy(tmp_path, client_venv, MISTAKE)
    assert wrong.returncode == 1
    assert 'Argument "seed" to "sandbox" of "EmulatorClient" has incompatible type "str"' in \
        wrong.stdout
