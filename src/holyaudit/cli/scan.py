"""``holyaudit scan``: audit facts (a snapshot, the demo estate or, later, live sources) and report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from holyaudit.cli.common import (
    ConfigOption,
    InsecureOption,
    ProfileOption,
    RulesOption,
    collect_live_facts,
    load_setup,
    now,
    write_atomically,
)
from holyaudit.cli.console import stderr_console, stdout_console
from holyaudit.collectors.snapshot import demo_path, load_snapshot
from holyaudit.config import DEFAULT_TIMEZONE, zone
from holyaudit.engine.evaluate import audit
from holyaudit.engine.loader import Profile
from holyaudit.engine.schema import BoundRule
from holyaudit.errors import ExitCode, UsageError
from holyaudit.models import AuditResult, Severity, Status
from holyaudit.reporters.interface import OutputFormat, RenderOptions, reporter_for


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
            "Default: a snapshot's collection time, else now.",
        ),
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", help="Audit a snapshot file offline instead of live sources.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Audit the built-in demo school estate.")] = False,
    config: ConfigOption = None,
    details: Annotated[bool, typer.Option("--details", help="List every offending object in the table.")] = False,
    insecure_skip_tls_verify: InsecureOption = False,
) -> int:
    """Audit the estate against the profile's rules and report; the exit code says the outcome."""
    if demo and snapshot:
        raise UsageError("--demo and --snapshot cannot be used together")
    setup = load_setup(config, profile, rules)
    selected = select_rules(setup.profile, only or [], tag or [])
    if demo or snapshot:
        loaded = load_snapshot(demo_path() if demo else snapshot)  # type: ignore[arg-type]
        facts, snapshot_tz, default_as_of = loaded.fact_sets, loaded.timezone, loaded.collected_at
    else:
        facts = collect_live_facts(setup.settings, rule_needs(selected), insecure_skip_tls_verify)
        snapshot_tz, default_as_of = None, now()
    tz = zone(setup.settings.site.timezone or snapshot_tz or DEFAULT_TIMEZONE)
    when = parse_as_of(as_of, tz) if as_of else default_as_of
    result = audit(selected, facts, as_of=when.astimezone(tz), tz=tz, profile=setup.profile.name)
    code = exit_code(result, fail_on)
    _report(result, fmt, output, details, code)
    return code


def parse_as_of(text: str, tz: dt.tzinfo) -> dt.datetime:
    try:
        if len(text) == 10:
            value = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0, 0))
        else:
            value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--as-of: {text!r} is not an ISO date (2026-11-20) or date-time (2026-11-20T18:59)") from exc
    return value if value.tzinfo else value.replace(tzinfo=tz)


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


def _report(result: AuditResult, fmt: OutputFormat, output: Path | None, details: bool, code: ExitCode) -> None:
    out = stdout_console()
    to_terminal = output is None and sys.stdout.isatty()
    options = RenderOptions(
        details=details, color=to_terminal and not out.no_color, width=out.width if output is None else 120
    )
    text = reporter_for(fmt).render(result, options)
    verdict = f"exit {int(code)}: {_VERDICT[code]}"
    if output is not None:
        write_atomically(output, text)
        stderr_console().print(f"report written to {output}; {verdict}")
        return
    sys.stdout.write(text)
    if fmt is OutputFormat.TABLE:
        sys.stdout.write(f"{verdict}\n")
