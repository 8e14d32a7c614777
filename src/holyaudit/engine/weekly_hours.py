"""Active Directory logon-hours maps read against a local time-of-day window, in every season.

A ``logonHours`` value is 21 bytes: 168 one-hour slots of the week in UTC, slot ``i`` counted from Sunday
00:00 UTC, stored in byte ``i // 8`` at bit ``i % 8`` (least significant bit first). A set bit permits logon
in that hour. Because the map is in UTC and the school's day is in local time, the same map means different
local hours in winter and summer; every UTC offset the zone uses in the year is checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

_WEEK_MIN = 7 * 24 * 60
_DAY_MIN = 24 * 60
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


@dataclass(frozen=True)
class HourWindow:
    """A daily local time-of-day window; ``end`` before ``start`` means it runs past midnight."""

    start: dt.time
    end: dt.time

    def intervals(self) -> list[tuple[int, int]]:
        """The window as minute intervals over one week plus one day (to catch wrap-around)."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        length = (end - start) % _DAY_MIN
        return [(day * _DAY_MIN + start, day * _DAY_MIN + start + length) for day in range(-1, 8)]


@dataclass(frozen=True)
class Breach:
    """Local hours a map permits inside the window, under one UTC offset."""

    offset: dt.timedelta
    zone_name: str
    slots: tuple[tuple[int, int], ...]
    """(local weekday index from Sunday, local start minute of the permitted hour)."""

    def __str__(self) -> str:
        days = sorted({day for day, _ in self.slots})
        on = "every day" if len(days) == 7 else "on " + ", ".join(_DAYS[d] for d in days)
        sign = "+" if self.offset >= dt.timedelta(0) else "-"
        total = abs(int(self.offset.total_seconds())) // 60
        spans = ", ".join(f"{_hhmm(start)}–{_hhmm(end)}" for start, end in _spans({m for _, m in self.slots}))
        return f"logon permitted {spans} {on} under {self.zone_name} (UTC{sign}{total // 60:02d}:{total % 60:02d})"


def _hhmm(minute: int) -> str:
    minute %= _DAY_MIN
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _spans(starts: set[int]) -> list[tuple[int, int]]:
    """Hour-long slots (by start minute of the day) merged into spans, joined across midnight."""
    spans: list[list[int]] = []
    for start in sorted(starts):
        if spans and spans[-1][1] == start:
            spans[-1][1] = start + 60
        else:
            spans.append([start, start + 60])
    if len(spans) > 1 and spans[0][0] == 0 and spans[-1][1] == _DAY_MIN:
        spans[0][0] = spans.pop()[0]
    return [(a, b) for a, b in spans]


@lru_cache(maxsize=64)
def offsets_in_year(tz: ZoneInfo, year: int) -> tuple[tuple[dt.timedelta, str], ...]:
    """Each distinct UTC offset the zone uses in ``year``, with its abbreviation (GMT, BST)."""
    seen: dict[dt.timedelta, str] = {}
    moment = dt.datetime(year, 1, 1, 12, tzinfo=dt.UTC)
    while moment.year == year:
        local = moment.astimezone(tz)
        offset = local.utcoffset() or dt.timedelta(0)
        seen.setdefault(offset, local.tzname() or str(offset))
        moment += dt.timedelta(days=7)
    return tuple(sorted(seen.items()))


@lru_cache(maxsize=256)
def _window_slots(window: HourWindow, offset: dt.timedelta) -> int:
    """The UTC slots (as a 168-bit mask) whose local hour under ``offset`` overlaps the window."""
    intervals = window.intervals()
    shift = int(offset.total_seconds()) // 60
    mask = 0
    for slot in range(168):
        start = (slot * 60 + shift) % _WEEK_MIN
        if any(start < w_end and w_start < start + 60 for w_start, w_end in intervals):
            mask |= 1 << slot
    return mask


