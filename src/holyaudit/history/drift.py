"""Drift between two runs at the object level (rule id + object id), and the objects a run could not check.

Pure functions over stored results; the history database supplies them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from holyaudit.history.store import COMPLIANT, StoredResult
from holyaudit.models import Severity, Status


@dataclass(frozen=True)
class Change:
    """An object whose failure started, ended or went on; ``now`` is its result in the later run, if any."""

    before: StoredResult | None
    now: StoredResult | None

    @property
    def current(self) -> StoredResult:
        shown = self.now or self.before
        assert shown is not None  # a change always has at least one side
        return shown

    @property
    def reason(self) -> str | None:
        """The later run's reason, else (for a failure since resolved) why it failed before."""
        if self.now is not None and self.now.reason:
            return self.now.reason
        return self.before.reason if self.before is not None else None


@dataclass(frozen=True)
class Drift:
    new: list[Change]
    """FAIL in the later run and not FAIL in the earlier one (or not there)."""
    resolved: list[Change]
    """FAIL in the earlier run; in the later one compliant (PASS, WAIVED, NOT_APPLICABLE) or gone from a rule
    that still judged other objects (an account deleted, a machine retired)."""
    still_failing: list[Change]
    """FAIL in both."""
    unchecked: list[Change]
    """FAIL in the earlier run, but the later one could not tell: ERROR, or its rule judged nothing."""


def drift(before: Sequence[StoredResult], after: Sequence[StoredResult]) -> Drift:
    old = {r.key: r for r in before}
    now = {r.key: r for r in after}
    judged_rules = {r.rule_id for r in after if r.status is not Status.ERROR}
    result = Drift([], [], [], [])
    for key, later in now.items():
        if later.status is Status.FAIL:
            earlier = old.get(key)
            failing_before = earlier is not None and earlier.status is Status.FAIL
            (result.still_failing if failing_before else result.new).append(Change(earlier, later))
    for key, earlier in old.items():
        if earlier.status is not Status.FAIL:
            continue
        found = now.get(key)
        if found is None:
            (result.resolved if earlier.rule_id in judged_rules else result.unchecked).append(Change(earlier, None))
        elif found.status in COMPLIANT:
            result.resolved.append(Change(earlier, found))
        elif found.status is Status.ERROR:
            result.unchecked.append(Change(earlier, found))
    for changes in (result.new, result.resolved, result.still_failing, result.unchecked):
        changes.sort(key=lambda c: (c.current.rule_id, c.current.object_id.casefold()))
    return result


def new_failures(
    failing_before: AbstractSet[tuple[str, str]], after: Iterable[StoredResult], fail_on: Severity
) -> list[StoredResult]:
    """Objects failing at or above ``fail_on`` whose key (rule id, object id) was not failing before (all of them,
    with nothing before): ``drift(before, after).new`` at that severity, in its order, from the keys failing in
    ``before`` alone, so a scan need not read the previous run's tens of thousands of results.

    As in ``drift``, an object with two results under one rule counts by the last, listed where the first was.
    Only keys that fail somewhere are kept, so the scan's tens of thousands of results leave no dictionary of
    them all behind for the garbage collector to walk. ``after`` is read twice: a list, or ``results_of``'s view.
    """
    failing_somewhere = {(r.rule_id, r.object_id) for r in after if r.status is Status.FAIL}
    last: dict[tuple[str, str], StoredResult] = {}
    for r in after:
        key = (r.rule_id, r.object_id)
        if key in failing_somewhere:
            last[key] = r
    fresh = [
        r
        for key, r in last.items()
        if r.status is Status.FAIL and key not in failing_before and r.severity.rank >= fail_on.rank
    ]
    fresh.sort(key=lambda r: (r.rule_id, r.object_id.casefold()))
    return fresh


@dataclass(frozen=True)
class Unreadable:
    """An object that some rules could not check (ERROR), grouped across those rules."""

    object_id: str
    kind: str
    rule_ids: tuple[str, ...]
    reason: str | None


def unreadable(results: Iterable[StoredResult]) -> list[Unreadable]:
    grouped: dict[tuple[str, str], list[StoredResult]] = {}
    for r in results:
        if r.status is Status.ERROR:
            grouped.setdefault((r.kind, r.object_id), []).append(r)
    return [
        Unreadable(object_id, kind, tuple(sorted({r.rule_id for r in rows})), rows[0].reason)
        for (kind, object_id), rows in sorted(grouped.items(), key=lambda item: (item[0][0], item[0][1].casefold()))
    ]


def ago(then: dt.datetime | None, now: dt.datetime) -> str:
    """'last compliant 9 days ago', in whole days between the two as-of times."""
    if then is None:
        return "never seen compliant in history"
    days = (now - then).days
    when = "earlier the same day" if days < 1 else "1 day ago" if days == 1 else f"{days} days ago"
    return f"last compliant {when} ({then.astimezone(now.tzinfo).date().isoformat()})"
