"""The meaning of every part of a rule condition, each defined once: the leaf operators, in a registry, and the
combinators ``all``, ``any``, ``not`` and the list quantifiers ``every`` and ``some``.

Each operator validates its expected value when the rule (or a profile override) is loaded, so a bad value
is a load error with file and line, never a surprise during a scan. ``test`` answers True or False for an
observed value that is present; a value that is absent is decided before an operator is asked (unknown, so
ERROR), except by ``exists`` and ``missing``, which are about presence itself. ``Operator.decider`` turns an
operator into a leaf's three-valued ``Outcome``, and the combinators combine outcomes: these are the only
definitions of what a condition answers. Each gives its answer alone or, asked ``why``, with the reasons
(``engine/generated.py`` writes every rule out as calls to them, once for both).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple
from zoneinfo import ZoneInfo

from holyaudit.engine.context import EvalContext, days_text
from holyaudit.engine.weekly_hours import HourWindow, ends_before_window, permitted_in_window, permitted_in_words
from holyaudit.patterns import Pattern, compile_pattern


class Shortfall(NamedTuple):
    """Why a leaf is False, put into words (``str``) only when reported: most never are, such as the branch of
    an ``any`` that another branch made True."""

    subject: str
    observed: Any
    detail: str | None
    expected: str
    op: Operator
    ctx: EvalContext

    def __str__(self) -> str:
        observed, detail = self.observed, f" ({self.detail})" if self.detail else ""
        shown = self.ctx.display(observed) if isinstance(observed, dt.date) else self.op.show_value(observed)
        return f"{self.subject} is {shown}{detail}; expected {self.expected}"


Note = str | Shortfall


class Outcome(NamedTuple):
    """A condition's answer for one object: True, False or unknown (``None``: a needed fact was missing,
    unreadable or of the wrong type).

    Asked why, ``notes`` say why it is False or unknown; a True outcome carries its remarks worth showing with
    the pass (most have none) whether asked or not, since a pass is reported with them."""

    value: bool | None
    notes: tuple[Note, ...] = ()
    guard: bool = False
    """False only because a presence check (exists/missing) failed: that branch did not apply."""


TRUE = Outcome(True)
FALSE = Outcome(False)
GUARDED = Outcome(False, guard=True)
UNKNOWN = Outcome(None)
"""The outcomes without reasons, shared: most outcomes are one of these."""
_WITHOUT_REASONS = {(o.value, o.guard): o for o in (TRUE, FALSE, GUARDED, UNKNOWN)}

Decide = Callable[[Any, str, bool], Outcome]
"""A leaf's operator bound to its expected value: ``decide(observed, prefix, why)``; ``prefix`` labels a list
element's paths in the reasons (``volumes[C:].``)."""


class Operator:
    name: ClassVar[str]
    text: ClassVar[str]
    """How the operator reads in a sentence: '{attr} {text} {value}'."""
    takes_value: ClassVar[bool] = True
    needs_presence: ClassVar[bool] = True
    """Whether an absent observed value makes the answer unknown (ERROR)."""
    words: ClassVar[str | None] = None
    """The suffix of the message placeholder that puts the value this operator tests into plain words against its
    expected value (``{logon_hours_permitted}`` for ``hours_denied``); None for an operator that offers none."""

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

    def in_words(self, observed: Any, expected: Any, ctx: EvalContext) -> str:
        """The observed value in plain words (for an operator with ``words``); TypeError or ValueError for a value
        it cannot judge."""
        raise NotImplementedError

    def decider(self, expected: Any, ctx: EvalContext, attr: str, subject: str, description: str) -> Decide:
        """A leaf's outcome for the value it observed: this operator's answer made three-valued, with its reasons
        when asked why. ``attr`` is the attribute read (for "has no value"), ``subject`` what the leaf tests (a
        day count between two dates names both) and ``description`` the leaf in words (what was expected)."""
        test, needs_presence = self.test, self.needs_presence
        # Most operators have nothing to add to a pass or a failure: they are not called for one.
        remark = self.remark if type(self).remark is not Operator.remark else None
        explain = self.explain if type(self).explain is not Operator.explain else None
        false = FALSE if needs_presence else GUARDED

        def decide(observed: Any, prefix: str, why: bool) -> Outcome:
            if observed is None and needs_presence:
                return Outcome(None, (f"{prefix}{attr} has no value",)) if why else UNKNOWN
            try:
                if test(observed, expected, ctx):
                    if remark is None:
                        return TRUE
                    said = remark(observed, expected, ctx)
                    return Outcome(True, (prefix + said,)) if said else TRUE
                # An explanation that cannot be worked out makes the leaf unknown, asked why or not.
                detail = explain(observed, expected, ctx) if explain is not None else None
            except (TypeError, ValueError) as exc:
                return Outcome(None, (f"{prefix}{subject}: {exc}",)) if why else UNKNOWN
            if not why:
                return false
            shortfall = Shortfall(prefix + subject, observed, detail, description, self, ctx)
            return Outcome(False, (shortfall,), guard=false.guard)

        return decide


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
        if value is None:
            raise ValueError("expected a value (use 'missing' for an attribute that is not set)")
        return value

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        if _equal(observed, expected):
            return True
        if type(observed) is not type(expected) and _kind(observed) != _kind(expected):
            raise TypeError(f"{observed!r} is not {_kind(expected)}")  # not known to differ: unknown
        return False


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


