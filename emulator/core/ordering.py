"""ORDER BY with NULLs where SQLite puts them, on every store.

SQLite sorts NULL below every value (first ascending, last descending); PostgreSQL sorts it
above every value (last ascending, first descending). A list sorted by a column that can be
NULL therefore came back in another order on PostgreSQL. `ordered` states SQLite's order in
the SQL, so both stores answer alike: for SQLite that is its default and changes nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ordered"]


def ordered(column: Any, descending: bool = False) -> Any:
    """`column` ascending or descending, NULLs first ascending and last descending.

    A column that cannot be NULL is ordered plainly: a default index on it still serves the
    order on PostgreSQL, where an explicit NULLS FIRST would not match it.
    """
    order = column.desc() if descending else column.asc()
    if getattr(column, "nullable", True) is False:
        return order
    return order.nulls_last() if descending else order.nulls_first()
