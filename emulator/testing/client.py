"""A typed client of the `/_emulator` control plane, and the sandboxes it creates.

    with EmulatorClient("http://127.0.0.1:8080") as emu:
        sandbox = emu.sandbox(freeze=True)
        sandbox.advance(3600)
        sandbox.add_fault(vendor="rackspace", action="throttle", times=1)
        ...
        sandbox.delete()

Every non-2xx answer raises `ControlError`. Plain JSON comes back as dicts, as the control
plane documents it (`GET /_emulator/openapi/control.json`); only sandboxes get a class.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from emulator.testing.errors import ControlError
from emulator.testing.logins import VendorLogins

__all__ = ["TOKEN_HEADER", "TOKEN_VARIABLE", "ControlError", "EmulatorClient", "Sandbox",
           "iso8601"]

TOKEN_HEADER = "X-Emulator-Token"  # emulator.core.guard.TOKEN_HEADER, not imported: light
TOKEN_VARIABLE = "EMULATOR_CONTROL_TOKEN"

Json = Any


def iso8601(when: datetime | str) -> str:
    """ISO 8601 for the wire; a naive datetime is taken as UTC."""
    if isinstance(when, str):
        return when
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


def _query(filters: dict[str, Any]) -> dict[str, str]:
    """Query parameters as the control plane reads them (booleans lower case, times ISO)."""
    query: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, datetime):
            query[key] = iso8601(value)
        else:
            query[key] = str(value)
    return query


def _world_body(seed: int | None, now: datetime | str | None, freeze: bool | None,
                **extra: Any) -> dict[str, Any]:
    body = {"seed": seed, "now": None if now is None else iso8601(now), "freeze": freeze, **extra}
    return {k: v for k, v in body.items() if v is not None}


class EmulatorClient:
    """The control plane of one running emulator (`base_url` without `/_emulator`)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0,
                 token: str | None = None) -> None:
        """`token`: the server's EMULATOR_CONTROL_TOKEN (default: that variable, if set)."""
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        token = token if token is not None else os.environ.get(TOKEN_VARIABLE) or None
        # Sent on control calls only, not on the vendor calls made through self.http.
        self._control_headers = {TOKEN_HEADER: token} if token else {}

    def __enter__(self) -> EmulatorClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying httpx.Client."""
        self.http.close()

    def __repr__(self) -> str:
        return f"EmulatorClient({self.base_url!r})"

    def call(self, method: str, path: str, *, json: Json = None,
             params: dict[str, Any] | None = None) -> Json:
        """One control-plane call: `path` below `/_emulator`; the decoded answer (None on 204)."""
        response = self.http.request(method, f"/_emulator{path}", json=json,
                                     params=_query(params or {}),
                                     headers=self._control_headers)
        if not response.is_success:
            raise ControlError.from_response(response)
        return None if response.status_code == 204 or not response.content else response.json()

    # -- server and default world ------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """`{"status": "ok", "version", "vendors"}`."""
        return self.call("GET", "/health")

    def credentials(self) -> dict[str, Any]:
        """The default world's credentials, per vendor."""
        return self.call("GET", "/credentials")

    def reset(self, seed: int | None = None, now: datetime | str | None = None,
              freeze: bool | None = None) -> dict[str, Any]:
        """Drop all state and rebuild the default world; `{"seed", "clock", "credentials"}`."""
        return self.call("POST", "/reset", json=_world_body(seed, now, freeze))

    def clock(self) -> dict[str, Any]:
        """The default world's clock: `{"now", "frozen", "speed"}`."""
        return self._clock("")

    def freeze(self, frozen: bool = True) -> dict[str, Any]:
        """Stop the default world's clock (or restart it with `frozen=False`)."""
        return self._move("", freeze=frozen)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the default world's clock forward; due transitions happen on the way."""
        return self._move("", advance_seconds=seconds)

    def set_time(self, when: datetime | str) -> dict[str, Any]:
        """Jump the default world's clock forward to `when` (never back)."""
        return self._move("", set=iso8601(when))

    def set_speed(self, speed: float) -> dict[str, Any]:
        """Virtual seconds per real second of the default world's clock."""
        return self._move("", speed=speed)

    def _clock(self, prefix: str) -> dict[str, Any]:
        return self.call("GET", f"{prefix}/clock")

    def _move(self, prefix: str, **change: Any) -> dict[str, Any]:
        return self.call("POST", f"{prefix}/clock", json=change)

    # -- sandboxes ---------------------------------------------------------------------------

    def sandbox(self, seed: int | None = None, now: datetime | str | None = None,
                freeze: bool | None = None, name: str | None = None) -> Sandbox:
        """Create an isolated world (defaults: the default world's seed and clock)."""
        view = self.call("POST", "/sandboxes", json=_world_body(seed, now, freeze, name=name))
        return Sandbox(self, view)

    def sandboxes(self) -> list[Sandbox]:
        """Every live sandbox, oldest first."""
        return [Sandbox(self, view) for view in self.call("GET", "/sandboxes")]

    def get_sandbox(self, sandbox_id: str) -> Sandbox:
        """One sandbox by id (404 as ControlError)."""
        return Sandbox(self, self.call("GET", f"/sandboxes/{sandbox_id}"))

    def delete_sandbox(self, sandbox_id: str) -> None:
        """Drop a sandbox by id: its credentials stop working at once."""
        self.call("DELETE", f"/sandboxes/{sandbox_id}")

    # -- faults ------------------------------------------------------------------------------

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (fields of `POST /_emulator/faults`); the rule with its `id`."""
        return self.call("POST", "/faults", json=rule)

    def faults(self, sandbox: str | None = None) -> list[dict[str, Any]]:
        """Every fault rule, or those scoped to one sandbox."""
        return self.call("GET", "/faults", params={"sandbox": sandbox})

    def fault(self, fault_id: int) -> dict[str, Any]:
        """One fault rule, with how often it `fired` and what `remaining`."""
        return self.call("GET", f"/faults/{fault_id}")

    def remove_fault(self, fault_id: int) -> None:
        """Delete one fault rule."""
        self.call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self, sandbox: str | None = None) -> None:
        """Delete every fault rule, or a sandbox's."""
        self.call("DELETE", "/faults", params={"sandbox": sandbox})

    # -- request journal ---------------------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first; filters as `GET /_emulator/requests` takes them
        (vendor, method, path, status, api_call, sandbox, since, until, after, fault, limit)."""
        return list(self.journal(**filters)["data"])

    def journal(self, **filters: Any) -> dict[str, Any]:
        """The whole journal answer: `{"data", "total", "capacity"}`."""
        return self.call("GET", "/requests", params=filters)

    def request(self, entry_id: int) -> dict[str, Any]:
        """One journal entry."""
        return self.call("GET", f"/requests/{entry_id}")

    def clear_requests(self, sandbox: str | None = None) -> None:
        """Empty the journal, or drop a sandbox's entries."""
        self.call("DELETE", "/requests", params={"sandbox": sandbox})

    def journal_config(self) -> dict[str, Any]:
        """The journal's bounds: `{"capacity", "body_bytes", ...}`."""
        return self.call("GET", "/requests/config")

    def configure_journal(self, capacity: int | None = None,
                          body_bytes: int | None = None) -> dict[str, Any]:
        """Change how many entries the journal keeps and how much of each body."""
        body = {k: v for k, v in (("capacity", capacity), ("body_bytes", body_bytes))
                if v is not None}
        return self.call("PUT", "/requests/config", json=body)

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot(self, name: str, replace: bool = False,
                 sandbox: str | None = None) -> dict[str, Any]:
        """Save the whole state (or one sandbox's world) in server memory under `name`."""
        body = {"name": name, "sandbox": sandbox, "replace": replace}
        return self.call("POST", "/snapshots", json=body)

    def snapshots(self) -> list[dict[str, Any]]:
        """Every snapshot, oldest first."""
        return self.call("GET", "/snapshots")

    def get_snapshot(self, name: str) -> dict[str, Any]:
        """One snapshot's view: `{"name", "sandbox", "created_at", "clock", "worlds", "rows"}`."""
        return self.call("GET", f"/snapshots/{name}")

    def restore(self, name: str, sandbox: str | None = None) -> dict[str, Any]:
        """Put the state saved under `name` back (a sandbox snapshot: only that world).

        With `sandbox`, only if the snapshot is of that sandbox (else 409 as ControlError).
        """
        return self.call("POST", f"/snapshots/{name}/restore", params={"sandbox": sandbox})

    def delete_snapshot(self, name: str) -> None:
        """Forget a snapshot."""
        self.call("DELETE", f"/snapshots/{name}")

    def export_snapshot(self, name: str) -> bytes:
        """A snapshot as a file (JSON, versioned; docs/toolkit.md), to import into any server."""
        response = self.http.get(f"/_emulator/snapshots/{name}/export")
        if not response.is_success:
            raise ControlError.from_response(response)
        return response.content

    def import_snapshot(self, data: bytes, name: str | None = None,
                        replace: bool = False) -> dict[str, Any]:
        """Load a snapshot file (kept under `name`, else its own); restore it to use it.
        A file this server cannot load is a 422 `incompatible_snapshot` and changes nothing."""
        response = self.http.post("/_emulator/snapshots/import", content=data,
                                  headers={"Content-Type": "application/json"},
                                  params=_query({"name": name, "replace": replace}))
        if not response.is_success:
            raise ControlError.from_response(response)
        view: dict[str, Any] = response.json()
        return view


