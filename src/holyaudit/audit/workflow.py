"""The audit workflow: a request in, an outcome out.

``audit`` checks every input first (settings, rules, profile, waivers, snapshot, time zone, ``--as-of``, the lock
path, the history, the live sources' secrets), so a request refused for any of them has created and opened
nothing. Then it takes the run lock (so a run refused for it has not opened the history either), opens the
history, collects (or reads the snapshot), evaluates, applies the waivers, works out the exit code and records
the run, with the caller's report delivered inside the recording: a report that cannot be delivered leaves no run
behind (and no history, where there was none), and a recorded run's exit code is the one the caller is given.
``collect_snapshot`` is ``holyaudit collect``'s: the live sources, every fact set, as a snapshot.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from holyaudit.audit.exit_codes import VERDICT, prevailing
from holyaudit.audit.history import history_step, open_history
from holyaudit.audit.setup import Setup, load_setup
from holyaudit.audit.sources import Listener, LiveSources, live_sources, now
from holyaudit.audit.unattended import default_lock_path, run_lock
from holyaudit.collectors.live import all_fields
from holyaudit.config import DEFAULT_TIMEZONE, Settings, load_settings, zone
from holyaudit.engine.evaluate import Evaluation
from holyaudit.engine.loader import Profile
from holyaudit.engine.schema import BoundRule
from holyaudit.engine.waivers import Waiver, load_waivers, warnings
from holyaudit.errors import ExitCode, LockedError, UsageError, cannot_write
from holyaudit.facts import FACT_SETS, FactSet
from holyaudit.history.store import new_run_id, refuse_unrecordable
from holyaudit.models import AuditResult, Severity
from holyaudit.notify.decide import Changes
from holyaudit.reporters.interface import TrendPoint

if TYPE_CHECKING:  # a live scan never reads a snapshot: the module is loaded by the scans and commands that do
    from holyaudit.collectors.snapshot import Snapshot


@dataclass(frozen=True)
class AuditRequest:
    """What to audit, against what, and where to record it: a scan's options."""

    config: Path | None = None
    base: Path | None = None
    """A base config file the site's lies over (a fleet's, docs/fleet.md); None: the site's file alone."""
    site: str | None = None
    """The name the run is recorded and locked under; None: the snapshot's, else the config's ``site.name``."""
    profile: str | None = None
    """A built-in profile's name or a profile file; None: the config's (else holywell)."""
    rules: tuple[Path, ...] = ()
    """Extra folders of rule files, beside the config's."""
    only: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    snapshot: Path | None = None
    """A snapshot file to audit offline (the demo estate is one); None: the live sources the config enables."""
    as_of: str | None = None
    """An ISO date or date-time (the site's zone if it gives none); None: a snapshot's collection time, else when
    collection starts."""
    waivers: Path | None = None
    """A waivers file; None: the config's, if it names one."""
    fail_on: Severity = Severity.LOW
    fail_on_new: bool = False
    history: Path | None = None
    """The history database to record the run in; None records nothing."""
    lock: Path | None = None
    """The run lock; None: one per site beside the history (none without a history)."""
    reports: tuple[Path, ...] = ()
    """Files the delivery will write: one that plainly cannot be written is refused with the inputs."""
    insecure_skip_tls_verify: bool = False
    endpoint_facts: Path | None = None
    """A folder of endpoint facts files (``endpoints.facts_dir``) to read, overriding the config's."""
    trend: bool = False
    """Whether the report draws the trend of earlier runs (the HTML report does): counting them reads every
    result of up to ``TREND_RUNS`` stored runs, which no other report needs."""
    notify: bool = True
    """Send the email the config's ``notify`` asks for (tests and one-off runs may turn it off)."""
    run_id: str = field(default_factory=lambda: new_run_id())


@dataclass(frozen=True)
class AuditOutcome:
    """An audit's result, its exit code and what the history adds, as its report is delivered."""

    run_id: str
    site: str
    result: AuditResult
    code: ExitCode
    """The exit code, counting only new failures with ``fail_on_new``; the one the run is recorded with."""
    verdict: str
    """The exit code in words (``non-compliant``), with why ``fail_on_new`` changed it if it did."""
    notes: list[str]
    """Objects the audit could not check, with when the history last saw each compliant (none without one)."""
    trend: tuple[TrendPoint, ...]
    """Rules per status in this profile and site's recent runs, this one last (empty without a history)."""
    waiver_warnings: list[str]
    """Expired, unmatched and soon-expiring waivers, one line each."""
    history: Path | None
    """Where the run is recorded (committed once the delivery returns), if anywhere."""
    notice: str | None = None
    """What became of the run's email: sent to whom, or why not; None when none was due."""
    retained: tuple[object, ...] = ()
    """Everything the audit built, for a caller that ends the process straight after to keep (``cli/process.py``)."""


