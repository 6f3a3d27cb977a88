"""Every byte of BackupRun XML: lxml elements in the vendor's attribute order, one serializer.

The vendor's examples write empty elements with an explicit end tag (`<status value="ok">
</status>`); lxml does the same for an element whose text is "", so every element built here
gets text "". Attribute names are lower case, as the examples show the wire.

lxml loads with the first document built here (`_etree`), not with the server: the other
BackupRun modules name its element type for annotations only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["MEDIA_TYPE", "element", "error_document", "ok_document", "xml_response"]

MEDIA_TYPE = "text/xml; charset=UTF-8"


@cache
def _etree() -> ModuleType:
    from lxml import etree

    return etree


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def element(tag: str, attributes: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
            parent: etree._Element | None = None) -> etree._Element:
    """An element with string attributes in the given order, written with an end tag."""
    pairs = attributes.items() if isinstance(attributes, Mapping) else attributes
    # lxml keeps a dict's order: the attributes come out in the order given
    attrib = {name: _text(value) for name, value in pairs}
    lxml = _etree()
    node: etree._Element = (lxml.Element(tag, attrib) if parent is None
                            else lxml.SubElement(parent, tag, attrib))
    node.text = ""
    return node


def ok_document() -> etree._Element:
    """`<response><status value="ok"></status></response>`, to which a call adds its elements."""
    root = element("response")
    element("status", {"value": "ok"}, root)
    return root


def error_document(code: str, message: str) -> etree._Element:
    """The one error shape: a status of "error" and an error element with code and message."""
    root = element("response")
    element("status", {"value": "error"}, root)
    element("error", {"code": code, "message": message}, root)
    return root


def to_bytes(root: etree._Element) -> bytes:
    """Serialize with an XML declaration (UTF-8), as DOMDocument::loadXML expects."""
    return bytes(_etree().tostring(root, xml_declaration=True, encoding="UTF-8"))


def xml_response(root: etree._Element, status_code: int = 200) -> Response:
    """A response carrying the document, with an XML content type."""
    return Response(to_bytes(root), status_code=status_code, media_type=MEDIA_TYPE)
