"""The v1 Org resource (and v3 orgs/{guid}), and the org helpers the other resources share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlmodel import col

from emulator.core.numbers import as_id, is_digits
from emulator.core.timeutil import iso_z
from emulator.vendors.code42.auth import Caller
from emulator.vendors.code42.errors import BadParameter, OrgNotFound, ResourceNotFound
from emulator.vendors.code42.models import Code42Org, Code42User
from emulator.vendors.code42.schemas import MAX_PAGE_SIZE

__all__ = ["DEFAULT_PAGE_SIZE", "id_or_key", "org", "org_by_uid", "orgs", "orgs_by_id",
           "paging", "subtree_condition"]

DEFAULT_PAGE_SIZE = 100


def id_or_key(id_column: Any, key_column: Any, ident: str, id_type: str | None, *, key: str,
              what: str) -> ColumnElement[bool]:
    """The condition naming one row of a `GET /api/v1/<What>/{ident}`: by id (the default),
    or by its `key` column with `idType=<key>`. An id past 64 bits names no row (and must not
    reach the driver); one that is not digits is a 400 naming `<what>Id`."""
    kind = (id_type or "id").lower()
    if kind == key:
        return col(key_column) == ident
    if kind != "id":
        raise BadParameter("idType", f"{id_type!r} is not id or {key}")
    if not is_digits(ident):
        raise BadParameter(f"{what}Id", f"{ident!r} is not a {what} id; use idType={key} "
                           f"for a {key}")
    number = as_id(ident)
    return col(id_column) == number if number is not None else false()


def paging(page: int | None, size: int | None) -> tuple[int, int]:
    """(0-based page index, page size) from pgNum and pgSize, checked."""
    if page is not None and page < 1:
        raise BadParameter("pgNum", f"{page} is not a page number (pages start at 1)")
    if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
        raise BadParameter("pgSize", f"{size} is not between 1 and {MAX_PAGE_SIZE}")
    size = size or DEFAULT_PAGE_SIZE
    return (page or 1) - 1, size


def org_by_uid(caller: Caller, org_uid: str, not_found: str) -> Code42Org:
    """The org an orgUid filter names, if the caller may see it; else OrgNotFound(not_found)
    (each resource words it its own way, and py42 looks for that wording)."""
    found = caller.ctx.session.execute(select(Code42Org).where(
        col(Code42Org.world_id) == caller.ctx.world_id,
        col(Code42Org.org_uid) == org_uid)).scalars().first()
    visible = caller.org_ids()
    if found is None or (visible is not None and found.id not in visible):
        raise OrgNotFound(not_found)
    return found


def subtree_condition(caller: Caller, org_row: Code42Org,
                      column: Any) -> ColumnElement[bool]:
    """`column` (an org id) names the org or one of its child orgs, at any depth."""
    ids = select(col(Code42Org.id)).where(col(Code42Org.world_id) == caller.ctx.world_id,
                                     col(Code42Org.path).startswith(org_row.path))
    result: ColumnElement[bool] = column.in_(ids)
    return result


def orgs_by_id(caller: Caller) -> dict[int, Code42Org]:
    rows = caller.ctx.session.execute(select(Code42Org).where(
        col(Code42Org.world_id) == caller.ctx.world_id)).scalars()
    return {o.id: o for o in rows if o.id is not None}


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
    by_id = orgs_by_id(caller)
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
    index, size = paging(page, page_size)
    visible = _visible_orgs(caller)
    by_id, managers = orgs_by_id(caller), _managers(caller)
    chosen = visible[index * size:(index + 1) * size]
    return {"totalCount": len(visible),
            "orgs": [_org_view(o, by_id, managers) for o in chosen]}


def org(caller: Caller, ident: str, id_type: str | None) -> dict[str, Any]:
    """One org by orgId (default), orgUid (idType=orgUid) or "my" (the caller's own org)."""
    visible = _visible_orgs(caller)
    by_id, managers = orgs_by_id(caller), _managers(caller)
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
