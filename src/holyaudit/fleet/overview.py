"""One row per school of a fleet, from the history: how its last run ended, what fails, what changed since the
run before, which waivers run out soon, and whether it has gone too long without a successful run.

Objects are counted as every report's overview counts them (``reporters/overview.py``): an object failing is
counted once, under the most severe rule it fails; an object any rule could not check is counted as not checked.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holyaudit.errors import ExitCode, HolyauditError
from holyaudit.fleet.spec import FleetSite, FleetSpec
from holyaudit.history.drift import drift
from holyaudit.history.store import HistoryStore, StoredResult
from holyaudit.reporters.safe_text import printable
from holyaudit.status import Severity, Status

WAIVER_WINDOW_DAYS = 30
"""Waivers expiring within this many days of the report are counted."""

SUCCESSFUL = (ExitCode.COMPLIANT, ExitCode.NON_COMPLIANT)
"""A run that could check everything: compliant or not. A run left incomplete (4) does not keep a school fresh."""

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

OVERVIEW_VERSION = 1
"""Version of the overview's JSON and CSV columns (docs/fleet.md)."""


@dataclass(frozen=True)
class SchoolRow:
    id: str
    site: str | None
    """The name the school's runs are stored under; None when its config cannot be read and no run names it."""
    last_run_at: dt.datetime | None
    last_exit_code: int | None
    failing: dict[Severity, int] = field(default_factory=dict)
    not_checked: int = 0
    """Objects some rule could not check in the last run."""
    rules_not_checked: int = 0
    """Rules in ERROR in the last run (a source that could not be read leaves its rules with no object at all)."""
    new: int | None = None
    """Failures in the last run that the run before lacked; None with no run before."""
    resolved: int | None = None
    waivers_expiring: int | None = None
    """Waivers of the school's waivers file expiring within 30 days; None if its config or waivers cannot be read."""
    last_success_at: dt.datetime | None = None
    stale: bool = True
    report: Path | None = None
    """The newest report in the fleet's output folder (HTML if there is one)."""
    problem: str = ""
    """Why a column is unknown (the config that cannot be read)."""

    @property
    def failing_total(self) -> int:
        return sum(self.failing.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site": self.site,
            "last_run_at": _iso(self.last_run_at),
            "last_exit_code": self.last_exit_code,
            "failing": {severity.value: self.failing.get(severity, 0) for severity in SEVERITIES},
            "not_checked": self.not_checked,
            "rules_not_checked": self.rules_not_checked,
            "new": self.new,
            "resolved": self.resolved,
            "waivers_expiring": self.waivers_expiring,
            "last_success_at": _iso(self.last_success_at),
            "stale": self.stale,
            "report": str(self.report) if self.report else None,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class FleetOverview:
    as_of: dt.datetime
    stale_days: int
    schools: list[SchoolRow]

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": OVERVIEW_VERSION,
            "as_of": _iso(self.as_of),
            "stale_days": self.stale_days,
            "waiver_window_days": WAIVER_WINDOW_DAYS,
            "schools": [school.as_json() for school in self.schools],
        }


def fleet_overview(
    spec: FleetSpec, store: HistoryStore | None, *, as_of: dt.datetime, stale_days: int
) -> FleetOverview:
    """A row per site of the fleet file, in its order, from the history (``store``; None if there is none yet)."""
    catalogues: dict[tuple[Path, ...], frozenset[str]] = {}
    rows = [_row(site, spec, store, as_of, stale_days, catalogues) for site in spec.sites]
    return FleetOverview(as_of, stale_days, rows)


def _row(
    site: FleetSite,
    spec: FleetSpec,
    store: HistoryStore | None,
    as_of: dt.datetime,
    stale_days: int,
    catalogues: dict[tuple[Path, ...], frozenset[str]],
) -> SchoolRow:
    name, waivers, problem = _from_config(site, spec, as_of, catalogues)
    name = name or _name_from_summaries(spec.output, site.id)
    report = newest_report(spec.output, site.id)
    runs = store.runs(site=name) if store is not None and name is not None else []
    successes = [run for run in runs if run.exit_code in SUCCESSFUL]
    last_success = successes[0].finished_at if successes else None
    stale = last_success is None or as_of - last_success > dt.timedelta(days=stale_days)
    if not runs or store is None:
        return SchoolRow(
            site.id, name, None, None, waivers_expiring=waivers, stale=stale, report=report, problem=problem
        )
    latest = runs[0]
    results = store.results(latest)
    before = next((run for run in runs[1:] if run.profile == latest.profile), None)
    changes = drift(store.results(before), results) if before is not None else None
    return SchoolRow(
        site.id,
        name,
        latest.finished_at,
        latest.exit_code,
        failing=failing_by_severity(results),
        not_checked=len({(r.kind, r.object_id) for r in results if r.status is Status.ERROR}),
        rules_not_checked=latest.counts.get(Status.ERROR.value, 0),
        new=len(changes.new) if changes is not None else None,
        resolved=len(changes.resolved) if changes is not None else None,
        waivers_expiring=waivers,
        last_success_at=last_success,
        stale=stale,
        report=report,
        problem=problem,
    )


