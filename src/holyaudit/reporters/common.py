"""What the report files share: the overall verdict, ordering by policy clause and which objects to list."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import groupby

from holyaudit.models import AuditResult, Finding, ObjectResult, Status
from holyaudit.reporters.safe_text import printable

SHOWN_OBJECTS = 5
"""Offending objects listed per rule in the short reports unless --details asks for all."""

COUNT_ORDER = (Status.FAIL, Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE, Status.PASS)
"""The order statuses are counted in: what needs action first."""

_ROLL_UP_ORDER = (Status.FAIL, Status.ERROR, Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE)

STATUS_WORD = {
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.WAIVED: "WAIVED",
    Status.NOT_APPLICABLE: "N/A",
}


def verdict(result: AuditResult) -> str:
    """The whole estate in one word, whatever ``--fail-on`` gates the exit code on."""
    statuses = {f.status for f in result.findings}
    if Status.FAIL in statuses:
        return "non-compliant"
    if Status.ERROR in statuses:
        return "incomplete"
    return "compliant"


def attribution(result: AuditResult) -> str | None:
    """Where a framework profile's clauses are quoted from, and under what terms; None for a policy profile."""
    framework = result.framework
    if framework is None:
        return None
    return f"Clauses quoted from {framework.name} ({framework.version}), {framework.source}. {framework.licence}"


def roll_up(statuses: Iterable[Status]) -> Status:
    """The status of a group, by the same precedence a finding rolls up its objects (docs/json-output.md)."""
    present = set(statuses)
    return next((s for s in _ROLL_UP_ORDER if s in present), Status.NOT_APPLICABLE)


def rules_text(count: int) -> str:
    return f"{count} rule" if count == 1 else f"{count} rules"


def counts_text(counts: Mapping[Status, int]) -> str:
    """``19 FAIL, 1 PASS``: the non-zero counts, most pressing first."""
    return ", ".join(f"{counts[s]} {STATUS_WORD[s]}" for s in COUNT_ORDER if counts.get(s, 0))


def by_clause(findings: Iterable[Finding]) -> list[tuple[tuple[str, str], list[Finding]]]:
    """Findings grouped by (section, heading), in section order (10.2 after 9, 10 before 10.1)."""
    groups: list[tuple[tuple[str, str], list[Finding]]] = []
    for (_, heading), items in groupby(sorted(findings, key=_section_key), key=_section_key):
        group = list(items)
        groups.append(((group[0].clause.section, heading), group))
    return groups


def section_order(section: str) -> tuple[int, ...]:
    """A policy section as numbers, so that 8 sorts before 10 and 10 before 10.1 (a part that is not a number: 0)."""
    return tuple(int(p) if p.isdigit() else 0 for p in section.split("."))


def _section_key(finding: Finding) -> tuple[tuple[int, ...], str]:
    return section_order(finding.clause.section), finding.clause.heading


def offending(finding: Finding) -> list[ObjectResult]:
    """Every object but the passes: failures, what could not be checked and every exemption, so none is silent."""
    return [o for o in finding.objects if o.status is not Status.PASS]


def compact_json(value: object) -> str:
    """A value as one line of JSON, shown safely (no control or bidi characters)."""
    return printable(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def value_text(value: object) -> str:
    """An observed or context value for people: text as it is, a list of names comma-separated, a mapping of names
    to plain values as ``name: value, ...`` (group sizes), else JSON."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return printable(", ".join(value))
    if isinstance(value, dict) and all(isinstance(v, str | int | float | bool | None) for v in value.values()):
        return printable(", ".join(f"{key}: {item}" for key, item in value.items()))
    return compact_json(value)
