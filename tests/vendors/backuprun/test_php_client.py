"""A PHP client (curl with a cookie jar, DOMDocument), as the vendor page's examples, against
the real server. Skipped where php with curl and dom is not installed, except in CI (CI=true),
where .ci/run installs them and their absence is a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.server import serve

pytestmark = pytest.mark.e2e

CLIENT = Path(__file__).with_name("php") / "client.php"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs php-cli, php-curl and php-xml)")
    pytest.skip(reason)


def _php() -> str:
    php = shutil.which("php")
    if php is None:
        _missing("php is not installed")
    assert php is not None
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, check=False).stdout
    if "curl" not in modules.split() or "dom" not in modules.split():
        _missing("php lacks the curl or dom extension")
    return php


def test_php_curl_client(tmp_path: Path) -> None:
    php = _php()
    with serve(tmp_path, "--freeze", "--seed", "5") as server:
        creds = httpx.get(f"{server.base_url}/_emulator/credentials", timeout=5).json()
        creds = creds["backuprun"]
        result = subprocess.run([php, str(CLIENT), server.base_url, creds["email"],
                                 creds["password"]], capture_output=True, text=True,
                                timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["before_login"] == "error"
    assert out["login"] == "ok" and out["email"] == creds["email"]
    assert out["agents"] == 5
    assert out["added_name"] == "php <&\"'> server"
    assert out["serverurl"] == "https://cdp1.was.backuprun.net:443/j_spring_security_check"
    assert out["taskstate"] == "INITIALIZING"  # a service that has never run, as on the page
    assert out["missing"] == "missing_parameter"
    assert out["http_code"] == 200
