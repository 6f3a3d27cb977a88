"""Rows to the vendor's JSON objects, nested one level deep exactly as the vendor examples show.

A top-level object carries its parents as objects whose own parents are null (a Device's
Company has "Partner": null). `Graph` fetches the parents a page needs in one query per table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam
from sqlmodel import select

from emulator.core.engine import Ctx
from emulator.core.http_rules import public_base
from emulator.core.present import Present
from emulator.vendors.cleverfox.models import (
    CfBackupType,
    CfBase,
    CfCompany,
    CfCompanyUser,
    CfDevice,
    CfEvent,
    CfJob,
    CfJobItem,
    CfLog,
    CfLogItem,
    CfPartner,
    CfPartnerUser,
    CfPlan,
    CfPlanType,
    CfSubscription,
)
from emulator.vendors.cleverfox.schemas import fmt, fmt_local, utc_to_local

__all__ = ["AGENT_DOWNLOAD_PATH", "AGENT_DOWNLOAD_URL", "CHECKIN_SECONDS", "Graph", "render"]

AGENT_DOWNLOAD_PATH = "/downloads/agent/CleverFoxBackupAgent.exe"
AGENT_DOWNLOAD_URL = f"https://cleverfoxbackup.com{AGENT_DOWNLOAD_PATH}"
"""The vendor's own; the emulator writes its own base (a sandbox's included) in its place."""
CHECKIN_SECONDS = 300
"""How often an online agent checks in (ASSUMPTION: the vendor does not say)."""

M = TypeVar("M", bound=CfBase)
Obj = dict[str, Any]


_BY_IDS: dict[type, Any] = {}


def _by_ids(model: type[CfBase]) -> Any:
    """SELECT rows of `model` by vendor ids in a world, built once (construction is costly)."""
    stmt = _BY_IDS.get(model)
    if stmt is None:
        table = model.__table__  # type: ignore[attr-defined]
        stmt = select(table).where(table.c.world_id == bindparam("world"),
                                   table.c.id.in_(bindparam("ids", expanding=True)))
        _BY_IDS[model] = stmt
    return stmt


class Graph:
    """Rows by (table, vendor id) for one world, fetched in batches and remembered."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self._rows: dict[tuple[type[CfBase], int], Any] = {}

    def load(self, model: type[M], ids: Iterable[int | None]) -> None:
        wanted = {i for i in ids if i is not None and (model, i) not in self._rows}
        if not wanted:
            return
        # Plain rows through the connection, not ORM objects: rendering only reads them, and
        # that is several times cheaper to load.
        rows: Sequence[Any] = self.ctx.session.connection().execute(
            _by_ids(model), {"world": self.ctx.world_id, "ids": list(wanted)}).all()
        for i in wanted:
            self._rows[(model, i)] = None
        for row in rows:
            self._rows[(model, row.id)] = row

    def get(self, model: type[M], ident: int | None) -> M | None:
        if ident is None:
            return None
        if (model, ident) not in self._rows:
            self.load(model, [ident])
        return self._rows[(model, ident)]

    def children(self, model: type[M], parent_attr: str, parent_ids: Sequence[int]) -> \
            dict[int, list[Any]]:
        """Rows of `model` grouped by `parent_attr`, ascending by id."""
        out: dict[int, list[Any]] = {i: [] for i in parent_ids}
        if not parent_ids:
            return out
        table = model.__table__  # type: ignore[attr-defined]
        # Ordered by parent first, so the (world_id, parent, id) index serves the page's
        # parents; by id alone SQLite walks every row of the world in id order instead.
        rows: Sequence[Any] = self.ctx.session.connection().execute(select(table).where(
            table.c.world_id == self.ctx.world_id,
            table.c[parent_attr].in_(list(parent_ids))).order_by(
                table.c[parent_attr], table.c.id)).all()
        for row in rows:
            out[getattr(row, parent_attr)].append(row)
        return out


def _stamps(row: CfBase, token: bool = True) -> Obj:
    out: Obj = {"AddedOn": fmt(row.added_on), "UpdatedOn": fmt(row.updated_on)}
    if token:
        out["Token"] = row.token
    return out


def plan_type(r: CfPlanType | None) -> Obj | None:
    if r is None:
        return None
    return {"PlanTypeId": r.id, "Name": r.name, "IsInactive": r.is_inactive}


def partner(r: CfPartner | None, g: Graph | None = None) -> Obj | None:
    if r is None:
        return None
    return {"PartnerId": r.id, "PlanTypeId": r.plan_type_id,
            "PlanType": plan_type(g.get(CfPlanType, r.plan_type_id)) if g else None,
            "Name": r.name, "ApplicationId": r.application_id, "IsInactive": r.is_inactive,
            **_stamps(r)}


