"""The Code42 API's error format, and its errors as EmulatorError subclasses."""

from __future__ import annotations

__all__: list[str] = []
