"""The fixed inputs of one evaluation: the as-of time, the site's time zone and parameter values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class EvalContext:
    as_of: dt.datetime
    tz: ZoneInfo
    params: Mapping[str, Any] = field(default_factory=dict)

    def local_date(self, value: dt.date | dt.datetime) -> dt.date:
        """The calendar date of ``value`` in the site's time zone (dates are already calendar dates)."""
        if isinstance(value, dt.datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return aware.astimezone(self.tz).date()
        return value

    def days_since(self, value: dt.date | dt.datetime) -> int:
        """Whole calendar days from ``value`` to the as-of time, counted in the site's time zone."""
        return (self.local_date(self.as_of) - self.local_date(value)).days

    def with_params(self, params: Mapping[str, Any]) -> EvalContext:
        return EvalContext(self.as_of, self.tz, params)