def company(r: CfCompany | None, g: Graph | None = None) -> Obj | None:
    if r is None:
        return None
    return {"CompanyId": r.id, "PartnerId": r.partner_id,
            "Partner": partner(g.get(CfPartner, r.partner_id)) if g else None,
            "PlanTypeId": r.plan_type_id,
            "PlanType": plan_type(g.get(CfPlanType, r.plan_type_id)) if g else None,
            "Name": r.name, "AddressLine1": r.address_line1, "AddressLine2": r.address_line2,
            "CityMunicipality": r.city_municipality, "StateProvidence": r.state_providence,
            "PostalCode": r.postal_code, "Country": r.country, "Phone": r.phone,
            "ExternalId": r.external_id, "IsInactive": r.is_inactive, **_stamps(r)}


def plan(r: CfPlan | None, g: Graph | None = None) -> Obj | None:
    if r is None:
        return None
    return {"PlanId": r.id, "PlanTypeId": r.plan_type_id,
            "PlanType": plan_type(g.get(CfPlanType, r.plan_type_id)) if g else None,
            "Name": r.name, "Details": r.details, "IsInactive": r.is_inactive,
            "DeviceLimit": r.device_limit, "StorageLimit": r.storage_limit,
            "DownloadLimit": r.download_limit}


def backup_type(r: CfBackupType | None) -> Obj | None:
    if r is None:
        return None
    return {"BackupTypeId": r.id, "EngineId": r.engine_id, "Name": r.name,
            "EngineType": r.engine_type, "Port": r.port, "IsInactive": r.is_inactive}


def subscription(r: CfSubscription | None, g: Graph | None = None) -> Obj | None:
    if r is None:
        return None
    return {"SubscriptionId": r.id, "CompanyId": r.company_id,
            "Company": company(g.get(CfCompany, r.company_id)) if g else None,
            "PlanId": r.plan_id, "Plan": plan(g.get(CfPlan, r.plan_id)) if g else None,
            "ApplicationId": r.application_id, "ExternalId": r.external_id,
            "IsInactive": r.is_inactive, "BillingId": r.billing_id, "Status": r.status,
            "PeriodStart": fmt(r.period_start), "PeriodEnd": fmt(r.period_end),
            "AdditionalDevice": r.additional_device,
            "DownloadLimitExpireOn": fmt(r.download_limit_expire_on),
            "SendNotificationTo": r.send_notification_to,
            "SendNotificationBcc": r.send_notification_bcc,
            "SendNotificationCc": r.send_notification_cc,
            "SendNotificationOnStorageLimit": r.send_notification_on_storage_limit, **_stamps(r)}


def last_check(r: CfDevice, now: Present) -> datetime | None:
    """The agent's last check-in: moves on every CHECKIN_SECONDS while the agent is online
    (so the answer showing it holds until the next one)."""
    last = r.last_api_check_at
    if last is None or not r.agent_online or r.is_inactive:
        return last
    return now.floor(last, timedelta(seconds=CHECKIN_SECONDS))


def device(r: CfDevice | None, now: Present, g: Graph | None = None,
           log_aliases: bool = False) -> Obj | None:
    if r is None:
        return None
    out: Obj = {
        "DeviceId": r.id, "CompanyId": r.company_id,
        "Company": company(g.get(CfCompany, r.company_id)) if g else None,
        "SubscriptionId": r.subscription_id,
        "Subscription": subscription(g.get(CfSubscription, r.subscription_id)) if g else None,
        "Name": r.name, "TimeZoneId": r.time_zone_id, "ApplicationId": r.application_id,
        "ExternalId": r.external_id, "IsInactive": r.is_inactive, "ApiKey": r.api_key,
        "LastApiCheckAt": fmt_local(utc_to_local(last_check(r, now), r.time_zone_id)),
        "SendNotificationTo": r.send_notification_to,
        "SendNotificationBcc": r.send_notification_bcc,
        "SendNotificationCc": r.send_notification_cc,
        "SendNotificationOnJobCompleted": r.send_notification_on_job_completed,
        "SendNotificationOnJobFailed": r.send_notification_on_job_failed,
        "SendNotificationOnJobMissed": r.send_notification_on_job_missed,
        "AgentDownloadUrl": (public_base() or "https://cleverfoxbackup.com")
        + AGENT_DOWNLOAD_PATH,
        "LastAgentDownloadCreated": fmt(r.last_agent_download_created), **_stamps(r)}
    if log_aliases:
        # The vendor's Logs example names these SendNotificationOnLog*; serve both spellings.
        out["SendNotificationOnLogCompleted"] = r.send_notification_on_job_completed
        out["SendNotificationOnLogFailed"] = r.send_notification_on_job_failed
        out["SendNotificationOnLogMissed"] = r.send_notification_on_job_missed
    return out


