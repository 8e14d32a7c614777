"""``holyaudit prune``: remove old runs from the history database, keeping the latest of each profile and site.

Every scan adds its results (docs/history.md says how fast a school's history grows); nothing else removes a run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from holyaudit.cli.console import stdout_console
from holyaudit.cli.history import (
    FORMAT_VERSION,
    FormatOption,
    HistoryOption,
    ListFormat,
    local_time,
    print_json,
    run_json,
)
from holyaudit.errors import UsageError
from holyaudit.reporters.safe_text import printable

if TYPE_CHECKING:
    from holyaudit.history.store import Pruned, StoredRun

MAX_KEEP_DAYS = 36_500


def prune(
    *,
    keep_days: Annotated[
        int | None,
        typer.Option(
            "--keep-days",
            min=1,
            max=MAX_KEEP_DAYS,
            help="Remove the runs that finished more than this many days (of 24 hours) ago.",
            show_default=False,
        ),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="YYYY-MM-DD",
            help="Remove the runs that finished before this date (00:00 UTC).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be removed; change nothing.")] = False,
    history: HistoryOption = None,
    fmt: FormatOption = ListFormat.TABLE,
) -> int:
    """Remove old scans from the history database and give their space back; the latest scan of each profile and
    site is always kept, so the next scan still has one to compare with."""
    from holyaudit.history.store import HistoryError, HistoryStore, Pruned, default_history_path

    cut_off = _cut_off(keep_days, before)
    path = history or default_history_path()
    if not path.exists():
        return _report(path, cut_off, dry_run, Pruned([], [], 0), None, None, fmt)
    with HistoryStore.open(path, read_only=dry_run) as store:
        size_before = store.size()
        pruned = store.prune(cut_off, dry_run=dry_run)
        # Also space that an earlier prune freed but could not give back (a full disk, say): the file's free pages.
        if dry_run or not store.free_bytes():
            return _report(path, cut_off, dry_run, pruned, size_before, None, fmt)
        try:
            store.compact()
        except HistoryError as exc:
            _report(path, cut_off, dry_run, pruned, size_before, None, fmt)
            removed = f"the {_runs(len(pruned.removed))} above were removed" if pruned.removed else "nothing was lost"
            raise HistoryError(f"{exc}; {removed}, and the next prune gives the space back") from None
        return _report(path, cut_off, dry_run, pruned, size_before, store.size(), fmt)


def _cut_off(keep_days: int | None, before: str | None) -> dt.datetime:
    if (keep_days is None) == (before is None):
        raise UsageError("give one of --keep-days N or --before YYYY-MM-DD: which runs to remove")
    if before is None:
        return dt.datetime.now(dt.UTC) - dt.timedelta(days=keep_days or 0)
    try:
        day = dt.date.fromisoformat(before)
    except ValueError:
        raise UsageError(f"--before {printable(before)!r}: not a date in the form YYYY-MM-DD") from None
    if day.year in (dt.MINYEAR, dt.MAXYEAR):
        raise UsageError(f"--before {before}: a date in the first or last year of the calendar cannot be used")
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _report(
    path: Path,
    cut_off: dt.datetime,
    dry_run: bool,
    pruned: Pruned,
    size_before: int | None,
    size_after: int | None,
    fmt: ListFormat,
) -> int:
    if fmt is ListFormat.JSON:
        body: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "history": str(path),
            "before": cut_off.isoformat(),
            "dry_run": dry_run,
            "removed": [run_json(run) for run in pruned.removed],
            "kept_as_latest": [run_json(run) for run in pruned.kept_as_latest],
            "runs_left": pruned.left,
            "bytes_before": size_before,
            "bytes_after": size_after,
        }
        print_json(body)
        return 0
    out = stdout_console()
    if size_before is None:
        out.print(f"no history database at {path}: nothing to prune", soft_wrap=True)
        return 0
    verb = "would remove" if dry_run else "removed"
    left = "would be left" if dry_run else "left"
    out.print(
        f"{verb} {_runs(len(pruned.removed))} that finished before {cut_off:%Y-%m-%d %H:%M} UTC from {path} "
        f"({_runs(pruned.left)} {left})",
        soft_wrap=True,
    )
    for run in pruned.removed if dry_run else ():
        out.print(f"  {_describe(run)}", soft_wrap=True)
    for run in pruned.kept_as_latest:
        out.print(f"kept, the latest of its profile and site: {_describe(run)}", soft_wrap=True)
    if size_after is not None:
        out.print(f"{path.name}: {_megabytes(size_before)} before, {_megabytes(size_after)} after", soft_wrap=True)
    return 0


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def _describe(run: StoredRun) -> str:
    return printable(
        f"run {run.run_id[:12]} finished {local_time(run.finished_at)}, profile {run.profile}, site {run.site}"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
