"""Running a fleet's sites: each site is one audit (``audit.workflow.audit``) in a process of its own, at most
``concurrency`` at once, each stopped at its deadline; the fleet's code is the prevailing one of its sites'.

Processes, not threads, by need and by measurement (docs/fleet.md, "Threads or processes"): only a process can be
stopped at a deadline (a thread waiting on a silent server cannot be), its run lock released and its unfinished
history transaction rolled back by the operating system; each has its own Ctrl-C handling and garbage-collector
state, as a ``scan`` does. Measured (``benchmarks/fleet_scale.py``), threads are faster only where a site's audit
is so small (the 63-user demo, 0.2 s) that a process's own start costs show; with 5,000-user sites the two are
level, and both are 4-5x faster than the same sites scanned one after another.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from holyaudit.audit.exit_codes import code_for, prevailing
from holyaudit.errors import ExitCode, HolyauditError, InvalidInputError
from holyaudit.reporters.interface import OutputFormat
from holyaudit.reporters.safe_text import printable
from holyaudit.status import Severity

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from holyaudit.audit.workflow import AuditOutcome
    from holyaudit.fleet.spec import FleetSpec

EXTENSIONS = {
    OutputFormat.TABLE: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.HTML: "html",
    OutputFormat.JUNIT: "xml",
    OutputFormat.CSV: "csv",
    OutputFormat.MARKDOWN: "md",
}
"""Each report format's file name extension in the output folder."""

SUMMARY_VERSION = 1
"""Version of the fleet summary's JSON (docs/fleet.md)."""


@dataclass(frozen=True)
class SiteJob:
    """One site's audit, as the fleet file gives it (picklable: it is sent to the site's process)."""

    id: str
    config: Path
    base: Path | None = None
    name: str | None = None
    snapshot: Path | None = None
    history: Path | None = None
    reports: tuple[tuple[OutputFormat, Path], ...] = ()
    fail_on: Severity = Severity.LOW
    insecure_skip_tls_verify: bool = False


@dataclass(frozen=True)
class SiteOutcome:
    """How one site's audit ended: its exit code and, in words, its verdict or why it could not run."""

    id: str
    code: ExitCode
    outcome: str
    site: str | None = None
    """The name the run is recorded under (None if the site's config could not be read)."""
    run_id: str | None = None
    reports: tuple[Path, ...] = ()
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site": self.site,
            "code": int(self.code),
            "outcome": self.outcome,
            "run_id": self.run_id,
            "reports": [str(path) for path in self.reports],
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class FleetOutcome:
    code: ExitCode
    """The prevailing code of the sites' (``exit_codes.prevailing``)."""
    started_at: dt.datetime
    finished_at: dt.datetime
    concurrency: int
    sites: list[SiteOutcome] = field(default_factory=list)
    """In the fleet file's order."""

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": SUMMARY_VERSION,
            "code": int(self.code),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": self.finished_at.isoformat(timespec="seconds"),
            "concurrency": self.concurrency,
            "sites": [site.as_json() for site in self.sites],
        }


def jobs_for(
    spec: FleetSpec, day: dt.date, *, history: Path | None, insecure_skip_tls_verify: bool = False
) -> list[SiteJob]:
    """A job per site of the fleet file, its reports in ``<output>/<site id>/<day>/``."""
    return [
        SiteJob(
            id=site.id,
            config=site.config,
            base=spec.base,
            name=site.name,
            snapshot=site.snapshot,
            history=history,
            reports=tuple(
                (fmt, spec.output / site.id / day.isoformat() / f"{site.id}.{EXTENSIONS[fmt]}") for fmt in spec.formats
            ),
            fail_on=spec.fail_on,
            insecure_skip_tls_verify=insecure_skip_tls_verify,
        )
        for site in spec.sites
    ]


def run_site(job: SiteJob) -> SiteOutcome:
    """One site's audit and reports; never raises but for Ctrl-C: every error is the site's outcome."""
    from holyaudit.audit.workflow import AuditRequest, audit
    from holyaudit.history.store import new_run_id

    started = time.monotonic()
    run_id = new_run_id()
    name = job.name or _configured_name(job)
    request = AuditRequest(
        config=job.config,
        base=job.base,
        site=name,
        snapshot=job.snapshot,
        fail_on=job.fail_on,
        history=job.history,
        reports=tuple(path for _, path in job.reports),
        insecure_skip_tls_verify=job.insecure_skip_tls_verify,
        trend=any(fmt is OutputFormat.HTML for fmt, _ in job.reports),
        run_id=run_id,
    )

    def ended(code: ExitCode, outcome: str, site: str | None = name, reports: tuple[Path, ...] = ()) -> SiteOutcome:
        return SiteOutcome(job.id, code, outcome, site, run_id, reports, time.monotonic() - started)

    try:
        outcome = audit(request, deliver=lambda outcome: _deliver(outcome, job.reports))
    except InvalidInputError as exc:
        return ended(exc.exit_code, "\n".join(printable(problem) for problem in exc.problems))
    except HolyauditError as exc:
        return ended(code_for(exc), printable(exc))
    except Exception as exc:  # a defect: its type only, as the run log names it (its text could hold anything)
        return ended(code_for(exc), f"internal error: {type(exc).__name__}")
    return ended(outcome.code, outcome.verdict, outcome.site, tuple(path for _, path in job.reports))


def _configured_name(job: SiteJob) -> str | None:
    """The name the site's config gives itself, if it does: in a fleet it comes before a snapshot's, so that each
    school's file names it. None if the config cannot be read (the audit then says why)."""
    from holyaudit.config import load_settings

    try:
        settings = load_settings(job.config, base=job.base)
    except HolyauditError:
        return None
    return settings.site.name if "name" in settings.site.model_fields_set else None


