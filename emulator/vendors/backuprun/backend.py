"""Rules and state changes of the BackupRun API; takes its session and clock from a Ctx."""

from __future__ import annotations

__all__: list[str] = []
