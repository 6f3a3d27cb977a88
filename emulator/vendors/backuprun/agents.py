"""Simulated BackupRun agents: state machines and @on_due handlers on the virtual clock."""

from __future__ import annotations

__all__: list[str] = []
