"""Routes of the Rackspace Cloud Backup v1.0 API, at the vendor's own paths from the root.

Not emulated yet: every operation. This router is wired into the app so that the paths it owns
(/v1.0/..., /v2.0/...) are routed and their errors rendered here; the rackspace issue fills it in.
"""

from __future__ import annotations

from fastapi import APIRouter

from emulator.core.surface import Surface

router = APIRouter(tags=["rackspace"])

SURFACE = Surface(
    name="rackspace",
    title="Rackspace Cloud Backup v1.0 (emulated)",
    description="REST JSON, X-Auth-Token from Identity v2.0, at /v1.0/{tenant_id}/... and "
    "/v2.0/tokens.",
    router=router,
    prefixes=("/v1.0", "/v2.0"),
)
