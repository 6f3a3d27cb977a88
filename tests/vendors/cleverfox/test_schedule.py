"""NextRunOn arithmetic: Frequency, Every, weekday flags and DayOfMonth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emulator.vendors.cleverfox.models import CfJob
from emulator.vendors.cleverfox.schedule import following_run, next_run_after


def _job(**kw: Any) -> CfJob:
    values: dict[str, Any] = {"world_id": "w", "id": 1, "added_on": datetime(2026, 1, 1),
                              "device_id": 1, "name": "j", "frequency": "Daily",
                              "late_after": 0, "every": 1, "cloud_keep_last": 1,
                              "local_keep_last": 1}
    values.update(kw)
    return CfJob(**values)


MON = datetime(2026, 1, 5, 2, 0)  # a Monday


def test_hourly_and_daily_every() -> None:
    assert following_run(_job(frequency="Hourly", every=3), MON) == datetime(2026, 1, 5, 5)
    assert following_run(_job(every=2), MON) == datetime(2026, 1, 7, 2)


def test_daily_on_weekdays_only() -> None:
    job = _job(on_friday=True, on_monday=True)
    assert following_run(job, MON) == datetime(2026, 1, 9, 2)
    assert following_run(job, datetime(2026, 1, 9, 2)) == datetime(2026, 1, 12, 2)


def test_weekly_every_two_weeks() -> None:
    job = _job(frequency="Weekly", every=2, on_monday=True, on_wednesday=True)
    assert following_run(job, MON) == datetime(2026, 1, 7, 2)
    assert following_run(job, datetime(2026, 1, 7, 2)) == datetime(2026, 1, 19, 2)
    assert following_run(_job(frequency="Weekly"), MON) == datetime(2026, 1, 12, 2)


def test_monthy_clamps_the_day() -> None:
    job = _job(frequency="Monthy", day_of_month=31)
    assert following_run(job, datetime(2026, 1, 31, 2)) == datetime(2026, 2, 28, 2)
    assert following_run(job, datetime(2026, 2, 28, 2)) == datetime(2026, 3, 31, 2)


def test_one_time_and_expiry() -> None:
    assert following_run(_job(frequency="One Time"), MON) is None
    job = _job(expire_on_local=datetime(2026, 1, 6, 12))
    assert next_run_after(job, MON, MON) == datetime(2026, 1, 6, 2)
    assert next_run_after(job, datetime(2026, 1, 6, 2), datetime(2026, 1, 6, 2)) is None


def test_long_gaps_skip_arithmetically_on_the_same_cadence() -> None:
    far = datetime(2900, 6, 1)
    for job in (_job(), _job(frequency="Hourly", every=5, on_tuesday=True),
                _job(frequency="Weekly", every=3, on_friday=True),
                _job(frequency="Monthy", every=2, day_of_month=15)):
        step = next_run_after(job, MON, far)
        assert step is not None and step > far
        assert (step - far).days < 140
        slow = MON
        while slow <= datetime(2027, 1, 1):
            nxt = following_run(job, slow)
            assert nxt is not None
            slow = nxt
        assert next_run_after(job, MON, datetime(2027, 1, 1)) == slow
