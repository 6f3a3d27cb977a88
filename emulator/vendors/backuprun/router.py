"""Routes of the BackupRun API: POST /api.php with apiCALL, served at the vendor's own path.

The call is named by the form field apiCALL (or apiCALL in the query string, as the vendor's
URLs show); parameters come as application/x-www-form-urlencoded or multipart/form-data fields
(PHP's curl sends an array of fields as multipart), form fields winning over the query string
as in PHP's $_REQUEST. The form is read here rather than declared, so that a missing parameter
is the vendor's XML error and not a FastAPI validation error.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.forms import form_fields
from emulator.core.surface import Surface, SurfaceRouter
from emulator.vendors.backuprun import backend, openapi
from emulator.vendors.backuprun.call import COOKIE
from emulator.vendors.backuprun.errors import cookie_path, render_error
from emulator.vendors.backuprun.serializer import MEDIA_TYPE, to_bytes

router = SurfaceRouter(tags=["backuprun"])

SURFACE = Surface(
    name="backuprun",
    title="BackupRun (emulated)",
    description="form POST to /api.php with apiCALL, XML answers, session cookie. "
    "Calls: " + ", ".join(backend.CALL_NAMES) + ".",
    router=router,
    prefixes=("/api.php",),
    render_error=render_error,
    media_type=MEDIA_TYPE,
    operation_field="apiCALL",
    read_operations=backend.READ_CALLS,
    error_statuses=(400, 408, 413),
    error_schema={"type": "string", "description": "<response><status value=\"error\"/>"
                  "<error code=... message=.../></response>"},
    reshape=openapi.reshape,
)


async def _parameters(request: Request) -> dict[str, str]:
    """The query's parameters, then the form's (form wins, as PHP's $_REQUEST), read as the
    fault rules and the journal read them (core.forms; FormError: a 400)."""
    values = dict(request.query_params)
    values.update(form_fields(request.headers.get("content-type"), await request.body()))
    return values


@router.post(
    "/api.php",
    summary="Run an apiCALL",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}},
                     "description": "<response>...</response>; errors too (HTTP 200)"}},
)
async def api_php(request: Request, emu: EmulatorDep, session: SessionDep) -> Response:
    values = await _parameters(request)
    call, root = backend.handle(emu, session, values, request.cookies.get(COOKIE))
    response = Response(to_bytes(root), media_type=MEDIA_TYPE)
    if call.set_cookie is not None:
        sid, max_age = call.set_cookie
        response.set_cookie(COOKIE, sid, max_age=max_age, path=cookie_path(request),
                            httponly=True)
    elif call.clear_cookie:
        response.delete_cookie(COOKIE, path=cookie_path(request))
    return response
