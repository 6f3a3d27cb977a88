"""Windows time zone names resolve to the IANA zones whose offsets the vendors imply."""

from __future__ import annotations

from datetime import datetime

import pytest

from emulator.core.wintz import WINDOWS_ZONES, is_windows_zone, windows_zone


def test_eastern_standard_time_is_new_york_with_dst() -> None:
    zone = windows_zone("Eastern Standard Time")
    assert str(datetime(2015, 1, 1, tzinfo=zone).utcoffset()) == "-1 day, 19:00:00"
    assert str(datetime(2015, 7, 1, tzinfo=zone).utcoffset()) == "-1 day, 20:00:00"


def test_names_are_exact() -> None:
    assert is_windows_zone("GMT Standard Time")
    assert not is_windows_zone("eastern standard time")
    assert not is_windows_zone("America/New_York")
    assert "Tokyo Standard Time" in WINDOWS_ZONES
    with pytest.raises(KeyError):
        windows_zone("Mars Standard Time")
