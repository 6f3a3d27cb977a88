"""One serialization pass for JSON answers: orjson straight to bytes, no response models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

__all__ = ["JSONBytes", "json_response"]


class JSONBytes(Response):
    """A JSON response rendered by orjson (datetimes, dataclasses and UUIDs included)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(data: Any, status_code: int = 200,
                  headers: Mapping[str, str] | None = None) -> JSONBytes:
    """Render `data` as a JSON response."""
    return JSONBytes(data, status_code=status_code, headers=headers)