class Sandbox(VendorLogins):
    """An isolated world on the server: its own credentials, base URL, clock, faults and journal.

    `base_url` is where the server serves all four vendor APIs for this sandbox alone
    (`.../sandbox/<id>`): point the client under test there. `http` is an httpx.Client on it
    with a cookie jar of its own (made on first use; `close()` or `delete()` closes it).
    """

    def __init__(self, client: EmulatorClient, view: dict[str, Any]) -> None:
        self.client = client
        self.view = view
        self.id: str = view["id"]
        self.name: str | None = view.get("name")
        self.seed: int = view["seed"]
        self.credentials = view["credentials"]
        # The sandbox's own base URL (a server before it had them: the root, where the
        # credentials pick the world).
        self.base_url: str = view.get("base_url") or client.base_url
        self._http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        """An httpx.Client on this sandbox's base URL, with its own cookie jar."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.base_url, timeout=self.client.http.timeout)
        return self._http

    def close(self) -> None:
        """Close `http`, if it was made."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def __repr__(self) -> str:
        return f"Sandbox({self.id!r})"

    def clock(self) -> dict[str, Any]:
        """This sandbox's clock: `{"now", "frozen", "speed"}`."""
        return self.client._clock(self._prefix)

    def freeze(self, frozen: bool = True) -> dict[str, Any]:
        """Stop this sandbox's clock (or restart it with `frozen=False`)."""
        return self.client._move(self._prefix, freeze=frozen)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move this sandbox's clock forward; its due transitions happen on the way."""
        return self.client._move(self._prefix, advance_seconds=seconds)

    def set_time(self, when: datetime | str) -> dict[str, Any]:
        """Jump this sandbox's clock forward to `when`."""
        return self.client._move(self._prefix, set=iso8601(when))

    def set_speed(self, speed: float) -> dict[str, Any]:
        """Virtual seconds per real second of this sandbox's clock."""
        return self.client._move(self._prefix, speed=speed)

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """A fault rule that fires only on requests made with this sandbox's credentials."""
        return self.client.add_fault(**{**rule, "sandbox": self.id})

    def faults(self) -> list[dict[str, Any]]:
        """This sandbox's fault rules."""
        return self.client.faults(sandbox=self.id)

    def clear_faults(self) -> None:
        """Delete this sandbox's fault rules."""
        self.client.clear_faults(sandbox=self.id)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries of requests made with this sandbox's credentials."""
        return self.client.requests(**{**filters, "sandbox": self.id})

    def clear_requests(self) -> None:
        """Drop this sandbox's journal entries."""
        self.client.clear_requests(sandbox=self.id)

    def snapshot(self, name: str, replace: bool = False) -> dict[str, Any]:
        """Save this sandbox's world under `name`."""
        return self.client.snapshot(name, replace=replace, sandbox=self.id)

    def restore(self, name: str) -> dict[str, Any]:
        """Put this sandbox's world back as saved under `name` (recreated if deleted).

        Only a snapshot of this sandbox: the server refuses any other (409 as ControlError),
        so a whole-state snapshot never wipes other clients' sandboxes from here.
        """
        return self.client.restore(name, sandbox=self.id)

    def delete(self) -> None:
        """Drop the sandbox: its credentials and base URL stop working at once."""
        self.close()
        self.client.call("DELETE", f"/sandboxes/{self.id}")

    @property
    def _prefix(self) -> str:
        return f"/sandboxes/{self.id}"
