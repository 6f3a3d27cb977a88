"""The replicated topology without Docker: two `backup-emulator serve` processes on one store
(a SQLite file, or a database of a throwaway PostgreSQL cluster) and a round-robin proxy in
front, as deploy/compose.replicated.yml runs them with nginx."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator.testing.postgres import Cluster, PostgresMissing, postgres_cluster
from emulator.testing.server import RunningEmulator, run_emulator
from tests.multiprocess.proxy import RoundRobinProxy

T0 = "2026-01-05T09:00:00Z"
SEED = 424242
BACKENDS = ["sqlite", "postgresql"]
_databases = itertools.count(1)


@dataclass
class Topology:
    """Replicas A and B on one store, and the proxy spreading connections over both."""

    a: RunningEmulator
    b: RunningEmulator
    proxy: RoundRobinProxy
    db: str

    @property
    def replicas(self) -> tuple[RunningEmulator, RunningEmulator]:
        return self.a, self.b


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the session (emulator.testing.postgres, the same
    helper .ci/run uses); each topology gets a database of its own on it."""
    try:
        with postgres_cluster() as cluster:
            yield cluster
    except PostgresMissing as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(exc))


def database(backend: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """A new, empty store of kind `backend`."""
    if backend == "sqlite":
        return str(folder / f"state-{next(_databases)}.db")
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"replicas_{next(_databases)}")


@contextmanager
def topology(db: str) -> Iterator[Topology]:
    """A first (it builds the default world), then B on the same store, then the proxy."""
    with ExitStack() as stack:
        a = stack.enter_context(run_emulator("subprocess", db=db, seed=SEED, now=T0,
                                             freeze=True))
        b = stack.enter_context(run_emulator("subprocess", db=db, seed=SEED, now=T0,
                                             freeze=True))
        proxy = stack.enter_context(RoundRobinProxy([a.base_url, b.base_url]))
        yield Topology(a, b, proxy, db)


@pytest.fixture(scope="module", params=BACKENDS)
def replicas(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Topology]:
    """Shared by a module's tests, which each work in sandboxes of their own."""
    db = database(request.param, request, tmp_path_factory.mktemp("replicas"))
    with topology(db) as running:
        yield running


@pytest.fixture(params=BACKENDS)
def own_replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Topology]:
    """A topology for one test alone (one that kills a replica)."""
    with topology(database(request.param, request, tmp_path)) as running:
        yield running
