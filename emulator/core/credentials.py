"""HTTP Basic credentials, read once for every vendor that takes them (CleverFox, Code42)."""

from __future__ import annotations

import base64
import binascii

from emulator.core.storable import storable

__all__ = ["MalformedCredentials", "basic_credentials"]


class MalformedCredentials(ValueError):
    """A Basic header whose credentials cannot be read (each vendor words its own 401)."""


def basic_credentials(header: str | None) -> str | None:
    """The `user:password` text of a Basic Authorization header; None when the header is
    absent or of another scheme. Raises MalformedCredentials when it is not base64 of UTF-8,
    or holds text no store can hold (a NUL): such credentials name no one, and never reach
    the lookup, where PostgreSQL would refuse them."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise MalformedCredentials("malformed Basic credentials") from None
    if not storable(decoded):
        raise MalformedCredentials("malformed Basic credentials")
    return decoded
