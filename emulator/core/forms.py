"""Reading form fields from raw body bytes, for code that runs before a handler parses them."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

__all__ = ["form_fields", "media_type"]


def media_type(content_type: str | None) -> str:
    """`multipart/form-data` from `multipart/form-data; boundary=...`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def form_fields(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The text fields of an urlencoded or multipart body, in order; [] for anything else."""
    media = media_type(content_type)
    if media == "application/x-www-form-urlencoded":
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    if media != "multipart/form-data" or not content_type or not body:
        return []
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        fields.append((name, payload.decode("utf-8", "replace")
                       if isinstance(payload, bytes) else ""))
    return fields
