"""How each vendor API is logged in to with a world's credentials: small conveniences for tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

from emulator.testing.errors import ControlError

__all__ = ["VendorLogins"]


class VendorLogins:
    """Login helpers over `credentials` (as the control plane lists them), `base_url` (where
    the world's vendor APIs are served) and `http` (an httpx.Client for the calls the helpers
    make themselves)."""

    credentials: dict[str, Any]
    base_url: str

    @property
    def http(self) -> httpx.Client:
        raise NotImplementedError

    @property
    def cleverfox_auth(self) -> tuple[str, str]:
        """HTTP Basic auth for CleverFox: the partner's API key, an empty password."""
        return (self.credentials["cleverfox"]["api_key"], "")

    @property
    def rackspace_tenant(self) -> str:
        """The Rackspace tenant id (the `{tenant}` of `/v1.0/{tenant}/...`)."""
        return str(self.credentials["rackspace"]["tenant_id"])

    def rackspace_token(self) -> str:
        """A Rackspace Identity token (`POST /v2.0/tokens` with the API key): its id."""
        creds = self.credentials["rackspace"]
        body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                                         "apiKey": creds["api_key"]}}}
        response = self.http.post(f"{self.base_url}/v2.0/tokens", json=body)
        if response.status_code != 200:
            raise ControlError(response.status_code, "rackspace_auth", response.text[:500])
        return str(response.json()["access"]["token"]["id"])

    def backuprun_login(self, http: httpx.Client, *, remember: bool = False) -> None:
        """Log `http` in to BackupRun (its cookie jar keeps PHPSESSID)."""
        creds = self.credentials["backuprun"]
        form = {"apiCALL": "login", "email": creds["email"], "password": creds["password"]}
        if remember:
            form["remember"] = "1"
        response = http.post(f"{self.base_url}/api.php", data=form)
        root = ET.fromstring(response.content)
        status = root.find("status")
        if status is None or status.get("value") != "ok":
            error = root.find("error")
            code = error.get("code", "") if error is not None else ""
            message = error.get("message", "") if error is not None else response.text[:500]
            raise ControlError(response.status_code, code or "backuprun_login", message)

    def code42_auth(self, role: str = "sysadmin") -> tuple[str, str]:
        """HTTP Basic auth of a Code42 login: `sysadmin`, `org_manager` or `user`."""
        login = self.credentials["code42"][role]
        return (login["username"], login["password"])
