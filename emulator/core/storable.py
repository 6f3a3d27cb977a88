"""Text every store can hold: what the guard asks of request bodies, and the vendors of the
credentials they look up.

SQLite stores any Python string; PostgreSQL's text refuses NUL, and no database has UTF-8 for a
lone surrogate. Text that holds either is refused before it is stored, or (a credential) names
no one before it reaches a query, so SQLite and PostgreSQL answer alike.
"""

from __future__ import annotations

from typing import Any

__all__ = ["storable", "unstorable_text"]


def storable(text: str) -> bool:
    """Whether a store can hold `text`."""
    return unstorable_text(text, "") is None


def unstorable_text(value: Any, where: str) -> tuple[str, str] | None:
    """The path (`body.Name`, `body.Items[2]`) of the first string no database can store, and
    why: a lone surrogate (no UTF-8 for it) or a NUL (PostgreSQL's text refuses it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return where, "a NUL character (\\u0000) is not text a database stores"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where, "a lone surrogate (\\ud800-\\udfff) is not a character"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_text(key, f"{where} (a key)") or unstorable_text(
                item, f"{where}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_text(item, f"{where}[{index}]")
            if found is not None:
                return found
    return None
