"""``holyaudit scan``: audit facts (a snapshot, the demo estate or, later, live sources) and report."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from holyaudit import __version__
from holyaudit.cli.common import (
    ConfigOption,
    InsecureOption,
    ProfileOption,
    RulesOption,
    cannot_write,
    collect_live_facts,
    load_setup,
    now,
    write_atomically,
)
from holyaudit.cli.console import stderr_console, stdout_console
from holyaudit.cli.history import HistoryOption, chosen_history, notes_for, open_history, trend_for
from holyaudit.cli.process import keep_until_exit
from holyaudit.cli.unattended import RunLog, default_lock_path, run_lock
from holyaudit.collectors.snapshot import demo_path, load_snapshot
from holyaudit.config import DEFAULT_TIMEZONE, zone
from holyaudit.engine.evaluate import Evaluation
from holyaudit.engine.loader import Profile
from holyaudit.engine.schema import BoundRule
from holyaudit.engine.waivers import load_waivers, warnings
from holyaudit.errors import ExitCode, UsageError
from holyaudit.history.drift import new_failures
from holyaudit.history.store import HistoryStore, StoredResult, new_run_id, results_of
from holyaudit.models import AuditResult, Severity, Status
from holyaudit.reporters.interface import OutputFormat, RenderOptions, TrendPoint, reporter_for
from holyaudit.reporters.safe_text import printable


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
    started, run_id = now(), new_run_id()
    log = RunLog(log_file, run_id)
    log.write(f"start: holyaudit {__version__} scan")
    with log.outcome():
        if demo and snapshot:
            raise UsageError("--demo and --snapshot cannot be used together")
        history_path = chosen_history(history, no_history)
        if fail_on_new and history_path is None:
            raise UsageError("--fail-on-new compares with the previous stored run, so it needs the history")
        setup = load_setup(config, profile, rules)
        selected = select_rules(setup.profile, only or [], tag or [])
        waivers_path = waivers or setup.settings.waivers
        loaded_waivers = load_waivers(waivers_path, setup.catalogue.rules) if waivers_path else None
        loaded = load_snapshot(snapshot or demo_path()) if demo or snapshot else None
        site = (loaded.site if loaded else None) or setup.settings.site.name
        lock = lock_file or (default_lock_path(history_path, site) if history_path else None)
        with open_history(history_path) as store, _held(lock, run_id):
            tz = zone(setup.settings.site.timezone or (loaded.timezone if loaded else None) or DEFAULT_TIMEZONE)
            # A live scan is as of the moment collection starts: the rules judge the users as they arrive.
            when = parse_as_of(as_of, tz) if as_of else loaded.collected_at if loaded else now()
            evaluation = Evaluation(selected, as_of=when.astimezone(tz), tz=tz)
            if loaded is not None:
                facts = loaded.fact_sets
            else:
                needs = rule_needs(selected)
                facts = collect_live_facts(
                    setup.settings, needs, insecure_skip_tls_verify, quiet=quiet, early=evaluation.feed
                )
            log.write("sources: " + "; ".join(_source_line(fs.name, fs.source, fs.error) for fs in facts.values()))
            result = evaluation.audit(facts, profile=setup.profile.name, waivers=loaded_waivers)
            for line in warnings(result.waivers or []):
                log.write(f"waiver: {line}")
                if not quiet:
                    stderr_console().print(f"warning: {printable(line)}", soft_wrap=True)
            step = history_step(
                store, result, site=site, run_id=run_id, started=started, fail_on=fail_on, fail_on_new=fail_on_new
            )
            code = step.code
            log.write("findings: " + ", ".join(f"{status} {n}" for status, n in result.summary().items()))
            verdict = f"exit {int(code)}: {step.verdict or _VERDICT[code]}"
            # The run is committed only once its report file is written: a report that cannot be written
            # (exit 2) leaves no run in the history claiming another exit code.
            with step.recording as trend:
                text = _render(result, fmt, output, details, notes=step.notes, trend=trend)
                if output is not None:
                    write_atomically(output, text)
            _deliver(text, fmt, output, verdict, quiet=quiet)
            keep_until_exit(loaded, facts, evaluation, result, step)  # freed with the process, if it ends now
        log.write(f"exit {int(code)}")
        return code


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


def history_step(
    store: HistoryStore | None,
    result: AuditResult,
    *,
    site: str,
    run_id: str,
    started: dt.datetime,
    fail_on: Severity,
    fail_on_new: bool,
) -> HistoryStep:
    """The scan's history work: compare the result with the previous run, note when each object that could not be
    checked was last compliant, and prepare the recording (nothing is written until it is entered)."""
    code = exit_code(result, fail_on)
    if store is None:
        return HistoryStep(code, "", [], nullcontext(()))
    stored = results_of(result)  # one conversion for the comparison, the notes and the history
    verdict = ""
    if fail_on_new:
        code, verdict = _only_new(store, result, stored, site, fail_on, code)
    notes = [str(note) for note in notes_for(store, site, result.as_of, stored)]
    trend = trend_for(store, result.profile, site, result)  # asked first: the recording has the store to itself
    recording = store.recording(
        result,
        run_id=run_id,
        started_at=started,
        finished_at=now(),
        site=site,
        exit_code=code,
        tool_version=__version__,
        results=stored,
    )
    return HistoryStep(code, verdict, notes, _with_trend(recording, trend))


@contextmanager
def _with_trend(
    recording: AbstractContextManager[None], trend: tuple[TrendPoint, ...]
) -> Iterator[tuple[TrendPoint, ...]]:
    with recording:
        yield trend


@contextmanager
def _held(lock: Path | None, run_id: str) -> Iterator[None]:
    """The run lock at ``lock``, when there is one; a lock file that cannot be written is a usage error."""
    with ExitStack() as stack:
        if lock is not None:
            if lock.exists() and not lock.is_file():
                raise UsageError(f"cannot write {lock}: not a regular file")
            try:
                stack.enter_context(run_lock(lock, run_id))
            except OSError as exc:
                raise cannot_write(lock, exc) from exc
        yield


def _source_line(name: str, source: str, error: str | None) -> str:
    return f"{name} from {source}" + (f" (not collected: {error})" if error else "")


def _only_new(
    store: HistoryStore,
    result: AuditResult,
    stored: Sequence[StoredResult],
    site: str,
    fail_on: Severity,
    code: ExitCode,
) -> tuple[ExitCode, str]:
    """--fail-on-new: the exit code counting only failures the previous run of this profile and site lacked."""
    previous = store.previous_run(profile=result.profile, site=site)
    fresh = new_failures(store.failing_keys(previous) if previous else set(), stored, fail_on)
    if fresh or code is not ExitCode.NON_COMPLIANT:
        return code, ""
    remaining = "no new failures (--fail-on-new); failures from the previous run remain"
    if any(f.status is Status.ERROR for f in result.findings):
        return ExitCode.INCOMPLETE, f"{_VERDICT[ExitCode.INCOMPLETE]}; {remaining}"
    return ExitCode.COMPLIANT, remaining


def parse_as_of(text: str, tz: dt.tzinfo) -> dt.datetime:
    try:
        if len(text) == 10:
            value = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0, 0))
        else:
            value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--as-of: {text!r} is not an ISO date (2026-11-20) or date-time (2026-11-20T18:59)") from exc
    value = value if value.tzinfo else value.replace(tzinfo=tz)
    # Rules walk the whole as-of year in the site's zone (its daylight saving changes), and times move between
    # zones: the first and last years of the calendar have no room for either.
    try:
        year = value.astimezone(tz).year
    except OverflowError:
        year = dt.MAXYEAR
    if not dt.MINYEAR < year < dt.MAXYEAR:
        raise UsageError(
            f"--as-of: {text!r} is out of range: give a date from year {dt.MINYEAR + 1} to {dt.MAXYEAR - 1} "
            "(in the site's time zone)"
        )
    return value


def select_rules(profile: Profile, only: list[str], tags: list[str]) -> list[BoundRule]:
    """The profile's selection (plus user rule folders), narrowed by --tag; --only names rules explicitly."""
    if only:
        unknown = [rule_id for rule_id in only if profile.rule(rule_id) is None]
        if unknown:
            raise UsageError(f"--only: no rule with id {', '.join(map(repr, unknown))} (see 'holyaudit rules list')")
        return [r for r in profile.rules if r.id in only]
    chosen = [r for r in profile.rules if r.id in profile.selected]
    if tags:
        chosen = [r for r in chosen if set(tags) & set(r.spec.tags)]
        if not chosen:
            raise UsageError(f"--tag: no rule in profile {profile.name!r} carries {', '.join(map(repr, tags))}")
    return chosen


