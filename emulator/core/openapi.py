"""What every vendor's OpenAPI document gets once: its security schemes on each operation.

FastAPI generates a surface's document from its routes; a vendor's own `openapi.py` then
declares how its clients authenticate, so Swagger UI's Authorize button fits the vendor
(and tools that read the document know which calls need credentials).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["METHODS", "operations", "secure"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operations(document: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of a document, in document order."""
    return [(path, method, op) for path, item in document.get("paths", {}).items()
            for method, op in item.items() if method in METHODS]


def secure(document: dict[str, Any], schemes: Mapping[str, Any], *,
           public: Collection[str] = (), optional: bool = False) -> dict[str, Any]:
    """Declare `schemes` and require any one of them on every operation not in `public`.

    `public` holds paths (as the document spells them) a client calls before it has
    credentials, such as a token endpoint; they get an empty security list. `optional`
    says the schemes may be configured away (the control plane's token): an operation is
    then served with none of them too (an empty requirement among the alternatives).
    """
    document.setdefault("components", {})["securitySchemes"] = dict(schemes)
    anyone: list[dict[str, list[str]]] = ([{}] if optional else []) + [
        {name: []} for name in schemes]
    for path, _method, op in operations(document):
        op["security"] = [] if path in public else anyone
    return document
