"""The v1 Computer resource py42 and code42cli read: devices, their backup usage and settings.

Rendered from the same device rows as the report. What `inc*` adds, as py42 and code42cli
read it: `incBackupUsage` one `backupUsage[]` entry per archive (one destination per device
here), `incSettings` the device's `settings` (one backup set) with `availableDestinations` and
`orgSettings`, `incAll` both. Differences from the real API: only the fields clients are known
to read are rendered (see docs/code42.md); settings are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import col

from emulator.core.timeutil import iso_z
from emulator.vendors.code42.auth import Caller
from emulator.vendors.code42.errors import ResourceNotFound
from emulator.vendors.code42.models import ONLINE, Code42Destination, Code42Device
from emulator.vendors.code42.orgs import id_or_key, org_by_uid, paging, subtree_condition
from emulator.vendors.code42.settings import device_settings
from emulator.vendors.code42.timing import Alerts, shown_backup

__all__ = ["ALERT_LEVELS", "ARCHIVE_FORMAT", "Includes", "computer", "computers"]

ALERT_LEVELS = {"OK": 0, "WarningBackupAlert": 1, "CriticalBackupAlert": 2}
ARCHIVE_FORMAT = "ARCHIVE_V1"
"""What real backupUsage entries carry (py42/code42cli test data): code42cli's
--include-total-storage counts every archive whose format is not ARCHIVE_V2."""


@dataclass(frozen=True, slots=True)
class _Instant:
    """What the views show of the request's now: its text, the last finished backup's,
    and the alert cutoffs (none of them makes an answer hold at that instant only)."""

    now: str
    backup: str
    alerts: Alerts

    @classmethod
    def of(cls, caller: Caller) -> _Instant:
        time = caller.ctx.time
        return cls(time.shown(), time.shown(shown_backup), Alerts.of(caller.ctx))


@dataclass(frozen=True)
class Includes:
    """The Computer resource's inc* switches; incAll turns on every one."""

    backup_usage: bool = False
    settings: bool = False

    @classmethod
    def of(cls, *, backup_usage: bool | None = None, settings: bool | None = None,
           everything: bool | None = None) -> Includes:
        return cls(backup_usage=bool(backup_usage or everything),
                   settings=bool(settings or everything))


def _version_number(version: str) -> int:
    """The agent's version as the `version` long real records carry (e.g. 1525200006822)."""
    major, minor, patch, build = (int(p) for p in version.split("."))
    return 1525200000000 + major * 10_000_000 + minor * 100_000 + patch * 1000 + build


def _backup_usage(d: Code42Device, at: _Instant, connected: str, alert: str) -> dict[str, Any]:
    completed = d.last_completed_backup
    todo = max(0, d.selected_bytes - int(d.selected_bytes * d.backup_pct / 100))
    return {
        "targetComputerParentId": None, "targetComputerParentGuid": None,
        "targetComputerGuid": d.destination_uid, "targetComputerName": d.destination_name,
        "targetComputerOsName": None, "targetComputerType": "SERVER",
        "selectedFiles": d.selected_bytes // 750_000, "selectedBytes": d.selected_bytes,
        "todoFiles": todo // 750_000, "todoBytes": todo, "archiveBytes": d.archive_bytes,
        "billableBytes": d.selected_bytes, "percentComplete": d.backup_pct,
        "lastBackup": connected if d.online else None,
        "lastCompletedBackup": None if completed is None else (
            at.backup if completed == ONLINE else iso_z(completed)),
        "lastConnected": connected, "alertState": ALERT_LEVELS[alert],
        "alertStates": [alert], "using": d.active, "serverGuid": d.server_uid,
        "serverName": d.server_name, "archiveGuid": d.archive_guid,
        "archiveFormat": ARCHIVE_FORMAT, "coldStorage": d.cold_storage,
        "activity": {"connected": d.online, "backingUp": d.online and d.backup_pct < 100,
                     "restoring": False, "remainingBytes": todo},
    }


