"""Masking secrets in recorded requests: passwords, API keys, tokens, cookies, Authorization.

A name is secret when, lower-cased and stripped of everything but letters and digits, it is
one a vendor declared with `declare_secret_fields` (each vendor's schemas module lists every
secret-bearing field of its documents: Rackspace's `EncryptedPasswordHex`, BackupRun's
`recoverycode` ...), or ends with one of SECRET_ENDINGS, a safety net for names nobody listed
(so `Password`, `apiKey`, `v3_user_token`, `client_secret` and `X-Auth-Token` are;
`apiKeyCredentials` is not, but the `apiKey` inside it is). A secret's
value becomes `***`, the whole value when it is an object. Bodies are masked by their media
type: JSON (also when cut short by the size cap), form fields (urlencoded or multipart, shown
as name=value pairs), XML elements and attributes (through lxml); other text is kept as is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import orjson

from emulator.core.forms import FormError, form_fields, media_type

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["MASK", "declare_secret_fields", "is_secret", "mask_body", "mask_headers",
           "mask_query"]

MASK = "***"
SECRET_ENDINGS = ("password", "passwd", "pwd", "pass", "apikey", "secret", "token",
                  "authorization", "cookie", "sessionid", "encryptionkey", "privatekey",
                  "accesskey", "secretkey")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_JSON_PAIR = re.compile(r'"([^"\\]{1,100})"(\s*:\s*)"(?:[^"\\]|\\.)*"?')


_DECLARED: set[str] = set()


def declare_secret_fields(*names: str) -> tuple[str, ...]:
    """Mark these field, parameter, header or cookie names secret (any case, any separators)."""
    _DECLARED.update(_NOT_ALNUM.sub("", n.lower()) for n in names)
    return names


def is_secret(name: str) -> bool:
    key = _NOT_ALNUM.sub("", name.lower())
    return key in _DECLARED or key.endswith(SECRET_ENDINGS)


def mask_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Headers by lower-cased name (repeats joined by ", "), secrets masked."""
    out: dict[str, str] = {}
    for name, value in headers:
        name = name.lower()
        if name == "authorization":
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {MASK}" if rest else MASK
        elif name in ("cookie", "set-cookie"):
            value = _mask_cookie(value, name)
        elif is_secret(name):
            value = MASK
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _mask_cookie(value: str, name: str) -> str:
    if name == "set-cookie":
        pair, sep, attributes = value.partition(";")
        key, _, _ = pair.partition("=")
        return f"{key.strip()}={MASK}{sep}{attributes}"
    parts = [p.strip().partition("=")[0] for p in value.split(";") if p.strip()]
    return "; ".join(f"{key}={MASK}" for key in parts)


def mask_query(query: str) -> str:
    """A query string with secret parameters masked."""
    if not query:
        return ""
    return _mask_pairs(parse_qsl(query, keep_blank_values=True))


def _mask_pairs(pairs: list[tuple[str, str]]) -> str:
    """name=value pairs as a query string, secret values masked (kept readable: * : / ,)."""
    return urlencode([(k, MASK if is_secret(k) else v) for k, v in pairs], safe="*:/,")


def mask_body(body: bytes, content_type: str | None) -> str:
    """A body as text, secrets masked according to its media type."""
    if not body:
        return ""
    media = media_type(content_type)
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            return _mask_pairs(form_fields(content_type, body))
        except FormError:  # nothing of it was read, so nothing of it is shown
            return f"[unreadable form body, {len(body)} bytes]"
    text = body.decode("utf-8", "replace")
    if media.endswith("json"):
        return _mask_json(body, text)
    if media.endswith("xml") or text.lstrip().startswith("<?xml"):
        return _mask_xml(body) or text
    return text


def _mask_json(body: bytes, text: str) -> str:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:  # cut short by the size cap: mask "name": "value" pairs
        return _JSON_PAIR.sub(
            lambda m: f'"{m[1]}"{m[2]}"{MASK}"' if is_secret(m[1]) else m[0], text)
    return orjson.dumps(_mask_value(value)).decode()


def _mask_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if is_secret(str(k)) and value[k] is not None else _mask_value(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _xml_parser() -> etree.XMLParser:
    # lxml loads with the first XML body masked, not at start (docs/architecture.md, Start-up).
    from lxml import etree

    return etree.XMLParser(recover=True, resolve_entities=False, no_network=True)


def _mask_xml(body: bytes) -> str | None:
    from lxml import etree

    root = etree.fromstring(body, _xml_parser())
    if root is None:
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if is_secret(etree.QName(element).localname) and element.text:
            element.text = MASK
        for name in element.attrib:
            if is_secret(name):
                element.set(name, MASK)
    result: str = etree.tostring(root, encoding="unicode")
    return result
