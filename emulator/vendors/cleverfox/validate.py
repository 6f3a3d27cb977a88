"""Checking a request body against a resource's writable attributes (schemas.Attr)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from emulator.core.wintz import is_windows_zone
from emulator.vendors.cleverfox.errors import FieldError
from emulator.vendors.cleverfox.schemas import Attr

__all__ = ["parse_body", "split_emails"]

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""The vendor's Integer is a 32-bit int (SQL Server); larger values are refused, not stored."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SEPARATORS = re.compile(r"\r\n|[;:]")


def split_emails(value: str) -> list[str]:
    """Addresses from a list separated by colons, semicolons or CR LF, as the vendor accepts."""
    return [part.strip() for part in _SEPARATORS.split(value) if part.strip()]


def unwrap(body: Any) -> dict[str, Any]:
    """The object a POST/PUT carries: `{"data": {...}}` as the vendor shows, or a bare object.

    Property names are matched regardless of case, as ASP.NET's JSON binding does: the object
    comes back keyed by case-folded names (the last of names differing only in case wins).
    """
    if isinstance(body, dict):
        folded = {key.casefold(): value for key, value in body.items()}
        if isinstance(folded.get("data"), dict):
            return {key.casefold(): value for key, value in folded["data"].items()}
        if "data" not in folded:
            return folded
    raise FieldError("data", "the request body must be a JSON object {\"data\": {...}}")


def _value(attr: Attr, value: Any) -> Any:
    """One attribute's value, checked and converted for storage."""
    name = attr.wire
    if attr.kind == "bool":
        if value is None:
            return False  # the vendor reads null booleans as false
        if not isinstance(value, bool):
            raise FieldError(name, "must be a boolean (true or false)")
        return value
    if value is None:
        return None
    if attr.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(name, "must be an integer")
        lo = INT_MIN if attr.lo is None else attr.lo
        hi = INT_MAX if attr.hi is None else attr.hi
        if not lo <= value <= hi:
            raise FieldError(name, f"must be between {lo} and {hi}")
        return value
    if not isinstance(value, str):
        raise FieldError(name, "must be a string")
    if attr.required and not value.strip():
        raise FieldError(name, "is required: an empty or blank string is not a value")
    if attr.max_len is not None and len(value) > attr.max_len:
        raise FieldError(name, f"must be at most {attr.max_len} characters long")
    if attr.choices is not None and value not in attr.choices:
        raise FieldError(name, "must be one of " + ", ".join(f'"{c}"' for c in attr.choices))
    if attr.kind == "tz" and not is_windows_zone(value):
        raise FieldError(name, f"'{value}' is not a valid time zone (see API Time Zones)")
    if attr.kind == "emails":
        for address in split_emails(value):
            if not _EMAIL.match(address):
                raise FieldError(name, f"'{address}' is not a valid email address")
    if attr.kind == "local":
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(name, "must be a date like 2015-01-01T00:00:00.000") from None
        if parsed.tzinfo is not None:
            # ASSUMPTION (refuse, not convert): a DateTime Local is the device's wall clock.
            raise FieldError(name, "must be a local date and time without a zone or offset "
                             "(like 2015-01-01T00:00:00.000): it is read in the device's "
                             "TimeZoneId")
        if not 1970 <= parsed.year < 3000:
            raise FieldError(name, "must be a date between 1970 and 2999")
        return parsed.replace(tzinfo=None)
    return value


def parse_body(attrs: tuple[Attr, ...], body: Any, creating: bool,
               current: Any = None) -> dict[str, Any]:
    """Storage values for the writable attributes sent; Read Only ones are ignored.

    On PUT (`current` is the stored row) a value the server itself shows is accepted back: a
    required attribute it shows as null (a One Time job's NextRunOn after its run) may be sent
    as null and stays null, and a write-only attribute (shown as null) sent as null is kept.
    """
    data = unwrap(body)
    out: dict[str, Any] = {}
    for attr in attrs:
        if attr.post_only and not creating:
            continue
        key = attr.wire.casefold()
        present = key in data
        value = data.get(key)
        if value is None and present and not creating and (
                attr.write_only or (attr.required and current is not None
                                    and getattr(current, attr.attr) is None)):
            continue
        if attr.required and value is None and (creating or present):
            raise FieldError(attr.wire, "is required")
        if present or (creating and attr.kind == "bool"):
            out[attr.attr] = _value(attr, value)
    return out
