"""Wire shapes of the CleverFox API: the vendor's own field names, as aliases over storage names."""

from __future__ import annotations

__all__: list[str] = []
