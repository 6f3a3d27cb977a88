"""DeviceBackupReport: role-scoped, filtered, sorted and paged device records, JSON or CSV.

Every filter and sort runs on the one device table. Exact filters (active, deviceUid) and every
sortable field have a (world_id, column) index. The partial-match filters on small tables (org,
destination, os) are resolved to ids first, so the device query uses an index for them too; the
user filter is a subquery on the user table; the device filter (LIKE '%x%' on name, hostname
and ext ref) cannot use a B-tree index and scans the world's devices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    not_,
    or_,
    select,
    type_coerce,
)

from emulator.core.db import UTCDateTime
from emulator.core.engine import Ctx
from emulator.core.ordering import ordered
from emulator.core.timeutil import UTC, iso_z
from emulator.vendors.code42.auth import Caller
from emulator.vendors.code42.models import (
    DEVICE_SORT_COLUMNS,
    ONLINE,
    Code42Destination,
    Code42Device,
    Code42Org,
    Code42User,
)
from emulator.vendors.code42.schemas import OS_CODES, REPORT_FIELDS, ReportQuery
from emulator.vendors.code42.timing import Alerts, shown_backup

__all__ = ["Formatter", "is_sqlite", "page", "records_filter", "report_select", "select_params"]

DEVICE = Code42Device.__table__  # type: ignore[attr-defined]
D = DEVICE.c
SMALL_PAGE = 100


def _like(column: Any, text: str, sqlite: bool = True) -> ColumnElement[bool]:
    """Case-insensitive substring match: SQLite's LIKE already ignores ASCII case, and
    lower() on both sides would double the cost of the scan; elsewhere ILIKE/lower()."""
    if sqlite:
        plain: ColumnElement[bool] = column.contains(text, autoescape=True)
        return plain
    result: ColumnElement[bool] = column.icontains(text, autoescape=True)
    return result


def records_filter(caller: Caller, query: ReportQuery) -> ColumnElement[bool]:
    """Everything that limits the rows: world, role and the query's filters (AND)."""
    ctx = caller.ctx
    sqlite = ctx.session.get_bind().dialect.name == "sqlite"
    conditions: list[ColumnElement[bool]] = [D.world_id == ctx.world_id,
                                             caller.device_scope()]
    if query.active is not None:
        conditions.append(D.active == query.active)
    if query.alerted is not None:
        alerted = and_(D.active == True,  # noqa: E712
                       D.last_connected <= Alerts.of(ctx).warning_at)
        conditions.append(alerted if query.alerted else not_(alerted))
    if query.os is not None:
        wanted = query.os.lower()
        conditions.append(D.os.in_([c for c in OS_CODES if wanted in c]))
    if query.org is not None:
        org = Code42Org.__table__.c  # type: ignore[attr-defined]
        ids = ctx.session.execute(select(org.id).where(
            org.world_id == ctx.world_id,
            or_(_like(org.name, query.org, sqlite),
                _like(org.ext_ref, query.org, sqlite)))).scalars().all()
        conditions.append(D.org_id.in_(list(ids)))
    if query.user is not None:
        user = Code42User.__table__.c  # type: ignore[attr-defined]
        conditions.append(D.user_id.in_(select(user.id).where(
            user.world_id == ctx.world_id,
            or_(*(_like(c, query.user, sqlite) for c in (user.username, user.email, user.ext_ref,
                                                 user.last_name))))))
    if query.device is not None:
        conditions.append(or_(*(_like(c, query.device, sqlite)
                                for c in (D.name, D.os_hostname, D.ext_ref))))
    if query.device_uid is not None:
        conditions.append(D.guid == query.device_uid)
    if query.destination is not None:
        dest = Code42Destination.__table__.c  # type: ignore[attr-defined]
        ids = ctx.session.execute(select(dest.id).where(
            dest.world_id == ctx.world_id,
            or_(_like(dest.name, query.destination, sqlite),
                dest.guid == query.destination))).scalars().all()
        conditions.append(D.destination_id.in_(list(ids)))
    return and_(*conditions)


# The instant-dependent parts of the select list are bind parameters, so the select list is
# built once and SQLAlchemy reuses its compiled form on every request (see _params).
_CRITICAL_AT = bindparam("c42_critical_at", type_=UTCDateTime)
_WARNING_AT = bindparam("c42_warning_at", type_=UTCDateTime)
_NOW_TEXT = bindparam("c42_now_text", type_=String)
_BACKUP_TEXT = bindparam("c42_backup_text", type_=String)


def select_params(ctx: Ctx) -> dict[str, Any]:
    """Values of the select list's bind parameters at ctx's now (its texts shown through
    core.stamps, so an answer made from them is kept under a running clock)."""
    alerts = Alerts.of(ctx)
    return {"c42_critical_at": alerts.critical_at, "c42_warning_at": alerts.warning_at,
            "c42_now_text": ctx.time.shown(), "c42_backup_text": ctx.time.shown(shown_backup)}


def _alert() -> Any:
    """alertStates in SQL, so rows need no per-row date arithmetic in Python."""
    return case((D.active == False, "OK"),  # noqa: E712
                (D.last_connected <= _CRITICAL_AT, "CriticalBackupAlert"),
                (D.last_connected <= _WARNING_AT, "WarningBackupAlert"), else_="OK")


def _order(query: ReportQuery) -> list[Any]:
    key = query.sort_key
    if key is None:
        return [D.id] if not query.descending else [D.id.desc()]
    if key == "alertStates":  # sorted as the strings sort
        column: Any = _alert()
    elif key == "status":  # "Active" sorts before "Deactivated"
        column = D.active == False  # noqa: E712
    else:
        column = D[DEVICE_SORT_COLUMNS[key]]
    order = ordered(column, query.descending)
    return [order, D.id.desc() if query.descending else D.id.asc()]