def _nothing_to_deliver(outcome: AuditOutcome) -> None:
    """An audit whose caller only wants its outcome."""


def audit(
    request: AuditRequest,
    listener: Listener | None = None,
    deliver: Callable[[AuditOutcome], None] = _nothing_to_deliver,
) -> AuditOutcome:
    """Audit as ``request`` says and record the run; ``deliver`` writes the report while the run is recorded.

    Raises holyaudit's errors (each with its exit code) for a request that cannot be met; nothing is created or
    opened for writing before every input is checked. The run is committed only after ``deliver`` returns, so a
    delivery that raises (a report that cannot be written, Ctrl-C) leaves no run in the history.
    """
    listener = listener or Listener()
    started = now()
    inputs = _checked_inputs(request, listener)
    notify = inputs.setup.settings.notify if request.notify else None
    try:
        outcome, changes = _audited(request, inputs, listener, deliver, started=started, compare=notify is not None)
    except (KeyboardInterrupt, LockedError):  # stopped by a person, or another run is at work: nothing to tell
        raise
    except Exception as exc:
        if notify is not None:
            from holyaudit.notify.run import notify_failure

            notify_failure(notify, site=inputs.site, error=exc, run_id=request.run_id, listener=listener)
        raise
    if notify is None or changes is None:
        return outcome
    from holyaudit.notify.run import notify_run

    notice = notify_run(
        notify, outcome.result, code=outcome.code, verdict=outcome.verdict, changes=changes, run_id=outcome.run_id,
        trend=outcome.trend, listener=listener,
    )  # fmt: skip
    return replace(outcome, notice=notice)


def _audited(
    request: AuditRequest,
    inputs: _Inputs,
    listener: Listener,
    deliver: Callable[[AuditOutcome], None],
    *,
    started: dt.datetime,
    compare: bool,
) -> tuple[AuditOutcome, Changes | None]:
    """The audit itself, once its inputs are checked: recorded when this returns, with what changed since the
    previous run when ``compare`` asks for it."""
    # The lock first: a run refused because another holds it (exit 5) has not opened or created the history.
    with _held(inputs.lock, request.run_id), open_history(request.history) as store:
        # A live scan is as of the moment collection starts: the rules judge the users as they arrive.
        source = inputs.source
        when = inputs.as_of or (now() if isinstance(source, LiveSources) else source.collected_at)
        evaluation = Evaluation(inputs.rules, as_of=when.astimezone(inputs.tz), tz=inputs.tz)
        facts = source.collect(early=evaluation.feed) if isinstance(source, LiveSources) else source.fact_sets
        listener.log("sources: " + "; ".join(_source_line(fs.name, fs.source, fs.error) for fs in facts.values()))
        judged = evaluation.audit(facts, profile=inputs.setup.profile.name, waivers=inputs.waivers)
        # A shallow copy: the findings are shared.
        result = judged.model_copy(update={"site": inputs.site, "framework": inputs.setup.profile.spec.framework})
        waiver_warnings = warnings(result.waivers or [])
        for line in waiver_warnings:
            listener.log(f"waiver: {line}")
        step = history_step(
            store,
            result,
            site=inputs.site,
            run_id=request.run_id,
            started=started,
            fail_on=request.fail_on,
            fail_on_new=request.fail_on_new,
            trend=request.trend,
            changes=compare,
        )
        listener.log("findings: " + ", ".join(f"{status} {n}" for status, n in result.summary().items()))
        with step.recording as trend:
            outcome = AuditOutcome(
                run_id=request.run_id,
                site=inputs.site,
                result=result,
                code=step.code,
                verdict=step.verdict or VERDICT[step.code],
                notes=step.notes,
                trend=trend,
                waiver_warnings=waiver_warnings,
                history=request.history,
                retained=(source, facts, evaluation, step),
            )
            deliver(outcome)
        return outcome, step.changes


@dataclass(frozen=True)
class _Inputs:
    """A request's inputs, every one loaded and checked."""

    setup: Setup
    rules: list[BoundRule]
    waivers: tuple[Waiver, ...] | None
    source: Snapshot | LiveSources
    """The snapshot to audit, or the live sources to collect from."""
    site: str
    tz: ZoneInfo
    as_of: dt.datetime | None
    lock: Path | None


