"""Routes of the CleverFox Backup API, served at the vendor's own paths from the server root.

Not emulated yet: every operation. This router is wired into the app so that the paths it owns
(/api/...) are routed and their errors rendered here; the cleverfox issue fills it in.
"""

from __future__ import annotations

from fastapi import APIRouter

from emulator.core.surface import Surface

router = APIRouter(tags=["cleverfox"])

SURFACE = Surface(
    name="cleverfox",
    title="CleverFox Backup (emulated)",
    description="REST JSON over HTTP Basic at /api/{resource}.",
    router=router,
    prefixes=("/api",),
)
