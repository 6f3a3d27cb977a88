"""The image built and run for real: scripts/container-smoke.py (buildah, no Docker engine).

It needs root, buildah and debootstrap; without them the test skips, except in CI (CI=true),
where `.ci/run` installs them and a skip would hide a broken image.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "container-smoke.py"
TIMEOUT = 40 * 60  # a cold cache: debootstrap, every layer, the smoke run


def _missing() -> str | None:
    missing = [tool for tool in ("buildah", "debootstrap") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (apt-get install buildah debootstrap)"
    if os.geteuid() != 0:
        return "needs root (debootstrap, chroot isolation)"
    return None


def test_the_image_builds_and_serves_every_vendor() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must build the image: {reason}")
        pytest.skip(reason)
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                            timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout[result.stdout.rindex("\n{") + 1:])
    assert set(report["vendors"]) == {"cleverfox", "rackspace", "backuprun", "code42"}
    assert report["healthcheck"] == "backup-emulator health"
    assert report["user"] == "emulator"
    assert report["seconds_to_healthy"] < 60
