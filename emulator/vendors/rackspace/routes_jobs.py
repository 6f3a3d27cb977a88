"""Backup and restore operations: /backup/..., /restore/..."""

from __future__ import annotations

from starlette.responses import Response

from emulator.core.numbers import IdText
from emulator.vendors.rackspace import backend_jobs as jobs
from emulator.vendors.rackspace.identity import AuthDep
from emulator.vendors.rackspace.routing import operation, v1_router
from emulator.vendors.rackspace.schemas import (
    BackupAction,
    RestoreAction,
    RestoreCreate,
    RestoreFileBody,
    RestoreUpdate,
)
from emulator.vendors.rackspace.wire import plain, wcf_json

router = v1_router("backups and restores")
BACKUP_ID = {200: {"content": {"text/plain": {}}, "description": "StartManual: the backup id"},
             204: {"description": "StopManual"}}


@operation(router, "POST", "/backup/action-requested", summary="Start or stop a backup manually",
           answer="text",
           responses=BACKUP_ID)
async def backup_action(auth: AuthDep, body: BackupAction) -> Response:
    started = jobs.backup_action(auth.ctx, auth.tenant_id, body)
    return Response(status_code=204) if started is None else plain(started)


@operation(router, "GET", "/backup/availableforrestore",
           summary="List the backups available for a restore")
async def available_for_restore(auth: AuthDep) -> Response:
    return wcf_json(jobs.available_for_restore(auth.ctx, auth.tenant_id))


@operation(router, "GET", "/backup/completed/{backupConfigurationId}",
           summary="List completed backups")
async def completed(auth: AuthDep, backupConfigurationId: IdText) -> Response:
    return wcf_json(jobs.completed(auth.ctx, auth.tenant_id, backupConfigurationId))


@operation(router, "GET", "/backup/report/{backupId}", summary="Get a backup report")
async def backup_report(auth: AuthDep, backupId: IdText) -> Response:
    return wcf_json(jobs.backup_report(auth.ctx, auth.tenant_id, backupId))


@operation(router, "GET", "/backup/{backupId}", summary="List backup details")
async def backup(auth: AuthDep, backupId: IdText) -> Response:
    return wcf_json(jobs.backup(auth.ctx, auth.tenant_id, backupId))


@operation(router, "PUT", "/restore/files", answer="empty",
           summary="Include or exclude a file in a restore configuration")
async def add_restore_file(auth: AuthDep, body: RestoreFileBody) -> Response:
    jobs.add_restore_file(auth.ctx, auth.tenant_id, body)
    return Response(status_code=200)


@operation(router, "GET", "/restore/files/{restoreId}",
           summary="List included or excluded files in a restore configuration")
async def restore_files(auth: AuthDep, restoreId: IdText) -> Response:
    return wcf_json(jobs.restore_files(auth.ctx, auth.tenant_id, restoreId))


@operation(router, "DELETE", "/restore/files/{restoreId}", status_code=204,
           summary="Delete a restore configuration's files")
async def delete_restore_files(auth: AuthDep, restoreId: IdText) -> Response:
    jobs.delete_restore_files(auth.ctx, auth.tenant_id, restoreId)
    return Response(status_code=204)


@operation(router, "POST", "/restore/action-requested", status_code=204,
           summary="Start or stop a restore manually")
async def restore_action(auth: AuthDep, body: RestoreAction) -> Response:
    jobs.restore_action(auth.ctx, auth.tenant_id, body)
    return Response(status_code=204)


@operation(router, "GET", "/restore/report/{restoreId}", summary="Get a restore report")
async def restore_report(auth: AuthDep, restoreId: IdText) -> Response:
    return wcf_json(jobs.restore_report(auth.ctx, auth.tenant_id, restoreId))


@operation(router, "PUT", "/restore", summary="Create a restore configuration")
async def create_restore(auth: AuthDep, body: RestoreCreate) -> Response:
    return wcf_json(jobs.create_restore(auth.ctx, auth.tenant_id, body))


@operation(router, "POST", "/restore", status_code=204, summary="Update a restore configuration")
async def update_restore(auth: AuthDep, body: RestoreUpdate) -> Response:
    jobs.update_restore(auth.ctx, auth.tenant_id, body)
    return Response(status_code=204)


@operation(router, "GET", "/restore/{restoreId}", summary="List details about a restore")
async def restore(auth: AuthDep, restoreId: IdText) -> Response:
    return wcf_json(jobs.restore(auth.ctx, auth.tenant_id, restoreId))
