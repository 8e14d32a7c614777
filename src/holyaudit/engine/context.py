"""The fixed inputs of one evaluation: the as-of time, the site's time zone and parameter values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class EvalContext:
    as_of: dt.datetime
    tz: ZoneInfo

    def local_date(self, value: dt.date | dt.datetime) -> dt.date:
        """The calendar date of ``value`` in the site's time zone (dates are already calendar dates)."""
        if isinstance(value, dt.datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return aware.astimezone(self.tz).date()
        return value

    def days_since(self, value: dt.date | dt.datetime) -> int:
        """Whole calendar days from ``value`` to the as-of time, counted in the site's time zone."""
        return (self.today - self.local_date(value)).days

    @cached_property
    def today(self) -> dt.date:
        """The as-of date in the site's time zone (worked out once, not once per object)."""
        return self.local_date(self.as_of)

    def display(self, value: dt.date) -> str:
        """A date, or a date-time as the site reads it: local date and time to the minute."""
        if not isinstance(value, dt.datetime):
            return value.isoformat()
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


def days_text(count: int) -> str:
    """A number of days with its unit, as a message says it: ``1 day``, ``95 days``."""
    return f"{count} day" if count in (1, -1) else f"{count} days"
