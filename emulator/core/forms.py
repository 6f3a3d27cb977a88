"""Reading form fields from raw body bytes: the one reader of form bodies.

The routes that take forms (BackupRun's `/api.php`, Code42's token call) and the code that
runs before them (fault rules matching BackupRun's apiCALL, the journal's masking) all read a
body through `form_fields`, so they always see the same fields: a part one of them could read
and another not is how a rule fired on a call the route refused, or a secret could be shown.

Multipart bodies are read with python-multipart (the parser Starlette's own `Request.form`
uses), under the same rules: every part names itself with a plain `name` parameter, file parts
(`filename`) are not fields, at most `MAX_FIELDS` fields of at most `MAX_PART_BYTES` each, text
in the body's charset (UTF-8 by default; Latin-1 when it does not decode).
"""

from __future__ import annotations

import codecs
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header

from emulator.core.errors import BadRequest

__all__ = ["FormError", "form_fields", "media_type"]

MAX_FIELDS = 1000
MAX_PART_BYTES = 1024 * 1024


class FormError(BadRequest):
    """A form body that cannot be read (its message says why)."""


def media_type(content_type: str | None) -> str:
    """`multipart/form-data` from `multipart/form-data; boundary=...`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def form_fields(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The text fields of an urlencoded or multipart body, in order; [] for anything else.
    Raises FormError for a multipart body that cannot be read."""
    media = media_type(content_type)
    if media == "application/x-www-form-urlencoded":
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    if media != "multipart/form-data" or not content_type:
        return []
    return _Multipart(content_type).read(body)


def _text(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset)
    except UnicodeDecodeError:
        return data.decode("latin-1")


class _Multipart:
    """One multipart body's fields, collected from python-multipart's callbacks."""

    def __init__(self, content_type: str) -> None:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise FormError("unreadable form body: multipart without a boundary")
        charset = params.get(b"charset", b"utf-8").decode("latin-1")
        try:
            self.charset = codecs.lookup(charset).name
        except LookupError:
            self.charset = "latin-1"
        self.boundary = boundary
        self.fields: list[tuple[str, str]] = []
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.data = b""

    def read(self, body: bytes) -> list[tuple[str, str]]:
        parser = MultipartParser(self.boundary, {
            "on_part_begin": self._begin, "on_part_data": self._data,
            "on_part_end": self._end, "on_header_field": self._header_name,
            "on_header_value": self._header_value, "on_header_end": self._header_end})
        try:
            parser.write(body)
            parser.finalize()
        except FormError:
            raise
        except Exception as exc:  # the parser's own errors: a malformed body
            raise FormError(f"unreadable form body: {exc}") from None
        return self.fields

    def _begin(self) -> None:
        self.disposition, self.data = b"", b""

    def _header_name(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if len(self.data) + end - start > MAX_PART_BYTES:
            raise FormError(f"unreadable form body: a part is larger than {MAX_PART_BYTES} bytes")
        self.data += data[start:end]

    def _end(self) -> None:
        _, options = parse_options_header(self.disposition)
        if b"name" not in options:
            raise FormError('unreadable form body: a part\'s Content-Disposition has no "name"')
        if b"filename" in options:
            return  # a file, not a field
        if len(self.fields) >= MAX_FIELDS:
            raise FormError(f"unreadable form body: more than {MAX_FIELDS} fields")
        self.fields.append((_text(options[b"name"], self.charset),
                            _text(self.data, self.charset)))