def job_item(r: CfJobItem, g: Graph) -> Obj:
    return {"JobItemId": r.id, "JobId": r.job_id, "Name": r.name,
            "BackupTypeId": r.backup_type_id,
            "BackupType": backup_type(g.get(CfBackupType, r.backup_type_id)),
            "BaseFolder": r.base_folder, "IncludeSubFolders": r.include_sub_folders,
            "SearchPatterns": r.search_patterns, "ExcludeFolders": r.exclude_folders,
            "ExcludePatterns": r.exclude_patterns,
            "NoCompressExtensions": r.no_compress_extensions, "ServerName": r.server_name,
            "DatabaseName": r.database_name, "Port": r.port,
            "AuthenticationMode": r.authentication_mode,
            "Username": None, "Password": None,  # write only: never returned
            "OptionCompress": r.option_compress, "OptionCopyOnly": r.option_copy_only,
            "OptionLogOnly": r.option_log_only, **_stamps(r)}


def job(r: CfJob | None, now: Present, g: Graph | None = None,
        items: list[CfJobItem] | None = None) -> Obj | None:
    if r is None:
        return None
    return {"JobId": r.id, "DeviceId": r.device_id,
            "Device": device(g.get(CfDevice, r.device_id), now) if g else None,
            "Name": r.name, "IsInactive": r.is_inactive,
            "LastRanOn": fmt_local(r.last_ran_on_local), "Frequency": r.frequency,
            "NextRunOn": fmt_local(r.next_run_on_local), "LateAfter": r.late_after,
            "Every": r.every, "OnMonday": r.on_monday, "OnTuesday": r.on_tuesday,
            "OnWednesday": r.on_wednesday, "OnThursday": r.on_thursday,
            "OnFriday": r.on_friday, "OnSaturday": r.on_saturday, "OnSunday": r.on_sunday,
            "DayOfMonth": r.day_of_month, "ExpireOn": fmt_local(r.expire_on_local),
            "CloudKeepLast": r.cloud_keep_last, "LocalKeepLast": r.local_keep_last,
            **_stamps(r),
            "JobItems": [job_item(i, g) for i in items or ()] if g else []}


def log_item(r: CfLogItem) -> Obj:
    return {"LogItemId": r.id, "LogId": r.log_id, "JobItemId": r.job_item_id, "Name": r.name,
            "EngineId": r.engine_id, "EngineType": r.engine_type, "BaseFolder": r.base_folder,
            "IncludeSubFolders": r.include_sub_folders, "SearchPatterns": r.search_patterns,
            "ExcludeFolders": r.exclude_folders, "ExcludePatterns": r.exclude_patterns,
            "NoCompressExtensions": r.no_compress_extensions, "ServerName": r.server_name,
            "DatabaseName": r.database_name, "Port": r.port,
            "AuthenticationMode": r.authentication_mode, "ServerVersion": r.server_version,
            "ServerEdition": r.server_edition, "OptionCompress": r.option_compress,
            "OptionCopyOnly": r.option_copy_only, "OptionLogOnly": r.option_log_only,
            "BackupFolder": r.backup_folder, "BackupFileName": r.backup_file_name,
            "BackupFileSize": r.backup_file_size, "BackupListName": r.backup_list_name,
            "BackupListSize": r.backup_list_size, "BackupListCount": r.backup_list_count,
            **_stamps(r, token=False)}


def log(r: CfLog, now: Present, g: Graph, items: list[CfLogItem]) -> Obj:
    return {
        "LogId": r.id, "CompanyId": r.company_id, "Company": company(g.get(CfCompany,
                                                                             r.company_id)),
        "DeviceId": r.device_id,
        "Device": device(g.get(CfDevice, r.device_id), now, log_aliases=True),
        "TimeZoneId": r.time_zone_id, "SubscriptionId": r.subscription_id,
        "Subscription": subscription(g.get(CfSubscription, r.subscription_id)),
        "PlanId": r.plan_id, "Plan": plan(g.get(CfPlan, r.plan_id)),
        "JobId": r.job_id, "Job": job(g.get(CfJob, r.job_id), now),
        "Name": r.name, "ArchiveFolder": r.archive_folder, "UploadFolder": r.upload_folder,
        "Frequency": r.frequency, "NextRunOn": fmt_local(r.next_run_on_local),
        "LateAfter": r.late_after, "ExpireOn": fmt_local(r.expire_on_local),
        "LocalKeepLast": r.local_keep_last,
        "JobStartedOn": fmt_local(r.job_started_on_local),
        "JobCompletedOn": fmt_local(r.job_completed_on_local), "JobStatus": r.job_status,
        "ErrorMessages": r.error_messages, "SendNotificationTo": r.send_notification_to,
        "SendNotificationBcc": r.send_notification_bcc,
        "SendNotificationCc": r.send_notification_cc,
        "SendNotificationOnJobCompleted": r.send_notification_on_job_completed,
        "SendNotificationOnJobFailed": r.send_notification_on_job_failed,
        "SendNotificationOnJobMissed": r.send_notification_on_job_missed,
        "NotificationJobCompletedProcessedOn": fmt(r.notification_job_completed_processed_on),
        "NotificationJobFailedProcessedOn": fmt(r.notification_job_failed_processed_on),
        "NotificationJobMissedProcessedOn": fmt(r.notification_job_missed_processed_on),
        **_stamps(r, token=False), "LogItems": [log_item(i) for i in items]}