def _checked_inputs(request: AuditRequest, listener: Listener) -> _Inputs:
    if request.fail_on_new and request.history is None:
        raise UsageError("--fail-on-new compares with the previous stored run, so it needs the history")
    setup = load_setup(request.config, request.profile, list(request.rules), base=request.base)
    if request.endpoint_facts is not None:
        setup = replace(setup, settings=_with_endpoint_facts(setup, request))
    selected = select_rules(setup.profile, list(request.only), list(request.tags))
    waivers_path = request.waivers or setup.settings.waivers
    loaded_waivers = load_waivers(waivers_path, setup.catalogue.rules) if waivers_path else None
    snapshot = None
    if request.snapshot:
        from holyaudit.collectors.snapshot import load_snapshot

        snapshot = load_snapshot(request.snapshot)
    site = request.site or (snapshot.site if snapshot else None) or setup.settings.site.name
    tz = zone(setup.settings.site.timezone or (snapshot.timezone if snapshot else None) or DEFAULT_TIMEZONE)
    as_of = parse_as_of(request.as_of, tz) if request.as_of else None
    lock = request.lock or (default_lock_path(request.history, site) if request.history else None)
    if lock is not None and lock.exists() and not lock.is_file():
        raise UsageError(f"cannot write {lock}: not a regular file")
    if request.history is not None:
        refuse_unrecordable(request.history)
    for report in request.reports:
        _refuse_unwritable(report)
    source = snapshot or live_sources(setup.settings, rule_needs(selected), request.insecure_skip_tls_verify, listener)
    return _Inputs(setup, selected, loaded_waivers, source, site, tz, as_of, lock)


def _with_endpoint_facts(setup: Setup, request: AuditRequest) -> Settings:
    from holyaudit.collectors.winrm.source import with_endpoint_facts

    assert request.endpoint_facts is not None
    if request.snapshot is not None:
        raise UsageError("--endpoint-facts reads the machines' facts files: it cannot be used with a snapshot")
    if not request.endpoint_facts.is_dir():
        raise UsageError(f"--endpoint-facts: folder '{request.endpoint_facts}' does not exist")
    return with_endpoint_facts(setup.settings, request.endpoint_facts)


def _refuse_unwritable(path: Path) -> None:
    """Refuse a file that can be seen not to be writable without writing it: an existing folder, or a file where
    a folder on the way to it must be. Anything else is found when it is written (a full disk, say)."""
    if path.is_dir():
        raise cannot_write(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        # As creating the folders would fail: the file itself in the way, or a file further up.
        if ancestor == path.parent:
            raise cannot_write(path, FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(ancestor)))
        raise cannot_write(path, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))


@contextmanager
def _held(lock: Path | None, run_id: str) -> Iterator[None]:
    """The run lock at ``lock``, when there is one; a lock file that cannot be written is a usage error."""
    with ExitStack() as stack:
        if lock is not None:
            try:
                stack.enter_context(run_lock(lock, run_id))
            except OSError as exc:
                raise cannot_write(lock, exc) from exc
        yield


def _source_line(name: str, source: str, error: str | None) -> str:
    return f"{name} from {source}" + (f" (not collected: {error})" if error else "")


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
    for part in (part for rule in rules for part in rule.parts):
        needs[part.spec.facts] = needs.get(part.spec.facts, frozenset()) | part.fields()
    return needs


@dataclass(frozen=True)
class CollectRequest:
    """Which site's sources to read into a snapshot: ``holyaudit collect``'s options."""

    config: Path | None = None
    insecure_skip_tls_verify: bool = False


@dataclass(frozen=True)
class Collected:
    """Every fact set the live sources gave, and the snapshot file's text that holds them."""

    facts: dict[str, FactSet]
    snapshot: str
    failed: list[str]
    """The fact sets that could not be collected, by name."""
    code: ExitCode
    """4 if any fact set could not be collected, else 0."""


def collect_snapshot(request: CollectRequest, listener: Listener | None = None) -> Collected:
    """Read every fact set the configured sources provide, as a snapshot to audit later."""
    from holyaudit.collectors.snapshot import dump_snapshot

    listener = listener or Listener()
    settings = load_settings(request.config)
    live = live_sources(settings, all_fields(FACT_SETS), request.insecure_skip_tls_verify, listener)
    facts = live.collect()
    text = dump_snapshot(
        list(facts.values()),
        site=settings.site.name,
        timezone=settings.site.timezone or DEFAULT_TIMEZONE,
        collected_at=now(),
    )
    failed = sorted(name for name, fact_set in facts.items() if fact_set.error)
    return Collected(facts, text, failed, prevailing(*(ExitCode.INCOMPLETE for _ in failed)))
