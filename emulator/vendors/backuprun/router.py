"""Routes of the BackupRun API, served at the vendor's own paths from the server root.

Not emulated yet: every operation. This router is wired into the app so that the paths it owns
(/api.php) are routed and their errors rendered here; the backuprun issue fills it in.
"""

from __future__ import annotations

from fastapi import APIRouter

from emulator.core.surface import Surface

router = APIRouter(tags=["backuprun"])

SURFACE = Surface(
    name="backuprun",
    title="BackupRun (emulated)",
    description="form POST to /api.php with apiCALL, XML answers, session cookie.",
    router=router,
    prefixes=("/api.php",),
)
