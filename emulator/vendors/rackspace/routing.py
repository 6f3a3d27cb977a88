"""How each Cloud Backup operation is served: with and without the tenant, with or without "/".

Every operation is registered twice, at `/v1.0/{tenant_id}/...` (documented) and tenant-less at
`/v1.0/...` (the tenant comes from the token), as three public clients call it. Routes match
with or without a trailing slash, without a redirect (the Chef cookbook POSTs
`.../backup-configuration/`). Register literal paths before parameterised ones
(`/agent/enable` before `/agent/{machineAgentId}`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute

from emulator.core.routes import DeferredRoute

__all__ = ["operation", "v1_router"]


def _slash_optional(router: APIRouter) -> None:
    """Let the route just added also match its path with one trailing slash.

    Done on the compiled pattern rather than by overriding `matches`, which would add a Python
    call to every route tried on every request.
    """
    route = router.routes[-1]
    assert isinstance(route, APIRoute) and route.path_regex.pattern.endswith("$")
    route.path_regex = re.compile(route.path_regex.pattern[:-1] + "/?$")


async def _tenant(tenant_id: str = Path(description="The tenant (account) id")) -> str:
    """Declares {tenant_id} for the documented form of each path."""
    return tenant_id


def v1_router(tag: str) -> APIRouter:
    """A router for one group of Cloud Backup operations."""
    return APIRouter(tags=[tag], route_class=DeferredRoute)


_ANSWERS: dict[str, type[Response]] = {"json": JSONResponse, "empty": Response,
                                        "text": PlainTextResponse}


def operation(router: APIRouter, method: str, path: str, *, summary: str,
              status_code: int = 200, answer: str = "json",
              **kwargs: Any) -> Callable[[Any], Any]:
    """Register a handler at /v1.0/{tenant_id}{path} and /v1.0{path}.

    `answer` documents the success body: "json" (WCF JSON), "text" (a bare GUID) or "empty".
    """
    kwargs["response_class"] = _ANSWERS[answer]

    def register(handler: Any) -> Any:
        router.add_api_route(f"/v1.0/{{tenant_id}}{path}", handler, methods=[method],
                             summary=summary, status_code=status_code,
                             dependencies=[Depends(_tenant)], **kwargs)
        _slash_optional(router)
        router.add_api_route(f"/v1.0{path}", handler, methods=[method], summary=summary,
                             status_code=status_code, include_in_schema=False, **kwargs)
        _slash_optional(router)
        return handler
    return register
