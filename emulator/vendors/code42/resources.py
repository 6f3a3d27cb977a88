"""The v1 resources py42 reads: Computer, User and Org, role-scoped like the report.

Differences from the real API: only the fields clients are known to read are rendered (see
docs/code42.md); writes (block, deactivate, move) are not emulated here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlmodel import col

from emulator.core.numbers import as_id, is_digits
from emulator.core.timeutil import iso_z
from emulator.vendors.code42.auth import Caller
from emulator.vendors.code42.errors import BadParameter, OrgNotFound, ResourceNotFound
from emulator.vendors.code42.models import ONLINE, Code42Device, Code42Org, Code42User
from emulator.vendors.code42.schemas import MAX_PAGE_SIZE
from emulator.vendors.code42.timing import alert_state, floor_backup

__all__ = ["ROLE_IDS", "computer", "computers", "org", "orgs", "user", "users"]

ROLE_IDS = {"sysadmin": 1, "org_manager": 2, "user": 3}
"""ASSUMPTION: role ids for the roleId filter; the real ids are per deployment."""
ALERT_LEVELS = {"OK": 0, "WarningBackupAlert": 1, "CriticalBackupAlert": 2}
DEFAULT_PAGE_SIZE = 100


def _paging(page: int | None, size: int | None) -> tuple[int, int]:
    if page is not None and page < 1:
        raise BadParameter("pgNum", f"{page} is not a page number (pages start at 1)")
    if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
        raise BadParameter("pgSize", f"{size} is not between 1 and {MAX_PAGE_SIZE}")
    size = size or DEFAULT_PAGE_SIZE
    return (page or 1) - 1, size


def _org_by_uid(caller: Caller, org_uid: str) -> Code42Org:
    found = caller.ctx.session.execute(select(Code42Org).where(
        col(Code42Org.world_id) == caller.ctx.world_id,
        col(Code42Org.org_uid) == org_uid)).scalars().first()
    visible = caller.org_ids()
    if found is None or (visible is not None and found.id not in visible):
        raise OrgNotFound()
    return found


# -- computers -----------------------------------------------------------------------------


def _computer_view(d: Code42Device, caller: Caller, backup_usage: bool) -> dict[str, Any]:
    now = caller.ctx.now
    connected = now if d.last_connected == ONLINE else d.last_connected
    alert = alert_state(d.active, connected, now)
    view: dict[str, Any] = {
        "computerId": d.id, "name": d.name, "osHostname": d.os_hostname, "guid": d.guid,
        "type": "COMPUTER", "status": "Active" if d.active else "Deactivated",
        "active": d.active, "blocked": d.blocked, "alertState": ALERT_LEVELS[alert],
        "alertStates": [alert], "userId": d.user_id, "userUid": d.user_uid,
        "orgId": d.org_id, "orgUid": d.org_uid, "computerExtRef": d.ext_ref, "notes": None,
        "parentComputerId": None, "parentComputerGuid": None,
        "lastConnected": iso_z(connected), "osName": d.os_name, "osVersion": d.os_version,
        "osArch": "amd64", "address": d.address, "remoteAddress": d.remote_address,
        "timeZone": "UTC", "productVersion": d.version.rsplit(".", 1)[0],
        "buildVersion": int(d.version.rsplit(".", 1)[1]), "creationDate": iso_z(d.creation_date),
        "modificationDate": iso_z(connected), "loginDate": iso_z(connected),
        "service": "CrashPlan",
    }
    if backup_usage:
        completed = d.last_completed_backup
        if completed == ONLINE:
            completed = floor_backup(now)
        todo = max(0, d.selected_bytes - int(d.selected_bytes * d.backup_pct / 100))
        view["backupUsage"] = [{
            "targetComputerParentId": None, "targetComputerParentGuid": None,
            "targetComputerGuid": d.destination_uid, "targetComputerName": d.destination_name,
            "targetComputerOsName": None, "targetComputerType": "SERVER",
            "selectedFiles": d.selected_bytes // 750_000, "selectedBytes": d.selected_bytes,
            "todoFiles": todo // 750_000, "todoBytes": todo, "archiveBytes": d.archive_bytes,
            "billableBytes": d.selected_bytes, "percentComplete": d.backup_pct,
            "lastBackup": iso_z(connected) if d.online else None,
            "lastCompletedBackup": None if completed is None else iso_z(completed),
            "lastConnected": iso_z(connected), "alertState": ALERT_LEVELS[alert],
            "alertStates": [alert], "using": d.active, "serverGuid": d.server_uid,
            "serverName": d.server_name, "archiveGuid": d.archive_guid,
            "archiveFormat": "ARCHIVE_V2", "coldStorage": d.cold_storage,
            "activity": {"connected": d.online, "backingUp": d.online and d.backup_pct < 100,
                         "restoring": False, "remainingBytes": todo},
        }]
    return view


def computers(caller: Caller, *, active: bool | None, blocked: bool | None,
              org_uid: str | None, user_uid: str | None, destination_guid: str | None,
              q: str | None, backup_usage: bool, page: int | None,
              page_size: int | None) -> dict[str, Any]:
    """A page of devices the caller may see: {"totalCount", "computers"}."""
    index, size = _paging(page, page_size)
    ctx = caller.ctx
    where: list[ColumnElement[bool]] = [col(Code42Device.world_id) == ctx.world_id,
                                        caller.device_scope()]
    if active is not None:
        where.append(col(Code42Device.active) == active)
    if blocked is not None:
        where.append(col(Code42Device.blocked) == blocked)
    if org_uid:
        where.append(col(Code42Device.org_id) == _org_by_uid(caller, org_uid).id)
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
    return {"totalCount": total,
            "computers": [_computer_view(r, caller, backup_usage) for r in rows]}


def computer(caller: Caller, ident: str, id_type: str | None,
             backup_usage: bool) -> dict[str, Any]:
    """One device by computerId (default) or guid (idType=guid)."""
    ctx = caller.ctx
    kind = (id_type or "id").lower()
    if kind == "guid":
        match: ColumnElement[bool] = col(Code42Device.guid) == ident
    elif kind == "id" and is_digits(ident):
        # An id past 64 bits names no device (and must not reach the driver).
        number = as_id(ident)
        match = col(Code42Device.id) == number if number is not None else false()
    elif kind == "id":
        raise BadParameter("computerId", f"{ident!r} is not a computer id; use idType=guid "
                           "for a guid")
    else:
        raise BadParameter("idType", f"{id_type!r} is not id or guid")
    found = ctx.session.execute(select(Code42Device).where(
        col(Code42Device.world_id) == ctx.world_id, match,
        caller.device_scope())).scalars().first()
    if found is None:
        raise ResourceNotFound(f"Computer not found: {ident}")
    return _computer_view(found, caller, backup_usage)


# -- users ---------------------------------------------------------------------------------


def _user_view(u: Code42User, org_row: Code42Org) -> dict[str, Any]:
    return {
        "userId": u.id, "userUid": u.user_uid, "status": "Active" if u.active else "Deactivated",
        "username": u.username, "email": u.email, "firstName": u.first_name,
        "lastName": u.last_name, "quotaInBytes": -1, "orgId": org_row.id,
        "orgUid": org_row.org_uid, "orgName": org_row.name, "userExtRef": u.ext_ref,
        "notes": None, "active": u.active, "blocked": False, "emailPromo": True,
        "invited": False, "orgType": "ENTERPRISE", "usernameIsAnEmail": "@" in u.username,
        "creationDate": iso_z(u.creation_date), "modificationDate": iso_z(u.creation_date),
        "passwordReset": False, "localAuthenticationOnly": False, "licenses": [],
    }


def _orgs_by_id(caller: Caller) -> dict[int, Code42Org]:
    rows = caller.ctx.session.execute(select(Code42Org).where(
        col(Code42Org.world_id) == caller.ctx.world_id)).scalars()
    return {o.id: o for o in rows if o.id is not None}


def users(caller: Caller, *, active: bool | None, email: str | None, org_uid: str | None,
          role_id: int | None, username: str | None, q: str | None, page: int | None,
          page_size: int | None) -> dict[str, Any]:
    """A page of users the caller may see: {"totalCount", "users"}."""
    index, size = _paging(page, page_size)
    ctx = caller.ctx
    where: list[ColumnElement[bool]] = [col(Code42User.world_id) == ctx.world_id,
                                        caller.user_scope()]
    if active is not None:
        where.append(col(Code42User.active) == active)
    if email:
        where.append(col(Code42User.email) == email)
    if username:
        where.append(col(Code42User.username) == username)
    if org_uid:
        where.append(col(Code42User.org_id) == _org_by_uid(caller, org_uid).id)
    if role_id is not None:
        names = [name for name, number in ROLE_IDS.items() if number == role_id]
        where.append(col(Code42User.role).in_(names))
    if q:
        where.append(or_(*(c.icontains(q, autoescape=True) for c in (
            col(Code42User.username), col(Code42User.email), col(Code42User.first_name),
            col(Code42User.last_name)))))
    condition = and_(*where)
    total = ctx.session.execute(select(func.count()).where(condition)
                                .select_from(Code42User)).scalar_one()
    rows = ctx.session.execute(select(Code42User).where(condition).order_by(
        col(Code42User.id)).limit(size).offset(index * size)).scalars()
    by_id = _orgs_by_id(caller)
    return {"totalCount": total, "users": [_user_view(u, by_id[u.org_id]) for u in rows]}


def user(caller: Caller, ident: str, id_type: str | None) -> dict[str, Any]:
    """One user by userId (default), userUid (idType=uid) or "my" (the caller)."""
    ctx = caller.ctx
    if ident == "my":
        if caller.user is None:
            raise ResourceNotFound("User not found: API clients have no user of their own")
        return _user_view(caller.user, _orgs_by_id(caller)[caller.user.org_id])
    kind = (id_type or "id").lower()
    if kind == "uid":
        match: ColumnElement[bool] = col(Code42User.user_uid) == ident
    elif kind == "id" and is_digits(ident):
        number = as_id(ident)
        match = col(Code42User.id) == number if number is not None else false()
    elif kind == "id":
        raise BadParameter("userId", f"{ident!r} is not a user id; use idType=uid for a uid")
    else:
        raise BadParameter("idType", f"{id_type!r} is not id or uid")
    found = ctx.session.execute(select(Code42User).where(
        col(Code42User.world_id) == ctx.world_id, match,
        caller.user_scope())).scalars().first()
    if found is None:
        raise ResourceNotFound(f"User not found: {ident}")
    return _user_view(found, _orgs_by_id(caller)[found.org_id])


# -- orgs ----------------------------------------------------------------------------------


def _org_view(o: Code42Org, by_id: dict[int, Code42Org],
              managers: dict[int, list[str]]) -> dict[str, Any]:
    parent = by_id.get(o.parent_id) if o.parent_id is not None else None
    return {
        "orgId": o.id, "orgUid": o.org_uid, "orgGuid": o.org_guid, "orgName": o.name,
        "orgExtRef": o.ext_ref, "notes": None, "status": "Active", "active": True,
        "blocked": False, "parentOrgId": o.parent_id,
        "parentOrgUid": parent.org_uid if parent else None,
        "parentOrgGuid": parent.org_guid if parent else None, "type": "ENTERPRISE",
        "externalId": o.org_uid, "hierarchyCounts": {}, "configInheritanceCounts": {},
        "creationDate": iso_z(o.creation_date), "modificationDate": iso_z(o.creation_date),
        "deactivationDate": None, "registrationKey": o.registration_key,
        "reporting": {"orgManagers": managers.get(o.id or 0, [])}, "customConfig": False,
    }


def _visible_orgs(caller: Caller) -> list[Code42Org]:
    by_id = _orgs_by_id(caller)
    if caller.user is not None and caller.role == "user":
        return [by_id[caller.user.org_id]]
    visible = caller.org_ids()
    return [o for i, o in sorted(by_id.items()) if visible is None or i in visible]


def _managers(caller: Caller) -> dict[int, list[str]]:
    managers: dict[int, list[str]] = {}
    for u in caller.ctx.session.execute(select(Code42User).where(
            col(Code42User.world_id) == caller.ctx.world_id,
            col(Code42User.role) == "org_manager")).scalars():
        managers.setdefault(u.org_id, []).append(u.username)
    return managers


def orgs(caller: Caller, page: int | None, page_size: int | None) -> dict[str, Any]:
    """A page of the orgs the caller may see: {"totalCount", "orgs"}."""
    index, size = _paging(page, page_size)
    visible = _visible_orgs(caller)
    by_id, managers = _orgs_by_id(caller), _managers(caller)
    chosen = visible[index * size:(index + 1) * size]
    return {"totalCount": len(visible),
            "orgs": [_org_view(o, by_id, managers) for o in chosen]}


def org(caller: Caller, ident: str, id_type: str | None) -> dict[str, Any]:
    """One org by orgId (default), orgUid (idType=orgUid) or "my" (the caller's own org)."""
    visible = _visible_orgs(caller)
    by_id, managers = _orgs_by_id(caller), _managers(caller)
    kind = (id_type or "id").lower()
    if ident == "my":
        if caller.user is None:
            raise ResourceNotFound("Org not found: API clients have no org of their own")
        found: Code42Org | None = by_id.get(caller.user.org_id)
    elif kind in ("uid", "orguid"):
        found = next((o for o in visible if o.org_uid == ident), None)
    elif kind in ("guid", "orgguid"):
        found = next((o for o in visible if o.org_guid == ident), None)
    elif kind == "id" and is_digits(ident):
        found = next((o for o in visible if o.id == as_id(ident)), None)
    else:
        raise BadParameter("idType", f"{id_type!r} is not id, orgUid or orgGuid")
    if found is None:
        raise ResourceNotFound(f"Org not found: {ident}")
    return _org_view(found, by_id, managers)
