"""Backup configuration operations: /backup-configuration/..."""

from __future__ import annotations

from starlette.responses import Response

from emulator.core.numbers import IdText
from emulator.vendors.rackspace import backend_configs as configs
from emulator.vendors.rackspace.identity import AuthDep
from emulator.vendors.rackspace.routing import operation, v1_router
from emulator.vendors.rackspace.schemas import ConfigEnable, ConfigurationBody
from emulator.vendors.rackspace.wire import wcf_json

router = v1_router("backup configurations")


@operation(router, "GET", "/backup-configuration/system/{machineAgentId}",
           summary="List all backup configurations for an agent")
async def list_for_agent(auth: AuthDep, machineAgentId: IdText) -> Response:
    return wcf_json(configs.list_for_agent(auth.ctx, auth.tenant_id, machineAgentId))


@operation(router, "POST", "/backup-configuration/enable/{backupConfigurationId}",
           summary="Enable or disable a backup configuration")
async def enable(auth: AuthDep, backupConfigurationId: IdText,
                 body: ConfigEnable) -> Response:
    return wcf_json(configs.enable(auth.ctx, auth.tenant_id, backupConfigurationId, body))


@operation(router, "POST", "/backup-configuration", summary="Create a backup configuration")
async def create(auth: AuthDep, body: ConfigurationBody) -> Response:
    return wcf_json(configs.create(auth.ctx, auth.tenant_id, body))


@operation(router, "GET", "/backup-configuration",
           summary="List all backup configurations for the user")
async def list_for_user(auth: AuthDep) -> Response:
    return wcf_json(configs.list_for_user(auth.ctx, auth.tenant_id))


@operation(router, "PUT", "/backup-configuration/{backupConfigurationId}", answer="empty",
           summary="Update a backup configuration")
async def update(auth: AuthDep, backupConfigurationId: IdText,
                 body: ConfigurationBody) -> Response:
    configs.update(auth.ctx, auth.tenant_id, backupConfigurationId, body)
    return Response(status_code=200)


@operation(router, "GET", "/backup-configuration/{backupConfigurationId}",
           summary="List backup configuration details")
async def get(auth: AuthDep, backupConfigurationId: IdText) -> Response:
    return wcf_json(configs.get(auth.ctx, auth.tenant_id, backupConfigurationId))


@operation(router, "DELETE", "/backup-configuration/{backupConfigurationId}", answer="empty",
           summary="Delete a backup configuration")
async def delete(auth: AuthDep, backupConfigurationId: IdText) -> Response:
    configs.delete_config(auth.ctx, auth.tenant_id, backupConfigurationId)
    return Response(status_code=200)
