"""Tables of the CleverFox emulation; each inherits WorldScoped."""

from __future__ import annotations

__all__: list[str] = []
