"""The Code42 API's error format, and its errors as EmulatorError subclasses.

Code42's legacy resources answer errors as a JSON list of {"name", "description"} objects,
e.g. `[{"name": "SYSTEM", "description": "Unable to find org"}]`; py42 searches the response
text for such descriptions. The emulator uses that one form for every error on its paths.
ASSUMPTION: the names below (other than SYSTEM) are ours; the vendor does not document them.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from emulator.core.errors import BadRequest, EmulatorError, NotFound, Unauthorized
from emulator.core.render import json_response

__all__ = ["BadParameter", "NotAuthenticated", "OrgNotFound", "ResourceNotFound",
           "render_error"]

_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
          405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 429: "TOO_MANY_REQUESTS", 500: "SYSTEM",
          408: "REQUEST_TIMEOUT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
          503: "SERVICE_UNAVAILABLE"}


class NotAuthenticated(Unauthorized):
    """Missing, wrong or expired credentials."""

    def __init__(self, message: str = "Could not authenticate user") -> None:
        super().__init__(message)


class BadParameter(BadRequest):
    """A query parameter Code42 would refuse, named in the message."""

    code = "INVALID_PARAMETER"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class OrgNotFound(BadRequest):
    """An orgUid filter naming no org the caller can see (py42 looks for this text)."""

    code = "SYSTEM"

    def __init__(self, message: str = "Unable to find org") -> None:
        super().__init__(message)


class ResourceNotFound(NotFound):
    """A user, device or org that does not exist or that the caller may not see."""


def render_error(_request: Request, exc: EmulatorError) -> Response:
    """Render any error on a Code42 path as Code42's list of name/description objects."""
    status = exc.status_code
    if status == 422:  # FastAPI validation errors: Code42 answers bad parameters with 400
        status = 400
    name = exc.code if exc.code.isupper() else _NAMES.get(status, "SYSTEM")
    if status == 400 and not exc.code.isupper():
        name = "INVALID_PARAMETER"
    headers = {"WWW-Authenticate": 'Basic realm="Code42"'} if status == 401 else None
    return json_response([{"name": name, "description": exc.message}], status, headers)