def failing_by_severity(results: list[StoredResult]) -> dict[Severity, int]:
    worst: dict[tuple[str, str], Severity] = {}
    for r in results:
        if r.status is Status.FAIL:
            key = (r.kind, r.object_id)
            if key not in worst or r.severity.rank > worst[key].rank:
                worst[key] = r.severity
    counts = dict.fromkeys(SEVERITIES, 0)
    for severity in worst.values():
        counts[severity] += 1
    return counts


def _from_config(
    site: FleetSite, spec: FleetSpec, as_of: dt.datetime, catalogues: dict[tuple[Path, ...], frozenset[str]]
) -> tuple[str | None, int | None, str]:
    """The school's name as its config gives it (or the fleet file), its waivers expiring soon, and what could not
    be read, if anything."""
    from holyaudit.config import load_settings
    from holyaudit.engine.loader import load_catalogue
    from holyaudit.engine.waivers import load_waivers

    try:
        settings = load_settings(site.config, base=spec.base)
    except HolyauditError as exc:
        return site.name, None, f"config: {printable(str(exc).splitlines()[0])}"
    name = site.name or (settings.site.name if "name" in settings.site.model_fields_set else None)
    if settings.waivers is None:
        return name, 0, ""
    folders = tuple(settings.rules)
    try:
        if folders not in catalogues:
            catalogues[folders] = frozenset(load_catalogue(list(folders)).rules)
        waivers = load_waivers(settings.waivers, catalogues[folders])
    except HolyauditError as exc:
        return name, None, f"waivers: {printable(str(exc).splitlines()[0])}"
    today = as_of.astimezone(_zone(settings.site.timezone)).date()
    window = today + dt.timedelta(days=WAIVER_WINDOW_DAYS)
    return name, sum(1 for waiver in waivers if today <= waiver.expires <= window), ""


def _zone(name: str | None) -> dt.tzinfo:
    from holyaudit.config import DEFAULT_TIMEZONE, zone

    return zone(name or DEFAULT_TIMEZONE)


def newest_report(output: Path, site_id: str) -> Path | None:
    """The site's report in its newest dated folder (``<output>/<id>/<YYYY-MM-DD>/``): HTML if there is one."""
    folder = output / site_id
    if not folder.is_dir():
        return None
    for day in sorted((entry for entry in folder.iterdir() if entry.is_dir()), key=lambda p: p.name, reverse=True):
        reports = sorted(entry for entry in day.iterdir() if entry.is_file() and entry.stem == site_id)
        if reports:
            return next((path for path in reports if path.suffix == ".html"), reports[0])
    return None


def _name_from_summaries(output: Path, site_id: str) -> str | None:
    """The name the newest fleet summary gives the site (a school audited from a snapshot that names it)."""
    import json

    if not output.is_dir():
        return None
    for summary in sorted(output.glob("fleet-*.json"), reverse=True):
        try:
            sites = json.loads(summary.read_text(encoding="utf-8")).get("sites", [])
        except (OSError, ValueError, AttributeError):
            continue
        for entry in sites if isinstance(sites, list) else []:
            if isinstance(entry, dict) and entry.get("id") == site_id and isinstance(entry.get("site"), str):
                return str(entry["site"])
    return None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def relative_link(target: Path, page: Path | None) -> str:
    """``target`` as a link from the page at ``page`` (relative when they share a root, as a report folder copied
    elsewhere keeps working), else as a file URL."""
    if page is None:
        return target.absolute().as_uri()
    try:
        return Path(os.path.relpath(target.absolute(), page.absolute().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return target.absolute().as_uri()
