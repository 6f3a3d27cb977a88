"""Fault rules: what goes wrong, on which vendor requests, how often.

A rule matches on vendor, method, path glob, BackupRun's apiCALL and optionally one sandbox,
and fires with a probability drawn from its own seeded generator and/or for the next `times`
matching requests and/or until a moment of virtual time (`until`, on the clock of the rule's
world). Rules are checked in the order they were made. A `latency` rule only delays
the answer, so later rules are still checked; any other action decides the answer and ends the
check. A rule without a sandbox is decided before the request is served; a sandbox's rule once
the vendor's credentials have named the request's world (see core.exchange).

Rules live in memory, not in a world: a reset removes them, and so does deleting the sandbox
a rule is scoped to. Nothing a fault does changes a world's state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from emulator.core.engine import rng_for
from emulator.core.timeutil import iso_z

__all__ = ["ACTIONS", "TERMINAL", "FaultBook", "FaultRule", "Firing", "RequestFacts"]

ACTIONS = ("error", "throttle", "latency", "drop", "truncate")
TERMINAL = frozenset(ACTIONS) - {"latency"}


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
    """A rule as created over the control plane, with its own generator and counters."""

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
    now: Callable[[], datetime] | None = field(default=None, repr=False)  # the clock for until
    fired: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = rng_for("fault", self.seed)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.fired, 0)

    def matches(self, facts: RequestFacts) -> bool:
        return ((self.vendor is None or self.vendor == facts.vendor)
                and (self.method is None or self.method == facts.method)
                and (self.api_call is None or self.api_call == facts.api_call)
                and (self.path is None or fnmatchcase(facts.path, self.path)))

    def draw(self) -> Firing | None:
        """Fire or not: exhausted rules never do; the draw itself is seeded and in order."""
        if self.times is not None and self.fired >= self.times:
            return None
        if self.until is not None and self.now is not None and self.now() >= self.until:
            return None
        if self.probability < 1.0 and self.rng.random() >= self.probability:
            return None
        self.fired += 1
        return Firing(rule=self.id, action=self.action, status=self._status(), body=self.body,
                      content_type=self.content_type, retry_after=self._retry_after(),
                      delay=self._delay(), truncate_at=self.truncate_at)

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

    def _delay(self) -> float:
        if self.latency_ms is None:
            return 0.0
        if isinstance(self.latency_ms, tuple):
            low, high = self.latency_ms
            return self.rng.uniform(low, high) / 1000.0
        return self.latency_ms / 1000.0

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


class FaultBook:
    """Every live rule, in the order they were made."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rules: dict[int, FaultRule] = {}
        self._next_id = 1
        self.has_global = False  # any rule without a sandbox: checked before serving
        self.sandboxes: frozenset[str] = frozenset()  # sandboxes with rules of their own

    def add(self, created_at: datetime, **fields: Any) -> FaultRule:
        seed = fields.pop("seed", None)
        if seed is None:  # one of its own, from the server's seed: a reset repeats it
            seed = rng_for("fault", self.seed, self._next_id).getrandbits(31)
        rule = FaultRule(id=self._next_id, created_at=created_at, seed=seed, **fields)
        self._next_id += 1
        self._rules[rule.id] = rule
        self._reindex()
        return rule

    def get(self, rule_id: int) -> FaultRule | None:
        return self._rules.get(rule_id)

    def rules(self, sandbox: str | None = None) -> list[FaultRule]:
        return [r for r in self._rules.values() if sandbox is None or r.sandbox == sandbox]

    def remove(self, rule_id: int) -> bool:
        found = self._rules.pop(rule_id, None) is not None
        self._reindex()
        return found

    def clear(self, sandbox: str | None = None) -> None:
        """Remove every rule, or only those scoped to `sandbox`."""
        for rule in self.rules(sandbox):
            del self._rules[rule.id]
        self._reindex()

    def reset(self) -> None:
        """No rules, and numbering (so each rule's default seed) starts over, as at start-up."""
        self._rules.clear()
        self._next_id = 1
        self._reindex()

    def decide(self, facts: RequestFacts, sandbox: str | None) -> list[Firing]:
        """The firings for a request: rules without a sandbox (sandbox=None), or one sandbox's."""
        return _decide(r for r in self._rules.values() if r.sandbox == sandbox
                       and r.matches(facts))

    def _reindex(self) -> None:
        self.has_global = any(r.sandbox is None for r in self._rules.values())
        self.sandboxes = frozenset(r.sandbox for r in self._rules.values()
                                   if r.sandbox is not None)


def _decide(rules: Iterable[FaultRule]) -> list[Firing]:
    firings: list[Firing] = []
    for rule in rules:
        firing = rule.draw()
        if firing is None:
            continue
        firings.append(firing)
        if firing.action in TERMINAL:
            break
    return firings
