"""``config check``: can each configured source be reached and read? Read-only, like a scan.

Each source gives one line: the directory (bind, and read the domain object's password settings), the
endpoints (how many machines a scan would visit, and a sample of them reached: a remote shell opened and
deleted, no command run), and the MIS export (read and parsed). A missing secret is that source's failure,
so every other source is still checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from holyaudit.collectors import mis
from holyaudit.collectors.ldap.connection import TlsPolicy
from holyaudit.collectors.live import plan
from holyaudit.config import Settings
from holyaudit.errors import HolyauditError
from holyaudit.facts import Domain


@dataclass(frozen=True)
class Check:
    source: str
    ok: bool
    detail: str


def check_sources(settings: Settings, tls: TlsPolicy, clock: Callable[[], dt.datetime], sample: int = 3) -> list[Check]:
    checks = []
    if settings.directory is not None:
        checks.append(_check_directory(settings.model_copy(update={"endpoints": None}), tls, clock))
    if settings.endpoints is not None:
        checks.append(_check_endpoints(settings, tls, clock, sample))
    if settings.mis is not None:
        try:
            leavers = mis.read_export(settings.mis)
            checks.append(Check("mis", True, f"{settings.mis.leavers_csv}: {len(leavers)} leavers read"))
        except mis.MisExportError as exc:
            checks.append(Check("mis", False, str(exc)))
    return checks


def _check_directory(settings: Settings, tls: TlsPolicy, clock: Callable[[], dt.datetime]) -> Check:
    try:
        (directory,) = [item for item in plan(settings, tls, clock) if "directory.domain" in item.provides]
        (domain_set,) = directory.collector.collect({"directory.domain": frozenset({"min_pwd_length"})})
    except HolyauditError as exc:
        return Check("directory", False, str(exc))
    (domain,) = domain_set.records
    assert isinstance(domain, Domain)
    return Check("directory", True, f"{directory.source}: bound, and read the domain object {domain.base_dn}")


def _check_endpoints(settings: Settings, tls: TlsPolicy, clock: Callable[[], dt.datetime], sample: int) -> Check:
    from holyaudit.collectors.winrm.collector import TARGET_INPUTS, EndpointCollector
    from holyaudit.collectors.winrm.outcome import Reach

    try:
        planned = plan(settings, tls, clock)
        collector = next(item.collector for item in planned if isinstance(item.collector, EndpointCollector))
        facts = {}
        if settings.endpoints is not None and settings.endpoints.from_directory:
            for item in planned:
                if set(TARGET_INPUTS) & item.provides:
                    facts.update({fact_set.name: fact_set for fact_set in item.collector.collect(TARGET_INPUTS)})
        targets = collector.targets(facts)
    except HolyauditError as exc:
        return Check("endpoints", False, str(exc))
    if not targets:
        return Check("endpoints", False, "no machines to audit: no enabled computer accounts and no inventory")
    hosts = collector.visit(targets[:sample], frozenset())  # no probe: open a shell and delete it
    reached = [host for host in hosts if host.connection == Reach.REACHED.value]
    tried = "; ".join(host.id if host in reached else f"{host.id}: {host.error}" for host in hosts)
    detail = f"{collector.source()}: {len(targets)} machines; {len(reached)} of {len(hosts)} tried reached ({tried})"
    return Check("endpoints", len(reached) == len(hosts), detail)
