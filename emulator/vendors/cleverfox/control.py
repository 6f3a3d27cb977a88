"""Control-plane routes for steering the CleverFox emulation: /_emulator/cleverfox/..."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/cleverfox/...
router = APIRouter(prefix="/cleverfox", tags=["control"])
