"""The hours a logon-hours map permits inside the curfew, in the words a failing account's message uses
(``{logon_hours_permitted}``): each season named, or "all year" when both permit the same hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from holyaudit.engine.weekly_hours import HourWindow, hours_map_for_local_window, permitted_in_words

LONDON = ZoneInfo("Europe/London")
CURFEW = HourWindow(dt.time(19, 0), dt.time(6, 0))


def words(open_from: int, open_until: int, days: range = range(7), tz: str = "Europe/London") -> str:
    hours = hours_map_for_local_window(dt.time(open_from), dt.time(open_until), days, 0)  # UTC hours
    return permitted_in_words(bytes.fromhex(hours), CURFEW, ZoneInfo(tz), 2024)


def test_a_map_ending_at_19_00_utc_permits_an_hour_of_the_curfew_in_summer_only() -> None:
    assert words(7, 19) == "19:00–20:00 every day in summer (BST)"


def test_a_map_starting_at_05_00_utc_permits_an_hour_of_the_curfew_in_winter_only() -> None:
    assert words(5, 18) == "05:00–06:00 every day in winter (GMT)"


def test_no_restriction_permits_the_whole_curfew_all_year() -> None:
    assert permitted_in_words(bytes([0xFF] * 21), CURFEW, LONDON, 2024) == "19:00–06:00 every day, all year"


def test_seasons_that_permit_different_hours_are_each_named() -> None:
    assert words(5, 19) == "05:00–06:00 every day in winter (GMT) and 19:00–20:00 every day in summer (BST)"


def test_weekdays_weekends_and_other_days_are_named_in_words() -> None:
    assert (
        words(7, 20, range(1, 6))
        == "19:00–20:00 on weekdays in winter (GMT) and 19:00–21:00 on weekdays in summer (BST)"
    )
    assert words(7, 20, range(0, 7, 6)) == (
        "19:00–20:00 at weekends in winter (GMT) and 19:00–21:00 at weekends in summer (BST)"
    )
    assert words(7, 19, range(1, 4)) == "19:00–20:00 on Mondays, Tuesdays and Wednesdays in summer (BST)"


def test_a_zone_with_one_offset_names_it_once() -> None:
    assert words(7, 20, tz="UTC") == "19:00–20:00 every day, all year (UTC)"


def test_a_map_that_permits_nothing_in_the_curfew_says_so() -> None:
    assert permitted_in_words(bytes(21), CURFEW, LONDON, 2024) == "no hour from 19:00 to 06:00"
