"""Wire formats of Cloud Backup: WCF-style JSON, /Date(ms)/ dates, "35.3 MB" sizes, durations.

Cloud Backup is a .NET (WCF) service. Its JSON serializer escapes every "/" in a string as
"\\/", which is why the vendor's samples read "\\/Date(1357817400000)\\/". `wcf_json` does the
same to the whole document: a slash only ever occurs inside JSON strings, and "\\/" decodes
to "/", so clients see the same values and the raw bytes match the real service.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
from starlette.responses import Response

from emulator.core.timeutil import as_utc

__all__ = ["JSON_TYPE", "date", "duration", "plain", "size", "wcf_json"]

JSON_TYPE = "application/json; charset=utf-8"


def date(value: datetime | None) -> str | None:
    """`/Date(ms)/` (milliseconds since the epoch), or None."""
    if value is None:
        return None
    ms = int(as_utc(value).timestamp() * 1000)
    return f"/Date({ms})/"


def size(num_bytes: int) -> str:
    """Bytes as the vendor writes sizes: "0 B", "512 KB", "35.3 MB", "2 GB" (1024-based)."""
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            text = f"{value:.1f}".removesuffix(".0")
            return f"{text} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    raise AssertionError("unreachable")


def duration(start: datetime | None, end: datetime | None) -> str:
    """Elapsed time as "hh:mm:ss" ("00:00:00" when either end is missing)."""
    if start is None or end is None:
        return "00:00:00"
    total = max(0, int((end - start) // timedelta(seconds=1)))
    hours, rest = divmod(total, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def wcf_json(data: Any, status_code: int = 200) -> Response:
    """A JSON answer with every "/" escaped as WCF writes it."""
    body = orjson.dumps(data).replace(b"/", b"\\/")
    return Response(body, status_code=status_code, media_type=JSON_TYPE)


def plain(text: str, status_code: int = 200) -> Response:
    """A bare-value answer (a backup id, a GUID), as StartManual and encrypt return them."""
    return Response(text, status_code=status_code, media_type="text/plain; charset=utf-8")
