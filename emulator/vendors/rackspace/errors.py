"""The Rackspace fault format, and its errors as EmulatorError subclasses.

Faults are OpenStack-style JSON objects keyed by the fault name:

    {"itemNotFound": {"code": 404, "message": "Agent 12 was not found."}}

ASSUMPTION: Cloud Backup does not publish its fault bodies; this is the form Identity v2.0
uses, with the fault names of the early Cloud Backup drafts (see docs/rackspace.md).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from emulator.core.errors import BadRequest, EmulatorError, Forbidden, NotFound, Unauthorized
from emulator.core.render import json_response

__all__ = ["FAULT_NAMES", "BadField", "NoSuchItem", "NotAllowed", "NotAuthorized",
           "render_error"]

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflict",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    500: "instanceFault",
    501: "notImplemented",
    503: "serviceUnavailable",
}


class BadField(BadRequest):
    """A request field with a missing or invalid value (400 badRequest naming the field)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class NoSuchItem(NotFound):
    """An id that does not exist for the caller's tenant (404 itemNotFound)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} was not found.")


class NotAllowed(Forbidden):
    """The request is understood but the resource's state or ownership forbids it (403)."""


class NotAuthorized(Unauthorized):
    """Missing, unknown or expired credentials (401)."""


def render_error(_request: Request, exc: EmulatorError) -> Response:
    """Render any error as a Rackspace fault; validation errors (422) become 400 badRequest."""
    status = 400 if exc.status_code == 422 else exc.status_code
    name = FAULT_NAMES.get(status, "badRequest" if status < 500 else "instanceFault")
    return json_response({name: {"code": status, "message": exc.message}}, status)
