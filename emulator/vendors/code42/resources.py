"""The v1 User resource, the role list and the current tenant (v3 customer/my).

Differences from the real API: only the fields clients are known to read are rendered (see
docs/code42.md); writes (block, deactivate, move, role changes) are not emulated here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import col

from emulator.core.timeutil import iso_z
from emulator.vendors.code42.auth import Caller
from emulator.vendors.code42.errors import BadParameter, ResourceNotFound
from emulator.vendors.code42.models import Code42Org, Code42User
from emulator.vendors.code42.orgs import (
    id_or_key,
    org_by_uid,
    orgs_by_id,
    paging,
    subtree_condition,
)

__all__ = ["ROLES", "USER_ROLES", "roles", "tenant", "user", "users"]


@dataclass(frozen=True)
class Role:
    """A role as /api/v1/role lists it (ids and names as in py42's and code42cli's tests)."""

    role_id: str
    name: str


ROLES: dict[str, Role] = {r.role_id: r for r in (
    Role("customer-cloud-admin", "Customer Cloud Admin"),
    Role("org-manager", "Org Manager"),
    Role("desktop-user", "Desktop User"),
)}
USER_ROLES: dict[str, tuple[str, ...]] = {
    "sysadmin": ("customer-cloud-admin", "desktop-user"),
    "org_manager": ("org-manager", "desktop-user"),
    "user": ("desktop-user",),
}
"""ASSUMPTION: each kind of login's roles; every user backs up, so every user is Desktop User."""
_ROLES_CREATED = "2019-01-10T20:29:51.343Z"


def _user_view(u: Code42User, org_row: Code42Org, inc_roles: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "userId": u.id, "userUid": u.user_uid, "status": "Active" if u.active else "Deactivated",
        "username": u.username, "email": u.email, "firstName": u.first_name,
        "lastName": u.last_name, "quotaInBytes": -1, "orgId": org_row.id,
        "orgUid": org_row.org_uid, "orgName": org_row.name, "userExtRef": u.ext_ref,
        "notes": None, "active": u.active, "blocked": False, "emailPromo": True,
        "invited": False, "orgType": "ENTERPRISE", "usernameIsAnEmail": "@" in u.username,
        "creationDate": iso_z(u.creation_date), "modificationDate": iso_z(u.creation_date),
        "passwordReset": False, "localAuthenticationOnly": False, "licenses": [],
    }
    if inc_roles:
        view["roles"] = [ROLES[r].name for r in USER_ROLES[u.role]]
    return view


def users(caller: Caller, *, active: bool | None, email: str | None, org_uid: str | None,
          role_id: str | None, username: str | None, q: str | None, page: int | None,
          page_size: int | None, inc_roles: bool = False) -> dict[str, Any]:
    """A page of users the caller may see: {"totalCount", "users"}.

    `orgUid` includes the org's child orgs (code42cli's --org-uid says so); an orgUid the
    caller cannot see is "Organization was not found", the text py42 maps on this resource.
    """
    index, size = paging(page, page_size)
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
        org_row = org_by_uid(caller, org_uid, "Organization was not found")
        where.append(subtree_condition(caller, org_row, col(Code42User.org_id)))
    if role_id:
        if role_id not in ROLES:
            raise BadParameter("roleId", f"{role_id!r} is not a role id; the roles are "
                               + ", ".join(ROLES))
        where.append(col(Code42User.role).in_(
            [kind for kind, ids in USER_ROLES.items() if role_id in ids]))
    if q:
        where.append(or_(*(c.icontains(q, autoescape=True) for c in (
            col(Code42User.username), col(Code42User.email), col(Code42User.first_name),
            col(Code42User.last_name)))))
    condition = and_(*where)
    total = ctx.session.execute(select(func.count()).where(condition)
                                .select_from(Code42User)).scalar_one()
    rows = ctx.session.execute(select(Code42User).where(condition).order_by(
        col(Code42User.id)).limit(size).offset(index * size)).scalars()
    by_id = orgs_by_id(caller)
    return {"totalCount": total,
            "users": [_user_view(u, by_id[u.org_id], inc_roles) for u in rows]}


def user(caller: Caller, ident: str, id_type: str | None,
         inc_roles: bool = False) -> dict[str, Any]:
    """One user by userId (default), userUid (idType=uid) or "my" (the caller)."""
    ctx = caller.ctx
    if ident == "my":
        if caller.user is None:
            raise ResourceNotFound("User not found: API clients have no user of their own")
        return _user_view(caller.user, orgs_by_id(caller)[caller.user.org_id], inc_roles)
    match = id_or_key(Code42User.id, Code42User.user_uid, ident, id_type, key="uid", what="user")
    found = ctx.session.execute(select(Code42User).where(
        col(Code42User.world_id) == ctx.world_id, match,
        caller.user_scope())).scalars().first()
    if found is None:
        raise ResourceNotFound(f"User not found: {ident}")
    return _user_view(found, orgs_by_id(caller)[found.org_id], inc_roles)


def roles(caller: Caller) -> list[dict[str, Any]]:
    """GET /api/v1/role: every role of the tenant (code42cli maps --role-name through it)."""
    counts: dict[str, int] = dict(caller.ctx.session.execute(
        select(col(Code42User.role), func.count()).where(
            col(Code42User.world_id) == caller.ctx.world_id).group_by(col(Code42User.role))
    ).all())
    return [{"roleId": r.role_id, "roleName": r.name, "creationDate": _ROLES_CREATED,
             "modificationDate": _ROLES_CREATED, "permissionIds": [],
             "numberOfUsers": sum(n for kind, n in counts.items()
                                  if r.role_id in USER_ROLES.get(kind, ()))}
            for r in ROLES.values()]


def tenant(caller: Caller) -> dict[str, Any]:
    """GET /api/v3/customer/my: the tenant (py42's usercontext reads its tenantUid)."""
    by_id = orgs_by_id(caller)
    root = min(by_id.values(), key=lambda o: (len(o.path), o.id or 0))
    # Data, not a secret: it follows the seed (through the root org's guid), as every uid does.
    tenant_uid = uuid.uuid5(uuid.NAMESPACE_URL, f"code42:tenant:{root.org_guid}")
    return {"name": root.name, "registrationKey": root.registration_key,
            "deploymentModel": "PUBLIC", "maintenanceMode": False,
            "tenantUid": str(tenant_uid),
            "masterServicesAgreement": {"accepted": True, "acceptanceRequired": False},
            "error": None, "warnings": None}
