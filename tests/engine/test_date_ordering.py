"""Ordering operators compare a date-time with a date literal by its calendar date in the site's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from holyaudit.engine.context import EvalContext
from holyaudit.engine.operators import OPERATORS

LONDON_SUMMER = EvalContext(as_of=dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC), tz=ZoneInfo("Europe/London"))


@pytest.mark.parametrize(
    ("observed", "before_first_of_july"),
    [
        (dt.datetime(2024, 6, 30, 22, 30, tzinfo=dt.UTC), True),  # 23:30 BST on 30 June
        (dt.datetime(2024, 6, 30, 23, 30, tzinfo=dt.UTC), False),  # 00:30 BST on 1 July
        (dt.datetime(2024, 6, 30, 23, 30), False),  # no offset: taken as UTC, so 1 July in London
        (dt.date(2024, 6, 30), True),
    ],
)
def test_lt_date_uses_the_site_calendar_date(observed: dt.date, before_first_of_july: bool) -> None:
    lt = OPERATORS["lt"]
    assert lt.test(observed, lt.check(dt.date(2024, 7, 1)), LONDON_SUMMER) is before_first_of_july


def test_ge_date_on_the_local_day_itself_holds() -> None:
    ge = OPERATORS["ge"]
    late_evening_utc = dt.datetime(2024, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert ge.test(late_evening_utc, ge.check(dt.date(2024, 7, 1)), LONDON_SUMMER) is True
