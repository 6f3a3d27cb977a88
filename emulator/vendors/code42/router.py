"""Routes of the Code42 API, served at the vendor's own paths from the server root.

Not emulated yet: every operation. This router is wired into the app so that the paths it owns
(/api/DeviceBackupReport, /api/v1/..., /api/v3/...) are routed and their errors rendered
here; the code42 issue fills it in.
"""

from __future__ import annotations

from fastapi import APIRouter

from emulator.core.surface import Surface

router = APIRouter(tags=["code42"])

SURFACE = Surface(
    name="code42",
    title="Code42 (emulated)",
    description="DeviceBackupReport in JSON or CSV, token or Basic auth, role-scoped.",
    router=router,
    prefixes=("/api/DeviceBackupReport", "/api/v1", "/api/v3"),
)
