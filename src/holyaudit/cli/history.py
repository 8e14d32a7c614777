"""``holyaudit history`` and ``holyaudit diff``: the stored runs, and what changed between two of them.

Also the history options ``scan`` shares.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from holyaudit.cli.console import simple_table, stdout_console
from holyaudit.errors import UsageError
from holyaudit.reporters.safe_text import printable
from holyaudit.status import Status

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table

    from holyaudit.audit.history import Note
    from holyaudit.history.drift import Change
    from holyaudit.history.store import StoredRun
    from holyaudit.status import Severity

HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="History database (default: $HOLYAUDIT_HISTORY, else history.sqlite3 in the user's data directory).",
        show_default=False,
    ),
]
SiteFilter = Annotated[str | None, typer.Option("--site", help="Only runs of this site (as stored).")]
ProfileFilter = Annotated[str | None, typer.Option("--profile", "-p", help="Only runs of this profile name.")]

MAX_LIMIT = 1_000_000
"""The most runs ``history --limit`` takes: more than any database holds, and small enough for SQLite."""

FORMAT_VERSION = 1
"""Version of the JSON that ``history`` and ``diff`` print (docs/history.md)."""


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")]


def chosen_history(path: Path | None, disabled: bool) -> Path | None:
    """The database a scan records to: ``--history``, else the default; None with ``--no-history``."""
    from holyaudit.history.store import default_history_path

    if disabled and path is not None:
        raise UsageError("--history and --no-history cannot be used together")
    return None if disabled else path or default_history_path()


def history(
    *,
    history: HistoryOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="Show at most this many runs.")
    ] = 20,
    profile: ProfileFilter = None,
    site: SiteFilter = None,
    fmt: FormatOption = ListFormat.TABLE,
) -> int:
    """List stored scans, newest first: time, profile, site, findings by status, exit code and run id."""
    from holyaudit.history.store import HistoryStore, default_history_path
    from holyaudit.reporters.common import counts_text

    path = history or default_history_path()
    runs: list[StoredRun] = []
    if path.exists():
        with HistoryStore.open(path, read_only=True) as store:
            runs = store.runs(limit=limit, profile=profile, site=site)
    if fmt is ListFormat.JSON:
        print_json({"format_version": FORMAT_VERSION, "history": str(path), "runs": [run_json(r) for r in runs]})
        return 0
    out = stdout_console()
    if not runs:
        out.print(f"no runs recorded in {path}")
        return 0
    # Laid out for 80 columns: the time and the run id (which diff takes) whole, the words wrapped.
    table = simple_table(title=f"Runs in {path}", title_justify="left")
    table.add_column("Finished", no_wrap=True)
    table.add_column("Run id", no_wrap=True)
    table.add_column("Exit", no_wrap=True)
    table.add_column("Rules", ratio=1)
    table.add_column("Profile · site", ratio=1, overflow="fold")
    for run in runs:
        table.add_row(
            local_time(run.finished_at),
            run.run_id[:12],
            str(run.exit_code),
            counts_text({s: run.counts.get(s.value, 0) for s in Status}) or "none",
            printable(f"{run.profile} · {run.site}"),
        )
    out.print(table)
    return 0


def diff(
    earlier: Annotated[
        str | None,
        typer.Argument(help="Earlier run: run id, unique id prefix, or -N counting back from the last (default -2)."),
    ] = None,
    later: Annotated[str | None, typer.Argument(help="Later run, likewise (default -1, the last run).")] = None,
    *,
    history: HistoryOption = None,
    profile: ProfileFilter = None,
    site: SiteFilter = None,
    fmt: FormatOption = ListFormat.TABLE,
) -> int:
    """Show new, resolved and still-failing objects between two stored runs (default: the last two)."""
    from holyaudit.audit.history import notes_for
    from holyaudit.history.drift import drift
    from holyaudit.history.store import HistoryStore, default_history_path

    path = history or default_history_path()
    if not path.exists():
        raise UsageError(f"no history database at {path}: scans record there unless run with --no-history")
    with HistoryStore.open(path, read_only=True) as store:
        run_a = store.resolve(earlier or "-2", profile=profile, site=site)
        run_b = store.resolve(later or "-1", profile=profile, site=site)
        results_b = store.results(run_b)
        changes = drift(store.results(run_a), results_b)
        notes = notes_for(store, run_b.site, run_b.as_of, results_b)
    sections = {
        "new": changes.new,
        "resolved": changes.resolved,
        "still_failing": changes.still_failing,
        "unchecked": changes.unchecked,
    }
    if fmt is ListFormat.JSON:
        body: dict[str, Any] = {"format_version": FORMAT_VERSION, "from": run_json(run_a), "to": run_json(run_b)}
        body |= {name: [_change_json(c) for c in items] for name, items in sections.items()}
        body["unreadable"] = [_note_json(n) for n in notes]
        print_json(body)
        return 0
    out = stdout_console()
    out.print(f"from {_describe(run_a)}")
    out.print(f"  to {_describe(run_b)}")
    if any(sections.values()):
        out.print()
        out.print(_per_rule(sections))
    for name, items in sections.items():
        out.print()
        out.print(f"{_TITLES[name]}: {len(items) or 'none'}")
        if items:
            out.print(_changes(items))
    if notes:
        out.print()
        out.print(f"could not be checked in the later run: {len(notes)}")
        from rich.padding import Padding
        from rich.text import Text

        for note in notes:
            out.print(Padding(Text(str(note)), (0, 0, 0, 2), expand=False))
    return 0


_COLUMN_TITLES = {"new": "New", "resolved": "Resolved", "still_failing": "Failing", "unchecked": "Unchecked"}
"""One word each, so the summary's head is one line at 80 columns: the sections' titles below say them in full."""


def _per_rule(sections: dict[str, list[Change]]) -> Table:
    """Per rule (most severe first), how many objects are in each section: the changes at a glance."""
    counts: dict[str, dict[str, int]] = {}
    severity: dict[str, Severity] = {}
    for name, items in sections.items():
        for change in items:
            rule = change.current.rule_id
            counts.setdefault(rule, dict.fromkeys(sections, 0))[name] += 1
            severity[rule] = change.current.severity
    table = simple_table(title="Per rule", title_justify="left", show_edge=False)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    for name in sections:
        table.add_column(_COLUMN_TITLES[name], justify="right")
    for rule in sorted(counts, key=lambda r: (-severity[r].rank, r)):
        table.add_row(rule, severity[rule].value, *(str(counts[rule][name] or "-") for name in sections))
    return table


_TITLES = {
    "new": "new failures",
    "resolved": "resolved",
    "still_failing": "still failing",
    "unchecked": "failing before, not checked now",
}


def _changes(changes: list[Change]) -> Group:
    """Each change on a line of its own (rule, object, before and now), its reason indented under it: at 80
    columns a table's reason column was a word wide."""
    from rich.console import Group  # rich is loaded when something is shown (cli/console.py)
    from rich.padding import Padding
    from rich.text import Text

    lines: list[Text | Padding] = []
    for change in changes:
        shown = change.current
        before = change.before.status.value if change.before else "-"
        now = change.now.status.value if change.now else "gone"
        line = Text(f"{shown.rule_id} ")
        line.append(printable(shown.object_id), style="bold")
        line.append(f": {before} → {now}")
        lines.append(Padding(line, (0, 0, 0, 2), expand=False))
        if change.reason:
            lines.append(Padding(Text(printable(change.reason)), (0, 0, 0, 6), expand=False))
    return Group(*lines)


def _describe(run: StoredRun) -> str:
    return printable(
        f"run {run.run_id[:12]} finished {local_time(run.finished_at)}, as of {local_time(run.as_of)}, "
        f"profile {run.profile}, site {run.site}, exit {run.exit_code}"
    )


def local_time(value: dt.datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def run_json(run: StoredRun) -> dict[str, Any]:
    return run.model_dump(mode="json", exclude={"seq"})


def _change_json(change: Change) -> dict[str, Any]:
    shown = change.current
    return {
        "rule_id": shown.rule_id,
        "object_id": shown.object_id,
        "kind": shown.kind,
        "severity": shown.severity.value,
        "before": change.before.status.value if change.before else None,
        "now": change.now.status.value if change.now else None,
        "reason": change.reason,
    }


def _note_json(note: Note) -> dict[str, Any]:
    return {
        "object_id": note.item.object_id,
        "kind": note.item.kind,
        "rule_ids": list(note.item.rule_ids),
        "reason": note.item.reason,
        "last_compliant": note.last_compliant.isoformat() if note.last_compliant else None,
    }


def print_json(body: dict[str, Any]) -> None:
    import json

    # ASCII only, like the JSON report: a hostile value cannot break a terminal that shows it.
    sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=True) + "\n")
