"""``holyaudit scan``: the options of an audit, and its report; the audit itself is ``audit.workflow``'s."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from holyaudit import __version__
from holyaudit.cli.common import ConfigOption, InsecureOption, ProfileOption, RulesOption, listener, write_atomically
from holyaudit.cli.console import stderr_console, stdout_console
from holyaudit.cli.history import HistoryOption, chosen_history
from holyaudit.cli.process import keep_until_exit, outcome_settled
from holyaudit.errors import UsageError
from holyaudit.reporters.interface import OutputFormat, RenderOptions, TrendPoint, reporter_for
from holyaudit.reporters.safe_text import printable
from holyaudit.status import Severity

if TYPE_CHECKING:
    from holyaudit.audit.workflow import AuditOutcome
    from holyaudit.models import AuditResult


def scan(
    *,
    profile: ProfileOption = None,
    rules: RulesOption = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only this rule id; repeatable.", show_default=False),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Run only the profile's rules carrying this tag; repeatable.", show_default=False),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Report format.")] = OutputFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file (atomically).")
    ] = None,
    fail_on: Annotated[
        Severity, typer.Option("--fail-on", help="Exit 1 only for failures at or above this severity.")
    ] = Severity.LOW,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Audit as at this ISO date or date-time (site time zone if none given). "
            "Default: a snapshot's collection time, else when collection starts.",
        ),
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", help="Audit a snapshot file offline instead of live sources.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Audit the built-in demo school estate.")] = False,
    endpoint_facts: Annotated[
        Path | None,
        typer.Option(
            "--endpoint-facts",
            help="Folder of <COMPUTERNAME>.json files the endpoint script wrote (endpoints.facts_dir).",
        ),
    ] = None,
    config: ConfigOption = None,
    waivers: Annotated[
        Path | None,
        typer.Option(
            "--waivers",
            help="Waivers file (docs/waivers.md). Default: $HOLYAUDIT_WAIVERS, else the config's 'waivers'.",
        ),
    ] = None,
    details: Annotated[bool, typer.Option("--details", help="List every offending object in the table.")] = False,
    insecure_skip_tls_verify: InsecureOption = False,
    history: HistoryOption = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this scan in the history.")] = False,
    fail_on_new: Annotated[
        bool,
        typer.Option(
            "--fail-on-new",
            help="Exit 1 only for failures (at or above --fail-on) that were not failing in the previous stored run "
            "of this profile and site.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Nothing on stderr but errors; the report still goes out.")
    ] = False,
    log_file: Annotated[
        Path | None, typer.Option("--log-file", help="Append timestamped lines about this run, with its id.")
    ] = None,
    lock_file: Annotated[
        Path | None,
        typer.Option("--lock-file", help="Lock against overlapping runs (default: one per site, by the history)."),
    ] = None,
) -> int:
    """Audit the estate against the profile's rules and report; the exit code says the outcome."""
    from holyaudit.audit.unattended import RunLog
    from holyaudit.audit.workflow import AuditRequest, audit
    from holyaudit.history.store import new_run_id

    run_id = new_run_id()
    log = RunLog(log_file, run_id)
    log.write(f"start: holyaudit {__version__} scan")
    with log.outcome():
        if demo and snapshot:
            raise UsageError("--demo and --snapshot cannot be used together")
        if demo:
            from holyaudit.collectors.snapshot import demo_path  # loaded only by the scans that read a snapshot

            snapshot = demo_path()
        request = AuditRequest(
            config=config,
            profile=profile,
            rules=tuple(rules or ()),
            only=tuple(only or ()),
            tags=tuple(tag or ()),
            snapshot=snapshot,
            as_of=as_of,
            waivers=waivers,
            fail_on=fail_on,
            fail_on_new=fail_on_new,
            history=chosen_history(history, no_history),
            lock=lock_file,
            reports=(output,) if output is not None else (),
            insecure_skip_tls_verify=insecure_skip_tls_verify,
            endpoint_facts=endpoint_facts,
            run_id=run_id,
            trend=fmt is OutputFormat.HTML,
        )

        def deliver(outcome: AuditOutcome) -> None:
            if not quiet:
                for line in outcome.waiver_warnings:
                    stderr_console().print(f"warning: {printable(line)}", soft_wrap=True)
            pieces = _taking_turns(
                _render(outcome.result, fmt, output, details, notes=outcome.notes, trend=outcome.trend)
            )
            if output is not None:
                write_atomically(output, pieces)
            _deliver(pieces, fmt, output, f"exit {int(outcome.code)}: {outcome.verdict}", quiet=quiet)
            log.write(f"exit {int(outcome.code)}")
            # The run is committed next, with this exit code: from here on Ctrl-C must not make the process
            # return another.
            outcome_settled()

        outcome = audit(request, listener(quiet=quiet, log=log.write), deliver)
        keep_until_exit(outcome.result, *outcome.retained)  # freed with the process, if it ends now
        return outcome.code


def _taking_turns(pieces: Iterable[str]) -> Iterator[str]:
    """The report's pieces, the interpreter offered to other threads after each one.

    The run is stored on another thread while the report is written (``HistoryStore.recording``): SQLite stores
    each batch of rows without the interpreter, but the thread needs it for a moment between batches, and asking
    for it while the report was being written it got it back only when the report was done (measured: of a
    10,000-user scan's 65,381 rows, less than half were stored meanwhile; the rest took 0.1 s after the report).
    Offered after each piece (a thousand results), the rows are stored while the report is written."""
    for piece in pieces:
        yield piece
        time.sleep(0)


def _render(
    result: AuditResult,
    fmt: OutputFormat,
    output: Path | None,
    details: bool,
    *,
    notes: list[str],
    trend: tuple[TrendPoint, ...],
) -> Iterable[str]:
    """The report as the pieces of text to write in turn (``Reporter.chunks``)."""
    options = RenderOptions(details=details, trend=trend)
    if fmt is OutputFormat.TABLE:  # the one report laid out for a console: its width and colours
        out = stdout_console()
        to_terminal = output is None and sys.stdout.isatty()
        color, width = to_terminal and not out.no_color, out.width if output is None else 120
        options = RenderOptions(details=details, color=color, width=width, trend=trend)
    reporter = reporter_for(fmt)
    if not (notes and fmt is OutputFormat.TABLE):
        return reporter.chunks(result, options)
    text = reporter.render(result, options)
    text += "\nCould not be checked, with when history last saw each compliant:\n"
    text += "".join(_note_lines(note, options.width) for note in notes)
    return (text,)


def _note_lines(note: str, width: int) -> str:
    """A note wrapped at spaces to the table's width, its later lines indented under its text: a terminal would
    otherwise break it mid-word. A word longer than a line (a long DN) is kept whole."""
    import textwrap

    lines = textwrap.wrap(
        note, width, initial_indent="  ", subsequent_indent="    ", break_long_words=False, break_on_hyphens=False
    )
    return "".join(f"{line}\n" for line in lines)


def _deliver(pieces: Iterable[str], fmt: OutputFormat, output: Path | None, verdict: str, *, quiet: bool) -> None:
    """The report on stdout, or (already written to its file) the line that says where it went; flushed, so a
    report that cannot be delivered is known before the run is recorded."""
    if output is not None:
        if not quiet:
            stderr_console().print(f"report written to {output}; {verdict}")
        return
    for piece in pieces:
        sys.stdout.write(piece)
    if fmt is OutputFormat.TABLE:
        sys.stdout.write(f"{verdict}\n")
    sys.stdout.flush()