def _view(d: Code42Device, at: _Instant, inc: Includes,
          destinations: list[Code42Destination]) -> dict[str, Any]:
    connected = at.now if d.last_connected == ONLINE else iso_z(d.last_connected)
    alert = at.alerts.state(d.active, d.last_connected)
    product, build = d.version.rsplit(".", 1)
    view: dict[str, Any] = {
        "computerId": d.id, "name": d.name, "osHostname": d.os_hostname, "guid": d.guid,
        "type": "COMPUTER", "status": "Active" if d.active else "Deactivated",
        "active": d.active, "blocked": d.blocked, "alertState": ALERT_LEVELS[alert],
        "alertStates": [alert], "userId": d.user_id, "userUid": d.user_uid,
        "orgId": d.org_id, "orgUid": d.org_uid, "computerExtRef": d.ext_ref, "notes": None,
        "parentComputerId": None, "parentComputerGuid": None,
        "lastConnected": connected, "osName": d.os_name, "osVersion": d.os_version,
        "osArch": "amd64", "address": d.address, "remoteAddress": d.remote_address,
        "javaVersion": "11.0.21", "modelInfo": None, "timeZone": "UTC",
        "version": _version_number(d.version), "productVersion": product,
        "buildVersion": int(build), "creationDate": iso_z(d.creation_date),
        "modificationDate": connected, "loginDate": connected,
        "service": "CrashPlan",
    }
    if inc.backup_usage:
        view["backupUsage"] = [_backup_usage(d, at, connected, alert)]
    if inc.settings:
        view.update(device_settings(d, destinations))
    return view


def _destinations(caller: Caller, inc: Includes) -> list[Code42Destination]:
    if not inc.settings:
        return []
    return list(caller.ctx.session.execute(select(Code42Destination).where(
        col(Code42Destination.world_id) == caller.ctx.world_id).order_by(
        col(Code42Destination.id))).scalars())


def computers(caller: Caller, *, active: bool | None, blocked: bool | None,
              org_uid: str | None, user_uid: str | None, destination_guid: str | None,
              q: str | None, inc: Includes, page: int | None,
              page_size: int | None) -> dict[str, Any]:
    """A page of devices the caller may see: {"totalCount", "computers"}.

    `orgUid` includes the org's child orgs, as code42cli's --org-uid promises.
    """
    index, size = paging(page, page_size)
    ctx = caller.ctx
    where: list[ColumnElement[bool]] = [col(Code42Device.world_id) == ctx.world_id,
                                        caller.device_scope()]
    if active is not None:
        where.append(col(Code42Device.active) == active)
    if blocked is not None:
        where.append(col(Code42Device.blocked) == blocked)
    if org_uid:
        org = org_by_uid(caller, org_uid, "Unable to find org")
        where.append(subtree_condition(caller, org, col(Code42Device.org_id)))
    if user_uid:
        where.append(col(Code42Device.user_uid) == user_uid)
    if destination_guid:
        where.append(col(Code42Device.destination_uid) == destination_guid)
    if q:
        where.append(or_(col(Code42Device.name).icontains(q, autoescape=True),
                         col(Code42Device.os_hostname).icontains(q, autoescape=True),
                         col(Code42Device.guid).startswith(q, autoescape=True)))
    condition = and_(*where)
    total = ctx.session.execute(select(func.count()).where(condition)
                                .select_from(Code42Device)).scalar_one()
    rows = ctx.session.execute(select(Code42Device).where(condition).order_by(
        col(Code42Device.id)).limit(size).offset(index * size)).scalars()
    destinations = _destinations(caller, inc)
    at = _Instant.of(caller)
    return {"totalCount": total,
            "computers": [_view(r, at, inc, destinations) for r in rows]}


def computer(caller: Caller, ident: str, id_type: str | None, inc: Includes) -> dict[str, Any]:
    """One device by computerId (default) or guid (idType=guid)."""
    ctx = caller.ctx
    match = id_or_key(Code42Device.id, Code42Device.guid, ident, id_type, key="guid",
                      what="computer")
    found = ctx.session.execute(select(Code42Device).where(
        col(Code42Device.world_id) == ctx.world_id, match,
        caller.device_scope())).scalars().first()
    if found is None:
        raise ResourceNotFound(f"Computer not found: {ident}")
    return _view(found, _Instant.of(caller), inc, _destinations(caller, inc))
