"""State machines as data: a vendor declares edges, the engine moves entities along them.

    BACKUP = StateMachine("rackspace.backup", Backup, [
        Edge("Idle", "StartRequested", event="start"),
        Edge("StartRequested", "Queued", after=(1, 3)),
        Edge("InProgress", "Completed", after=(60, 900), weight=8),
        Edge("InProgress", "Failed", after=(5, 120), weight=1),
        Edge("InProgress", "StopRequested", event="stop"),
    ])

An `event` edge is taken when backend code calls `fire(ctx, entity, "stop")`. `after` edges are
automatic: on entering a state, one of its automatic edges is chosen (by weight, from a
generator seeded per world and entity, or by the machine's `choose` hook, which is how the
control plane forces a failure) and stored as a due transition `after` that many seconds.
Firing an event cancels the pending automatic step; a step whose source state no longer
holds when it falls due is stale and ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlmodel import Session, SQLModel, col, select

from emulator.core.engine import Ctx, DueTransition, on_due
from emulator.core.errors import Conflict

__all__ = ["Edge", "IllegalTransition", "StateMachine"]

_ROWS = "statemachine.rows"
_IN_CHUNK = 500  # keys per IN (...), under every backend's bind-parameter limit


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # Only the end of the outermost transaction (commit or rollback): see core.sequence.
    if transaction.parent is None:
        session.info.pop(_ROWS, None)


def _live(entity: Any) -> Any:
    """`entity` if the session still holds it (not deleted, not detached), else None."""
    if entity is None:
        return None
    state = inspect(entity)
    return None if state.deleted or state.detached or state.was_deleted else entity


class IllegalTransition(Conflict):
    """The entity's current state has no edge for the requested event."""

    code = "illegal_transition"

    def __init__(self, machine: str, state: str, event: str) -> None:
        super().__init__(f"{machine}: cannot {event!r} while in state {state!r}")
        self.machine = machine
        self.state = state
        self.event = event


@dataclass(frozen=True)
class Edge:
    """One transition: taken on `event`, or automatically `after` (min, max) seconds."""

    source: str
    target: str
    event: str | None = None
    after: tuple[float, float] | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        if (self.event is None) == (self.after is None):
            raise ValueError(f"edge {self.source}->{self.target}: give exactly one of event, after")
        if self.after is not None and not 0 <= self.after[0] <= self.after[1]:
            raise ValueError(f"edge {self.source}->{self.target}: after must be 0 <= min <= max")


EnterHook = Callable[[Ctx, Any, str, str], None]
ChooseHook = Callable[[Ctx, Any, Sequence[Edge]], Edge | None]
FindHook = Callable[[Ctx, Any], Any]
KeepHook = Callable[[Ctx, Any], None]


