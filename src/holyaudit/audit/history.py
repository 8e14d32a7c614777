"""An audit's history work: comparing with the previous run, when each unchecked object was last compliant, the
trend, and recording the run (in one transaction that the caller's report is written inside)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from holyaudit import __version__
from holyaudit.audit.exit_codes import VERDICT, findings_code
from holyaudit.audit.sources import now
from holyaudit.errors import ExitCode
from holyaudit.history.drift import Unreadable, ago, new_failures, unreadable
from holyaudit.history.store import HistoryStore, StoredResult, results_of
from holyaudit.models import AuditResult, Severity, Status
from holyaudit.notify.decide import Changes
from holyaudit.reporters.interface import TrendPoint
from holyaudit.reporters.safe_text import printable

TREND_RUNS = 30
"""How many runs of a profile and site the HTML report's trend chart shows, the latest included."""


@contextmanager
def open_history(path: Path | None) -> Iterator[HistoryStore | None]:
    if path is None:
        yield None
        return
    with HistoryStore.open_to_record(path) as store:
        yield store


@dataclass(frozen=True)
class Note:
    """An object the run could not check, and when history last saw it compliant under those rules."""

    item: Unreadable
    last_compliant: dt.datetime | None
    as_of: dt.datetime

    def __str__(self) -> str:
        rules = self.item.rule_ids[0] if len(self.item.rule_ids) == 1 else f"{len(self.item.rule_ids)} rules"
        return printable(
            f"{self.item.object_id} ({self.item.kind}, {rules}): {self.item.reason or 'could not be checked'}; "
            f"{ago(self.last_compliant, self.as_of)}"
        )


def notes_for(store: HistoryStore, site: str, as_of: dt.datetime, results: Iterable[StoredResult]) -> list[Note]:
    def last(item: Unreadable) -> dt.datetime | None:
        return store.last_compliant(site=site, object_id=item.object_id, rule_ids=item.rule_ids, before=as_of)

    return [Note(item, last(item), as_of) for item in unreadable(results)]


def trend_for(store: HistoryStore, profile: str, site: str, latest: AuditResult) -> tuple[TrendPoint, ...]:
    """Object results per status in the last runs of this profile and site, oldest first, dated by their as-of
    time: the runs stored so far, then ``latest`` (the run about to be stored, given as the store will hold it)."""
    runs = store.runs(limit=TREND_RUNS - 1, profile=profile, site=site)
    stored = [TrendPoint(run.as_of, store.status_counts(run)) for run in reversed(runs)]
    counts = dict.fromkeys(Status, 0)
    counts.update(Counter(obj.status for finding in latest.findings for obj in finding.objects))
    return (*stored, TrendPoint(latest.as_of.astimezone(dt.UTC), counts))


@dataclass(frozen=True)
class HistoryStep:
    """What the history says about a scan before it is reported, and the recording of it."""

    code: ExitCode
    """The exit code, counting only new failures with ``--fail-on-new``."""
    verdict: str
    """Why the code is what it is, when ``--fail-on-new`` changed it; else empty."""
    notes: list[str]
    """Objects the scan could not check, with when history last saw each compliant."""
    recording: AbstractContextManager[tuple[TrendPoint, ...]]
    """Stores the run, committed when the block ends; yields the trend of this profile and site, the run included."""
    changes: Changes | None = None
    """What changed since the previous run, when asked for (a notification decides by it)."""


def history_step(
    store: HistoryStore | None,
    result: AuditResult,
    *,
    site: str,
    run_id: str,
    started: dt.datetime,
    fail_on: Severity,
    fail_on_new: bool,
    trend: bool = False,
    changes: bool = False,
) -> HistoryStep:
    """The scan's history work: compare the result with the previous run, note when each object that could not be
    checked was last compliant, the trend of earlier runs when ``trend`` asks for it, and prepare the recording
    (nothing is written until it is entered)."""
    code = findings_code(result, fail_on)
    if store is None:  # no previous run is known: every failure is new
        first = Changes(None, tuple(new_failures(set(), results_of(result), Severity.LOW))) if changes else None
        return HistoryStep(code, "", [], nullcontext(()), first)
    stored = results_of(result)  # the rows as stored, made at each pass: for the comparison and the notes
    # One comparison with the previous run, for --fail-on-new and for a notification alike.
    found = _changes(store, result, stored, site) if changes or fail_on_new else None
    verdict = ""
    if found is not None and fail_on_new:
        code, verdict = _only_new(result, found, fail_on, code)
    notes = [str(note) for note in notes_for(store, site, result.as_of, stored.with_status(Status.ERROR))]
    # Asked first: the recording has the store to itself.
    points = trend_for(store, result.profile, site, result) if trend else ()
    recording = store.recording(
        result,
        run_id=run_id,
        started_at=started,
        finished_at=now(),
        site=site,
        exit_code=code,
        tool_version=__version__,
    )
    return HistoryStep(code, verdict, notes, _with_trend(recording, points), found if changes else None)


def _changes(store: HistoryStore, result: AuditResult, stored: Iterable[StoredResult], site: str) -> Changes:
    """Every object newly failing since the previous run of this profile and site, and that run's exit code."""
    previous = store.previous_run(profile=result.profile, site=site)
    failing_before = store.failing_keys(previous) if previous else set()
    fresh = new_failures(failing_before, stored, Severity.LOW)
    return Changes(previous.exit_code if previous else None, tuple(fresh))


@contextmanager
def _with_trend(
    recording: AbstractContextManager[None], trend: tuple[TrendPoint, ...]
) -> Iterator[tuple[TrendPoint, ...]]:
    with recording:
        yield trend


def _only_new(result: AuditResult, changes: Changes, fail_on: Severity, code: ExitCode) -> tuple[ExitCode, str]:
    """--fail-on-new: the exit code counting only failures the previous run of this profile and site lacked."""
    fresh = any(r.severity.rank >= fail_on.rank for r in changes.new_failures)
    counted = findings_code(result, fail_on, new_failures=fresh)
    if counted is code:
        return code, ""
    remaining = "no new failures (--fail-on-new); failures from the previous run remain"
    return counted, remaining if counted is ExitCode.COMPLIANT else f"{VERDICT[counted]}; {remaining}"
