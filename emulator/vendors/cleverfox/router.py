"""Routes of the CleverFox Backup API, served at the vendor's own paths from the server root.

Every route names its resource explicitly (`/api/devices`, `/api/devices/{DeviceId}` ...):
Code42 shares the `/api` prefix in this app, so a generic `/api/{resource}` route here would
swallow its paths. Handlers parse, make one backend call and render.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.numbers import IdText, as_id
from emulator.core.render import json_response
from emulator.core.surface import Surface, SurfaceRouter
from emulator.vendors.cleverfox import backend, openapi
from emulator.vendors.cleverfox.backend import Caller
from emulator.vendors.cleverfox.errors import render_error
from emulator.vendors.cleverfox.resources import RESOURCES
from emulator.vendors.cleverfox.serializer import AGENT_DOWNLOAD_PATH

router = SurfaceRouter(tags=["cleverfox"])

AGENT_INSTALLER = (b"backup-emulator: a stand-in for the CleverFox Backup Agent installer. "
                   b"The emulator simulates its agents; there is nothing to install.\n")

SURFACE = Surface(
    name="cleverfox",
    title="CleverFox Backup (emulated)",
    description="REST JSON over HTTP Basic (username: the partner API key) at /api/{resource}. "
    "Lists take PageNo and PageSize and answer {data, page_no, page_size} newest first.",
    router=router,
    prefixes=("/api", "/downloads/agent"),
    render_error=render_error,
    caseless=True,
    error_schema={"type": "object", "required": ["Message"],
                  "properties": {"Message": {"type": "string"}}},
    reshape=openapi.reshape,
)


async def _raw_body(request: Request) -> bytes:
    # Read before authenticating, so no await happens while the request holds the database.
    return await request.body()


async def _caller(request: Request, emu: EmulatorDep, session: SessionDep) -> Caller:
    return backend.authenticate(emu, session, request.headers.get("authorization"))


RawBody = Annotated[bytes, Depends(_raw_body)]
CallerDep = Annotated[Caller, Depends(_caller)]
PageNo = Annotated[str | None, Query(alias="PageNo", description="1-based page (default 1)")]
PageSize = Annotated[str | None, Query(alias="PageSize", description="default 25, at most 1000")]
_KINDS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"}, "bool": {"type": "boolean"},
    "local": {"type": "string", "description": "DateTime Local",
              "example": "2015-01-01T00:00:00.000"},
    "tz": {"type": "string", "description": "a Windows time zone name (see /api/timezones)",
           "example": "Eastern Standard Time"},
    "emails": {"type": "string", "description": "addresses separated by ; or :",
               "example": "ops@example.com"},
}


def _json_body(attrs: tuple[Any, ...], creating: bool) -> dict[str, Any]:
    """The OpenAPI request body of a POST/PUT: `{"data": {...}}` with the writable fields."""
    fields: dict[str, Any] = {}
    for attr in attrs:
        if attr.post_only and not creating:
            continue
        schema = dict(_KINDS.get(attr.kind, {"type": "string"}))
        if attr.kind == "int":
            schema.update({"minimum": -(2**31) if attr.lo is None else attr.lo,
                           "maximum": 2**31 - 1 if attr.hi is None else attr.hi})
        if attr.max_len is not None:
            schema["maxLength"] = attr.max_len
        if attr.choices is not None:
            schema["enum"] = list(attr.choices)
        fields[attr.wire] = schema
    data: dict[str, Any] = {"type": "object", "properties": fields}
    required = [a.wire for a in attrs if a.required and creating]
    if required:
        data["required"] = required
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["data"], "properties": {"data": data}}}}}}


@router.get(AGENT_DOWNLOAD_PATH, summary="The agent installer a device's AgentDownloadUrl names",
            response_class=Response, responses={200: {
                "content": {"application/octet-stream": {}}}})
async def agent_download() -> Response:
    # The emulator simulates its agents; the download is a stand-in a client can fetch.
    return Response(AGENT_INSTALLER, media_type="application/octet-stream", headers={
        "Content-Disposition": 'attachment; filename="CleverFoxBackupAgent.exe"'})


# Declared before /api/devices/{DeviceId} so "lookup" is never taken for an id.
@router.get("/api/devices/lookup", summary="Device by ExternalId")
async def lookup_device(caller: CallerDep,
                        external_id: Annotated[str | None, Query(alias="ExternalId")] = None
                        ) -> Response:
    return json_response(backend.lookup_device(caller, external_id))


@router.get("/api/devices/{DeviceId}/jobs", summary="Jobs of a device, newest first")
async def device_jobs(caller: CallerDep, DeviceId: IdText, page_no: PageNo = None,
                      page_size: PageSize = None) -> Response:
    return json_response(backend.device_children(caller, DeviceId, "jobs", page_no, page_size))


@router.get("/api/devices/{DeviceId}/logs", summary="Logs of a device, newest first")
async def device_logs(caller: CallerDep, DeviceId: IdText, page_no: PageNo = None,
                      page_size: PageSize = None) -> Response:
    return json_response(backend.device_children(caller, DeviceId, "logs", page_no, page_size))


@router.post("/api/devices/{DeviceId}/ExecuteGetNextJob",
             summary="Make the device's agent check for its next job now")
async def execute_get_next_job(caller: CallerDep, DeviceId: IdText) -> Response:
    return json_response(backend.execute_get_next_job(caller, DeviceId))


@router.get("/api/devices/{DeviceId}/ExecuteGetNextJob",
            summary="Make the device's agent check for its next job now (GET form)")
async def execute_get_next_job_get(caller: CallerDep, DeviceId: IdText) -> Response:
    return json_response(backend.execute_get_next_job(caller, DeviceId))


@router.get("/api/timezones", summary="Windows time zone names TimeZoneId accepts")
async def list_timezones(caller: CallerDep, page_no: PageNo = None,
                         page_size: PageSize = None) -> Response:
    return json_response(backend.timezones(caller, page_no, page_size))


@router.get("/api/timezones/{TimeZoneId}", summary="One time zone")
async def get_timezone(caller: CallerDep, TimeZoneId: str) -> Response:
    return json_response(backend.timezone(caller, TimeZoneId))


def _add_routes(name: str) -> None:
    """The collection and element routes of one resource, at its explicit path."""
    res = RESOURCES[name]
    id_name = res.label.replace(" ", "") + "Id"
    item_path = f"/api/{name}/{{{id_name}}}"

    async def list_items(caller: CallerDep, page_no: PageNo = None,
                         page_size: PageSize = None) -> Response:
        return json_response(backend.list_page(caller, name, page_no, page_size))

    async def get_item(request: Request, caller: CallerDep) -> Response:
        return json_response(backend.get_one(caller, name, _ident(request, id_name)))

    async def create_item(request: Request, raw: RawBody, caller: CallerDep) -> Response:
        body = backend.parse_json(request.headers.get("content-type"), raw)
        return json_response(backend.create(caller, name, body), 201)

    async def update_item(request: Request, raw: RawBody, caller: CallerDep) -> Response:
        body = backend.parse_json(request.headers.get("content-type"), raw)
        return json_response(backend.update(caller, name, _ident(request, id_name), body))

    async def delete_item(request: Request, caller: CallerDep) -> Response:
        return json_response(backend.delete_one(caller, name, _ident(request, id_name)))

    label = res.label
    # The id is read from request.path_params (one handler serves every resource), so it is
    # declared to OpenAPI here.
    id_param = {"parameters": [{"name": id_name, "in": "path", "required": True,
                                "schema": {"type": "integer"}}]}
    router.add_api_route(f"/api/{name}", list_items, methods=["GET"],
                         summary=f"{label}s, newest first", name=f"list_{name}")
    if "POST" in res.methods:
        router.add_api_route(f"/api/{name}", create_item, methods=["POST"], status_code=201,
                             summary=f"Create a {label}", name=f"create_{name}",
                             openapi_extra=_json_body(res.attrs, creating=True))
    router.add_api_route(item_path, get_item, methods=["GET"], summary=f"One {label}",
                         name=f"get_{name}", openapi_extra=id_param)
    if "PUT" in res.methods:
        router.add_api_route(item_path, update_item, methods=["PUT"],
                             summary=f"Update a {label}", name=f"update_{name}",
                             openapi_extra={**_json_body(res.attrs, creating=False),
                                            **id_param})
    if "DELETE" in res.methods:
        router.add_api_route(item_path, delete_item, methods=["DELETE"],
                             summary=f"Delete a {label}", name=f"delete_{name}",
                             openapi_extra=id_param)


def _ident(request: Request, id_name: str) -> int:
    from emulator.vendors.cleverfox.errors import NoSuchResource

    raw = request.path_params[id_name]
    ident = as_id(raw)
    if ident is None:
        raise NoSuchResource(id_name, repr(raw))
    return ident


for _name in RESOURCES:
    _add_routes(_name)
