"""Errors every part of the emulator raises; each surface renders them in its own format.

    EmulatorError            400 bad_request, the base
    +-- BadRequest           400
    +-- Unauthorized         401
    +-- Forbidden            403
    +-- NotFound             404
    +-- MethodNotAllowed     405
    +-- Conflict             409
    |   +-- IllegalTransition   (core.statemachine)
    |   +-- ClockWentBackwards  (core.clock)
    +-- InvalidInput         422
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "EmulatorError",
    "Forbidden",
    "InvalidInput",
    "MethodNotAllowed",
    "NotFound",
    "Unauthorized",
]


class EmulatorError(Exception):
    """A client's mistake: a 4xx status, a short code and a message naming what was wrong."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status_code: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code


class BadRequest(EmulatorError):
    status_code = 400
    code = "bad_request"


class Unauthorized(EmulatorError):
    status_code = 401
    code = "unauthorized"


class Forbidden(EmulatorError):
    status_code = 403
    code = "forbidden"


class NotFound(EmulatorError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(EmulatorError):
    status_code = 405
    code = "method_not_allowed"


class Conflict(EmulatorError):
    status_code = 409
    code = "conflict"


class InvalidInput(EmulatorError):
    status_code = 422
    code = "invalid_input"
