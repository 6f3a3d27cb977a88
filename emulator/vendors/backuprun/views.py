"""From rows to the vendor's elements: agents, their server, tasks and task messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlmodel import Session, col, select

from emulator.vendors.backuprun.models import BrService, BrTask, BrTaskMessage
from emulator.vendors.backuprun.schemas import (
    AGENT_BRIEF,
    AGENT_FULL,
    LOCATIONS,
    MESSAGE_ATTRIBUTES,
    SERVER_BRIEF,
    SERVER_FULL,
    TASK_ATTRIBUTES,
)
from emulator.vendors.backuprun.serializer import element
from emulator.vendors.backuprun.timefmt import clock_text, shift_text

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["NO_TASK_STATE", "add_agent", "add_messages", "add_task", "latest_task"]

NO_TASK_STATE = "INITIALIZING"  # getBackupStatus of a service that has never run (page example)


def _history(service: Any, offset: int) -> list[dict[str, Any]]:
    if not offset:
        return service.history
    return [{**e, "startTime": shift_text(e["startTime"], offset),
             "endTime": shift_text(e["endTime"], offset)} for e in service.history]


_STORED = ("id", "service_id", "readonly", "name", "host", "port", "type", "status",
           "disk_usage", "cpanel_instance_id", "cpanel_startup", "mysql_instances",
           "mysql_startup", "mssql_startup", "exchange_startup", "ostype", "running",
           "create_status", "status_min_ok", "startup_ok", "activation_hint", "username",
           "password", "location_id", "first_backup_try", "service_configured", "restricted",
           "maintenance")


def _values(service: Any) -> dict[str, Any]:
    location = LOCATIONS[service.location_id]
    return {
        **{name: getattr(service, name) for name in _STORED},
        "serverurl": location.url, "serverhostname": location.hostname,
        "serverip": location.ip, "location": location.name,
        "ip": location.ip, "http_port": location.http_port, "https_port": location.https_port,
        "hostname": location.hostname,
    }


def add_agent(parent: etree._Element, service: Any, *, full: bool,
              offset: int = 0, empty_history: str = "") -> etree._Element:
    """Append an <agent> with its <server>: brief (addService) or full (getStatus).

    `service` is a BrService or a row of its columns (what getStatus reads, for speed).
    """
    values = _values(service)
    if full:
        entries = _history(service, offset)
        values["n_alerts"] = service.n_alerts
        values["alert_history"] = (orjson.dumps(entries).decode() if entries
                                   else empty_history)
    node = element("agent", [(a, values[a]) for a in (AGENT_FULL if full else AGENT_BRIEF)],
                   parent)
    element("server", [(a, values[a]) for a in (SERVER_FULL if full else SERVER_BRIEF)], node)
    return node


def latest_task(session: Session, service: BrService) -> BrTask | None:
    return session.exec(select(BrTask).where(BrTask.world_id == service.world_id,
                                             BrTask.sc_id == service.id)
                        .order_by(col(BrTask.id).desc()).limit(1)).first()


def add_task(parent: etree._Element, service: BrService, task: BrTask | None) -> None:
    """Append the <task> getBackupStatus shows: the latest task's state.

    Before the first task the page's example of a never-run service shows INITIALIZING (the
    state a task starts in), so that is what a client polling the activation page sees.
    """
    values = {"first_backup_try": service.first_backup_try,
              "service_configured": service.service_configured,
              "taskstate": task.state if task is not None else NO_TASK_STATE}
    element("task", [(a, values[a]) for a in TASK_ATTRIBUTES], parent)


def add_messages(parent: etree._Element, session: Session, task: BrTask, offset: int) -> None:
    """Append a <task> with one <message> per log line and its <messagekeyparameter>s."""
    node = element("task", (), parent)
    rows = session.exec(select(BrTaskMessage).where(BrTaskMessage.world_id == task.world_id,
                                                    BrTaskMessage.task_id == task.id)
                        .order_by(col(BrTaskMessage.id))).all()
    for row in rows:
        values = {"messagesource": row.source, "messagekey": row.key,
                  "messagekeyparameters": orjson.dumps(row.parameters).decode(),
                  "messagelevel": row.level, "messagestring": row.text,
                  "messagetime": clock_text(row.time, offset)}
        message = element("message", [(a, values[a]) for a in MESSAGE_ATTRIBUTES], node)
        for parameter in row.parameters:
            element("messagekeyparameter", {"value": parameter}, message)
