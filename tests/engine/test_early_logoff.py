"""A logon-hours map stored in UTC that complies all year ends logon early in one season; the pass says so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from holyaudit.engine.weekly_hours import HourWindow, ends_before_window, hours_map_for_local_window

LONDON = ZoneInfo("Europe/London")
CURFEW = HourWindow(dt.time(19, 0), dt.time(6, 0))
EVERY_DAY = range(7)


def early(open_from: int, open_until: int, utc_offset: int = 0, days: range = EVERY_DAY) -> list[str]:
    hours = hours_map_for_local_window(dt.time(open_from), dt.time(open_until), days, utc_offset)
    return [str(e) for e in ends_before_window(bytes.fromhex(hours), CURFEW, LONDON, 2024)]


def test_a_map_ending_at_18_00_utc_ends_logon_an_hour_early_in_winter_only() -> None:
    assert early(6, 18) == ["18:00 under GMT"]


def test_a_map_ending_at_17_00_utc_ends_logon_early_in_both_seasons() -> None:
    assert early(6, 17) == ["17:00 under GMT", "18:00 under BST"]


def test_a_map_that_reaches_the_curfew_in_winter_ends_nothing_early() -> None:
    assert early(7, 19) == []  # 19:00 in winter (and 20:00 in summer, which the rule fails)


def test_weekdays_only_are_judged_on_the_days_logon_is_permitted() -> None:
    assert early(6, 18, days=range(1, 6)) == ["18:00 under GMT"]


def test_a_map_that_permits_nothing_has_nothing_to_end() -> None:
    assert ends_before_window(bytes(21), CURFEW, LONDON, 2024) == ()
