"""The worlds the console can show, each with its credentials and base URL per vendor.

Everything here comes from the control plane's own backend (the same answers as
GET /_emulator/credentials, /_emulator/sandboxes and /_emulator/clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from emulator.control import backend
from emulator.control.schemas import ClockView
from emulator.core.runtime import Emulator
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["VENDORS", "Vendor", "WorldInfo", "all_worlds", "world_info"]


@dataclass(frozen=True)
class Vendor:
    """How a client reaches one vendor: its paths under a base URL and how it signs in."""

    name: str
    title: str
    style: str
    auth: str
    paths: tuple[str, ...]


VENDORS = (
    Vendor("cleverfox", "CleverFox Backup", "REST JSON",
           "HTTP Basic: the partner API key is the user name, any password", ("/api/",)),
    Vendor("rackspace", "Rackspace Cloud Backup v1.0", "REST JSON",
           "POST /v2.0/tokens with user name and API key, then X-Auth-Token",
           ("/v2.0/tokens", "/v1.0/{tenant_id}/")),
    Vendor("backuprun", "BackupRun", "form POST, XML answers",
           "apiCALL=login with email and password, then the session cookie",
           ("/api.php?apiCALL=...",)),
    Vendor("code42", "Code42", "DeviceBackupReport, JSON or CSV",
           "HTTP Basic, a v3 bearer token, or OAuth client credentials",
           ("/api/DeviceBackupReport", "/api/v1/...", "/api/v3/...")),
)


@dataclass
class WorldInfo:
    """One world as a person needs it to point a client at it."""

    id: str
    name: str
    kind: str
    seed: int
    credentials: dict[str, Any]
    base_url: str
    clock: ClockView
    created_at: str | None = None

    @property
    def query(self) -> str:
        """`?sandbox=<id>` for control calls about this world ('' for the default world)."""
        return "" if self.id == DEFAULT_WORLD_ID else f"?sandbox={self.id}"

    @property
    def clock_url(self) -> str:
        if self.id == DEFAULT_WORLD_ID:
            return "/_emulator/clock"
        return f"/_emulator/sandboxes/{self.id}/clock"

    def pairs(self, vendor: str) -> list[tuple[str, str]]:
        """A vendor's credentials flattened to (label, value) for display and copying."""
        out: list[tuple[str, str]] = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(f"{prefix} {key}".strip(), inner)
            else:
                out.append((prefix.replace("_", " "), str(value)))

        walk("", self.credentials.get(vendor, {}))
        return out

    def urls(self, vendor: Vendor) -> list[str]:
        tenant = str(self.credentials.get("rackspace", {}).get("tenant_id", "{tenant_id}"))
        return [self.base_url + p.replace("{tenant_id}", tenant) for p in vendor.paths]


def _base(root: str, view: Any) -> str:
    """The sandbox's own base URL when the control plane gives one, else the server root."""
    base = getattr(view, "base_url", None)
    if not base:
        return root
    return base.rstrip("/") if "://" in base else root + "/" + base.strip("/")


def world_info(emu: Emulator, session: Session, world_id: str, root: str) -> WorldInfo:
    """The default world or a sandbox (a missing sandbox is the control plane's 404)."""
    root = root.rstrip("/")
    if world_id == DEFAULT_WORLD_ID:
        world = emu.worlds[DEFAULT_WORLD_ID]
        return WorldInfo(DEFAULT_WORLD_ID, "Default world", "default", world.seed,
                         backend.credentials(emu), root,
                         backend.get_clock(emu, DEFAULT_WORLD_ID))
    view = backend.get_sandbox(emu, session, world_id)
    return WorldInfo(view.id, view.name or view.id, "sandbox", view.seed, view.credentials,
                     _base(root, view), view.clock, view.created_at)


def all_worlds(emu: Emulator, session: Session, root: str) -> list[WorldInfo]:
    """The default world, then every sandbox, oldest first."""
    worlds = [world_info(emu, session, DEFAULT_WORLD_ID, root)]
    for view in backend.list_sandboxes(emu, session):
        worlds.append(WorldInfo(view.id, view.name or view.id, "sandbox", view.seed,
                                view.credentials, _base(root.rstrip("/"), view), view.clock,
                                view.created_at))
    return worlds
