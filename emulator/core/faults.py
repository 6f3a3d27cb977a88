"""Fault rules: what goes wrong, on which vendor requests, how often.

A rule matches on vendor, method, path glob, BackupRun's apiCALL and optionally one sandbox,
and fires with a probability drawn from its own seed and/or for the next `times` matching
requests and/or until a moment of virtual time (`until`, on the clock of the rule's world).
Rules are checked in the order they were made. A `latency` rule only delays the answer, so
later rules are still checked; any other action decides the answer and ends the check. A
rule without a sandbox is decided before the request is served; a sandbox's rule once the
vendor's credentials have named the request's world (see core.exchange).

Rules live in the store beside the worlds, not in them (core.fault_store): a reset removes
them, and so does deleting the sandbox a rule is scoped to. Every process over one store
decides the same way: the book here is a copy of the rules, checked against the store's
FAULTS counter at each vendor request (one indexed read) and read again when it moved; each
draw and firing is claimed in the store, and the n-th draw of a rule is seeded from (its
seed, n), so it comes out the same whichever process makes it. Nothing a fault does changes
a world's state.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Row
from sqlalchemy.engine import Engine

from emulator.core.engine import rng_for
from emulator.core.fault_store import FaultStore
from emulator.core.timeutil import iso_z
from emulator.core.versions import FAULTS, StoreVersions

__all__ = ["ACTIONS", "NO_CONTENT", "TERMINAL", "FaultBook", "FaultRule", "Firing", "RequestFacts"]

ACTIONS = ("error", "throttle", "latency", "drop", "truncate")
TERMINAL = frozenset(ACTIONS) - {"latency"}
NO_CONTENT = frozenset({204, 205, 304})
"""Statuses whose answers HTTP forbids content in (RFC 9110, 15.3.5, 15.3.6 and 15.4.5):
an `error` or `truncate` rule cannot answer with one."""


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What a rule can match on, known before the request is served."""

    vendor: str
    method: str
    path: str
    api_call: str | None


@dataclass(frozen=True, slots=True)
class Firing:
    """One rule firing on one request: what to do to its answer."""

    rule: int
    action: str
    status: int | None = None
    body: str | None = None
    content_type: str | None = None
    retry_after: int | None = None
    delay: float = 0.0  # seconds, before the answer
    truncate_at: int | None = None

    @property
    def serves_request(self) -> bool:
        """True when the vendor still serves the request (a delay, or its real answer cut)."""
        return self.action == "latency" or (self.action == "truncate" and self.body is None
                                            and self.status is None)


@dataclass(slots=True)
class FaultRule:
    """A rule as created over the control plane, and its counts as last read from the store."""

    id: int
    action: str
    created_at: datetime
    seed: int
    vendor: str | None = None
    method: str | None = None
    path: str | None = None
    api_call: str | None = None
    sandbox: str | None = None
    probability: float = 1.0
    times: int | None = None
    status: int | None = None
    body: str | None = None
    content_type: str | None = None
    retry_after: int | None = None
    latency_ms: float | tuple[float, float] | None = None
    truncate_at: int | None = None
    until: datetime | None = None  # virtual time after which the rule no longer fires
    fired: int = 0
    draws: int = 0

    @classmethod
    def of_row(cls, row: Row[Any]) -> FaultRule:
        values = row._asdict()
        high = values.pop("latency_max_ms")
        if high is not None:
            values["latency_ms"] = (values["latency_ms"], high)
        return cls(**values)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.fired, 0)

    @property
    def certain(self) -> bool:
        """Whether every draw fires (no probability to draw)."""
        return self.probability >= 1.0

    def matches(self, facts: RequestFacts) -> bool:
        return ((self.vendor is None or self.vendor == facts.vendor)
                and (self.method is None or self.method == facts.method)
                and (self.api_call is None or self.api_call == facts.api_call)
                and (self.path is None or fnmatchcase(facts.path, self.path)))

    def over(self, now: datetime | None) -> bool:
        """Whether its time (`until`, on its world's clock, now `now`) has run out."""
        return self.until is not None and now is not None and now >= self.until

    def draw(self, n: int) -> Firing | None:
        """The rule's n-th draw (from 1): whether it fires, and how; seeded from (seed, n)
        alone, so the same in every process and in every run."""
        rng = None
        if not self.certain or isinstance(self.latency_ms, tuple):
            rng = rng_for("fault", self.seed, n)
        if rng is not None and not self.certain and rng.random() >= self.probability:
            return None
        delay = 0.0
        if isinstance(self.latency_ms, tuple):
            assert rng is not None
            delay = rng.uniform(*self.latency_ms) / 1000.0
        elif self.latency_ms is not None:
            delay = self.latency_ms / 1000.0
        return Firing(rule=self.id, action=self.action, status=self._status(), body=self.body,
                      content_type=self.content_type, retry_after=self._retry_after(),
                      delay=delay, truncate_at=self.truncate_at)

    def _status(self) -> int | None:
        if self.action == "throttle":
            return self.status or 429
        if self.action == "error":
            return self.status or 500
        return self.status

    def _retry_after(self) -> int | None:
        if self.action == "throttle" and self.retry_after is None:
            return 1
        return self.retry_after

    def view(self) -> dict[str, Any]:
        latency = list(self.latency_ms) if isinstance(self.latency_ms, tuple) else self.latency_ms
        return {
            "id": self.id, "action": self.action, "vendor": self.vendor, "method": self.method,
            "path": self.path, "api_call": self.api_call, "sandbox": self.sandbox,
            "probability": self.probability, "times": self.times, "seed": self.seed,
            "status": self._status(), "body": self.body, "content_type": self.content_type,
            "retry_after": self._retry_after(), "latency_ms": latency,
            "truncate_at": self.truncate_at, "fired": self.fired, "remaining": self.remaining,
            "until": None if self.until is None else iso_z(self.until),
            "created_at": iso_z(self.created_at),
        }


