"""Code42's OpenAPI document: HTTP Basic, or a bearer token from v3 auth or OAuth."""

from __future__ import annotations

from typing import Any

from emulator.core.openapi import secure

__all__ = ["PUBLIC", "SCHEMES", "reshape"]

SCHEMES = {
    "basicAuth": {"type": "http", "scheme": "basic",
                  "description": "A user's name and password (sysadmin, org manager or "
                                 "user), or the API client's id and secret for OAuth."},
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "GET /api/v3/auth/jwt or POST /api/v3/oauth/token "
                                  "gives one."},
}
PUBLIC = ("/api/v3/LoginConfiguration",)


def reshape(document: dict[str, Any]) -> dict[str, Any]:
    """Every call takes Basic or a bearer token, except asking how a user logs in."""
    return secure(document, SCHEMES, public=PUBLIC)
