"""py42, Code42's own SDK, against a live emulator: it must work unchanged but for the URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import serve

py42_sdk = pytest.importorskip("py42.sdk")
pytestmark = pytest.mark.e2e


def _report(base: str, auth: tuple[str, str]) -> list[dict[str, Any]]:
    response = httpx.get(f"{base}/api/DeviceBackupReport", auth=auth)
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def test_py42_reads_users_devices_and_orgs(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze", "--seed", "7", "--now", "2026-01-05T09:00:00Z") as server:
        base = server.base_url
        creds = httpx.get(f"{base}/_emulator/credentials").json()["code42"]
        results: dict[str, Any] = {}
        for role in ("sysadmin", "org_manager", "user"):
            login = (creds[role]["username"], creds[role]["password"])
            sdk = py42_sdk.from_local_account(base, *login)
            me = sdk.users.get_current()
            assert me["username"] == login[0]
            devices = [d for page in sdk.devices.get_all(include_backup_usage=True)
                       for d in page["computers"]]
            expected = _report(base, login)
            assert sorted(d["guid"] for d in devices) == sorted(r["deviceUid"] for r in expected)
            by_uid = {r["deviceUid"]: r for r in expected}
            for device in devices:
                assert device["backupUsage"][0]["archiveBytes"] == \
                    int(by_uid[device["guid"]]["archiveBytes"])
            one = sdk.devices.get_by_guid(devices[0]["guid"])
            assert one["computerId"] == devices[0]["computerId"]
            users = [u for page in sdk.users.get_all() for u in page["users"]]
            assert me["userUid"] in {u["userUid"] for u in users}
            [by_name] = sdk.users.get_by_username(login[0])["users"]
            assert by_name["userUid"] == me["userUid"]
            orgs = [o for page in sdk.orgs.get_all() for o in page["orgs"]]
            if role != "user":  # py42 maps org ids to guids through the org listing
                assert sdk.orgs.get_by_id(orgs[-1]["orgId"])["orgName"] == orgs[-1]["orgName"]
            results[role] = (len(devices), len(users), len(orgs))
        assert results["sysadmin"] == (60, 25, 3)
        assert results["sysadmin"][0] > results["org_manager"][0] > results["user"][0]
        assert results["user"][1:] == (1, 1)
        assert results["org_manager"][2] == 2


def test_py42_rejects_a_wrong_password_with_its_own_error(tmp_path: Path) -> None:
    from py42.exceptions import Py42UnauthorizedError

    with serve(tmp_path, "--freeze") as server:
        creds = httpx.get(f"{server.base_url}/_emulator/credentials").json()["code42"]
        with pytest.raises(Py42UnauthorizedError) as raised:
            py42_sdk.from_local_account(server.base_url, creds["user"]["username"], "wrong")
        assert "LOCAL" in str(raised.value)


def test_py42_settings_roles_tenant_org_subtrees_and_org_errors(tmp_path: Path) -> None:
    from py42.exceptions import Py42OrgNotFoundError

    with serve(tmp_path, "--freeze", "--seed", "7", "--now", "2026-01-05T09:00:00Z") as server:
        base = server.base_url
        creds = httpx.get(f"{base}/_emulator/credentials").json()["code42"]["sysadmin"]
        login = (creds["username"], creds["password"])
        sdk = py42_sdk.from_local_account(base, *login)
        devices = [d for page in sdk.devices.get_all() for d in page["computers"]]
        names = {r["destinationUid"]: r["destinationName"] for r in _report(base, login)}
        for device in devices[:12]:
            settings = sdk.devices.get_settings(device["guid"])
            assert settings.guid == device["guid"] and settings.available_destinations == names
            [backup_set] = settings.backup_sets
            assert set(backup_set.destinations.values()) <= set(names.values())
            assert list(backup_set.included_files) and not list(backup_set.excluded_files)
            assert settings.warning_alert_days == 3 and settings.critical_alert_days == 7
        roles = {r["roleName"] for r in sdk.users.get_available_roles().data}
        assert "Desktop User" in roles
        [me] = sdk.users.get_by_username(login[0], incRoles=True)["users"]
        assert "Customer Cloud Admin" in me["roles"]
        tenant = sdk.usercontext.get_current_tenant_id()
        assert tenant
        jwt = httpx.get(f"{base}/api/v3/auth/jwt", params={"useBody": "true"},
                        auth=login).json()["data"]["v3_user_token"]
        by_jwt = py42_sdk.from_jwt_provider(base, lambda: jwt)
        assert by_jwt.usercontext.get_current_tenant_id() == tenant
        assert by_jwt.users.get_current()["username"] == login[0]
        with pytest.raises(Py42OrgNotFoundError):
            list(sdk.users.get_all(org_uid="no-such-org"))
        with pytest.raises(Py42OrgNotFoundError):
            list(sdk.devices.get_all(org_uid="no-such-org"))
        orgs = [o for page in sdk.orgs.get_all() for o in page["orgs"]]
        root = next(o for o in orgs if o["parentOrgUid"] is None)
        under_root = [d for page in sdk.devices.get_all(org_uid=root["orgUid"])
                      for d in page["computers"]]
        assert sorted(d["guid"] for d in under_root) == sorted(d["guid"] for d in devices)
        users_under_root = [u for page in sdk.users.get_all(org_uid=root["orgUid"])
                            for u in page["users"]]
        assert len(users_under_root) == 25