def _kind(value: Any) -> str:
    """What kind of value this is, in words: only values of one kind are compared for equality."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time of day"
    return f"a {type(value).__name__}"


def _require_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return list(value)


class In(Operator):
    name, text = "in", "is one of"

    def check(self, value: Any) -> Any:
        return _require_list(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        if _equal_any(observed, expected):
            return True
        kind = type(observed)
        for item in expected:
            if type(item) is kind or _kind(item) == _kind(observed):
                return False
        if expected:  # a value of another kind is not known to be absent: unknown
            raise TypeError(f"{observed!r} is not {' or '.join(sorted({_kind(item) for item in expected}))}")
        return False


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
    """Regular-expression search (anchor with ^ and $ to match the whole value), in linear time: see
    ``holyaudit.patterns``."""

    name, text = "matches", "matches"

    def check(self, value: Any) -> Any:
        return compile_pattern(value)

    def test(self, observed: Any, expected: Any, ctx: EvalContext) -> bool:
        if not isinstance(observed, str):
            raise TypeError(f"{observed!r} is not text")
        return bool(expected.search(observed))

    def show_value(self, value: Any) -> str:
        return f"/{value.pattern}/" if isinstance(value, Pattern) else show(value)


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
        return f"{days_text(ctx.days_since(_require_date(observed)))} ago"


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
    words = "permitted"

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

    def in_words(self, observed: Any, expected: Any, ctx: EvalContext) -> str:
        return permitted_in_words(_hours_map(observed), expected, ctx.tz, ctx.as_of.year)

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


class Combinator:
    """How ``all`` and ``any`` combine their conditions' outcomes, following Kleene logic so that an unknown can
    only become False or unknown, never True; and how the combination reads."""

    name: ClassVar[str]
    word: ClassVar[str]
    plain: ClassVar[Outcome]
    """The outcome that, when every branch has it, is the combination's too: what the generated evaluators take
    without combining."""

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        raise NotImplementedError

    def describe(self, parts: Iterable[str]) -> str:
        return f" {self.word} ".join(parts)


class Conjunction(Combinator):
    """``all``: False if any is False (explained by every False branch), else unknown if any is unknown (explained
    by every unknown branch), else True with the remarks of every branch, in order."""

    name, word, plain = "all", "and", TRUE

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        # Loops rather than comprehensions, which each cost a frame, and lists made only when needed: this runs
        # for every object a rule judges.
        failed: list[Outcome] | None = None
        unknown: list[Outcome] | None = None
        remarked = False
        for outcome in outcomes:
            if outcome is TRUE:  # the common case: a branch plainly true
                continue
            value = outcome.value
            if value is False:
                if failed is None:
                    failed = [outcome]
                else:
                    failed.append(outcome)
            elif value is None:
                if unknown is None:
                    unknown = [outcome]
                else:
                    unknown.append(outcome)
            else:
                remarked = True
        if failed is not None:
            if len(failed) == 1:
                return failed[0]
            guard = False
            for outcome in failed:
                guard = guard or outcome.guard
            return _joined(False, failed, guard)
        if unknown is not None:
            return _joined(None, unknown)
        return _joined(True, outcomes) if remarked else TRUE


class Disjunction(Combinator):
    """``any``: the first True branch, with whatever remark it made; else unknown if any is unknown (explained by
    every unknown branch); else False, explained by the branches that applied (not those whose presence check
    failed), if some did."""

    name, word, plain = "any", "or", FALSE

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        for outcome in outcomes:
            if outcome.value:
                return outcome
        unknown: list[Outcome] = []
        applied: list[Outcome] = []
        for outcome in outcomes:
            if outcome.value is None:
                unknown.append(outcome)
            elif not outcome.guard:
                applied.append(outcome)
        if unknown:
            return _joined(None, unknown)
        return _joined(False, applied) if applied else _joined(False, outcomes, guard=True)


def _joined(value: bool | None, outcomes: Sequence[Outcome], guard: bool = False) -> Outcome:
    """One outcome with the notes of ``outcomes``, in order."""
    if len(outcomes) == 1 and outcomes[0].guard == guard:
        return outcomes[0]  # the same outcome, not a copy: most combinations have one deciding branch
    notes: list[Note] = []
    for outcome in outcomes:
        notes.extend(outcome.notes)
    if not notes:  # the shared outcome, which the generated evaluators recognise at once (``is TRUE``)
        return _WITHOUT_REASONS.get((value, guard)) or Outcome(value, (), guard)
    return Outcome(value, tuple(notes), guard)


class Negation:
    """``not``: unknown stays unknown; True becomes False (explained by what was not expected); False, True."""

    name = "not"

    def negate(self, inner: Outcome, prefix: str, description: str, why: bool) -> Outcome:
        if inner.value is None:
            return inner
        if inner.value:
            return Outcome(False, (f"{prefix}expected {description}",)) if why else FALSE
        return TRUE

    def describe(self, part: str) -> str:
        return f"not {part}"


Judge = Callable[[Any, dict[str, Any], str, bool], Outcome]
"""A condition compiled for one evaluation context: ``judge(record, seen, prefix, why)``, noting the values it
looks at in ``seen`` (path -> evidence); ``prefix`` labels a list element's paths (``volumes[C:].``)."""


