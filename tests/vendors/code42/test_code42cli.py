"""code42cli, Code42's own command line tool, run unchanged as a subprocess against a live
emulator: its profile points at the server, its password lives in keyrings.alt's plaintext
file keyring (chosen with PYTHON_KEYRING_BACKEND, which keyring reads), all under a
temporary HOME."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import Server, serve

pytestmark = pytest.mark.e2e


def _code42() -> str:
    found = shutil.which("code42", path=str(Path(sys.executable).parent)) or shutil.which(
        "code42")
    if found is None:  # code42cli is in the test extra: missing is a broken install
        pytest.fail("code42cli is not installed (pip install -e '.[test]')")
    return found


@dataclass
class Cli:
    server: Server
    env: dict[str, str]
    exe: str

    def run(self, *args: str) -> str:
        result = subprocess.run([self.exe, *args], capture_output=True, text=True,
                                env=self.env, timeout=120, check=False)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def csv(self, *args: str) -> list[dict[str, str]]:
        lines = self.run(*args, "-f", "CSV").splitlines(keepends=True)
        while lines and "," not in lines[0]:  # a progress label before bulk commands' CSV
            lines.pop(0)
        return list(csv.DictReader(io.StringIO("".join(lines))))

    def get(self, path: str, **params: Any) -> Any:
        creds = httpx.get(f"{self.server.base_url}/_emulator/credentials").json()
        login = creds["code42"]["sysadmin"]
        response = httpx.get(f"{self.server.base_url}{path}", params=params,
                             auth=(login["username"], login["password"]), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    tmp = tmp_path_factory.mktemp("code42cli")
    exe = _code42()
    with serve(tmp, "--freeze", "--seed", "7", "--now", "2026-01-05T09:00:00Z") as server:
        home = tmp / "home"
        home.mkdir()
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
               "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
               "PYTHONWARNINGS": "ignore", "NO_PROXY": "*"}
        env.pop("HTTPS_PROXY", None)
        env.pop("https_proxy", None)
        runner = Cli(server, env, exe)
        login = httpx.get(f"{server.base_url}/_emulator/credentials").json()
        login = login["code42"]["sysadmin"]
        out = runner.run("profile", "create", "-n", "emulator", "-s", server.base_url,
                         "-u", login["username"], "--password", login["password"], "-y")
        assert "Successfully created profile" in out
        yield runner


def _json_records(text: str) -> list[dict[str, Any]]:
    """code42cli's JSON output: one JSON object per record, one after another."""
    decoder, records, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        record, at = decoder.raw_decode(text, at)
        records.append(record)
    return records


def _report(cli: Cli) -> dict[str, dict[str, str]]:
    return {r["deviceUid"]: r for r in cli.get("/api/DeviceBackupReport")["data"]}


def test_devices_list_with_total_storage(cli: Cli) -> None:
    report = _report(cli)
    rows = cli.csv("devices", "list", "--include-total-storage")
    assert {r["guid"] for r in rows} == set(report)
    for row in rows:
        assert row["osName"] == report[row["guid"]]["os"]
        assert row["archiveCount"] == "1"
        assert row["totalStorageBytes"] == report[row["guid"]]["archiveBytes"]
    assert sum(int(r["totalStorageBytes"]) for r in rows) > 0


def test_devices_list_by_org_includes_child_orgs(cli: Cli) -> None:
    orgs = cli.get("/api/v1/Org", pgSize=500)["data"]["orgs"]
    root = next(o for o in orgs if o["parentOrgUid"] is None)
    everyone = cli.csv("devices", "list")
    assert {r["guid"] for r in cli.csv("devices", "list", "--org-uid", root["orgUid"])} == \
        {r["guid"] for r in everyone}
    child = next(o for o in orgs if o["parentOrgUid"] == root["orgUid"])
    below = {o["orgUid"] for o in orgs if o["orgUid"] == child["orgUid"]
             or o["parentOrgUid"] == child["orgUid"]}
    devices = cli.get("/api/v1/Computer", pgSize=500)["data"]["computers"]
    assert {r["guid"] for r in cli.csv("devices", "list", "--org-uid", child["orgUid"])} == \
        {d["guid"] for d in devices if d["orgUid"] in below}


def test_devices_list_backup_sets_on_every_row(cli: Cli) -> None:
    rows = cli.csv("devices", "list-backup-sets")
    assert rows and "ERROR" not in rows[0]
    names = {d["destinationName"] for d in _report(cli).values()}
    assert {r["guid"] for r in rows} == set(_report(cli))
    for row in rows:
        assert row["backup set name"] == "BackupSet 1"
        assert any(name in row["destinations"] for name in names), row


def test_devices_list_with_settings_and_the_default_table(cli: Cli) -> None:
    rows = cli.csv("devices", "list", "--include-settings")
    assert len(rows) == len(_report(cli))
    assert "computerId" in cli.run("devices", "list")  # code42cli's table output


def test_users_list_with_roles_and_by_role_name(cli: Cli) -> None:
    users = _json_records(cli.run("users", "list", "--include-roles", "-f", "JSON"))
    assert users and all("Desktop User" in u["roles"] for u in users)
    assert "roles" in cli.run("users", "list", "--include-roles")  # the table's own column
    admins = cli.csv("users", "list", "--role-name", "Customer Cloud Admin")
    login = cli.get("/api/v1/User/my")["data"]["username"]
    assert login in {r["username"] for r in admins}
    assert len(admins) < len(users)
    assert "roles" in cli.run("users", "show", login)


def test_devices_show_and_orgs_list(cli: Cli) -> None:
    record = next(iter(_report(cli).values()))
    shown = cli.run("devices", "show", record["deviceUid"])
    assert record["deviceName"] in shown and record["archiveGuid"] in shown
    assert record["destinationName"] in shown
    orgs = cli.csv("users", "orgs", "list")
    assert {o["orgUid"] for o in orgs} == {
        o["orgUid"] for o in cli.get("/api/v1/Org", pgSize=500)["data"]["orgs"]}
