"""The closed set of leaf operators a rule condition may use, one small class each, in a registry.

Each operator validates its expected value when the rule (or a profile override) is loaded, so a bad value
is a load error with file and line, never a surprise during a scan. ``test`` answers True or False for an
observed value that is present; a value that is absent is decided before an operator is asked (ERROR), except
by ``exists`` and ``missing``, which are about presence itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from holyaudit.engine.context import EvalContext
from holyaudit.engine.weekly_hours import HourWindow, ends_before_window, permitted_in_window


class Operator:
    name: ClassVar[str]
    text: ClassVar[str]
    """How the operator reads in a sentence: '{attr} {text} {value}'."""
    takes_value: ClassVar[bool] = True
    needs_presence: ClassVar[bool] = True
    """Whether an absent observed value makes the answer unknown (ERROR)."""

    def check(self, value: Any) -> Any:
        """Validate and normalise the expected value; raise ValueError with a plain message."""
        return value

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        raise NotImplementedError

    def explain(self, observed: Any, expected: Any, ctx: EvalContext) -> str | None:
        """Extra detail for a failure, beyond 'observed X, expected Y'."""
        return None

    def remark(self, observed: Any, expected: Any, ctx: EvalContext) -> str | None:
        """Something worth saying about a pass (shown as the passing object's reason); None for most."""
        return None

    def show_value(self, value: Any) -> str:
        return show(value)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def parse_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    raise ValueError(f"expected a time of day as 'HH:MM' (24-hour), got {value!r}")


def _require_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def _require_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number of days (0 or more), got {value!r}")
    return value


def _comparable(observed: Any, expected: Any, ctx: EvalContext) -> tuple[Any, Any]:
    """Only like compares with like: numbers with numbers, times with times, dates with dates.

    Date-times compare by their calendar date in the site's time zone, as the day-counting operators do.
    """
    if isinstance(expected, dt.time):
        if not isinstance(observed, dt.time):
            raise TypeError(f"{observed!r} is not a time of day")
        return observed, expected
    if isinstance(expected, dt.date):
        if not isinstance(observed, dt.date):
            raise TypeError(f"{observed!r} is not a date")
        return ctx.local_date(observed), ctx.local_date(expected)
    if isinstance(observed, bool) or not isinstance(observed, int | float):
        raise TypeError(f"{observed!r} is not a number")
    return observed, expected


class _Ordering(Operator):
    def check(self, value: Any) -> Any:
        if isinstance(value, str):
            return parse_time(value)
        if isinstance(value, dt.date):
            return value
        return _require_number(value)


class Lt(_Ordering):
    name, text = "lt", "<"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        obs, exp = _comparable(observed, expected, ctx)
        return bool(obs < exp)


class Le(_Ordering):
    name, text = "le", "≤"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        obs, exp = _comparable(observed, expected, ctx)
        return bool(obs <= exp)


class Gt(_Ordering):
    name, text = "gt", ">"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        obs, exp = _comparable(observed, expected, ctx)
        return bool(obs > exp)


class Ge(_Ordering):
    name, text = "ge", "≥"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        obs, exp = _comparable(observed, expected, ctx)
        return bool(obs >= exp)


class Eq(Operator):
    name, text = "eq", "="

    def check(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            raise ValueError("expected a single value (use 'in' for a list)")
        return value

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return _equal(observed, expected)


class Ne(Eq):
    name, text = "ne", "≠"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return not super().test(observed, expected, ctx)


def _equal(observed: Any, expected: Any) -> bool:
    # bool is an int in Python; 'enabled = 1' must not quietly equal 'enabled = true'.
    if type(observed) is type(expected):  # the common case, decided without the numeric checks
        return bool(observed == expected)
    return _numeric(observed) and _numeric(expected) and bool(observed == expected)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _require_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return list(value)


class In(Operator):
    name, text = "in", "is one of"

    def check(self, value: Any) -> Any:
        return _require_list(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return _equal_any(observed, expected)


class NotIn(In):
    name, text = "not_in", "is none of"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return not super().test(observed, expected, ctx)


class Contains(Operator):
    name, text = "contains", "contains"

    def check(self, value: Any) -> Any:
        return Eq().check(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return _contains(observed, expected)


def _contains(observed: Any, expected: Any) -> bool:
    if not isinstance(observed, list):
        raise TypeError(f"{observed!r} is not a list")
    return _equal_any(expected, observed)


def _equal_any(value: Any, items: list[Any]) -> bool:
    """Whether ``value`` equals one of ``items``. A loop, not any() over a generator, which costs a frame: these
    run for every object a rule judges."""
    for item in items:  # noqa: SIM110 - see above
        if _equal(value, item):
            return True
    return False


class ContainsAny(Operator):
    name, text = "contains_any", "contains any of"

    def check(self, value: Any) -> Any:
        return _require_list(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        for item in expected:  # noqa: SIM110 - see _equal_any
            if _contains(observed, item):
                return True
        return False


class Matches(Operator):
    """Regular-expression search (anchor with ^ and $ to match the whole value)."""

    name, text = "matches", "matches"

    def check(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected a regular expression string, got {value!r}")
        try:
            return re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        if not isinstance(observed, str):
            raise TypeError(f"{observed!r} is not text")
        return expected.search(observed) is not None

    def show_value(self, value: Any) -> str:
        return f"/{value.pattern}/" if isinstance(value, re.Pattern) else show(value)


class NotMatches(Matches):
    name, text = "not_matches", "does not match"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return not super().test(observed, expected, ctx)


def _require_mask(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"expected a positive integer bit mask (e.g. 0x20), got {value!r}")
    return value


def _require_int(observed: Any) -> int:
    if isinstance(observed, bool) or not isinstance(observed, int):
        raise TypeError(f"{observed!r} is not an integer")
    return observed


class BitsSet(Operator):
    name, text = "bits_set", "has all bits set of"

    def check(self, value: Any) -> Any:
        return _require_mask(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return bool(_require_int(observed) & expected == expected)

    def show_value(self, value: Any) -> str:
        return hex(value) if isinstance(value, int) else show(value)


class BitsClear(BitsSet):
    name, text = "bits_clear", "has all bits clear of"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return bool(_require_int(observed) & expected == 0)


class Exists(Operator):
    name, text = "exists", "is set"
    takes_value = False
    needs_presence = False

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return observed is not None


class Missing(Exists):
    name, text = "missing", "is not set"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return observed is None


def _require_date(observed: Any) -> dt.date:
    if not isinstance(observed, dt.date):
        raise TypeError(f"{observed!r} is not a date")
    return observed


class OlderThanDays(Operator):
    """More than N calendar days before the as-of date, in the site's time zone."""

    name, text = "older_than_days", "is more days ago than"

    def check(self, value: Any) -> Any:
        return _require_days(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return bool(ctx.days_since(_require_date(observed)) > expected)

    def explain(self, observed: Any, expected: Any, ctx: EvalContext) -> str | None:
        return f"{ctx.days_since(_require_date(observed))} days ago"


class WithinDays(OlderThanDays):
    """At most N calendar days before the as-of date (dates after it count as within)."""

    name, text = "within_days", "is no more days ago than"

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return bool(ctx.days_since(_require_date(observed)) <= expected)


class HoursDenied(Operator):
    """A weekly logon-hours map (UTC) permits no hour that overlaps a local time-of-day window.

    The window is checked under every UTC offset the site's time zone uses in the as-of year, so a map
    that is right in winter but an hour late in summer fails, naming the season and days.
    """

    name, text = "hours_denied", "permits no logon"

    def check(self, value: Any) -> Any:
        if not isinstance(value, dict) or set(value) != {"from", "to"}:
            raise ValueError("expected a mapping with exactly 'from' and 'to' times, e.g. {from: '19:00', to: '06:00'}")
        window = HourWindow(parse_time(value["from"]), parse_time(value["to"]))
        if window.start == window.end:
            raise ValueError("'from' and 'to' must differ")
        return window

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        return not permitted_in_window(_hours_map(observed), expected, ctx.tz, ctx.as_of.year)

    def explain(self, observed: Any, expected: Any, ctx: EvalContext) -> str | None:
        breaches = permitted_in_window(_hours_map(observed), expected, ctx.tz, ctx.as_of.year)
        return "; ".join(str(b) for b in breaches) or None

    def remark(self, observed: Any, expected: Any, ctx: EvalContext) -> str | None:
        """A map stored in UTC that complies all year logs users off early in one season: say so."""
        return _early_end_remark(_hours_map(observed), expected, ctx.tz, ctx.as_of.year)

    def show_value(self, value: Any) -> str:
        if isinstance(value, HourWindow):
            return f"from {value.start:%H:%M} to {value.end:%H:%M} (site time, all year)"
        if isinstance(value, str) and len(value) > 12:  # the full map is in the evidence; a prefix identifies it
            return f"{value[:12]}…"
        return show(value)


@lru_cache(maxsize=1024)  # a site has a handful of distinct maps, each shared by hundreds of accounts
def _early_end_remark(hours_map: bytes, window: HourWindow, tz: ZoneInfo, year: int) -> str | None:
    early = ends_before_window(hours_map, window, tz, year)
    if not early:
        return None
    return f"compliant all year; logon ends by {', '.join(map(str, early))}, before {window.start:%H:%M}"


def _hours_map(observed: Any) -> bytes:
    if not isinstance(observed, str):
        raise TypeError(f"{observed!r} is not a logon-hours map")
    try:
        data = bytes.fromhex(observed)
    except ValueError as exc:
        raise TypeError("logon-hours map is not hexadecimal") from exc
    if len(data) != 21:
        raise TypeError(f"logon-hours map has {len(data)} bytes, expected 21")
    return data


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Eq(), Ne(), Lt(), Le(), Gt(), Ge(),
        In(), NotIn(), Contains(), ContainsAny(),
        Matches(), NotMatches(),
        BitsSet(), BitsClear(),
        Exists(), Missing(),
        OlderThanDays(), WithinDays(),
        HoursDenied(),
    )
}  # fmt: skip


def operator_names() -> Sequence[str]:
    return sorted(OPERATORS)
