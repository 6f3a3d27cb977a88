"""Tables of the Rackspace emulation; each inherits WorldScoped."""

from __future__ import annotations

__all__: list[str] = []
