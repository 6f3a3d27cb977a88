"""The one exception of emulator.testing."""

from __future__ import annotations

import httpx

__all__ = ["ControlError"]


class ControlError(Exception):
    """A control-plane call (or a Sandbox vendor convenience) answered with an error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @classmethod
    def from_response(cls, response: httpx.Response) -> ControlError:
        """The error of a non-2xx answer: its `{"code", "message"}`, or its raw text."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "code" in body:
            return cls(response.status_code, str(body["code"]), str(body.get("message", "")))
        return cls(response.status_code, f"http_{response.status_code}", response.text[:500])