def user(r: Any, g: Graph) -> Obj:
    if hasattr(r, "company_id"):  # a company user (ORM object or plain row)
        head: Obj = {"CompanyUserId": r.id, "CompanyId": r.company_id,
                     "Company": company(g.get(CfCompany, r.company_id))}
    else:
        head = {"PartnerUserId": r.id, "PartnerId": r.partner_id,
                "Partner": partner(g.get(CfPartner, r.partner_id))}
    return {**head, "FirstName": r.first_name, "LastName": r.last_name, "Email": r.email,
            "HomePhone": r.home_phone, "MobilePhone": r.mobile_phone,
            "WorkPhone": r.work_phone, "IsAccountOwner": r.is_account_owner,
            "IsInactive": r.is_inactive, **_stamps(r)}


_EVENT_IDS = (("BackupTypeId", "backup_type_id"), ("CompanyId", "company_id"),
              ("CompanyUserId", "company_user_id"), ("DeviceId", "device_id"),
              ("JobId", "job_id"), ("JobItemId", "job_item_id"), ("LogId", "log_id"),
              ("LogItemId", "log_item_id"), ("PartnerId", "event_partner_id"),
              ("PartnerUserId", "partner_user_id"), ("PlanId", "plan_id"),
              ("PlanTypeId", "plan_type_id"), ("SubscriptionId", "subscription_id"))


def event(r: CfEvent) -> Obj:
    out: Obj = {"EventId": r.id, "EventTypeId": r.event_type_id, "EventType": r.event_type}
    for wire, attr in _EVENT_IDS:
        out[wire] = getattr(r, attr)
    out["AddedOn"] = fmt(r.added_on)
    return out


def render(ctx: Ctx, rows: Sequence[Any], model: type[CfBase] | None = None) -> list[Obj]:
    """Render rows of one table (ORM objects, or plain rows of `model`) as top-level objects,
    fetching their parents in batches."""
    g = Graph(ctx)
    if not rows:
        return []
    first = rows[0]
    if model is not None:
        return _RENDER[model](ctx, g, rows)
    return _RENDER[type(first)](ctx, g, rows)


def _render_devices(ctx: Ctx, g: Graph, rows: Sequence[Any]) -> list[Obj]:
    g.load(CfCompany, [r.company_id for r in rows])
    g.load(CfSubscription, [r.subscription_id for r in rows])
    return [device(r, ctx.time, g) for r in rows]  # type: ignore[misc]


def _render_jobs(ctx: Ctx, g: Graph, rows: Sequence[Any]) -> list[Obj]:
    g.load(CfDevice, [r.device_id for r in rows])
    items = g.children(CfJobItem, "job_id", [r.id for r in rows])
    g.load(CfBackupType, [i.backup_type_id for v in items.values() for i in v])
    return [job(r, ctx.time, g, items[r.id]) for r in rows]  # type: ignore[misc]


def _render_logs(ctx: Ctx, g: Graph, logs: Sequence[Any]) -> list[Obj]:
    g.load(CfCompany, [r.company_id for r in logs])
    g.load(CfDevice, [r.device_id for r in logs])
    g.load(CfSubscription, [r.subscription_id for r in logs])
    g.load(CfPlan, [r.plan_id for r in logs])
    g.load(CfJob, [r.job_id for r in logs])
    litems = g.children(CfLogItem, "log_id", [r.id for r in logs])
    return [log(r, ctx.time, g, litems[r.id]) for r in logs]


def _simple(fn: Any, with_graph: bool) -> Any:
    if with_graph:
        return lambda _ctx, g, rows: [fn(r, g) for r in rows]
    return lambda _ctx, _g, rows: [fn(r) for r in rows]


_RENDER: dict[type, Any] = {
    CfDevice: _render_devices, CfJob: _render_jobs, CfLog: _render_logs,
    CfJobItem: _simple(job_item, True), CfLogItem: _simple(log_item, False),
    CfCompany: _simple(company, True), CfSubscription: _simple(subscription, True),
    CfPartner: _simple(partner, True), CfPlan: _simple(plan, True),
    CfPlanType: _simple(plan_type, False), CfBackupType: _simple(backup_type, False),
    CfPartnerUser: _simple(user, True), CfCompanyUser: _simple(user, True),
    CfEvent: _simple(event, False),
}
