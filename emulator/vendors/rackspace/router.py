"""Routes of Rackspace Cloud Backup v1.0 and Identity v2.0, at the vendor's own paths.

Identity: POST /v2.0/tokens. Cloud Backup: all 33 operations of the vendor page, at
/v1.0/{tenant_id}/... and tenant-less /v1.0/... (see routing.py). Errors are Rackspace faults
(errors.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from starlette.responses import Response

from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.render import json_response
from emulator.core.routes import DeferredRoute
from emulator.core.surface import Surface, SurfaceRouter
from emulator.vendors.rackspace import openapi, routes_agents, routes_configurations, routes_jobs
from emulator.vendors.rackspace.errors import render_error
from emulator.vendors.rackspace.identity import authenticate

__all__ = ["SURFACE", "router"]

router = SurfaceRouter()
identity = APIRouter(tags=["identity"], route_class=DeferredRoute)


@identity.post("/v2.0/tokens", summary="Authenticate (Identity v2.0): API key or password")
async def tokens(request: Request, emu: EmulatorDep, session: SessionDep,
                 body: Annotated[dict[str, Any], Body()]) -> Response:
    return json_response(authenticate(emu, session, request, body))


router.include_router(identity)
router.include_router(routes_agents.router)
router.include_router(routes_configurations.router)
router.include_router(routes_jobs.router)

SURFACE = Surface(
    name="rackspace",
    title="Rackspace Cloud Backup v1.0 (emulated)",
    description="REST JSON, X-Auth-Token from Identity v2.0, at /v1.0/{tenant_id}/... (also "
    "tenant-less /v1.0/...) and /v2.0/tokens.",
    router=router,
    prefixes=("/v1.0", "/v2.0"),
    render_error=render_error,
    error_schema={"type": "object", "minProperties": 1, "maxProperties": 1,
                  "additionalProperties": {
                      "type": "object", "required": ["code", "message"],
                      "properties": {"code": {"type": "integer"},
                                     "message": {"type": "string"}}}},
    reshape=openapi.reshape,
)
