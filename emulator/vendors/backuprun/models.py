"""Tables of the BackupRun emulation; each inherits WorldScoped."""

from __future__ import annotations

__all__: list[str] = []
