"""The CleverFox API's error format, and its errors as EmulatorError subclasses.

ASSUMPTION: CleverFox publishes no error body. The emulator answers the way an ASP.NET Web API
service does: `{"Message": "<what was wrong>"}`, with the field named in the message. Every
validation failure (including FastAPI's own, which would be a 422) is a 400, as the vendor
documents only 400/401/404/409 answers. Change the format here and only here.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from emulator.core.errors import BadRequest, Conflict, EmulatorError, NotFound, Unauthorized
from emulator.core.render import json_response

__all__ = ["DuplicateToken", "FieldError", "NoSuchResource", "NotAuthorized", "render_error"]


class FieldError(BadRequest):
    """A request attribute is missing, of the wrong type or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class NoSuchResource(NotFound):
    """The id does not exist for this partner (another partner's ids look the same)."""

    def __init__(self, resource: str, ident: object) -> None:
        super().__init__(f"{resource} {ident} was not found")


class NotAuthorized(Unauthorized):
    """No Basic credentials, or an API key no partner has."""


class DuplicateToken(Conflict):
    """The Token was used by this partner within the last 60 minutes."""

    def __init__(self, token: str) -> None:
        super().__init__(f"Duplicate request: Token '{token}' was already used within the "
                         "last 60 minutes")


def render_error(_request: Request, exc: EmulatorError) -> Response:
    """Render any error raised under /api in the CleverFox format."""
    status = exc.status_code
    if status == 422:
        status = 400
    headers = {"WWW-Authenticate": 'Basic realm="CleverFox Backup API"'} if status == 401 else None
    return json_response({"Message": exc.message}, status, headers)
