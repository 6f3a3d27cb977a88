"""Reading a call's parameters the way the PHP endpoint does: strings, checked by name."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from emulator.vendors.backuprun.errors import InvalidValue, MissingParameter

__all__ = ["Params"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INT = re.compile(r"^-?[0-9]{1,18}$", re.ASCII)
# What XML 1.0 cannot carry: a value with these could be stored but never answered.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Params:
    """The parameters of one call (form fields over query string); empty counts as missing."""

    def __init__(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            if _NOT_XML.search(value) or _NOT_XML.search(name):
                raise InvalidValue(name, value, "text without control characters")
        self.values = dict(values)

    def get(self, name: str) -> str | None:
        """The value, or None when absent or empty."""
        value = self.values.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise MissingParameter(name)
        return value

    def email(self, name: str, *, required: bool = True) -> str | None:
        value = self.require(name) if required else self.get(name)
        if value is not None and not _EMAIL.match(value):
            raise InvalidValue(name, value, "an email address")
        return value

    def integer(self, name: str, *, required: bool = True, low: int | None = None,
                high: int | None = None) -> int | None:
        value = self.require(name) if required else self.get(name)
        if value is None:
            return None
        value = value.strip()
        if not _INT.match(value):
            raise InvalidValue(name, value, "an integer")
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidValue(name, value, f"an integer from {low} to {high}")
        return number

    def flag(self, name: str, default: int = 0) -> int:
        """A 0/1 switch; absent means `default`."""
        value = self.get(name)
        if value is None:
            return default
        if value not in ("0", "1"):
            raise InvalidValue(name, value, "0 or 1")
        return int(value)

    def choice(self, name: str, allowed: Collection[str], *, required: bool = True) -> str | None:
        value = self.require(name) if required else self.get(name)
        if value is not None and value not in allowed:
            raise InvalidValue(name, value, "one of " + ", ".join(sorted(allowed)))
        return value
