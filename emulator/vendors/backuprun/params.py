"""Reading a call's parameters the way the PHP endpoint does: strings, checked by name."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from emulator.core.numbers import COLUMN_MAX, COLUMN_MIN, as_int
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

    def integer(self, name: str, *, required: bool = True, low: int = COLUMN_MIN,
                high: int = COLUMN_MAX) -> int | None:
        """An integer from `low` to `high` (by default what an INTEGER column holds)."""
        value = self.require(name) if required else self.get(name)
        if value is None:
            return None
        value = value.strip()
        if not _INT.match(value):
            raise InvalidValue(name, value, "an integer")
        number = as_int(value)
        if number is None or not low <= number <= high:
            raise InvalidValue(name, value, f"an integer from {low} to {high}")
        return number

    def ident(self, name: str) -> int | None:
        """A row id: an integer, or None when past what an id column holds (it names no row,
        and the caller answers as for an unknown id)."""
        value = self.require(name).strip()
        if not _INT.match(value):
            raise InvalidValue(name, value, "an integer")
        return as_int(value)

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
