"""The console's Jinja2 environment: templates beside this module, autoescaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from emulator import __version__

__all__ = ["ENV", "HERE", "render"]

HERE = Path(__file__).parent


def _when(value: Any) -> str:
    """A stored instant as 'Mon 05 Jan 09:00' (the year is on the clock), or '' for none."""
    # No-break spaces: a narrow column wraps names, never a date.
    return "" if value is None else value.strftime("%a\u00a0%d\u00a0%b\u00a0%H:%M")


def _size(n: int | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


ENV = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(["html", "svg"]), trim_blocks=True,
                  lstrip_blocks=True)
ENV.filters["when"] = _when
ENV.filters["size"] = _size
ENV.globals["version"] = __version__


def render(name: str, **context: Any) -> str:
    """One template rendered to a string."""
    return ENV.get_template(name).render(**context)
