"""The live sources an audit reads: planned (secrets found, the MIS export read) before anything is created or
contacted, then collected, each failing source recorded rather than fatal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from holyaudit.collectors.interface import Progress, RecordSink
from holyaudit.collectors.ldap.connection import TlsPolicy
from holyaudit.collectors.live import Planned, collect, leaver_merge, merging, plan, with_mis_leavers, with_mis_needs
from holyaudit.collectors.mis import LeaverMerge
from holyaudit.config import Settings
from holyaudit.errors import UsageError
from holyaudit.facts import FactSet


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ignored(message: str) -> None:
    """A listener that does not want to hear it."""


def _nothing() -> None:
    """A listener that does not want to know."""


def _no_progress() -> AbstractContextManager[Progress | None]:
    return nullcontext()


@dataclass(frozen=True)
class Listener:
    """How an audit tells its caller what happens while it runs (the CLI prints it; by default nothing is said)."""

    warn: Callable[[str], None] = _ignored
    """A source's problem that does not stop the audit (an MIS export that cannot be read, a failed collector)."""
    unverified_tls: Callable[[], None] = _nothing
    """TLS certificates will not be checked (``--insecure-skip-tls-verify``): said before any source is planned."""
    progress: Callable[[], AbstractContextManager[Progress | None]] = _no_progress
    """Made when collection starts, left when it ends: where the collectors report how far they have got."""
    log: Callable[[str], None] = _ignored
    """A line for the run's log (``--log-file``)."""
    said: Callable[[str], None] = _ignored
    """News for the person running it that is not a warning: an email sent about the run."""


@dataclass(frozen=True)
class LiveSources:
    """The collectors a config enables, planned and ready to run for the fields a command needs."""

    settings: Settings
    planned: list[Planned]
    needs: Mapping[str, frozenset[str]]
    merge: LeaverMerge | None
    listener: Listener

    def collect(self, early: RecordSink | None = None) -> dict[str, FactSet]:
        """Facts from every planned source; a source that fails is recorded, not fatal. ``early`` takes records as
        they are made, the MIS leaving dates merged in (a scan judges them then)."""
        needs = with_mis_needs(self.needs, self.settings)
        with self.listener.progress() as progress:
            facts = collect(self.planned, needs, now, self.listener.warn, progress, merging(self.merge, early))
        return with_mis_leavers(facts, self.settings, self.merge)


def live_sources(
    settings: Settings, needs: Mapping[str, frozenset[str]], insecure_skip_tls_verify: bool, listener: Listener
) -> LiveSources:
    """Plan the sources the config enables: passwords are found and the MIS export read here, before anything is
    contacted; a config with no live source is a usage error."""
    if insecure_skip_tls_verify:
        listener.unverified_tls()
    planned = plan(settings, TlsPolicy(verify=not insecure_skip_tls_verify), now)
    if not planned:
        raise UsageError(
            "no live source is configured: add a 'directory' or 'endpoints' section to the config file "
            "(docs/configuration.md), or audit a snapshot with --snapshot FILE, or try --demo"
        )
    return LiveSources(settings, planned, needs, leaver_merge(settings, needs, listener.warn), listener)