@lru_cache(maxsize=1024)  # a site has a handful of distinct maps, each shared by hundreds of accounts
def permitted_in_window(hours_map: bytes, window: HourWindow, tz: ZoneInfo, year: int) -> tuple[Breach, ...]:
    """Every season in which the map permits logon during the window, with the offending local hours."""
    permitted = int.from_bytes(hours_map, "little")  # slot i is bit i: byte i // 8, bit i % 8
    breaches = []
    for offset, name in offsets_in_year(tz, year):
        offending = permitted & _window_slots(window, offset)
        if offending:
            shift = int(offset.total_seconds()) // 60
            starts = ((slot * 60 + shift) % _WEEK_MIN for slot in range(168) if offending >> slot & 1)
            breaches.append(Breach(offset, name, tuple((m // _DAY_MIN, m % _DAY_MIN) for m in starts)))
    return tuple(breaches)


@lru_cache(maxsize=1024)  # the words of each map, for each of the hundreds of failing accounts sharing it
def permitted_in_words(hours_map: bytes, window: HourWindow, tz: ZoneInfo, year: int) -> str:
    """The hours a map permits inside the window, as a person reads them: ``19:00–20:00 every day in summer
    (BST)``; each season named when the zone has two (the later offset is summer time), ``all year`` when
    every season permits the same hours."""
    breaches = permitted_in_window(hours_map, window, tz, year)
    if not breaches:
        return f"no hour from {window.start:%H:%M} to {window.end:%H:%M}"
    offsets = offsets_in_year(tz, year)
    when = [_hours_and_days(breach) for breach in breaches]
    if len(breaches) == len(offsets) and len(set(when)) == 1:
        zone = f" ({breaches[0].zone_name})" if len(offsets) == 1 else ""
        return f"{when[0]}, all year{zone}"
    seasons = {offsets[0][0]: "winter", offsets[-1][0]: "summer"} if len(offsets) == 2 else {}
    return " and ".join(
        f"{text} in {seasons[b.offset]} ({b.zone_name})" if seasons else f"{text} under {b.zone_name}"
        for text, b in zip(when, breaches, strict=True)
    )


def _hours_and_days(breach: Breach) -> str:
    spans = ", ".join(f"{_hhmm(start)}–{_hhmm(end)}" for start, end in _spans({m for _, m in breach.slots}))
    return f"{spans} {_on_days({day for day, _ in breach.slots})}"


def _on_days(days: set[int]) -> str:
    if len(days) == 7:
        return "every day"
    if days == {1, 2, 3, 4, 5}:
        return "on weekdays"
    if days == {0, 6}:
        return "at weekends"
    names = [f"{_DAY_NAMES[d]}s" for d in sorted(days, key=lambda d: (d - 1) % 7)]  # Monday first
    return "on " + (names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}")


@dataclass(frozen=True)
class EarlyEnd:
    """Under one UTC offset, the latest local time any day's permitted hours end, earlier than the window."""

    zone_name: str
    ends: int
    """Minute of the day."""

    def __str__(self) -> str:
        return f"{_hhmm(self.ends)} under {self.zone_name}"


@lru_cache(maxsize=1024)
def ends_before_window(hours_map: bytes, window: HourWindow, tz: ZoneInfo, year: int) -> tuple[EarlyEnd, ...]:
    """The seasons in which logon ends earlier than the window starts on every day it is permitted (so a map
    that complies all year logs users off early in one season): with the latest end time in that season."""
    permitted = int.from_bytes(hours_map, "little")
    start = window.start.hour * 60 + window.start.minute
    early = []
    for offset, name in offsets_in_year(tz, year):
        shift = int(offset.total_seconds()) // 60
        day_ends = [(slot * 60 + shift) % _DAY_MIN + 60 for slot in range(168) if permitted >> slot & 1]
        daytime = [end for end in day_ends if end <= start]
        if daytime and max(daytime) < start:
            early.append(EarlyEnd(name, max(daytime)))
    return tuple(early)


def hours_map_for_local_window(open_from: dt.time, open_until: dt.time, days: range, utc_offset_hours: int) -> str:
    """The hex map permitting ``open_from``–``open_until`` local time on ``days`` (0 = Sunday), for tests and demos."""
    data = bytearray(21)
    for day in days:
        for hour in range(open_from.hour, open_until.hour):
            slot = (day * 24 + hour - utc_offset_hours) % 168
            data[slot // 8] |= 1 << (slot % 8)
    return data.hex()
