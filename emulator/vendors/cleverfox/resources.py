"""The CleverFox resources as data: table, writable attributes, scope, events, and the rules
that tie a row to its parents (a Device's Company must be the caller's, and so on)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import select

from emulator.core import secrets
from emulator.core.engine import Ctx
from emulator.vendors.cleverfox import schemas as s
from emulator.vendors.cleverfox.errors import FieldError
from emulator.vendors.cleverfox.models import (
    RUNNING,
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

__all__ = ["RESOURCES", "Resource", "find", "read", "visible"]

Hook = Callable[[Ctx, CfPartner, Any, bool], None]


@dataclass(frozen=True)
class Resource:
    """One /api/{name} collection.

    scope: "partner" rows carry the caller's partner id; "self" is the caller's own partner;
    "world" rows are the shared catalogue (plans, backup types).
    """

    name: str
    label: str
    model: type[CfBase]
    seq: str
    attrs: tuple[s.Attr, ...] = ()
    scope: str = "partner"
    methods: frozenset[str] = frozenset({"GET"})
    event_base: int | None = None
    event_field: str | None = None
    before_save: Hook | None = None


def visible(model: type[CfBase], scope: str) -> list[Any]:
    """Which rows of `model` the partner :partner sees in the world :world (bind parameters),
    for every read of a CleverFox table by the API: made once per table and scope."""
    found = _VISIBLE.get((model, scope))
    if found is None:
        table = model.__table__  # type: ignore[attr-defined]
        found = [table.c.world_id == bindparam("world")]
        if scope == "partner":
            found.append(table.c.partner_id == bindparam("partner"))
        elif scope == "self":
            found.append(table.c.id == bindparam("partner"))
        if model is CfLog:
            # ASSUMPTION: a run in progress is not shown. The vendor documents only the final
            # JobStatus values (Completed, Failed, Missed), so a log appears when its run ends.
            found.append(table.c.job_status != RUNNING)
        _VISIBLE[(model, scope)] = found
    return found


def _one(model: type[CfBase], scope: str) -> list[Any]:
    """`visible`, and the vendor id :id."""
    table = model.__table__  # type: ignore[attr-defined]
    return [*visible(model, scope), table.c.id == bindparam("id")]


_VISIBLE: dict[tuple[type[CfBase], str], list[Any]] = {}
_ROWS: dict[tuple[type[CfBase], str], Any] = {}


def _params(ctx: Ctx, partner: CfPartner, ident: int | None) -> dict[str, Any] | None:
    """The bind parameters of `_one`; None when no row can match (an id out of the vendor's
    int range)."""
    if ident is None or not -(2**31) <= ident < 2**31:
        return None
    return {"world": ctx.world_id, "id": ident, "partner": partner.id}


def find(ctx: Ctx, partner: CfPartner, model: type[CfBase], ident: int | None,
         scope: str = "partner") -> Any:
    """The row with vendor id `ident` visible to `partner`, or None: an ORM object, to change."""
    params = _params(ctx, partner, ident)
    if params is None:
        return None
    return ctx.session.exec(select(model).where(*_one(model, scope)),
                            params=params).first()


def read(ctx: Ctx, partner: CfPartner, model: type[CfBase], ident: int | None,
         scope: str = "partner") -> Any:
    """What `find` finds, as a plain row, to render: one statement made once per table and
    scope, and no ORM object (a read's main cost)."""
    params = _params(ctx, partner, ident)
    if params is None:
        return None
    statement = _ROWS.get((model, scope))
    if statement is None:
        statement = _ROWS[(model, scope)] = sa_select(
            model.__table__).where(*_one(model, scope))  # type: ignore[attr-defined]
    return ctx.session.connection().execute(statement, params).first()


def _parent(ctx: Ctx, partner: CfPartner, model: type[CfBase], field: str, ident: int | None,
            scope: str = "partner") -> Any:
    row = find(ctx, partner, model, ident, scope)
    if row is None:
        raise FieldError(field, f"{ident} was not found")
    return row


def _notify_rule(row: Any, flags: tuple[str, ...]) -> None:
    if any(getattr(row, f) for f in flags) and not (row.send_notification_to or "").strip():
        raise FieldError("SendNotificationTo", "is required when " + " or ".join(
            "SendNotificationOn" + "".join(p.title() for p in f.split("_")[3:]) for f in flags)
            + " is true")


def _company(ctx: Ctx, partner: CfPartner, row: CfCompany, creating: bool) -> None:
    if creating:
        if row.partner_id != partner.id:
            raise FieldError("PartnerId", f"{row.partner_id} was not found")
        _parent(ctx, partner, CfPlanType, "PlanTypeId", row.plan_type_id, "world")


def _company_user(ctx: Ctx, partner: CfPartner, row: CfCompanyUser, creating: bool) -> None:
    if creating:
        _parent(ctx, partner, CfCompany, "CompanyId", row.company_id)
        row.partner_id = partner.id


def _partner_user(ctx: Ctx, partner: CfPartner, row: CfPartnerUser, creating: bool) -> None:
    if creating and row.partner_id != partner.id:
        raise FieldError("PartnerId", f"{row.partner_id} was not found")


def _subscription(ctx: Ctx, partner: CfPartner, row: CfSubscription, creating: bool) -> None:
    if creating:
        _parent(ctx, partner, CfCompany, "CompanyId", row.company_id)
        _parent(ctx, partner, CfPlan, "PlanId", row.plan_id, "world")
        row.partner_id = partner.id
        row.billing_id = ctx.rng("cleverfox.billing", row.company_id, ctx.now).randint(
            10_000_000, 99_999_999)
        row.period_start = ctx.now
        row.period_end = ctx.now + timedelta(days=30)
    _notify_rule(row, ("send_notification_on_storage_limit",))


def _device(ctx: Ctx, partner: CfPartner, row: CfDevice, creating: bool) -> None:
    if creating:
        _parent(ctx, partner, CfCompany, "CompanyId", row.company_id)
        sub = _parent(ctx, partner, CfSubscription, "SubscriptionId", row.subscription_id)
        if sub.company_id != row.company_id:
            raise FieldError("SubscriptionId",
                             f"{row.subscription_id} does not belong to Company {row.company_id}")
        row.partner_id = partner.id
        row.api_key = secrets.guid(ctx.world, "cleverfox.device", partner.id, row.company_id,
                                   ctx.now, row.name, row.token).upper()
        row.last_agent_download_created = ctx.now
        row.last_api_check_at = ctx.now  # ASSUMPTION: the agent is installed at once
    _notify_rule(row, ("send_notification_on_job_completed", "send_notification_on_job_failed",
                       "send_notification_on_job_missed"))


def _job(ctx: Ctx, partner: CfPartner, row: CfJob, creating: bool) -> None:
    if creating:
        _parent(ctx, partner, CfDevice, "DeviceId", row.device_id)
        row.partner_id = partner.id
    if row.frequency == "Monthy" and row.day_of_month is None:
        raise FieldError("DayOfMonth", "is required when Frequency is \"Monthy\"")


def _job_item(ctx: Ctx, partner: CfPartner, row: CfJobItem, creating: bool) -> None:
    if creating:
        _parent(ctx, partner, CfJob, "JobId", row.job_id)
        row.partner_id = partner.id
    _parent(ctx, partner, CfBackupType, "BackupTypeId", row.backup_type_id, "world")
    if row.authentication_mode is None:
        row.authentication_mode = "W"


_RW = frozenset({"GET", "POST", "PUT", "DELETE"})

RESOURCES: dict[str, Resource] = {r.name: r for r in (
    Resource("partners", "Partner", CfPartner, "partner", s.PARTNER_ATTRS, "self",
             frozenset({"GET", "PUT"}), 1, "event_partner_id"),
    Resource("partnerusers", "Partner User", CfPartnerUser, "partneruser", s.PARTNER_USER_ATTRS,
             methods=_RW, event_base=11, event_field="partner_user_id",
             before_save=_partner_user),
    Resource("companies", "Company", CfCompany, "company", s.COMPANY_ATTRS, methods=_RW,
             event_base=21, event_field="company_id", before_save=_company),
    Resource("devices", "Device", CfDevice, "device", s.DEVICE_ATTRS, methods=_RW,
             event_base=31, event_field="device_id", before_save=_device),
    Resource("jobs", "Job", CfJob, "job", s.JOB_ATTRS, methods=_RW, event_base=41,
             event_field="job_id", before_save=_job),
    Resource("jobitems", "Job Item", CfJobItem, "jobitem", s.JOB_ITEM_ATTRS, methods=_RW,
             event_base=51, event_field="job_item_id", before_save=_job_item),
    Resource("subscriptions", "Subscription", CfSubscription, "subscription",
             s.SUBSCRIPTION_ATTRS, methods=_RW, event_base=61, event_field="subscription_id",
             before_save=_subscription),
    Resource("companyusers", "Company User", CfCompanyUser, "companyuser", s.COMPANY_USER_ATTRS,
             methods=_RW, event_base=71, event_field="company_user_id",
             before_save=_company_user),
    Resource("logs", "Log", CfLog, "log", event_base=81, event_field="log_id"),
    Resource("logitems", "Log Item", CfLogItem, "logitem"),
    Resource("plans", "Plan", CfPlan, "plan", scope="world"),
    Resource("plantypes", "Plan Type", CfPlanType, "plantype", scope="world"),
    Resource("backuptypes", "Backup Type", CfBackupType, "backuptype", scope="world"),
    Resource("events", "Event", CfEvent, "event"),
)}
