"""DeviceBackupReport: role-scoped, filtered, sorted and paged device records, JSON or CSV.

Every filter and sort runs on the one device table. Exact filters (active, deviceUid) and every
sortable field have a (world_id, column) index. The partial-match filters on small tables (org,
destination, os) are resolved to ids first, so the device query uses an index for them too; the
user filter is a subquery on the user table; the device filter (LIKE '%x%' on name, hostname
and ext ref) cannot use a B-tree index and scans the world's devices.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, not_, or_, select
from sqlalchemy.engine import Engine

from emulator.core.timeutil import iso_z
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
from emulator.vendors.code42.timing import CRITICAL_AFTER, WARNING_AFTER, floor_backup

__all__ = ["csv_chunks", "page", "records_filter"]

DEVICE = Code42Device.__table__  # type: ignore[attr-defined]
D = DEVICE.c
CSV_CHUNK = 2000


def _like(column: Any, text: str) -> ColumnElement[bool]:
    result: ColumnElement[bool] = column.icontains(text, autoescape=True)
    return result


def records_filter(caller: Caller, query: ReportQuery) -> ColumnElement[bool]:
    """Everything that limits the rows: world, role and the query's filters (AND)."""
    ctx = caller.ctx
    conditions: list[ColumnElement[bool]] = [D.world_id == ctx.world_id,
                                             caller.device_scope()]
    if query.active is not None:
        conditions.append(D.active == query.active)
    if query.alerted is not None:
        alerted = and_(D.active == True, D.last_connected  # noqa: E712
 <= ctx.now - WARNING_AFTER)
        conditions.append(alerted if query.alerted else not_(alerted))
    if query.os is not None:
        wanted = query.os.lower()
        conditions.append(D.os.in_([c for c in OS_CODES if wanted in c]))
    if query.org is not None:
        org = Code42Org.__table__.c  # type: ignore[attr-defined]
        ids = ctx.session.execute(select(org.id).where(
            org.world_id == ctx.world_id,
            or_(_like(org.name, query.org), _like(org.ext_ref, query.org)))).scalars().all()
        conditions.append(D.org_id.in_(list(ids)))
    if query.user is not None:
        user = Code42User.__table__.c  # type: ignore[attr-defined]
        conditions.append(D.user_id.in_(select(user.id).where(
            user.world_id == ctx.world_id,
            or_(*(_like(c, query.user) for c in (user.username, user.email, user.ext_ref,
                                                 user.last_name))))))
    if query.device is not None:
        conditions.append(or_(*(_like(c, query.device)
                                for c in (D.name, D.os_hostname, D.ext_ref))))
    if query.device_uid is not None:
        conditions.append(D.guid == query.device_uid)
    if query.destination is not None:
        dest = Code42Destination.__table__.c  # type: ignore[attr-defined]
        ids = ctx.session.execute(select(dest.id).where(
            dest.world_id == ctx.world_id,
            or_(_like(dest.name, query.destination),
                dest.guid == query.destination))).scalars().all()
        conditions.append(D.destination_id.in_(list(ids)))
    return and_(*conditions)


def _order(query: ReportQuery, now: datetime) -> list[Any]:
    key = query.sort_key
    if key is None:
        return [D.id]
    if key == "alertStates":
        # Sorted as the strings sort: CriticalBackupAlert < OK < WarningBackupAlert.
        column: Any = case((D.active.is_(False), 1),
                           (D.last_connected <= now - CRITICAL_AFTER, 0),
                           (D.last_connected <= now - WARNING_AFTER, 2), else_=1)
    elif key == "status":  # "Active" sorts before "Deactivated"
        column = D.active.is_(False)
    else:
        column = D[DEVICE_SORT_COLUMNS[key]]
    if query.descending:
        return [column.desc(), D.id.desc()]
    return [column.asc(), D.id.asc()]


def _select(condition: ColumnElement[bool], query: ReportQuery, now: datetime) -> Select[Any]:
    return select(DEVICE).where(condition).order_by(*_order(query, now))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def values(row: Row[Any], now: datetime) -> list[Any]:
    """One record's 34 values in REPORT_FIELDS order, as the real API's strings."""
    m = row._mapping
    connected = now if m["last_connected"] == ONLINE else m["last_connected"]
    activity = now if m["last_activity"] == ONLINE else m["last_activity"]
    completed = m["last_completed_backup"]
    if completed == ONLINE:
        completed = floor_backup(now)
    if not m["active"]:
        alert = "OK"
    elif now - connected >= CRITICAL_AFTER:
        alert = "CriticalBackupAlert"
    elif now - connected >= WARNING_AFTER:
        alert = "WarningBackupAlert"
    else:
        alert = "OK"
    return [
        m["archive_guid"], m["org_uid"], m["org_name"], m["org_ext_ref"], m["user_uid"],
        m["username"], m["email"], m["user_ext_ref"], m["guid"], m["name"], m["os_hostname"],
        m["ext_ref"], m["destination_uid"], m["destination_name"], m["server_uid"],
        m["server_name"], m["version"], "Active" if m["active"] else "Deactivated",
        m["user_status"], alert, m["os"], m["os_version"], m["address"], m["remote_address"],
        iso_z(m["creation_date"]), str(m["selected_bytes"]), f"{m['backup_pct']:.1f}",
        str(m["archive_bytes"]), "true" if m["cold_storage"] else "false", iso_z(connected),
        None if completed is None else iso_z(completed), iso_z(activity),
        m["profile_creation_result"], m["profile_backup_result"],
    ]


def page(caller: Caller, query: ReportQuery) -> list[dict[str, Any]]:
    """One page of records; with srtKey only the first page exists (as the vendor documents)."""
    if query.sort_key is not None and query.page > 1:
        return []
    now = caller.ctx.now
    statement = (_select(records_filter(caller, query), query, now)
                 .limit(query.page_size).offset((query.page - 1) * query.page_size))
    rows = caller.ctx.session.execute(statement).all()
    return [dict(zip(REPORT_FIELDS, values(row, now), strict=True)) for row in rows]


def _csv_text(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _chunks(engine: Engine, statement: Select[Any], now: datetime) -> Iterator[list[list[Any]]]:
    offset = 0
    while True:
        # A short read per chunk: no cursor or transaction stays open between chunks.
        with engine.connect() as connection:
            rows = connection.execute(statement.limit(CSV_CHUNK).offset(offset)).all()
        if not rows:
            return
        yield [["" if v is None else v for v in values(row, now)] for row in rows]
        offset += len(rows)
        if len(rows) < CSV_CHUNK:
            return


async def csv_chunks(engine: Engine, caller: Caller, query: ReportQuery) -> AsyncIterator[str]:
    """Every matching record as CSV (header first), produced a chunk at a time."""
    now = caller.ctx.now
    statement = _select(records_filter(caller, query), query, now)
    yield _csv_text([list(REPORT_FIELDS)])
    for rows in _chunks(engine, statement, now):
        yield _csv_text(rows)