def rule_needs(rules: list[BoundRule]) -> dict[str, frozenset[str]]:
    """Per fact set, the fields the selected rules read: all a collector has to fetch."""
    needs: dict[str, frozenset[str]] = {}
    for rule in rules:
        needs[rule.spec.facts] = needs.get(rule.spec.facts, frozenset()) | rule.fields()
    return needs


def exit_code(result: AuditResult, fail_on: Severity) -> ExitCode:
    """1 for a failure at or above ``fail_on``; else 4 if anything could not be checked; else 0."""
    if any(f.status is Status.FAIL and f.severity.rank >= fail_on.rank for f in result.findings):
        return ExitCode.NON_COMPLIANT
    if any(f.status is Status.ERROR for f in result.findings):
        return ExitCode.INCOMPLETE
    return ExitCode.COMPLIANT


_VERDICT = {
    ExitCode.COMPLIANT: "compliant",
    ExitCode.NON_COMPLIANT: "non-compliant",
    ExitCode.INCOMPLETE: "incomplete: some checks could not be made",
}


def _render(
    result: AuditResult,
    fmt: OutputFormat,
    output: Path | None,
    details: bool,
    *,
    notes: list[str],
    trend: tuple[TrendPoint, ...],
) -> str:
    options = RenderOptions(details=details, trend=trend)
    if fmt is OutputFormat.TABLE:  # the one report laid out for a console: its width and colours
        out = stdout_console()
        to_terminal = output is None and sys.stdout.isatty()
        color, width = to_terminal and not out.no_color, out.width if output is None else 120
        options = RenderOptions(details=details, color=color, width=width, trend=trend)
    text = reporter_for(fmt).render(result, options)
    if notes and fmt is OutputFormat.TABLE:
        text += "\nCould not be checked, with when history last saw each compliant:\n"
        text += "".join(f"  {note}\n" for note in notes)
    return text


def _deliver(text: str, fmt: OutputFormat, output: Path | None, verdict: str, *, quiet: bool) -> None:
    """The report on stdout, or (already written to its file) the line that says where it went."""
    if output is not None:
        if not quiet:
            stderr_console().print(f"report written to {output}; {verdict}")
        return
    sys.stdout.write(text)
    if fmt is OutputFormat.TABLE:
        sys.stdout.write(f"{verdict}\n")