def _deliver(outcome: AuditOutcome, reports: Sequence[tuple[OutputFormat, Path]]) -> None:
    from holyaudit.cli.common import write_atomically
    from holyaudit.reporters.interface import RenderOptions, reporter_for

    for fmt, path in reports:
        text = reporter_for(fmt).render(outcome.result, RenderOptions(width=120, trend=outcome.trend))
        if fmt is OutputFormat.TABLE and outcome.notes:
            text += "\nCould not be checked, with when history last saw each compliant:\n"
            text += "".join(f"  {note}\n" for note in outcome.notes)
        write_atomically(path, text)


Started = Callable[[SiteJob], None]
Finished = Callable[[SiteOutcome], None]


def _quiet(_: object) -> None:
    """A caller that does not want to hear it."""


def run_fleet(
    jobs: Sequence[SiteJob],
    *,
    concurrency: int,
    deadline_seconds: float,
    started: Started = _quiet,
    finished: Finished = _quiet,
) -> FleetOutcome:
    """Every job, each in a process of its own, at most ``concurrency`` at once; a site still running at its
    deadline is stopped (exit 4: nothing was recorded for it). Ctrl-C stops every site and raises."""
    began = dt.datetime.now(dt.UTC)
    outcomes = _in_processes(jobs, concurrency, deadline_seconds, started, finished)
    ordered = [outcomes[job.id] for job in jobs]
    return FleetOutcome(
        prevailing(*(outcome.code for outcome in ordered)), began, dt.datetime.now(dt.UTC), concurrency, ordered
    )


@dataclass
class _Running:
    job: SiteJob
    process: BaseProcess
    receiver: Connection
    since: float


def _in_processes(
    jobs: Sequence[SiteJob], concurrency: int, deadline: float, started: Started, finished: Finished
) -> dict[str, SiteOutcome]:
    # fork where there is one (the modules a site needs are loaded once, here, and shared); Windows spawns.
    context = multiprocessing.get_context("spawn") if sys.platform == "win32" else multiprocessing.get_context("fork")
    _warm({fmt for job in jobs for fmt, _ in job.reports})

    pending = deque(jobs)
    running: list[_Running] = []
    outcomes: dict[str, SiteOutcome] = {}

    def done(outcome: SiteOutcome) -> None:
        outcomes[outcome.id] = outcome
        finished(outcome)

    try:
        while pending or running:
            while pending and len(running) < concurrency:
                job = pending.popleft()
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_site_process, args=(job, sender), name=f"holyaudit-{job.id}")
                process.start()
                sender.close()  # the child holds the other end: when it ends, the receiver sees it
                running.append(_Running(job, process, receiver, time.monotonic()))
                started(job)
            now = time.monotonic()
            wait_for = max(0.0, min(r.since + deadline for r in running) - now)
            wait([r.receiver for r in running], timeout=wait_for)
            for site in list(running):
                outcome = _collected(site, deadline)
                if outcome is not None:
                    running.remove(site)
                    done(outcome)
    except BaseException:
        for site in running:
            _stop(site.process)
        raise
    return outcomes


def _warm(formats: set[OutputFormat]) -> None:
    """Do once, before the forks, what every site's first audit in a fresh process would do again: import the
    workflow and the chosen reporters, and load the built-in rules and profile (modules imported, models and
    validators built, rule functions compiled, which the forked processes then share)."""
    from holyaudit.audit.workflow import select_rules
    from holyaudit.engine.loader import DEFAULT_PROFILE, find_profile, load_catalogue, load_profile
    from holyaudit.reporters.interface import reporter_for

    for fmt in formats:
        reporter_for(fmt)
    select_rules(load_profile(find_profile(DEFAULT_PROFILE), load_catalogue()), [], [])


def _collected(site: _Running, deadline: float) -> SiteOutcome | None:
    """The site's outcome if its process has given it or ended, or it ran out of time; None while it runs."""
    elapsed = time.monotonic() - site.since
    if site.receiver.poll():
        try:
            outcome: SiteOutcome = site.receiver.recv()
        except EOFError:  # ended without a word: killed, or crashed in the interpreter itself
            site.process.join()
            return SiteOutcome(
                site.job.id,
                ExitCode.INTERNAL,
                f"internal error: the site's process ended without an outcome (exit status {site.process.exitcode})",
                seconds=elapsed,
            )
        site.process.join()
        site.receiver.close()
        return outcome
    if elapsed >= deadline:
        _stop(site.process)
        site.receiver.close()
        return SiteOutcome(
            site.job.id,
            ExitCode.INCOMPLETE,
            f"incomplete: still running at the site's deadline of {deadline:g} s; stopped, nothing was recorded",
            seconds=elapsed,
        )
    return None


def _stop(process: BaseProcess) -> None:
    process.terminate()
    process.join(5)
    if process.is_alive():
        process.kill()
        process.join()


def _site_process(job: SiteJob, sender: Connection) -> None:
    """A site's process: Ctrl-C interrupts it as Python's default does (the fleet stops it anyway)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        outcome = run_site(job)
    except KeyboardInterrupt:
        outcome = SiteOutcome(job.id, ExitCode.INTERRUPTED, "interrupted")
    sender.send(outcome)
    sender.close()


def run_in_threads(jobs: Sequence[SiteJob], concurrency: int) -> list[SiteOutcome]:
    """The same sites on threads of this process (no deadline: a thread cannot be stopped). Only
    ``benchmarks/fleet_scale.py`` uses it, to measure what processes give over it."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(run_site, jobs))
