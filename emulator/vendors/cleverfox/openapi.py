"""CleverFox's OpenAPI document: HTTP Basic with the partner API key as the user name."""

from __future__ import annotations

from typing import Any

from emulator.core.openapi import secure

__all__ = ["SCHEMES", "reshape"]

SCHEMES = {"basicAuth": {
    "type": "http", "scheme": "basic",
    "description": "User name: the partner's API key (GET /_emulator/credentials); "
                   "the password is ignored.",
}}


def reshape(document: dict[str, Any]) -> dict[str, Any]:
    """Every CleverFox call needs Basic auth."""
    return secure(document, SCHEMES)