def _raw(column: Any) -> Any:
    # Dates come back as stored (SQLite: text) and are formatted by slicing, not parsed.
    return type_coerce(column, String)


_ONLINE_TEXT = ONLINE.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sql_date(column: Any, online: Any) -> Any:
    """SQLite: the stored text '2026-01-05 09:00:00.000000' as '2026-01-05T09:00:00.000Z'."""
    text = _raw(column)
    return case((text == _ONLINE_TEXT, online),
                else_=func.substr(text, 1, 10) + "T" + func.substr(text, 12, 12) + "Z")


def _columns(sqlite: bool) -> list[Any]:
    """The select list, in REPORT_FIELDS order; on SQLite already the wire strings."""
    if sqlite:  # formatting in SQL keeps Python out of the per-row work of a 100k-row export
        now_text, backup_text = _NOW_TEXT, _BACKUP_TEXT
        dates = [_sql_date(D.creation_date, now_text), cast(D.selected_bytes, String),
                 func.printf("%.1f", D.backup_pct), cast(D.archive_bytes, String)]
        later = [_sql_date(D.last_connected, now_text),
                 _sql_date(D.last_completed_backup, backup_text),
                 _sql_date(D.last_activity, now_text)]
    else:
        dates = [_raw(D.creation_date), D.selected_bytes, D.backup_pct, D.archive_bytes]
        later = [_raw(D.last_connected), _raw(D.last_completed_backup), _raw(D.last_activity)]
    return [
        D.archive_guid, D.org_uid, D.org_name, D.org_ext_ref, D.user_uid, D.username, D.email,
        D.user_ext_ref, D.guid, D.name, D.os_hostname, D.ext_ref, D.destination_uid,
        D.destination_name, D.server_uid, D.server_name, D.version,
        case((D.active == True, "Active"), else_="Deactivated"),  # noqa: E712
        D.user_status, _alert(), D.os, D.os_version, D.address, D.remote_address,
        *dates,
        case((D.cold_storage == True, "true"), else_="false"),  # noqa: E712
        *later,
        D.profile_creation_result, D.profile_backup_result,
    ]


def report_select(condition: ColumnElement[bool], query: ReportQuery, sqlite: bool) -> Select[Any]:
    """Every matching record, in the query's order (the CSV export's statement)."""
    return select(*_COLUMNS[sqlite]).where(condition).order_by(*_order(query))


_COLUMNS = {True: _columns(True), False: _columns(False)}
# Ids are per world: the world is part of the lookup, which walks the (world_id, id) index.
_BY_IDS = {flag: select(*columns, D.id).where(D.world_id == bindparam("c42_world"),
                                              D.id.in_(bindparam("c42_ids", expanding=True)))
           for flag, columns in _COLUMNS.items()}


def _date(value: Any, online: str) -> str | None:
    """A stored date as ISO 8601 UTC with milliseconds; ONLINE becomes `online`."""
    if value is None:
        return None
    if isinstance(value, str):
        if value == _ONLINE_TEXT:
            return online
        return f"{value[:10]}T{value[11:19]}{value[19:23] if len(value) > 19 else '.000'}Z"
    when = value if value.tzinfo else value.replace(tzinfo=UTC)
    return online if when == ONLINE else iso_z(when)


class Formatter:
    """Turns selected rows into the 34 wire values at the instant of `params` (select_params;
    not on SQLite, where the select list formats them)."""

    def __init__(self, params: dict[str, Any], sqlite: bool) -> None:
        self.now: str = params["c42_now_text"]
        self.backup: str = params["c42_backup_text"]
        self.sqlite = sqlite

    def __call__(self, row: Sequence[Any]) -> Sequence[Any]:
        if self.sqlite:
            return row
        out = list(row)
        out[24] = _date(out[24], self.now)
        out[25] = str(out[25])
        out[26] = f"{out[26]:.1f}"
        out[27] = str(out[27])
        out[29] = _date(out[29], self.now)
        out[30] = _date(out[30], self.backup)
        out[31] = _date(out[31], self.now)
        return out


def is_sqlite(caller: Caller) -> bool:
    return caller.ctx.session.get_bind().dialect.name == "sqlite"


def page(caller: Caller, query: ReportQuery) -> list[dict[str, Any]]:
    """One page of records; with srtKey only the first page exists (as the vendor documents)."""
    if query.sort_key is not None and query.page > 1:
        return []
    params = select_params(caller.ctx)
    sqlite = is_sqlite(caller)
    session = caller.ctx.session
    # A small page (a device looked up by deviceUid, a user's devices) reads its ids with a
    # small statement, then the records through one prebuilt statement whose compiled form
    # SQLAlchemy reuses; a large page is read in one statement, where row work dominates.
    condition = records_filter(caller, query)
    offset = (query.page - 1) * query.page_size
    ids = session.execute(
        select(D.id).where(condition).order_by(*_order(query))
        .limit(min(query.page_size, SMALL_PAGE + 1)).offset(offset), params).scalars().all()
    if not ids:
        return []
    formatted = Formatter(params, sqlite)
    if len(ids) <= SMALL_PAGE:
        rows = session.execute(_BY_IDS[sqlite], {**params, "c42_ids": list(ids),
                                                 "c42_world": caller.ctx.world_id}).all()
        position = {device_id: i for i, device_id in enumerate(ids)}
        rows = sorted(rows, key=lambda row: position[row[-1]])
        return [dict(zip(REPORT_FIELDS, formatted(row[:-1]), strict=True)) for row in rows]
    statement = report_select(condition, query, sqlite).limit(query.page_size).offset(offset)
    return [dict(zip(REPORT_FIELDS, formatted(row), strict=True))
            for row in session.execute(statement, params).all()]
