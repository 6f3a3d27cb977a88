"""Identity v2.0 (POST /v2.0/tokens) and the X-Auth-Token check of every Cloud Backup call.

A token names a world and a tenant. It is found in memory (keyed to the world object the
emulator holds, so a reset or a dropped sandbox invalidates it at once) or in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlmodel import Session, col, func, select

from emulator.core import secrets
from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.engine import Ctx
from emulator.core.errors import BadRequest
from emulator.core.http_rules import public_base
from emulator.core.runtime import Emulator
from emulator.core.timeutil import iso_z
from emulator.core.world import World
from emulator.vendors.rackspace.errors import NotAllowed, NotAuthorized
from emulator.vendors.rackspace.models import Tenant, Token

__all__ = ["REGIONS", "TOKEN_LIFETIME", "Auth", "AuthDep", "authenticate", "current_auth"]

REGIONS = ("DFW", "ORD", "IAD", "LON", "HKG", "SYD")
TOKEN_LIFETIME = timedelta(hours=24)
BAD_CREDENTIALS = "Unable to authenticate user with credentials provided."
_CACHE_MAX = 50_000

# token -> (the World object it belongs to, tenant id, expiry)
_tokens: dict[str, tuple[World, str, datetime]] = {}


@dataclass
class Auth:
    """An authenticated call: its world context and the token's tenant."""

    ctx: Ctx
    tenant_id: str


def _base_url(emu: Emulator) -> str:
    return public_base()


def _credentials(body: dict[str, Any]) -> tuple[str, str, str, str]:
    """(username, secret, kind, method) from an auth body, or BadRequest."""
    auth = body.get("auth")
    if not isinstance(auth, dict):
        raise BadRequest("auth: a JSON object with credentials is required")
    for key, secret_key, kind, method in (
        ("RAX-KSKEY:apiKeyCredentials", "apiKey", "api_key", "APIKEY"),
        ("passwordCredentials", "password", "password", "PASSWORD"),
    ):
        creds = auth.get(key)
        if creds is None:
            continue
        if not isinstance(creds, dict):
            raise BadRequest(f"auth.{key}: must be an object")
        username, secret = creds.get("username"), creds.get(secret_key)
        if not isinstance(username, str) or not username:
            raise BadRequest(f"auth.{key}.username: a non-empty string is required")
        if not isinstance(secret, str) or not secret:
            raise BadRequest(f"auth.{key}.{secret_key}: a non-empty string is required")
        return username, secret, kind, method
    raise BadRequest("auth: expected RAX-KSKEY:apiKeyCredentials or passwordCredentials")


def authenticate(emu: Emulator, session: Session, request: Request,
                 body: dict[str, Any]) -> dict[str, Any]:
    """Check credentials and issue a token valid for 24 hours of the world's virtual time."""
    username, secret, kind, method = _credentials(body)
    auth = body["auth"]
    tenant = next((t for t in session.exec(select(Tenant).where(Tenant.username == username))
                   if getattr(t, kind) == secret and emu.visible(t.world_id)), None)
    if tenant is None:
        raise NotAuthorized(BAD_CREDENTIALS)
    for key in ("tenantId", "tenantName"):
        wanted = auth.get(key)
        if wanted is not None and str(wanted) != tenant.tenant_id:
            raise NotAuthorized(BAD_CREDENTIALS)
    ctx = emu.ctx(session, tenant.world_id)
    issued = session.exec(select(func.count()).select_from(Token)
                          .where(col(Token.world_id) == ctx.world_id)).one()
    token = Token(id=secrets.hex_token(ctx.world, "rackspace.token", tenant.username, issued,
                                       ctx.now.isoformat()), world_id=ctx.world_id,
                  tenant_id=tenant.tenant_id, expires=ctx.now + TOKEN_LIFETIME,
                  authenticated_by=method)
    session.add(token)
    session.commit()
    return _access(token, tenant, _base_url(emu))


def _access(token: Token, tenant: Tenant, base: str) -> dict[str, Any]:
    tid = tenant.tenant_id
    return {"access": {
        "token": {
            "id": token.id,
            "expires": iso_z(token.expires),
            "tenant": {"id": tid, "name": tid},
            "RAX-AUTH:authenticatedBy": [token.authenticated_by],
        },
        "serviceCatalog": [{
            "name": "cloudBackup",
            "type": "rax:backup",
            "endpoints": [{"publicURL": f"{base}/v1.0/{tid}", "region": region, "tenantId": tid}
                          for region in REGIONS],
        }],
        "user": {
            "id": tenant.user_id,
            "name": tenant.username,
            "roles": [
                {"id": "3", "name": "identity:user-admin", "description": "User Admin Role."},
                {"id": "10000150", "name": "rax_backup:default", "tenantId": tid,
                 "description": "Cloud Backup default role."},
            ],
            "RAX-AUTH:defaultRegion": tenant.default_region,
        },
    }}


def _lookup(emu: Emulator, session: Session, token_id: str) -> tuple[str, str, datetime]:
    cached = _tokens.get(token_id)
    if cached is not None:
        world, tenant_id, expires = cached
        if emu.worlds.get(world.id) is world:
            if not emu.visible(world.id):
                raise NotAuthorized("The supplied token is invalid or has been revoked.")
            return world.id, tenant_id, expires
        del _tokens[token_id]
    row = session.exec(select(Token).where(Token.id == token_id)).first()
    if row is None or not emu.visible(row.world_id):
        raise NotAuthorized("The supplied token is invalid or has been revoked.")
    if len(_tokens) >= _CACHE_MAX:
        _tokens.clear()
    _tokens[token_id] = (emu.worlds[row.world_id], row.tenant_id, row.expires)
    return row.world_id, row.tenant_id, row.expires


async def current_auth(
        request: Request, emu: EmulatorDep, session: SessionDep,
        token_id: Annotated[str | None, Header(alias="X-Auth-Token",
                                               description="A token from POST /v2.0/tokens")]
        = None) -> Auth:
    """The caller's world and tenant from X-Auth-Token; 401 or 403 as the vendor answers."""
    if not token_id:
        raise NotAuthorized("No X-Auth-Token header was supplied.")
    world_id, tenant_id, expires = _lookup(emu, session, token_id)
    ctx = emu.ctx(session, world_id)
    if ctx.time.reached(expires):
        raise NotAuthorized("The supplied token has expired.")
    path_tenant = request.path_params.get("tenant_id")
    if path_tenant is not None and path_tenant != tenant_id:
        raise NotAllowed(f"The token is not valid for tenant {path_tenant}.")
    return Auth(ctx, tenant_id)


AuthDep = Annotated[Auth, Depends(current_auth)]
