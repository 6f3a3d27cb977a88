"""Tables of the Code42 emulation; each inherits WorldScoped."""

from __future__ import annotations

__all__: list[str] = []
