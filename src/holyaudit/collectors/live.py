"""Running the collectors the site config enables, for the fact sets a scan needs.

A collector that cannot reach its source does not stop the scan: each fact set it would have provided is
recorded with the reason, so every rule that reads it reports ERROR (never PASS) and the other sources are
still audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from holyaudit.collectors import mis
from holyaudit.collectors.endpoint_evidence import evidence_needs, with_endpoint_evidence
from holyaudit.collectors.interface import Collector, Context, Progress, RecordSink, TlsPolicy
from holyaudit.collectors.mis_source import MIS
from holyaudit.collectors.registry import SOURCES
from holyaudit.config import DEFAULT_TIMEZONE, Settings, zone
from holyaudit.errors import CollectorError
from holyaudit.facts import FACT_SETS, FactRecord, FactSet


@dataclass(frozen=True)
class Planned:
    collector: Collector
    provides: frozenset[str]
    source: str


def plan(settings: Settings, tls: TlsPolicy, clock: Callable[[], dt.datetime]) -> list[Planned]:
    """The collectors the config enables, in the registry's order (``collectors/registry.py``: the directory
    first, since the Group Policy and endpoint collectors read its users and computers). Secrets are looked up
    here, before anything is contacted."""
    context = Context(tls, clock, zone(settings.site.timezone or DEFAULT_TIMEZONE))
    planned = []
    for source in SOURCES:
        if (collector := source.collector(settings, context)) is not None:
            planned.append(Planned(collector, source.provides, collector.source()))
    return planned


def all_fields(names: Iterable[str]) -> dict[str, frozenset[str]]:
    """Every field of the named fact sets: what a snapshot collects."""
    return {name: frozenset(FACT_SETS[name].model_fields) for name in names}


def collect(
    planned: list[Planned],
    needs: Mapping[str, frozenset[str]],
    clock: Callable[[], dt.datetime],
    warn: Callable[[str], None],
    progress: Progress | None = None,
    early: RecordSink | None = None,
) -> dict[str, FactSet]:
    """Run each planned collector that provides something needed, in order. ``progress`` hears when each starts
    and finishes (with its records per fact set), and whatever counts the collector reports as it goes; ``early``
    takes records as the collectors make them (``RecordSink``). When both Group Policy and endpoint facts are
    collected, the endpoints' facts then decide what the directory cannot (``endpoint_evidence.py``)."""
    needs = with_collector_inputs(planned, evidence_needs(needs))
    facts: dict[str, FactSet] = {}
    for item in planned:
        wanted = {name: fields for name, fields in needs.items() if name in item.provides}
        if not wanted:
            continue
        name = item.collector.name
        if progress is not None:
            progress.show(name, {})
        try:
            inputs = {needed: facts[needed] for needed in item.collector.inputs_for(wanted) if needed in facts}
            collected = item.collector.collect(wanted, inputs, progress, early)
        except CollectorError as exc:
            if progress is not None:
                progress.finished(name, {}, str(exc))
            warn(f"{name}: {exc}")
            for fact_set_name in wanted:
                facts[fact_set_name] = FactSet(
                    name=fact_set_name, source=item.source, collected_at=clock(), error=str(exc)
                )
            continue
        if progress is not None:
            progress.finished(name, {_label(fs.name): len(fs.records) for fs in collected})
        facts.update((fact_set.name, fact_set) for fact_set in collected)
    return with_endpoint_evidence(facts)


def _label(fact_set: str) -> str:
    """``directory.password_policies`` -> ``password policies``: how a fact set's records are counted."""
    return fact_set.partition(".")[2].replace("_", " ")


def with_collector_inputs(planned: list[Planned], needs: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The needs plus what each collector that will run reads from the ones before it. Walked from the last
    collector back, so what a later one needs from an earlier one is known before the earlier one's own inputs
    are added (endpoints need Group Policy, which needs the directory)."""
    result = dict(needs)
    for item in reversed(planned):
        wanted = {name: fields for name, fields in result.items() if name in item.provides}
        if wanted:
            for name, fields in item.collector.inputs_for(wanted).items():
                result[name] = result.get(name, frozenset()) | fields
    return result


MIS_MATCH_FIELDS = {"sAMAccountName": "id", "userPrincipalName": "upn", "employeeID": "employee_id"}


def with_mis_needs(needs: Mapping[str, frozenset[str]], settings: Settings) -> dict[str, frozenset[str]]:
    """Users' needs plus the field the MIS export is matched on, when leaving dates are wanted."""
    result = dict(needs)
    users = needs.get("directory.users", frozenset())
    if (export := MIS.settings(settings)) is not None and "leaving_date" in users:
        result["directory.users"] = users | {MIS_MATCH_FIELDS[export.match_on]}
    return result


def leaver_merge(
    settings: Settings, needs: Mapping[str, frozenset[str]], warn: Callable[[str], None]
) -> mis.LeaverMerge | None:
    """The MIS export, read and ready to merge into the users as they arrive; None without one, or when no
    users are wanted. An export that cannot be read is warned of here, before anything is contacted, and marks
    every user's leaving date unreadable (see ``collectors/mis.py``)."""
    if (export := MIS.settings(settings)) is None or "directory.users" not in needs:
        return None
    try:
        return mis.LeaverMerge(mis.read_export(export).leavers, export.match_on)
    except mis.MisExportError as exc:
        warn(str(exc))
        return mis.LeaverMerge([], export.match_on, unreadable=str(exc))


def merging(merge: mis.LeaverMerge | None, early: RecordSink | None) -> RecordSink | None:
    """``early``, handed the users with the MIS leaving dates already merged in."""
    if merge is None or early is None:
        return early

    def sink(fact_set: str, records: Sequence[FactRecord]) -> None:
        early(fact_set, merge.users(records) if fact_set == "directory.users" else records)  # type: ignore[arg-type]

    return sink


def with_mis_leavers(
    facts: dict[str, FactSet], settings: Settings, merge: mis.LeaverMerge | None
) -> dict[str, FactSet]:
    """The directory's users with the MIS export's leaving dates merged in, and its leavers with no account."""
    users = facts.get("directory.users")
    if merge is None or (export := MIS.settings(settings)) is None or users is None or users.error:
        return facts
    records = merge.users(users.records) + merge.absent()  # type: ignore[arg-type]
    source = users.source if merge.unreadable else f"{users.source} + {export.leavers_csv}"
    return {**facts, "directory.users": users.model_copy(update={"records": tuple(records), "source": source})}
