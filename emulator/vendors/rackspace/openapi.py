"""Rackspace's OpenAPI document: an Identity v2.0 token sent as X-Auth-Token."""

from __future__ import annotations

from typing import Any

from emulator.core.openapi import secure

__all__ = ["PUBLIC", "SCHEMES", "reshape"]

SCHEMES = {"authToken": {
    "type": "apiKey", "in": "header", "name": "X-Auth-Token",
    "description": "The token id from POST /v2.0/tokens (access.token.id).",
}}
PUBLIC = ("/v2.0/tokens",)


def reshape(document: dict[str, Any]) -> dict[str, Any]:
    """Every Cloud Backup call needs the token; getting one does not."""
    return secure(document, SCHEMES, public=PUBLIC)
