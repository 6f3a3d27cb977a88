"""A request's virtual now, read so that the response cache knows how long the answer holds.

Vendor code that only compares the clock with a stored instant (a token's expiry, an idle
session's next minute, an agent's next check-in) asks `Present` instead of reading `Ctx.now`:
the answer then tells the exchange (core.exchange) the instant at which it would change, and a
kept answer is served again under a running clock until then. Reading the value itself
(`Present.value`, or `Ctx.now`) marks the answer as made from that very instant; showing it
(`Present.shown`) does not, as the response cache fills in the instant it sends it at
(core.stamps). A query that compares stored instants with "now minus an age" asks `cutoff`,
which names the next of them to cross it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from emulator.core.exchange import depends_on_now, valid_until
from emulator.core.stamps import Render, shown
from emulator.core.timeutil import iso_z

__all__ = ["Present"]

_TICK = timedelta(microseconds=1)  # the resolution of datetime: "later than t" is ">= t + 1us"


class Present:
    """The virtual now of one context, asked through questions whose answers hold until a
    known instant."""

    __slots__ = ("_now",)

    def __init__(self, now: datetime) -> None:
        self._now = now

    @property
    def value(self) -> datetime:
        """The instant itself: the answer holds at this instant only."""
        depends_on_now()
        return self._now

    def reached(self, instant: datetime) -> bool:
        """Whether `instant` has come (now >= instant); the answer to "not yet" holds until
        it comes, and "yes" for good (time only moves forward)."""
        if self._now >= instant:
            return True
        valid_until(instant)
        return False

    def passed(self, instant: datetime) -> bool:
        """Whether now is later than `instant`; "not yet" holds while it is not."""
        return self.reached(instant + _TICK)

    def floor(self, since: datetime, every: timedelta) -> datetime:
        """The last of the instants `since`, `since + every`, ... that has come (`since`
        itself while now is before it); it holds until the next one comes."""
        at = since + max(0, (self._now - since) // every) * every
        valid_until(at + every)
        return at

    def shown(self, render: Render = iso_z) -> str:
        """The instant as text for the answer (never to store): it holds at every instant,
        as the response cache shows the instant it sends the answer at (core.stamps)."""
        return shown(self._now, render)

    def cutoff(self, age: timedelta,
               earliest_after: Callable[[datetime], datetime | None]) -> datetime:
        """now - `age`: what is at or before it is at least `age` old. `earliest_after(cutoff)`
        names the earliest of the compared instants later than the cutoff (None: none); it
        comes of age, and the answer changes, when now reaches it + `age`."""
        at = self._now - age
        nearest = earliest_after(at)
        if nearest is not None:
            valid_until(nearest + age)
        return at