class StateMachine:
    """A named machine over one model's state column, driven by the simulation engine."""

    def __init__(self, name: str, model: type[SQLModel], edges: Iterable[Edge], *,
                 field: str = "state", on_enter: EnterHook | None = None,
                 choose: ChooseHook | None = None, key: str | None = None,
                 find: FindHook | None = None, keep: KeepHook | None = None) -> None:
        self.name = name
        self.model = model
        self.field = field
        self.key = key
        """A column naming the entity within its world (a per-world vendor id), known before
        the row is written; None: the single-column primary key (flushed to get it)."""
        self.find = find
        """How a due step finds the entity its `key` names (None: a query, remembered for the
        transaction); a vendor that keeps its rows for the engine's batch looks there."""
        self.keep = keep
        """How an entity that entered a state is kept for writing (None: `session.add`); a
        vendor whose rows are buffered in the engine's batch need not add them to the session."""
        self.edges = tuple(edges)
        self.on_enter = on_enter
        self.choose = choose
        self.kind = f"sm:{name}"
        self.states = frozenset(s for e in self.edges for s in (e.source, e.target))
        self._events: dict[tuple[str, str], str] = {}
        self._auto: dict[str, list[Edge]] = {}
        for edge in self.edges:
            if edge.event is not None:
                pair = (edge.source, edge.event)
                if pair in self._events:
                    raise ValueError(f"{name}: two edges for {edge.event!r} from {edge.source!r}")
                self._events[pair] = edge.target
            else:
                self._auto.setdefault(edge.source, []).append(edge)
        on_due(self.kind)(self._on_due)

    def state_of(self, entity: Any) -> str:
        return str(getattr(entity, self.field))

    def can(self, entity: Any, event: str) -> bool:
        """Whether `event` has an edge from the entity's current state."""
        return (self.state_of(entity), event) in self._events

    def start(self, ctx: Ctx, entity: Any, state: str) -> None:
        """Put an entity (new, or moved by hand) into `state` and schedule its automatic step."""
        if state not in self.states:
            raise ValueError(f"{self.name}: unknown state {state!r}")
        current = getattr(entity, self.field, None)
        self._enter(ctx, entity, state if current is None else str(current), state)

    def fire(self, ctx: Ctx, entity: Any, event: str) -> str:
        """Take the `event` edge from the entity's state; raises IllegalTransition if none."""
        source = self.state_of(entity)
        target = self._events.get((source, event))
        if target is None:
            raise IllegalTransition(self.name, source, event)
        self._enter(ctx, entity, source, target)
        return target

    def _enter(self, ctx: Ctx, entity: Any, source: str, target: str, *,
               pending: bool = True) -> None:
        setattr(entity, self.field, target)
        if self.keep is None:
            ctx.session.add(entity)
            if self.key is not None and self.find is None:
                # Its due steps in this transaction find it here, without a query (whose
                # autoflush writes everything the engine's batch changed so far).
                cache: dict[tuple[str, str, Any], Any] = ctx.session.info.setdefault(_ROWS, {})
                cache[(self.name, ctx.world_id, getattr(entity, self.key))] = entity
        else:
            self.keep(ctx, entity)
        entity_id = self._entity_id(ctx, entity)
        if pending:  # an entity has at most one pending step; the engine removes the one due
            ctx.cancel(self.kind, entity_id)
        if self.on_enter is not None:
            self.on_enter(ctx, entity, source, target)
        edge = self._next_edge(ctx, entity, target)
        if edge is not None and edge.after is not None:
            low, high = edge.after
            rng = ctx.rng(self.name, entity_id, target, ctx.now.isoformat(), "delay")
            ref = {"pk": self._pk(ctx, entity)} if self.key is None else \
                {"key": getattr(entity, self.key)}
            ctx.schedule(self.kind, entity_id, after=rng.uniform(low, high),
                         payload={**ref, "source": target, "target": edge.target})

    def _next_edge(self, ctx: Ctx, entity: Any, state: str) -> Edge | None:
        candidates = self._auto.get(state, [])
        if not candidates:
            return None
        if self.choose is not None:
            chosen = self.choose(ctx, entity, candidates)
            if chosen is not None:
                return chosen
        rng = ctx.rng(self.name, self._entity_id(ctx, entity), state, ctx.now.isoformat(), "edge")
        return rng.choices(candidates, weights=[e.weight for e in candidates])[0]

    def _on_due(self, ctx: Ctx, due: DueTransition) -> None:
        if "key" in due.payload and self.key is not None:
            find = self._keyed if self.find is None else self.find
            entity = find(ctx, due.payload["key"])
        else:
            entity = ctx.session.get(self.model, due.payload["pk"])
        if entity is None or getattr(entity, "world_id", ctx.world_id) != ctx.world_id:
            return  # the entity was deleted meanwhile
        if self.state_of(entity) != due.payload["source"]:
            return  # stale: an event moved it on first
        self._enter(ctx, entity, due.payload["source"], due.payload["target"], pending=False)

    def _keyed(self, ctx: Ctx, key: Any) -> Any:
        """The entity named `key` in ctx's world. Remembered for the session's transaction (as
        the identity map remembers rows by primary key): a job's due steps find the same row
        again and again, and a query with its autoflush each time was most of their cost."""
        cache: dict[tuple[str, str, Any], Any] = ctx.session.info.setdefault(_ROWS, {})
        entity = _live(cache.get((self.name, ctx.world_id, key)))
        if entity is not None:
            return entity
        batch = ctx.batch
        marker = f"statemachine.loaded.{self.name}"
        if batch is not None and marker not in batch.state:
            # Every entity this machine's claimed steps name, in one query for the batch; a
            # key it did not find names no entity (ids are never reused).
            loaded = batch.state[marker] = {d.payload["key"] for d in batch.claimed
                                            if d.kind == self.kind and "key" in d.payload}
            self._load(ctx, cache, [*loaded])
        if batch is None or key not in batch.state[marker]:
            self._load(ctx, cache, [key])
        return _live(cache.get((self.name, ctx.world_id, key)))

    def _load(self, ctx: Ctx, cache: dict[tuple[str, str, Any], Any], keys: list[Any]) -> None:
        """Remember the entities `keys` name in ctx's world (those that exist)."""
        column = getattr(self.model, self.key or "")
        for start in range(0, len(keys), _IN_CHUNK):
            for entity in ctx.session.exec(select(self.model).where(
                    self.model.world_id == ctx.world_id,  # type: ignore[attr-defined]
                    col(column).in_(keys[start:start + _IN_CHUNK]))).all():
                cache[(self.name, ctx.world_id, getattr(entity, self.key or ""))] = entity

    def _pk(self, ctx: Ctx, entity: Any) -> Any:
        keys = self.model.__table__.primary_key.columns  # type: ignore[attr-defined]
        if len(keys) != 1:
            raise TypeError(f"{self.name}: state machines need a single-column primary key")
        name = next(iter(keys)).name
        if getattr(entity, name) is None:
            ctx.session.flush()  # a new row gets its autoincrement id here
        return getattr(entity, name)

    def _entity_id(self, ctx: Ctx, entity: Any) -> str:
        if self.key is not None:
            return str(getattr(entity, self.key))
        return str(self._pk(ctx, entity))
