"""The endpoint collector: what each Windows machine says about itself, over WinRM or in the facts file it wrote.

Machines are visited concurrently (``endpoints.concurrency``, default 32), each within its own deadline
(``endpoints.deadline_seconds``). Every machine ends as reached, unreachable, auth failed, timed out or error;
one that was not reached is kept as a host record with the reason, so each rule reports ERROR for it, and the
fact set's source says how many were reached ("212 of 240 machines reached").

With ``endpoints.facts_dir``, a machine WinRM did not reach (or every machine, with ``winrm: false``) is read from
its facts file instead (``facts_files.py``), through the same interpretation; each host records its ``source``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import winrm.transport as winrm_transport

from holyaudit.collectors.credentials import CredentialError, Secret
from holyaudit.collectors.interface import Check, Collector, Progress, RecordSink
from holyaudit.collectors.winrm.backup_evidence import BackupEvidence, backup_probe, evidence_for
from holyaudit.collectors.winrm.drift import DRIFT_FIELDS, PROBED, Intent, drift
from holyaudit.collectors.winrm.drift import INPUTS as DRIFT_INPUTS
from holyaudit.collectors.winrm.facts_files import FactsFileError, FactsFolder
from holyaudit.collectors.winrm.interpret import host_fields
from holyaudit.collectors.winrm.outcome import TIMED_OUT_REASON, Outcome, Reach
from holyaudit.collectors.winrm.probes import Probe, probes_for
from holyaudit.collectors.winrm.session import Endpoint, Watch, converse
from holyaudit.collectors.winrm.source import EndpointSettings
from holyaudit.collectors.winrm.targets import Target, from_directory, merge, read_inventory
from holyaudit.errors import CollectorError, HolyauditError
from holyaudit.facts import FactSet, Host

TARGET_INPUTS = {"directory.computers": frozenset({"dns_host_name", "enabled", "categories"})}
"""What the collector reads from the directory collector to choose machines (endpoints.from_directory)."""


STALLED_SECONDS = 5.0
"""A machine silent this long (or a third of its deadline, if shorter) for one answer stops counting against
endpoints.concurrency."""
ABANDON_AFTER_CUT_SECONDS = 5.0


@dataclass
class _Visit:
    target: Target
    watch: Watch
    holds_place: bool = True
    outcome: Outcome | None = None

    def abandoned(self) -> Outcome | None:
        """A timed-out outcome for a visit whose thread has not ended well after its deadline (a clean-up begun
        at the latest when it is cut, ``grace`` after the deadline, ends ``grace`` later)."""
        if self.watch.remaining() > -(2 * self.watch.grace + ABANDON_AFTER_CUT_SECONDS):
            return None
        return Outcome(reach=Reach.TIMED_OUT, reason=TIMED_OUT_REASON)


class EndpointError(CollectorError):
    """No machine could be chosen to audit (the directory's computer list is unavailable, or empty)."""


class EndpointCollector(Collector):
    name = "endpoints"

    def __init__(
        self,
        settings: EndpointSettings,
        password: Secret | None,
        zone: ZoneInfo,
        clock: Callable[[], dt.datetime],
        *,
        verify_tls: bool = True,
        sample: int = 3,
    ) -> None:
        self.settings = settings
        self.sample = sample
        self.password = password
        self.zone = zone
        self.clock = clock
        self.verify_tls = verify_tls

    def inputs_for(self, needs: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
        result = dict(TARGET_INPUTS) if self.settings.from_directory else {}
        if DRIFT_FIELDS & needs.get("endpoints.hosts", frozenset()):
            for name, fields in DRIFT_INPUTS.items():
                result[name] = result.get(name, frozenset()) | fields
        return result

    def check_inputs(self) -> Mapping[str, frozenset[str]]:
        return dict(TARGET_INPUTS) if self.settings.from_directory else {}

    def check(self, inputs: Mapping[str, FactSet]) -> Check:
        """How many machines a scan would visit, and a sample of them reached: a remote shell opened and
        deleted, no command run."""
        try:
            targets = self.targets(inputs)
        except HolyauditError as exc:
            return Check(self.name, False, str(exc))
        if not targets:
            return Check(self.name, False, "no machines to audit: no enabled computer accounts and no inventory")
        files = ""
        if self.settings.facts_dir is not None:
            try:
                files = f"; {FactsFolder(self.settings.facts_dir).count()} facts files in {self.settings.facts_dir}"
            except FactsFileError as exc:
                return Check(self.name, False, str(exc))
        if not self.settings.winrm:
            return Check(self.name, True, f"{len(targets)} machines{files}")
        hosts = self.visit(targets[: self.sample], frozenset())  # no probe: open a shell and delete it
        reached = [host for host in hosts if host.connection == Reach.REACHED.value]
        tried = "; ".join(host.id if host in reached else f"{host.id}: {host.error}" for host in hosts)
        detail = (
            f"{self.source()}: {len(targets)} machines; {len(reached)} of {len(hosts)} tried reached ({tried}){files}"
        )
        return Check(self.name, len(reached) == len(hosts), detail)

    def check_prerequisites(self) -> None:
        """Stop before anything is contacted when the config asks for what this install cannot do."""
        if self.settings.auth == "kerberos" and not winrm_transport.HAVE_KERBEROS:
            raise CredentialError(
                "endpoints.auth: kerberos needs the pykerberos package: install holyaudit[kerberos] "
                "(pip install 'holyaudit[kerberos]'; building it needs the Kerberos headers, e.g. Debian's libkrb5-dev)"
            )

    def source(self) -> str:
        parts = [f"WinRM over {self.settings.transport}, port {self._port()}"] if self.settings.winrm else []
        if self.settings.facts_dir is not None:
            parts.append(f"facts files in {self.settings.facts_dir}")
        return " and ".join(parts)

    def collect(
        self,
        needs: Mapping[str, frozenset[str]],
        inputs: Mapping[str, FactSet] | None = None,
        progress: Progress | None = None,
        early: RecordSink | None = None,
    ) -> list[FactSet]:
        if "endpoints.hosts" not in needs:
            return []
        inputs = inputs or {}
        fields = needs["endpoints.hosts"]
        if not self.settings.winrm and self.settings.facts_dir is None:
            raise EndpointError("endpoints.winrm is false and no facts folder is named (endpoints.facts_dir)")
        targets = self.targets(inputs)
        if not targets:  # an audit of no machines has checked nothing: never "compliant"
            raise EndpointError(f"no machines to audit: none in {self._where_machines_come_from()}")
        started = self.clock()
        probed = fields | PROBED if DRIFT_FIELDS & fields else fields
        visited: list[Host | None] = [None] * len(targets)
        if self.settings.winrm:
            visited = list(self.visit(targets, probed, progress))
        if self.settings.facts_dir is not None:
            hosts = self.from_files(targets, visited, probed, started)
        else:
            hosts = [host for host in visited if host is not None]
        if DRIFT_FIELDS & fields:
            intent = Intent.from_facts(
                inputs.get("gpo.ous"), inputs.get("directory.computers"), inputs.get("directory.users")
            )
            hosts = [with_drift(host, intent) for host in hosts]
        summary = self._summary(hosts)
        return [
            FactSet(
                name="endpoints.hosts", source=f"{self.source()}: {summary}", collected_at=started, records=tuple(hosts)
            )
        ]

    def from_files(
        self, targets: list[Target], visited: list[Host | None], fields: frozenset[str], now: dt.datetime
    ) -> list[Host]:
        """Each target's host: the one WinRM reached, else the one its facts file gives, else the reasons."""
        assert self.settings.facts_dir is not None
        probes = probes_for(fields)
        try:
            folder: FactsFolder | FactsFileError = FactsFolder(self.settings.facts_dir)
        except FactsFileError as exc:
            folder = exc
        hosts = []
        for target, host in zip(targets, visited, strict=True):
            if host is not None and host.connection == Reach.REACHED.value:
                hosts.append(host)
                continue
            base: dict[str, object] = {
                "id": target.name,
                "address": target.address,
                "categories": list(target.categories),
            }
            if host is not None:
                base["connection"] = host.connection
            try:
                if isinstance(folder, FactsFileError):
                    raise folder
                facts = folder.read(target, now, self.settings.facts_max_age_days, probes)
            except FactsFileError as exc:
                reasons = [host.error, str(exc)] if host is not None and host.error else [str(exc)]
                hosts.append(Host.model_validate({**base, "source": "file", "error": "; ".join(reasons)}))
                continue
            found, unreadable = host_fields(facts.outputs, self.zone, self._declared_backup(target))
            file = {"facts_file": str(facts.path), "facts_produced_at": facts.produced_at}
            hosts.append(Host.model_validate({**base, **found, **file, "source": "file", "unreadable": unreadable}))
        return hosts

    def _summary(self, hosts: list[Host]) -> str:
        """How many machines were reached, or read from files, and why the others were not."""
        parts = []
        if self.settings.winrm:
            reached = Counter(host.connection for host in hosts)
            parts.append(f"{reached[Reach.REACHED.value]} of {len(hosts)} machines reached")
            others = [
                f"{n} {reach}" for reach, n in sorted(reached.items()) if reach not in (Reach.REACHED.value, None)
            ]
            if others:
                parts[-1] += f" ({', '.join(others)})"
        if self.settings.facts_dir is not None:
            from_files = [host for host in hosts if host.source == "file"]
            read = sum(1 for host in from_files if host.error is None)
            parts.append(f"{read} of {len(from_files)} facts files read")
        return "; ".join(parts)

    def targets(self, inputs: Mapping[str, FactSet]) -> list[Target]:
        groups: list[list[Target]] = []
        if self.settings.from_directory:
            computers = inputs.get("directory.computers")
            if computers is None or computers.error:
                reason = computers.error if computers is not None else "no directory is configured"
                if self.settings.inventory is None:
                    raise EndpointError(f"cannot list the machines to audit: the directory's computers: {reason}")
            else:
                groups.append(from_directory(computers, self.settings.categories))
        if self.settings.inventory is not None:
            groups.append(read_inventory(self.settings.inventory))
        return merge(*groups)

    def visit(self, targets: list[Target], fields: frozenset[str], progress: Progress | None = None) -> list[Host]:
        """Each target's host record, in the targets' order.

        At most ``concurrency`` machines are being talked to at once, but a machine that has waited longer than
        ``STALLED_SECONDS`` (or a third of the deadline) for one answer gives up its place while it waits on to
        its deadline, so dead machines cost about one deadline in all rather than one per ``concurrency`` of
        them. Deadlines are enforced from this thread: at a visit's deadline its connections are shut, then its
        clean-up's (``session.Watch``) when that budget is spent; a visit still running a few seconds after that
        is recorded as timed out and left behind, so the scan always finishes.
        """
        probes = probes_for(fields)
        stalled_after = min(STALLED_SECONDS, self.settings.deadline_seconds / 3)
        queue = list(reversed(targets))
        running: list[_Visit] = []
        outcomes: dict[str, Outcome] = {}
        changed = threading.Condition()
        ended: Counter[str] = Counter()

        def show() -> None:
            if progress is not None:
                counts = {Reach.REACHED.value: ended[Reach.REACHED.value]} | dict(sorted(ended.items()))
                progress.show(self.name, counts, done=ended.total(), total=len(targets))

        show()

        def run(visit: _Visit) -> None:
            outcome = converse(
                self._endpoint(visit.target),
                self._probes_for(visit.target, probes),
                visit.watch,
                self.settings.connect_timeout_seconds,
            )
            with changed:
                visit.outcome = outcome
                changed.notify()

        while queue or running:
            with changed:
                while queue and sum(v.holds_place for v in running) < self.settings.concurrency:
                    visit = _Visit(queue.pop(), Watch(self.settings.deadline_seconds))
                    running.append(visit)
                    threading.Thread(target=run, args=(visit,), name=f"winrm {visit.target.name}", daemon=True).start()
                changed.wait(timeout=0.1)
                for visit in list(running):
                    outcome = visit.outcome or visit.abandoned()
                    if outcome is not None:
                        running.remove(visit)
                        outcomes[visit.target.name] = outcome
                        ended[outcome.reach.value] += 1
                        show()
                        continue
                    if visit.watch.stop_due():
                        visit.watch.stop()
                    if visit.watch.cut_due():
                        visit.watch.cut()
                    if visit.watch.waited() > stalled_after:
                        visit.holds_place = False
        return [self._host(target, outcomes[target.name]) for target in targets]

    def _host(self, target: Target, outcome: Outcome) -> Host:
        base = {
            "id": target.name,
            "address": target.address,
            "categories": list(target.categories),
            "connection": outcome.reach.value,
            "source": "winrm",
        }
        if outcome.reach is not Reach.REACHED:
            return Host.model_validate({**base, "error": f"{outcome.reach.value}: {outcome.reason}"})
        fields, unreadable = host_fields(outcome.outputs, self.zone, self._declared_backup(target))
        return Host.model_validate({**base, **fields, "unreadable": unreadable})

    def _declared_backup(self, target: Target) -> BackupEvidence | None:
        return evidence_for(self.settings.backup_evidence, target.name, target.categories)

    def _probes_for(self, target: Target, probes: list[Probe]) -> list[Probe]:
        """The probes for one machine: the backup probe is told the evidence declared for it, if any."""
        declared = self._declared_backup(target)
        if declared is None:
            return probes
        return [backup_probe([declared]) if probe.name == "backup" else probe for probe in probes]

    def _where_machines_come_from(self) -> str:
        sources = []
        if self.settings.from_directory:
            only = f" in {', '.join(self.settings.categories)}" if self.settings.categories else ""
            sources.append(f"the directory's enabled computer accounts{only}")
        if self.settings.inventory is not None:
            sources.append(f"the inventory {self.settings.inventory}")
        return " and ".join(sources) or "no source (endpoints.from_directory is false and there is no inventory)"

    def _endpoint(self, target: Target) -> Endpoint:
        return Endpoint(
            address=target.address,
            port=target.port or self._port(),
            scheme=self.settings.transport,
            auth=self.settings.auth,
            user=self.settings.user,
            password=self.password,
            ca_file=self.settings.ca_file,
            verify_tls=self.verify_tls,
        )

    def _port(self) -> int:
        return self.settings.port or (5986 if self.settings.transport == "https" else 5985)


def with_drift(host: Host, intent: Intent) -> Host:
    """A reached host with its drift from Group Policy filled in (an unreached one is an ERROR already)."""
    if host.error:
        return host
    fields, unreadable = drift(host, intent)
    return host.model_copy(update={**fields, "unreadable": {**host.unreadable, **unreadable}})
