"""``holyaudit fleet run`` and ``holyaudit fleet report``: many sites from one fleet file (docs/fleet.md)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from holyaudit.cli.common import InsecureOption, write_atomically
from holyaudit.cli.console import stderr_console
from holyaudit.cli.history import HistoryOption
from holyaudit.errors import UsageError
from holyaudit.fleet.formats import OverviewFormat
from holyaudit.reporters.safe_text import printable

if TYPE_CHECKING:
    from holyaudit.fleet.run import FleetOutcome, SiteJob, SiteOutcome

app = typer.Typer(help="Audit many sites from one fleet file, and the overview across them (docs/fleet.md).")

FleetArgument = Annotated[
    Path, typer.Argument(help="Fleet file: the sites, their shared base config, output folder (docs/fleet.md).")
]


class SummaryFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("run")
def run(
    fleet: FleetArgument,
    *,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-j", min=1, max=64, help="Sites audited at once (default: the fleet file's, 4)."
        ),
    ] = None,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline", min=1, max=86400, help="Seconds each site may take before it is stopped (default: 3600)."
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--site", help="Only this site id (its config file's name); repeatable.", show_default=False),
    ] = None,
    history: HistoryOption = None,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help="How the summary is printed on stdout.")
    ] = SummaryFormat.TABLE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on stderr but errors.")] = False,
    insecure_skip_tls_verify: InsecureOption = False,
) -> int:
    """Audit every site of the fleet file, each under its own lock and deadline; exit with the worst site's code."""
    from holyaudit.fleet.run import jobs_for, run_fleet
    from holyaudit.fleet.spec import load_fleet
    from holyaudit.history.store import default_history_path

    spec = load_fleet(fleet)
    if only:
        unknown = sorted(set(only) - {site.id for site in spec.sites})
        if unknown:
            known = ", ".join(site.id for site in spec.sites)
            raise UsageError(f"--site: no site {', '.join(map(repr, unknown))} in {fleet} (its sites: {known})")
        spec = spec.model_copy(update={"sites": [site for site in spec.sites if site.id in only]})
    day = dt.datetime.now().astimezone().date()  # the night's folder, even for sites that finish after midnight
    jobs = jobs_for(
        spec,
        day,
        history=history or spec.history or default_history_path(),
        insecure_skip_tls_verify=insecure_skip_tls_verify,
    )
    if insecure_skip_tls_verify:
        stderr_console().print("warning: --insecure-skip-tls-verify: TLS certificates are NOT checked for any site")
    err = stderr_console()

    def started(job: SiteJob) -> None:
        if not quiet:
            err.print(f"{printable(job.id)}: started", markup=False, highlight=False)

    def finished(site: SiteOutcome) -> None:
        if not quiet:
            first = site.outcome.splitlines()[0] if site.outcome else ""
            err.print(
                f"{printable(site.id)}: exit {int(site.code)}: {first}", markup=False, highlight=False, soft_wrap=True
            )

    outcome = run_fleet(
        jobs,
        concurrency=concurrency or spec.concurrency,
        deadline_seconds=deadline or spec.deadline_seconds,
        started=started,
        finished=finished,
    )
    summary = json.dumps(outcome.as_json(), indent=2, ensure_ascii=True) + "\n"
    # A run of some sites (--site) does not replace the night's summary of them all.
    partial = f"-partial-{outcome.started_at.astimezone():%H%M%S}" if only else ""
    summary_path = spec.output / f"fleet-{day.isoformat()}{partial}.json"
    write_atomically(summary_path, summary)
    if fmt is SummaryFormat.JSON:
        sys.stdout.write(summary)
    else:
        _print_summary(outcome)
    if not quiet:
        err.print(f"summary written to {summary_path}; fleet exit {int(outcome.code)}", markup=False, highlight=False)
    return outcome.code


def _print_summary(outcome: FleetOutcome) -> None:
    from holyaudit.cli.console import simple_table, stdout_console

    table = simple_table()
    for column in ("site", "exit", "outcome", "seconds"):
        table.add_column(column, justify="right" if column in ("exit", "seconds") else "left")
    for site in outcome.sites:
        table.add_row(printable(site.id), str(int(site.code)), printable(site.outcome), f"{site.seconds:.1f}")
    console = stdout_console()
    console.print(table)
    console.print(f"fleet exit {int(outcome.code)}")


@app.command("report")
def report(
    fleet: FleetArgument,
    *,
    history: HistoryOption = None,
    fmt: Annotated[OverviewFormat, typer.Option("--format", "-f", help="Overview format.")] = OverviewFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the overview to this file (atomically).")
    ] = None,
    stale_days: Annotated[
        int | None,
        typer.Option(
            "--stale-days",
            min=1,
            max=3660,
            help="A school with no successful run (exit 0 or 1) for this many days is stale (default: the fleet "
            "file's, 7).",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge staleness and waivers as at this ISO date-time (default: now).")
    ] = None,
) -> int:
    """One row per school from the history: last run and code, failing objects, changes, waivers, stale schools."""
    from holyaudit.audit.workflow import parse_as_of
    from holyaudit.fleet.overview import fleet_overview
    from holyaudit.fleet.render import render
    from holyaudit.fleet.spec import load_fleet
    from holyaudit.history.store import HistoryStore, default_history_path

    spec = load_fleet(fleet)
    when = parse_as_of(as_of, dt.UTC).astimezone(dt.UTC) if as_of else dt.datetime.now(dt.UTC)
    path = history or spec.history or default_history_path()
    if path.exists():
        with HistoryStore.open(path, read_only=True) as store:
            overview = fleet_overview(spec, store, as_of=when, stale_days=stale_days or spec.stale_days)
    else:  # no run yet: every school is shown, and stale
        overview = fleet_overview(spec, None, as_of=when, stale_days=stale_days or spec.stale_days)
    text = render(overview, fmt, page=output)
    if output is not None:
        write_atomically(output, text)
        stderr_console().print(f"overview written to {output}", markup=False, highlight=False)
    else:
        sys.stdout.write(text)
    return 0
