"""Test tooling for clients of the emulated APIs: a control-plane client, a server runner and
a pytest plugin (`emulator.testing.plugin`, registered as a pytest11 entry point).

The names below are imported on first use: the pytest plugin loads this package in every
pytest run, and most runs never need httpx or the app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.testing.client import EmulatorClient, Sandbox
    from emulator.testing.errors import ControlError
    from emulator.testing.server import RunningEmulator, run_emulator

__all__ = ["ControlError", "EmulatorClient", "RunningEmulator", "Sandbox", "run_emulator"]

_HOMES = {"ControlError": "errors", "EmulatorClient": "client", "Sandbox": "client",
          "RunningEmulator": "server", "run_emulator": "server"}


def __getattr__(name: str) -> Any:
    """Import a public name from its module when it is first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
