"""Agent and user operations: /agent/..., /user/agents, /user/wakeupagents, activity."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import Depends, Request
from starlette.responses import Response

from emulator.core.numbers import IdText
from emulator.vendors.rackspace import backend
from emulator.vendors.rackspace.errors import BadField
from emulator.vendors.rackspace.identity import AuthDep
from emulator.vendors.rackspace.routing import operation, v1_router
from emulator.vendors.rackspace.schemas import (
    AgentBehavior,
    AgentEnable,
    AgentId,
    ChangeEncryption,
    Encrypt,
    MigrateVault,
)
from emulator.vendors.rackspace.wire import plain, wcf_json

router = v1_router("agents")
PLAIN = {200: {"content": {"text/plain": {}}, "description": "A GUID, as a bare value"}}


async def _form(request: Request) -> dict[str, Any]:
    """The logging body: form-encoded as the page shows, JSON accepted too."""
    raw = await request.body()
    if "json" in request.headers.get("content-type", ""):
        try:
            data = orjson.loads(raw or b"{}")
        except orjson.JSONDecodeError:
            raise BadField("body", "is not valid JSON") from None
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


@operation(router, "POST", "/agent/enable", status_code=204, summary="Enable or disable an agent")
async def enable_agent(auth: AuthDep, body: AgentEnable) -> Response:
    backend.enable_agent(auth.ctx, auth.tenant_id, body)
    return Response(status_code=204)


@operation(router, "POST", "/agent/encrypt", summary="Enable volume encryption", answer="text",
           responses=PLAIN)
async def encrypt(auth: AuthDep, body: Encrypt) -> Response:
    return plain(backend.encrypt(auth.ctx, auth.tenant_id, body))


@operation(router, "POST", "/agent/changeencryption", answer="text",
           summary="Change the encryption password",
           responses=PLAIN)
async def change_encryption(auth: AuthDep, body: ChangeEncryption) -> Response:
    return plain(backend.change_encryption(auth.ctx, auth.tenant_id, body))


@operation(router, "POST", "/agent/delete", status_code=204, summary="Delete an agent")
async def delete_agent(auth: AuthDep, body: AgentId) -> Response:
    backend.delete_agent(auth.ctx, auth.tenant_id, body.MachineAgentId)
    return Response(status_code=204)


@operation(router, "PUT", "/agent/migratevault", summary="Migrate a vault", answer="empty")
async def migrate_vault(auth: AuthDep, body: MigrateVault) -> Response:
    backend.migrate_vault(auth.ctx, auth.tenant_id, body)
    return Response(status_code=200)


@operation(router, "PUT", "/agent/logging", summary="Change log level (form-encoded body)",
           answer="empty")
async def set_logging(form: Annotated[dict[str, Any], Depends(_form)], auth: AuthDep
                      ) -> Response:
    backend.set_logging(auth.ctx, auth.tenant_id, form)
    return Response(status_code=200)


@operation(router, "GET", "/agent/server/{hostServerId}",
           summary="List the agent details by host server ID")
async def agent_by_server(auth: AuthDep, hostServerId: str) -> Response:
    return wcf_json(backend.agent_by_server(auth.ctx, auth.tenant_id, hostServerId))


@operation(router, "GET", "/agent/{machineAgentId}", summary="List the agent details")
async def get_agent(auth: AuthDep, machineAgentId: IdText) -> Response:
    return wcf_json(backend.agent(auth.ctx, auth.tenant_id, machineAgentId))


@operation(router, "POST", "/agent/{machineAgentId}", summary="Update the agent backup behavior")
async def update_behavior(auth: AuthDep, machineAgentId: IdText,
                          body: AgentBehavior) -> Response:
    return wcf_json(backend.update_behavior(auth.ctx, auth.tenant_id, machineAgentId, body))


@operation(router, "GET", "/user/agents", summary="List all agents for the user")
async def list_agents(auth: AuthDep) -> Response:
    return wcf_json(backend.list_agents(auth.ctx, auth.tenant_id))


@operation(router, "POST", "/user/wakeupagents", summary="Wake up agents", answer="empty")
async def wakeup_agents(auth: AuthDep) -> Response:
    backend.wakeup_agents(auth.ctx, auth.tenant_id)
    return Response(status_code=200)


@operation(router, "GET", "/system/activity/{agentId}", summary="List all activity for an agent")
async def agent_activity(auth: AuthDep, agentId: IdText) -> Response:
    return wcf_json(backend.activity(auth.ctx, auth.tenant_id, agentId))


@operation(router, "GET", "/activity", summary="List all activity for a user")
async def user_activity(auth: AuthDep) -> Response:
    return wcf_json(backend.activity(auth.ctx, auth.tenant_id))
