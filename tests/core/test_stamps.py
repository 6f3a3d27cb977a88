"""core.stamps and core.present on their own: what a request's answer records of now.

Through HTTP, tests/core/test_response_cache.py compares cached and uncached answers byte for
byte as time runs; here the pieces it relies on, one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine

from emulator.core.exchange import CURRENT, Exchange
from emulator.core.faults import FaultBook, RequestFacts
from emulator.core.present import Present
from emulator.core.stamps import PREFIX, fill, fill_headers
from emulator.core.timeutil import iso_z, parse_iso
from emulator.core.versions import StoreVersions

NOW = parse_iso("2026-01-05T09:00:00Z")
LATER = NOW + timedelta(hours=1, milliseconds=5)


def _day(when: datetime) -> str:
    return f"{when:%Y-%m-%d}"


@pytest.fixture
def exchange() -> Iterator[Exchange]:
    """A request in flight whose world was named at NOW."""
    engine = create_engine("sqlite://")  # a book of no rules: nothing is read
    book = FaultBook(1, engine, StoreVersions(engine))
    exchange = Exchange(RequestFacts("code42", "GET", "/api/v1/Org", None), book)
    exchange.world, exchange.time = "default", NOW
    token = CURRENT.set(exchange)
    yield exchange
    CURRENT.reset(token)


def test_shown_without_stamps_is_the_text_made_from_now(exchange: Exchange) -> None:
    assert Present(NOW).shown() == iso_z(NOW)
    assert exchange.uses_now


def test_shown_under_stamps_is_a_token_filled_in_at_any_later_instant(
        exchange: Exchange) -> None:
    exchange.stamps = {}
    text, again, day = Present(NOW).shown(), Present(NOW).shown(), Present(NOW).shown(_day)
    assert text == again != day and text.startswith(PREFIX) and not exchange.uses_now
    body = f'{{"timestamp":"{text}","day":"{day}"}}'.encode()
    assert fill(body, exchange.stamps, LATER) == \
        f'{{"timestamp":"{iso_z(LATER)}","day":"2026-01-05"}}'.encode()
    headers = [(b"content-length", b"99"), (b"content-disposition", f"a_{day}.csv".encode())]
    assert fill_headers(headers, exchange.stamps, LATER, 7) == [
        (b"content-length", b"7"), (b"content-disposition", b"a_2026-01-05.csv")]


def test_shown_at_another_instant_than_the_answers_is_text(exchange: Exchange) -> None:
    """Due work caught up to an earlier instant: the token would be filled in wrongly."""
    exchange.stamps = {}
    earlier = NOW - timedelta(seconds=1)
    assert Present(earlier).shown() == iso_z(earlier)
    assert exchange.uses_now and not exchange.stamps


def test_cutoff_holds_until_the_next_stored_instant_comes_of_age(exchange: Exchange) -> None:
    age = timedelta(days=3)
    stored = [NOW - timedelta(days=5), NOW - timedelta(days=2), NOW - timedelta(hours=1)]

    def earliest_after(cutoff: datetime) -> datetime | None:
        return min((s for s in stored if s > cutoff), default=None)
    assert Present(NOW).cutoff(age, earliest_after) == NOW - age
    assert exchange.horizon == stored[1] + age and not exchange.uses_now
    exchange.horizon = None
    Present(NOW).cutoff(timedelta(minutes=30), earliest_after)
    assert exchange.horizon is None  # all of age already: holds for ever
