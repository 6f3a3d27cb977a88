"""How each Cloud Backup operation is served: with and without the tenant, with or without "/".

Every operation is registered twice, at `/v1.0/{tenant_id}/...` (documented) and tenant-less at
`/v1.0/...` (the tenant comes from the token), as three public clients call it. Routes match
with or without a trailing slash, without a redirect (the Chef cookbook POSTs
`.../backup-configuration/`). Register literal paths before parameterised ones
(`/agent/enable` before `/agent/{machineAgentId}`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Path
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

__all__ = ["SlashRoute", "operation", "v1_router"]


class SlashRoute(APIRoute):
    """A route that also matches its path with one trailing slash."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path[:-1]}
        return super().matches(scope)


async def _tenant(tenant_id: str = Path(description="The tenant (account) id")) -> str:
    """Declares {tenant_id} for the documented form of each path."""
    return tenant_id


def v1_router(tag: str) -> APIRouter:
    """A router for one group of Cloud Backup operations."""
    return APIRouter(tags=[tag], route_class=SlashRoute)


def operation(router: APIRouter, method: str, path: str, *, summary: str,
              status_code: int = 200, **kwargs: Any) -> Callable[[Any], Any]:
    """Register a handler at /v1.0/{tenant_id}{path} and /v1.0{path}."""
    def register(handler: Any) -> Any:
        router.add_api_route(f"/v1.0/{{tenant_id}}{path}", handler, methods=[method],
                             summary=summary, status_code=status_code,
                             dependencies=[Depends(_tenant)], **kwargs)
        router.add_api_route(f"/v1.0{path}", handler, methods=[method], summary=summary,
                             status_code=status_code, include_in_schema=False, **kwargs)
        return handler
    return register