_GIVEN = frozenset(f.name for f in fields(FaultRule)) - {"id", "created_at", "fired", "draws"}


class FaultBook:
    """The live rules, in the order they were made: a copy of the store's, checked at each
    vendor request (`check`), with every draw and firing claimed in the store."""

    def __init__(self, seed: int, engine: Engine, versions: StoreVersions) -> None:
        self.seed = seed
        self.store = FaultStore(engine)
        self.versions = versions
        self._version: int | None = None  # the FAULTS counter the copy was read at
        self._live: list[FaultRule] = []  # rules that may still fire
        self.has_global = False  # any rule without a sandbox: checked before serving
        self.sandboxes: frozenset[str] = frozenset()  # sandboxes with rules of their own

    # -- the control plane: straight to the store ------------------------------------------

    def add(self, created_at: datetime, **given: Any) -> FaultRule:
        unknown = set(given) - _GIVEN
        if unknown:
            raise TypeError(f"not a field of a fault rule: {', '.join(sorted(unknown))}")
        latency = given.pop("latency_ms", None)
        values = {**given, "created_at": created_at, "latency_ms": latency}
        if isinstance(latency, tuple):
            values["latency_ms"], values["latency_max_ms"] = latency
        # Without a seed, one of its own from the server's seed and its number: a reset,
        # which numbers rules from 1 again, repeats it.
        row = self.store.add(values, lambda number: rng_for(
            "fault", self.seed, number).getrandbits(31))
        return FaultRule.of_row(row)

    def get(self, rule_id: int) -> FaultRule | None:
        row = self.store.row(rule_id)
        return None if row is None else FaultRule.of_row(row)

    def rules(self, sandbox: str | None = None) -> list[FaultRule]:
        return [FaultRule.of_row(row) for row in self.store.rows(sandbox)]

    def remove(self, rule_id: int) -> bool:
        return self.store.remove(rule_id)

    def clear(self, sandbox: str | None = None) -> None:
        """Remove every rule, or only those scoped to `sandbox`."""
        self.store.clear(sandbox)

    def reset(self) -> None:
        """No rules, and numbering (so each rule's default seed) starts over, as at start-up."""
        self.store.reset()

    # -- vendor requests: the copy -----------------------------------------------------------

    def check(self, version: int | None = None) -> None:
        """Read the rules again if any was added or removed since the copy was made, by any
        process (one indexed read of the FAULTS counter when none was). A caller that read
        the counter along with others (StoreVersions.read takes several) passes it."""
        if version is None:
            (version,) = self.versions.read(FAULTS)
        if version != self._version:
            # The counter is read first: a write after it leaves the copy marked stale.
            self._live = [rule for rule in self.rules()
                          if rule.times is None or rule.fired < rule.times]
            self._version = version
            self._reindex()

    def decide(self, facts: RequestFacts, sandbox: str | None,
               now: datetime | None) -> list[Firing]:
        """The firings for a request: rules without a sandbox (sandbox=None), or one sandbox's;
        `now` is that world's virtual now (the default world's for rules without a sandbox)."""
        firings: list[Firing] = []
        for rule in list(self._live):
            if rule.sandbox != sandbox or not rule.matches(facts) or rule.over(now):
                continue
            firing = self._draw(rule)
            if firing is None:
                continue
            firings.append(firing)
            if firing.action in TERMINAL:
                break
        return firings

    def _draw(self, rule: FaultRule) -> Firing | None:
        """Claim the rule's next draw in the store; a rule of certain firings counts its
        firing in the same statement, another only once its draw has fired."""
        claimed = self.store.claim(rule.id, fire=rule.certain)
        if claimed is None:  # spent by firings elsewhere (or removed: the counter moved)
            self._spent(rule)
            return None
        n, spent = claimed
        firing = rule.draw(n)
        if firing is not None and not rule.certain:
            counted, spent = self.store.fire(rule.id)
            if not counted:
                firing = None
        if spent:
            self._spent(rule)
        return firing

    def _spent(self, rule: FaultRule) -> None:
        """A rule never fires again once spent: the copy drops it until the next read."""
        live = [r for r in self._live if r is not rule]
        if len(live) < len(self._live):
            self._live = live
            self._reindex()

    def _reindex(self) -> None:
        self.has_global = any(r.sandbox is None for r in self._live)
        self.sandboxes = frozenset(r.sandbox for r in self._live if r.sandbox is not None)
