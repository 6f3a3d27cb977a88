"""A throwaway PostgreSQL cluster on 127.0.0.1, for the test suite and CI alike.

    with postgres_cluster() as cluster:          # initdb, pg_ctl start; stopped and deleted after
        url = cluster.url                        # postgresql+psycopg://emulator@127.0.0.1:PORT/emulator
        other = cluster.create_database("a")     # a fresh, empty database on the same server

    python -m emulator.testing.postgres -- pytest ...   # runs the command with EMULATOR_TEST_DB set

The server refuses to run as root: started by root, the cluster's directory is handed to an
unprivileged user (`nobody`, or EMULATOR_PG_USER) and every server program runs as that user.
The binaries are PostgreSQL's own (initdb, pg_ctl): the newest /usr/lib/postgresql/*/bin (Debian's
packages), else those on PATH. The cluster trades durability for speed (fsync off): it lives
as long as a test run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.testing.server import free_port

__all__ = ["Cluster", "PostgresMissing", "binaries", "main", "postgres_cluster"]

USER_VARIABLE = "EMULATOR_PG_USER"
ROLE = "emulator"
START_TIMEOUT = 60


class PostgresMissing(RuntimeError):
    """No PostgreSQL server programs on this machine."""


def binaries() -> Path:
    """The directory of initdb, pg_ctl and postgres, or PostgresMissing."""
    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name))

    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=version)
    if debian:
        return debian[-1].parent
    found = shutil.which("pg_ctl")
    if found is not None and Path(found).with_name("initdb").exists():
        return Path(found).parent
    raise PostgresMissing("PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
                          "apt-get install postgresql")


@dataclass
class Cluster:
    """A running cluster: where it listens and how to reach it."""

    port: int
    directory: Path
    bin: Path
    user: str | None  # the account the programs run as (None: this process's own)

    def url_of(self, database: str) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_of(ROLE)

    def create_database(self, name: str) -> str:
        """A new empty database named `name` (letters, digits, _), and its URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"database name {name!r}: lower-case letters, digits and _ only")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, name)
        return self.url_of(name)

    def run(self, program: str, *args: str) -> None:
        _run(self, [str(self.bin / program), *args])


def _run(cluster: Cluster, command: list[str]) -> None:
    extra: dict[str, Any] = {"user": cluster.user} if cluster.user else {}
    done = subprocess.run(command, cwd=cluster.directory, capture_output=True, text=True,
                          check=False, **extra)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stdout}{done.stderr}")


def _account() -> str | None:
    """Who runs the server: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get(USER_VARIABLE, "nobody")
    pwd.getpwnam(name)  # KeyError if there is no such account
    return name


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """Start a new cluster on a free loopback port; stop and delete it on the way out."""
    bin_dir = binaries()
    user = _account()
    directory = Path(tempfile.mkdtemp(prefix="emulator-pg-"))
    try:
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(directory, account.pw_uid, account.pw_gid)
        cluster = Cluster(free_port(), directory, bin_dir, user)
        data = directory / "data"
        cluster.run("initdb", "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8",
                    "--no-sync", "--no-instructions")
        options = (f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {directory} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        cluster.run("pg_ctl", "-D", str(data), "-l", str(directory / "server.log"), "-o",
                    options, "-w", "-t", str(START_TIMEOUT), "start")
        try:
            cluster.run("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", ROLE, ROLE)
            yield cluster
        finally:
            cluster.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulator.testing.postgres",
        description="Run a command with a throwaway PostgreSQL cluster, its URL in "
        "EMULATOR_TEST_DB; the cluster is deleted when the command ends.")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="e.g. -- pytest tests/core")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command to run, e.g. -- pytest tests/core")
    # Stopped by SIGTERM (a CI timeout): unwind, so the cluster is stopped and deleted too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with postgres_cluster() as cluster:
        print(f"PostgreSQL at {cluster.url}", file=sys.stderr, flush=True)
        return subprocess.run(command, env={**os.environ, "EMULATOR_TEST_DB": cluster.url},
                              check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
