"""``config check``: can each configured source be reached and read? Read-only, like a scan.

Each source gives one line: the directory (bind, and read the domain object's password settings), Group Policy
whenever a directory is configured (the GPOs and their links over LDAP, and the applied GPOs' files from SYSVOL
over SMB, as a scan reads them), the endpoints (how many machines a scan would visit, and a sample of them
reached: a remote shell opened and deleted, no command run), and the MIS export (read and parsed). A missing
secret is that source's failure, so every other source is still checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from holyaudit.collectors import mis
from holyaudit.collectors.gpo.collector import GpoCollector
from holyaudit.collectors.gpo.effective import SOURCE_SUFFIX
from holyaudit.collectors.ldap.connection import TlsPolicy
from holyaudit.collectors.live import Planned, plan
from holyaudit.config import Settings
from holyaudit.errors import HolyauditError
from holyaudit.facts import Domain, GpoContainer


@dataclass(frozen=True)
class Check:
    source: str
    ok: bool
    detail: str


def check_sources(settings: Settings, tls: TlsPolicy, clock: Callable[[], dt.datetime], sample: int = 3) -> list[Check]:
    checks = []
    if settings.directory is not None:
        # Planned once for both lines: Group Policy is read with the directory's account, asked for only once.
        try:
            planned = plan(settings.model_copy(update={"endpoints": None}), tls, clock)
        except HolyauditError as exc:
            checks += [Check("directory", False, str(exc)), Check("gpo", False, str(exc))]
        else:
            checks += [_check_directory(planned), _check_gpo(planned)]
    if settings.endpoints is not None:
        checks.append(_check_endpoints(settings, tls, clock, sample))
    if settings.mis is not None:
        checks.append(Check("mis", *mis.check_export(settings.mis)))
    return checks


def _check_directory(planned: list[Planned]) -> Check:
    (directory,) = [item for item in planned if "directory.domain" in item.provides]
    try:
        (domain_set,) = directory.collector.collect({"directory.domain": frozenset({"min_pwd_length"})})
    except HolyauditError as exc:
        return Check("directory", False, str(exc))
    (domain,) = domain_set.records
    assert isinstance(domain, Domain)
    return Check("directory", True, f"{directory.source}: bound, and read the domain object {domain.base_dn}")


def _check_gpo(planned: list[Planned]) -> Check:
    """Collect Group Policy as a scan does, but without the directory's users and computers (only the OUs' counts
    need them): every GPO and link over LDAP, then a SYSVOL session and each applied GPO's GPT.INI and policy
    files. A file or link that could not be read fails the check, as it would leave a scan's rules in ERROR."""
    (gpo,) = [item for item in planned if isinstance(item.collector, GpoCollector)]
    try:
        (ous,) = gpo.collector.collect({"gpo.ous": frozenset({"applied_gpos"})})
    except HolyauditError as exc:
        return Check("gpo", False, str(exc))
    containers = [record for record in ous.records if isinstance(record, GpoContainer)]
    applied = {name for record in containers for name in record.applied_gpos}
    problems = sorted(
        {record.error for record in containers if record.error}
        | {reason for record in containers for field, reason in record.unreadable.items() if field in SOURCE_SUFFIX}
    )
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        return Check("gpo", False, f"{gpo.source}: {problems[0]}{more}")
    detail = (
        f"{gpo.source}: read the links of {len(containers)} containers and the files of {len(applied)} applied GPOs"
    )
    return Check("gpo", True, detail)


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
