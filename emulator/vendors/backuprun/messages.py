"""The log lines a backup task writes, in the CDP server's message-key style.

The connect and "Connection refused" lines and "Task Finished" are the vendor page's own
example; the other keys are made up in the same pattern (ASSUMPTION, see docs/backuprun.md).
"""

from __future__ import annotations

import random
from typing import Any

from emulator.vendors.backuprun.models import BrService, BrTask

__all__ = ["Line", "task_messages"]

Line = tuple[str, str, list[Any], str, str]  # source, key, parameters, level, text

_WARNINGS = (
    ("Warnings.Backup.file-changed-during-backup", "File {0} changed while it was backed up",
     ("/var/log/syslog", "/var/lib/mysql/ibdata1", "/home/www/access.log")),
    ("Warnings.Backup.file-skipped", "File {0} was skipped: permission denied",
     ("/root/.cache/tmp.lock", "/proc/kcore", "/var/run/docker.sock")),
)


def _finished() -> Line:
    return ("SERVER", "Errors.Main.task-finished", [], "INFO", "Task Finished")


def task_messages(service: BrService, task: BrTask, source: str, target: str,
                  rng: random.Random) -> list[Line]:
    """The lines written when `task` enters `target` from `source`."""
    host, port = service.host, str(service.port)
    if target == "INITIALIZING":
        return [("SERVER", "Messages.Main.connecting-to-agent-at-port", [host, port], "INFO",
                 f"Attempting to connect to agent {host} at port {port}")]
    if target == "RUNNING":
        return [("SERVER", "Messages.Main.connected-to-agent", [host, port], "INFO",
                 f"Connected to agent {host} at port {port}"),
                ("AGENT", "Messages.Backup.block-scan-started", [], "INFO",
                 "Starting block scan of all volumes")]
    if target == "ERROR" and source == "INITIALIZING":
        return [("SERVER", "Errors.Main.connecting-to-agent-at-port-failed",
                 [host, port, "Connection_refused"], "SEVERE",
                 f"Connecting to agent {host} at port {port} failed: Connection refused"),
                _finished()]
    if target == "ERROR":
        device = rng.choice(("/dev/sda1", "/dev/vda1", "/dev/xvda2"))
        return [("AGENT", "Errors.Backup.volume-read-failed", [device], "SEVERE",
                 f"Reading volume {device} failed: Input/output error"),
                ("SERVER", "Errors.Main.backup-failed", [], "SEVERE", "Backup failed"),
                _finished()]
    lines: list[Line] = []
    if task.outcome == "warnings":
        for _ in range(rng.randint(1, 3)):
            key, text, paths = rng.choice(_WARNINGS)
            path = rng.choice(paths)
            lines.append(("AGENT", key, [path], "WARNING", text.format(path)))
    blocks = str(rng.randint(1_000, 900_000))
    lines.append(("SERVER", "Messages.Backup.backup-completed", [blocks], "INFO",
                  f"Backup completed: {blocks} changed blocks copied"))
    lines.append(_finished())
    return lines
