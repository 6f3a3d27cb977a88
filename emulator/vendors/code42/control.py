"""Control-plane routes for steering the Code42 emulation: /_emulator/code42/..."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/code42/...
router = APIRouter(prefix="/code42", tags=["control"])
