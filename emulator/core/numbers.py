"""The one strict reading of ids and numbers that arrive as text, for every vendor and control.

An id or number on the wire is ASCII digits (`0-9`, with a leading `-` where negatives are
allowed) and fits the column it reaches. An INTEGER column (every id, every plain `int`
field) is 32-bit on PostgreSQL though 64-bit on SQLite, so the range here is the narrower
one on both stores (`COLUMN_MIN` to `COLUMN_MAX`) and they answer alike; a BIGINT column
(seeds, byte counts, journal and fault-rule ids) takes 64 bits (`Int64`, `BigIdText`).
Python's `int()` and `str.isdigit()` are looser: `int(" 1_0 ")` is 10, `"²".isdigit()` is
True but `int("²")` fails, `int()` reads Arabic-Indic digits, and 2**31 parses but
overflows PostgreSQL's INTEGER, so each of those reached a 500 or the wrong row. Everything
here refuses them instead:

- `parse_int(name, text)`: a number or an `InvalidInput` naming the parameter;
- `as_int(text)`: a number or None, for vendors that word the error themselves;
- `as_id(text)`: a row id, or None when `text` can name no row (the vendor decides the error);
- `IntText` / `IdText`: the same rule as pydantic types for FastAPI path and query parameters
  (an id past `COLUMN_MAX` names no row: a 404, as an unknown id; see core.surface);
- `BigIdText`: an id of a BIGINT column (journal entries, fault rules), 0 to 2**63-1;
- `IntColumn`: a body integer stored in an INTEGER column; `Int64`: one in a BIGINT column
  (JSON numbers are ASCII already).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from emulator.core.errors import InvalidInput

__all__ = [
    "COLUMN_MAX",
    "COLUMN_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "NO_SUCH_ID",
    "BigIdText",
    "IdText",
    "Int32",
    "Int64",
    "IntColumn",
    "IntText",
    "as_id",
    "as_int",
    "is_digits",
    "names_a_row",
    "parse_int",
    "strict_digits",
]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
COLUMN_MIN, COLUMN_MAX = -(2**31), 2**31 - 1
"""An INTEGER column's range on every store (PostgreSQL's int4; SQLite's is wider)."""
_SIGNED = re.compile(r"-?[0-9]{1,19}", re.ASCII)
_UNSIGNED = re.compile(r"[0-9]{1,19}", re.ASCII)


def parse_int(name: str, text: str, *, lo: int = COLUMN_MIN, hi: int = COLUMN_MAX) -> int:
    """`text` as an integer from `lo` to `hi`, else InvalidInput naming `name`."""
    pattern = _SIGNED if lo < 0 else _UNSIGNED
    if not pattern.fullmatch(text):
        raise InvalidInput(f"{name}: {_shown(text)} is not an integer (ASCII digits only)")
    number = int(text)
    if not lo <= number <= hi:
        raise InvalidInput(f"{name}: {text} is out of range ({lo} to {hi})")
    return number


def as_int(text: str, *, lo: int = COLUMN_MIN, hi: int = COLUMN_MAX) -> int | None:
    """`text` as an integer from `lo` to `hi` (what an INTEGER column holds unless told), or
    None when it is not one (the caller names it)."""
    if not _SIGNED.fullmatch(text):
        return None
    number = int(text)
    return number if lo <= number <= hi else None


def is_digits(text: str) -> bool:
    """True when `text` is ASCII digits only (an id in form, whatever its size)."""
    return text.isascii() and text.isdigit()


def as_id(text: str, *, hi: int = COLUMN_MAX) -> int | None:
    """`text` as a row id (0 to `hi`, an INTEGER id unless told), or None when it cannot name
    a row."""
    if not _UNSIGNED.fullmatch(text):
        return None
    number = int(text)
    return number if number <= hi else None


def strict_digits(value: Any) -> Any:
    """Pydantic before-validator: a string must be ASCII digits (optional `-`), within 64 bits.

    Non-strings pass through to the field's own validation (a JSON number, None).
    """
    if isinstance(value, str):
        if not _SIGNED.fullmatch(value):
            raise ValueError(f"{_shown(value)} is not an integer (ASCII digits only)")
        number = int(value)
        if not INT64_MIN <= number <= INT64_MAX:
            raise ValueError(f"{value} is out of the 64-bit integer range")
        return number
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value} is not an integer")
    return value


NO_SUCH_ID = "id_out_of_range"
"""Error type of an id that is ASCII digits past what its column holds: it names no row, so
the surface answers 404 (not found) rather than 400 (see core.surface)."""


def names_a_row(ident: int) -> bool:
    """Whether an id already read as a number fits an INTEGER id column (else it names no
    row, and must not reach the driver)."""
    return 0 <= ident <= COLUMN_MAX


def _id_digits(hi: int) -> Callable[[Any], Any]:
    def id_digits(value: Any) -> Any:
        """Pydantic before-validator of ids: as strict_digits, and past `hi` a NO_SUCH_ID."""
        if isinstance(value, str) and is_digits(value):
            significant = value.lstrip("0") or "0"
            if len(significant) > len(str(hi)) or int(significant) > hi:
                raise PydanticCustomError(NO_SUCH_ID, "no such id {id} (past {hi})",
                                          {"id": value, "hi": hi})
        return strict_digits(value)
    return id_digits


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""A body integer stored in a BIGINT column (seeds)."""
IntColumn = Annotated[int, Field(ge=COLUMN_MIN, le=COLUMN_MAX)]
"""A body integer stored in (or compared with) an INTEGER column."""
Int32 = IntColumn
"""A body integer of a vendor whose wire ints are 32-bit (Rackspace's WCF Int32)."""
IntText = Annotated[int, BeforeValidator(strict_digits), Field(ge=COLUMN_MIN, le=COLUMN_MAX)]
"""A path or query integer compared with an INTEGER column: ASCII digits within its range."""
IdText = Annotated[int, BeforeValidator(_id_digits(COLUMN_MAX)), Field(ge=0, le=COLUMN_MAX)]
"""A path or query id of an INTEGER column: ASCII digits, 0 to 2**31-1 (past it: no row)."""
BigIdText = Annotated[int, BeforeValidator(_id_digits(INT64_MAX)), Field(ge=0, le=INT64_MAX)]
"""A path or query id of a BIGINT column: ASCII digits, 0 to 2**63-1 (past it: no row)."""
