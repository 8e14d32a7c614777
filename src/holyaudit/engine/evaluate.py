"""Pure evaluation of bound rules over fact sets at one as-of time: no I/O, no clock, no printing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from holyaudit.engine.conditions import Observed, Outcome, Unreadable, read_path
from holyaudit.engine.context import EvalContext
from holyaudit.engine.schema import BoundRule
from holyaudit.facts import FactRecord, FactSet
from holyaudit.models import AuditResult, FactSetSource, Finding, ObjectResult, Status

_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2, Status.NOT_APPLICABLE: 3, Status.PASS: 4}


def audit(
    rules: Sequence[BoundRule],
    facts: Mapping[str, FactSet],
    *,
    as_of: dt.datetime,
    tz: ZoneInfo,
    profile: str,
) -> AuditResult:
    ctx = EvalContext(as_of=as_of, tz=tz)
    findings = [evaluate_rule(rule, facts.get(rule.spec.facts), ctx) for rule in rules]
    sources = [
        FactSetSource(name=fs.name, source=fs.source, collected_at=fs.collected_at, error=fs.error)
        for fs in sorted(facts.values(), key=lambda f: f.name)
    ]
    return AuditResult(as_of=as_of, timezone=str(tz), profile=profile, sources=sources, findings=findings)


def evaluate_rule(rule: BoundRule, fact_set: FactSet | None, ctx: EvalContext) -> Finding:
    if fact_set is None:
        return _finding(rule, Status.ERROR, f"no {rule.spec.facts} facts were collected, so nothing was checked", [])
    if fact_set.error:
        return _finding(rule, Status.ERROR, f"{rule.spec.facts} could not be collected: {fact_set.error}", [])
    expected = rule.condition.describe()
    evaluated = (evaluate_object(rule, record, ctx, expected) for record in fact_set.records)
    results = [r for r in evaluated if r is not None]
    results.sort(key=lambda r: (_ORDER[r.status], r.id.casefold()))
    status = roll_up([r.status for r in results])
    return _finding(rule, status, _message(rule, results, len(fact_set.records)), results)


def evaluate_object(
    rule: BoundRule, record: FactRecord, ctx: EvalContext, expected: str | None = None
) -> ObjectResult | None:
    """One object's result, or None when the rule's scope leaves it out."""
    seen = Observed()
    context = Observed()
    for path in rule.spec.context:
        try:
            context.record(path, read_path(record, path))
        except Unreadable:
            continue  # shown only to identify the object; the judged values carry their own reasons
    expected = expected or rule.condition.describe()

    def result(status: Status, reason: str | None) -> ObjectResult:
        return ObjectResult(
            id=record.id,
            kind=record.kind,
            status=status,
            observed=seen.values,
            expected=expected,
            reason=reason,
            context=context.values,
        )

    if record.error:
        return result(Status.ERROR, f"could not be read: {record.error}")
    if rule.scope is not None:
        in_scope = rule.scope.evaluate(record, ctx, seen)
        if in_scope.value is None:
            return result(Status.ERROR, "cannot tell whether the rule applies: " + _notes(in_scope))
        if not in_scope.value:
            return None
    for exemption in rule.exemptions:
        exempt = exemption.when.evaluate(record, ctx, seen)
        if exempt.value is None:
            return result(Status.ERROR, "cannot tell whether the rule applies: " + _notes(exempt))
        if exempt.value:
            return result(Status.NOT_APPLICABLE, exemption.reason)
    outcome = rule.condition.evaluate(record, ctx, seen)
    if outcome.value is None:
        return result(Status.ERROR, _notes(outcome))
    return result(Status.PASS if outcome.value else Status.FAIL, None if outcome.value else _notes(outcome))


def _notes(outcome: Outcome) -> str:
    return "; ".join(dict.fromkeys(outcome.notes)) or "no detail"


def roll_up(statuses: Sequence[Status]) -> Status:
    """A rule fails if any object fails; else it is in error if any could not be checked; else it passes."""
    for status in (Status.FAIL, Status.ERROR, Status.PASS, Status.WAIVED):
        if status in statuses:
            return status
    return Status.NOT_APPLICABLE


def _message(rule: BoundRule, results: Sequence[ObjectResult], total: int) -> str:
    plural = rule.rule.record_type.plural
    if not results:
        return f"no {plural} in scope ({total} examined)"
    if len(results) == 1 and total == 1:
        only = results[0]
        return only.reason or f"{only.id}: {only.expected}"
    counts = Counter(r.status for r in results)
    parts = []
    if counts[Status.FAIL]:
        parts.append(f"{counts[Status.FAIL]} of {len(results)} {plural} fail")
    if counts[Status.ERROR]:
        parts.append(f"{counts[Status.ERROR]} could not be checked")
    if counts[Status.PASS]:
        parts.append(f"{counts[Status.PASS]} pass" if parts else f"all {counts[Status.PASS]} {plural} in scope pass")
    if counts[Status.WAIVED]:
        parts.append(f"{counts[Status.WAIVED]} waived")
    if counts[Status.NOT_APPLICABLE]:
        parts.append(f"{counts[Status.NOT_APPLICABLE]} not applicable")
    return ", ".join(parts)


def _finding(rule: BoundRule, status: Status, message: str, objects: list[ObjectResult]) -> Finding:
    spec = rule.spec
    return Finding(
        rule_id=spec.id,
        title=spec.title,
        status=status,
        severity=rule.severity,
        clause=spec.clause,
        tags=spec.tags,
        message=message,
        remediation=spec.remediation,
        objects=objects,
    )
