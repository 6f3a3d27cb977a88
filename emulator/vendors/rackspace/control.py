"""Control-plane routes for steering the Rackspace emulation: /_emulator/rackspace/..."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/rackspace/...
router = APIRouter(prefix="/rackspace", tags=["control"])
