"""Control-plane routes for steering the BackupRun emulation: /_emulator/backuprun/..."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/backuprun/...
router = APIRouter(prefix="/backuprun", tags=["control"])
