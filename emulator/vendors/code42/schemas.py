"""Wire shapes of the Code42 API: the vendor's own field names, as aliases over storage names."""

from __future__ import annotations

__all__: list[str] = []