class ListQuantifier:
    """``every`` or ``some`` element of a list (those a ``where`` condition selects) meets a condition: the
    elements' outcomes combined as ``all`` or ``any``. Over no elements, ``every`` is False unless empty lists are
    allowed: a machine that reports no volumes has not shown that its volumes are encrypted."""

    def __init__(self, name: str, combinator: Combinator) -> None:
        self.name, self.combinator, self.every = name, combinator, isinstance(combinator, Conjunction)

    def judge(
        self,
        items: Iterable[Any],
        path: str,
        each: Judge,
        where: Judge | None,
        allow_empty: bool,
        description: str,
        seen: dict[str, Any],
        prefix: str,
        why: bool,
    ) -> Outcome:
        outcomes = []
        for index, item in enumerate(items):
            label = f"{prefix}{path}[{getattr(item, 'id', index)}]."
            if getattr(item, "error", None):
                outcomes.append(Outcome(None, (f"{label[:-1]} could not be read: {item.error}",)) if why else UNKNOWN)
                continue
            if where is not None:
                selected = where(item, {}, label, why)  # what selects an element is not evidence
                if selected.value is None:
                    outcomes.append(selected)
                    continue
                if not selected.value:
                    continue
            outcomes.append(each(item, seen, label, why))
        if not outcomes:
            if self.every and allow_empty:
                return TRUE
            return Outcome(False, (f"{prefix}no {path} to check; expected {description}",), guard=True)
        return self.combinator.combine(outcomes)

    def describe(self, scope: str, part: str) -> str:
        return f"{self.name} of {scope}: {part}"


ALL, ANY, NOT = Conjunction(), Disjunction(), Negation()
EVERY, SOME = ListQuantifier("every", ALL), ListQuantifier("some", ANY)
