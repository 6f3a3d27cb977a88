"""What the pytest plugin adds to pytest's report: a header line, and a failed test's journal.

Standard library only: the plugin imports this module in every pytest run.

The journal section shows, like WireMock's near-miss report, every request the failed test's
client made with its sandbox's credentials and what the emulator answered, oldest first, with
secrets masked by the server (the journal stores them masked).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emulator import __version__

__all__ = ["SECTION", "ServerInfo", "header", "journal_section", "server_version"]

SECTION = "backup-emulator journal"
BODY_CHARS = 600  # of each body shown; the journal itself keeps more (body_bytes)
ENTRIES = 50  # the newest N of a test
_ROUTINE_HEADERS = {"host", "accept-encoding", "connection", "user-agent", "content-length"}


@dataclass
class ServerInfo:
    """The server a session's tests ran against, once the plugin knows it."""

    url: str
    version: str
    seed: int | None = None
    mode: str = "url"


def server_version(url: str, timeout: float = 2.0) -> str:
    """The version a running emulator reports, or why it could not be asked."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_emulator/health",
                                    timeout=timeout) as response:
            return str(json.load(response).get("version", "?"))
    except (OSError, ValueError) as exc:
        return f"not answering ({exc})"


def header(url: str | None, mode: str, seed: int | None, now: str | None) -> str:
    """The report header line: where the emulator is, its version and the sandboxes' seed."""
    if url:
        where = f"{url} (server {server_version(url)})"
    else:
        where = f"started on first use on a free loopback port ({mode})"
    seed_text = (f"sandbox seed {seed}" if seed is not None
                 else "sandbox seed derived from the server's (fix it: --emulator-seed N)")
    now_text = f", now {now}" if now else ""
    return f"backup-emulator {__version__}: {where}; {seed_text}{now_text}"


def summary(info: ServerInfo) -> str:
    """The closing line: the server the session actually used."""
    seed = f", sandbox seed {info.seed}" if info.seed is not None else ""
    return f"backup-emulator {info.version} at {info.url} ({info.mode}){seed}"


def journal_section(sandbox_id: str, entries: list[dict[str, Any]], total: int) -> str:
    """A failed test's requests as people read them: one block per exchange."""
    if not entries:
        return (f"no vendor request reached sandbox {sandbox_id}, by its base URL or its "
                "credentials (a client pointed elsewhere, or with other credentials?)")
    shown = entries[-ENTRIES:]
    lines = [f"{total} request(s) to sandbox {sandbox_id} (its base URL or its credentials)"
             + (f", the last {len(shown)} shown" if total > len(shown) else "")
             + "; oldest first, secrets masked:"]
    for entry in shown:
        lines.append("")
        lines.extend(_exchange(entry))
    return "\n".join(lines)


def _exchange(entry: dict[str, Any]) -> list[str]:
    query = f"?{entry['query']}" if entry.get("query") else ""
    call = f" [apiCALL={entry['api_call']}]" if entry.get("api_call") else ""
    faults = "".join(f" (fault rule {f['rule']}: {f['action']})" for f in entry.get("faults")
                     or ())
    status = entry.get("status") if entry.get("status") is not None else "no answer"
    lines = [f"#{entry['id']} {entry.get('time', '')} {entry['method']} {entry['path']}{query}"
             f"{call} -> {status}{faults}"]
    sent = (entry.get("request") or {}).get("headers") or {}
    headers = [f"{name}: {value}" for name, value in dict(sent).items()
               if name.lower() not in _ROUTINE_HEADERS]
    if headers:
        lines.append(f"  request headers: {'; '.join(headers)}")
    for side in ("request", "response"):
        message = entry.get(side) or {}
        body = _body(message)
        if body:
            lines.append(f"  {side}: {body}")
    return lines


def _body(message: dict[str, Any]) -> str:
    body = str(message.get("body") or "")
    if not body:
        return ""
    cut = len(body) > BODY_CHARS or message.get("truncated")
    text = body[:BODY_CHARS].replace("\n", "\n    ")
    return text + (f" ... ({message.get('size', '?')} bytes in all)" if cut else "")
