"""Whether a run is worth an email, and why: the reasons are the email's subject and first lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from holyaudit.errors import ExitCode
from holyaudit.history.store import StoredResult
from holyaudit.notify.settings import NotifyWhen

INCOMPLETE = {ExitCode.INCOMPLETE}


@dataclass(frozen=True)
class Changes:
    """What changed since the previous stored run of this profile at this site."""

    previous_code: int | None
    """The previous run's exit code; None when there was none (the first run, or no history)."""
    new_failures: tuple[StoredResult, ...]
    """Objects failing now that were not failing then (every failure, on a first run)."""


def reasons(when: NotifyWhen, code: ExitCode, changes: Changes) -> list[str]:
    """Why this run is worth an email under ``when``; empty when it is not."""
    found = []
    if fresh := counted(when, changes):
        found.append(_new_failures(fresh, when))
    if when.incomplete and code in INCOMPLETE and changes.previous_code not in INCOMPLETE:
        found.append(
            "it could not check everything" + ("" if changes.previous_code is None else "; the last run could")
        )
    return found


def counted(when: NotifyWhen, changes: Changes) -> list[StoredResult]:
    """The new failures ``when`` counts: those at or above its severity (none when it counts none)."""
    if when.new_failures_at is None:
        return []
    return [r for r in changes.new_failures if r.severity.rank >= when.new_failures_at.rank]


def _new_failures(fresh: Sequence[StoredResult], when: NotifyWhen) -> str:
    assert when.new_failures_at is not None
    noun = "object" if len(fresh) == 1 else "objects"
    above = "" if when.new_failures_at.rank == 0 else f" at {when.new_failures_at.value} severity or above"
    return f"{len(fresh)} {noun} newly failing{above}"
