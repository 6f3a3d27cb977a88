"""Rules and state changes of the Rackspace API; takes its session and clock from a Ctx."""

from __future__ import annotations

__all__: list[str] = []
