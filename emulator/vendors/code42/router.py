"""Routes of the Code42 API, served at the vendor's own paths from the server root.

Emulated: v3 auth (jwt, oauth client_credentials, LoginConfiguration), DeviceBackupReport
(JSON and CSV), the v1 Computer, User, Org and role reads py42 and code42cli make, v3
orgs/{guid} and customer/my. The surface owns every path a Code42 client may call, so an
unknown one is a 404 in Code42's own error form. See docs/code42.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.forms import form_fields
from emulator.core.numbers import IntText
from emulator.core.render import json_response
from emulator.core.surface import Surface, SurfaceRouter
from emulator.vendors.code42 import backend, computers, openapi, orgs, resources
from emulator.vendors.code42.computers import Includes
from emulator.vendors.code42.errors import render_error
from emulator.vendors.code42.schemas import ReportQuery

router = SurfaceRouter(tags=["code42"])

Auth = Annotated[str | None, Header(alias="Authorization", include_in_schema=False)]
Flag = Annotated[bool | None, Query(description="true/True or false/False")]
Text = Annotated[str | None, Query()]
# 32-bit like the vendor's own ints: a larger number is a 400 naming the parameter, not an
# overflow in the database driver.
Number = Annotated[IntText | None, Query(ge=-(2**31), le=2**31 - 1)]


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


# -- auth ----------------------------------------------------------------------------------


@router.get("/api/v3/auth/jwt", summary="A v3 user token for Basic username:password")
async def auth_jwt(emu: EmulatorDep, session: SessionDep, authorization: Auth = None,
                   useBody: Flag = None) -> Response:
    return json_response(backend.auth_jwt(emu, session, authorization))


@router.post("/api/v3/oauth/token", summary="An API client's access token (client_credentials)")
async def oauth_token(emu: EmulatorDep, session: SessionDep, request: Request,
                      authorization: Auth = None, grant_type: Text = None) -> Response:
    if grant_type is None and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        fields = dict(form_fields(request.headers.get("content-type"), await request.body()))
        grant_type = fields.get("grant_type") or None
    return json_response(backend.oauth_token(emu, session, authorization, grant_type))


@router.get("/api/v3/LoginConfiguration", summary="How a user logs in (LOCAL)")
async def login_configuration(emu: EmulatorDep, session: SessionDep,
                              username: Text = None) -> Response:
    return json_response(backend.login_configuration(emu, session, username))


# -- DeviceBackupReport --------------------------------------------------------------------


@router.get("/api/DeviceBackupReport", summary="Device backup report (JSON, or CSV)")
@router.get("/api/v1/DeviceBackupReport", summary="Device backup report (JSON, or CSV)")
async def device_backup_report(
    emu: EmulatorDep, session: SessionDep, authorization: Auth = None,
    active: Flag = None, alerted: Flag = None, os: Text = None, org: Text = None,
    user: Text = None, device: Text = None, deviceUid: Text = None, destination: Text = None,
    srtKey: Text = None, srtDir: Text = None, pgNum: Number = None, pgSize: Number = None,
    export: Text = None,
) -> Response:
    query = ReportQuery.check(
        sort_key=srtKey, sort_dir=srtDir, page=pgNum, page_size=pgSize, export=export,
        active=active, alerted=alerted, os=os, org=org, user=user, device=device,
        device_uid=deviceUid, destination=destination)
    if query.csv:
        filename, chunks = backend.report_csv(emu, session, authorization, query)
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{filename}"'})
    return json_response(backend.report_json(emu, session, authorization, query))


# -- v1 resources (also at their unversioned legacy paths, as Code42's sample scripts call) --


@router.get("/api/v1/Computer", summary="A page of devices")
@router.get("/api/Computer", summary="A page of devices (legacy unversioned path)")
async def list_computers(
    emu: EmulatorDep, session: SessionDep, request: Request, authorization: Auth = None,
    active: Flag = None, blocked: Flag = None, orgUid: Text = None, userUid: Text = None,
    targetComputerGuid: Text = None, incBackupUsage: Flag = None, incSettings: Flag = None,
    incAll: Flag = None, incCounts: Flag = None, q: Text = None, pgNum: Number = None,
    pgSize: Number = None,
) -> Response:
    who = backend.caller(emu, session, authorization)
    inc = Includes.of(backup_usage=incBackupUsage, settings=incSettings, everything=incAll)
    data = computers.computers(who, active=active, blocked=blocked, org_uid=orgUid,
                               user_uid=userUid, destination_guid=targetComputerGuid, q=q,
                               inc=inc, page=pgNum, page_size=pgSize)
    return json_response(backend.envelope(who, _params(request), data))


@router.get("/api/v1/Computer/{computer}", summary="One device by id, or by guid")
@router.get("/api/Computer/{computer}", summary="One device (legacy unversioned path)")
async def get_computer(emu: EmulatorDep, session: SessionDep, request: Request, computer: str,
                       authorization: Auth = None, idType: Text = None,
                       incBackupUsage: Flag = None, incSettings: Flag = None,
                       incAll: Flag = None) -> Response:
    who = backend.caller(emu, session, authorization)
    inc = Includes.of(backup_usage=incBackupUsage, settings=incSettings, everything=incAll)
    data = computers.computer(who, computer, idType, inc)
    return json_response(backend.envelope(who, _params(request), data))


@router.get("/api/v1/User", summary="A page of users")
@router.get("/api/User", summary="A page of users (legacy unversioned path)")
async def list_users(
    emu: EmulatorDep, session: SessionDep, request: Request, authorization: Auth = None,
    active: Flag = None, email: Text = None, orgUid: Text = None, roleId: Text = None,
    username: Text = None, q: Text = None, incRoles: Flag = None, incAll: Flag = None,
    pgNum: Number = None, pgSize: Number = None,
) -> Response:
    who = backend.caller(emu, session, authorization)
    data = resources.users(who, active=active, email=email, org_uid=orgUid, role_id=roleId,
                           username=username, q=q, page=pgNum, page_size=pgSize,
                           inc_roles=bool(incRoles or incAll))
    return json_response(backend.envelope(who, _params(request), data))


@router.get("/api/v1/User/{user}", summary="One user by id, by uid, or 'my'")
@router.get("/api/User/{user}", summary="One user (legacy unversioned path)")
async def get_user(emu: EmulatorDep, session: SessionDep, request: Request, user: str,
                   authorization: Auth = None, idType: Text = None, incRoles: Flag = None,
                   incAll: Flag = None) -> Response:
    who = backend.caller(emu, session, authorization)
    data = resources.user(who, user, idType, bool(incRoles or incAll))
    return json_response(backend.envelope(who, _params(request), data))


@router.get("/api/v1/Org", summary="A page of organizations")
@router.get("/api/Org", summary="A page of organizations (legacy unversioned path)")
async def list_orgs(emu: EmulatorDep, session: SessionDep, request: Request,
                    authorization: Auth = None, pgNum: Number = None,
                    pgSize: Number = None) -> Response:
    who = backend.caller(emu, session, authorization)
    data = orgs.orgs(who, pgNum, pgSize)
    return json_response(backend.envelope(who, _params(request), data))


@router.get("/api/v1/Org/{org}", summary="One organization by id, uid, guid, or 'my'")
@router.get("/api/Org/{org}", summary="One organization (legacy unversioned path)")
async def get_org(emu: EmulatorDep, session: SessionDep, request: Request, org: str,
                  authorization: Auth = None, idType: Text = None) -> Response:
    who = backend.caller(emu, session, authorization)
    data: Any = orgs.org(who, org, idType)
    return json_response(backend.envelope(who, _params(request), data))


@router.get("/api/v1/role", summary="The roles of the tenant (code42cli --role-name)")
async def list_roles(emu: EmulatorDep, session: SessionDep, request: Request,
                     authorization: Auth = None) -> Response:
    who = backend.caller(emu, session, authorization)
    return json_response(backend.envelope(who, _params(request), resources.roles(who)))


@router.get("/api/v3/orgs/{org_guid}", summary="One organization by guid (v3)")
async def get_org_v3(emu: EmulatorDep, session: SessionDep, org_guid: str,
                     authorization: Auth = None) -> Response:
    who = backend.caller(emu, session, authorization)
    return json_response(orgs.org(who, org_guid, "orgGuid"))


@router.get("/api/v3/customer/my", summary="The caller's tenant (py42 usercontext)")
async def get_tenant(emu: EmulatorDep, session: SessionDep,
                     authorization: Auth = None) -> Response:
    who = backend.caller(emu, session, authorization)
    return json_response(resources.tenant(who))


# Code42's legacy unversioned resources (/api/Computer ...), matched in any case; none is a
# CleverFox resource name, which shares /api (tests/vendors/code42/test_paths.py checks).
LEGACY_RESOURCES = (
    "Archive", "AuthToken", "ColdStorage", "Computer", "ComputerBlock",
    "ComputerDeauthorization", "DataKeyToken", "DeviceBackupReport", "LegalHold",
    "LegalHoldEventReport", "LegalHoldMembership", "LegalHoldMembershipDeactivation",
    "LegalHoldReactivation", "LoginConfiguration", "Org", "OrgSetting", "RestoreHistory",
    "Role", "ServerEnv", "User", "UserRole", "WebRestoreFileSize",
    "WebRestoreFileSizePolling", "WebRestoreInfo", "WebRestoreJob", "WebRestoreJobResult",
    "WebRestoreSearch", "WebRestoreSession", "WebRestoreTreeNode",
)
_OWNED = re.compile(r"/api/(?:v[0-9]+|(?i:" + "|".join(LEGACY_RESOURCES) + r"))(?=/|$)")

SURFACE = Surface(
    name="code42",
    title="Code42 (emulated)",
    description="DeviceBackupReport in JSON or CSV, token or Basic auth, role-scoped; the v1 "
    "Computer, User, Org and role reads py42 and code42cli make (also unversioned).",
    router=router,
    # Every path a Code42 client calls: /api/v<N>/..., the legacy resources, and py42's
    # other services (file events, alerts, watchlists, risk profiles, audit log).
    prefixes=("/svc/api", "/forensic-search", "/rpc", "/v1"),
    patterns=(_OWNED,),
    render_error=render_error,
    error_schema={"type": "array", "items": {
        "type": "object", "required": ["name", "description"],
        "properties": {"name": {"type": "string"}, "description": {"type": "string"}}}},
    reshape=openapi.reshape,
)
