"""The BackupRun API's error format, and its errors as EmulatorError subclasses.

ASSUMPTION (the vendor documents no error body): every error is
`<response><status value="error"></status><error code="..." message="..."></error></response>`
answered with HTTP 200, as a PHP endpoint echoing XML would, whatever went wrong (unknown
call, missing parameter, bad value, unknown path under /api.php, wrong method, even an
emulator bug).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from emulator.core.errors import EmulatorError
from emulator.vendors.backuprun.serializer import error_document, xml_response

__all__ = ["AccessDenied", "ApiError", "EmailTaken", "InvalidValue", "LoginFailed",
           "MissingParameter", "NotLoggedIn", "UnknownCall", "UnknownObject", "WrongState",
           "render_error"]


class ApiError(EmulatorError):
    """An error answered in the BackupRun error shape; `code` is the error element's code."""

    code = "error"


class UnknownCall(ApiError):
    code = "unknown_apicall"

    def __init__(self, name: str | None) -> None:
        super().__init__("missing parameter apiCALL" if not name
                         else f"unknown apiCALL {name!r}")
        if not name:
            self.code = "missing_apicall"


class MissingParameter(ApiError):
    code = "missing_parameter"

    def __init__(self, name: str) -> None:
        super().__init__(f"missing parameter {name}")
        self.parameter = name


class InvalidValue(ApiError):
    code = "invalid_value"

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"invalid value {value!r} for {name}: expected {expected}")
        self.parameter = name


class NotLoggedIn(ApiError):
    code = "not_logged_in"

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired  # the answer then also deletes the dead cookie


class LoginFailed(ApiError):
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("wrong email or password")


class EmailTaken(ApiError):
    code = "email_taken"

    def __init__(self, email: str) -> None:
        super().__init__(f"an account with email {email!r} already exists")


class UnknownObject(ApiError):
    code = "not_found"


class AccessDenied(ApiError):
    code = "access_denied"


class WrongState(ApiError):
    code = "wrong_state"


def cookie_path(request: Request) -> str:
    """The session cookie's path: the base URL's ('/', or '/sandbox/<id>/' under a sandbox's,
    so one cookie jar can hold a session per sandbox)."""
    return str(request.scope.get("root_path", "")).rstrip("/") + "/"


def render_error(request: Request, exc: EmulatorError) -> Response:
    """Render any error under /api.php in the error shape, with HTTP 200 (see module doc)."""
    try:
        response = xml_response(error_document(exc.code, exc.message), 200)
    except ValueError:  # a message quoting text XML cannot carry
        response = xml_response(error_document(exc.code, ascii(exc.message)), 200)
    if isinstance(exc, NotLoggedIn) and exc.expired:
        response.delete_cookie("PHPSESSID", path=cookie_path(request))
    return response
