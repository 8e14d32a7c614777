"""What every report opens with: the counts that matter, in objects as well as rules, and what to fix first.

An object is the thing a rule judged (an account, a machine, an OU), told apart by its kind and id; one account
failing three rules is one account failing. Objects failing are counted once each, under the most severe rule
they fail, so the four severities add up to the objects failing. Objects that could not be checked are counted
whatever else they did, so an ERROR is never hidden behind a FAIL of the same object, nor shown as 0.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from holyaudit.models import AuditResult, Finding, Severity, Status
from holyaudit.reporters.common import counts_text
from holyaudit.reporters.safe_text import printable

SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
FIX_FIRST_SHOWN = 5
"""Failing rules listed under "fix first"; the rest follow in the detailed sections."""

_NOUNS = {
    "user": ("account", "accounts"),
    "host": ("machine", "machines"),
    "computer": ("computer account", "computer accounts"),
    "ou": ("OU", "OUs"),
    "domain": ("domain", "domains"),
    "password_policy": ("password policy", "password policies"),
}


def noun(kind: str, count: int) -> str:
    """``3 accounts``: a count of objects of one kind, in words a non-programmer reads."""
    one, many = _NOUNS.get(kind, ("object", "objects"))
    return f"{count} {one if count == 1 else many}"


def objects_text(count: int) -> str:
    return f"{count} object" if count == 1 else f"{count} objects"


@dataclass(frozen=True)
class FixFirst:
    """One failing rule, as the fix-first list gives it."""

    rule_id: str
    severity: Severity
    objects: int
    """Objects that fail it (not those waived or not checked)."""
    sentence: str
    """One plain sentence: what fails, how many, and the first remediation step."""


@dataclass(frozen=True)
class Overview:
    rules: Counter[Status]
    """Rules by status."""
    objects: Counter[Status]
    """Objects with each status under at least one rule (one object can count under several)."""
    failing: dict[Severity, int]
    """Objects failing, each under the most severe rule it fails."""
    not_checked: Counter[str]
    """Objects that could not be checked under at least one rule, by kind."""
    rules_not_checked: int
    """Rules that checked nothing at all: their facts were not collected."""
    fix_first: list[FixFirst]
    """Every failing rule, by severity (most severe first), then by objects failing (most first), then id."""

    @property
    def objects_failing(self) -> int:
        return sum(self.failing.values())

    @property
    def objects_not_checked(self) -> int:
        return sum(self.not_checked.values())


def overview(result: AuditResult) -> Overview:
    worst: dict[tuple[str, str], Severity] = {}
    by_status: dict[Status, set[tuple[str, str]]] = {status: set() for status in Status}
    for finding in result.findings:
        for obj in finding.objects:
            key = (obj.kind, obj.id)
            by_status[obj.status].add(key)
            if obj.status is Status.FAIL and (key not in worst or worst[key].rank < finding.severity.rank):
                worst[key] = finding.severity
    severities = Counter(worst.values())
    fix = sorted(
        (_fix_first(f) for f in result.findings if f.status is Status.FAIL),
        key=lambda item: (-item.severity.rank, -item.objects, item.rule_id),
    )
    return Overview(
        rules=Counter(f.status for f in result.findings),
        objects=Counter({status: len(keys) for status, keys in by_status.items() if keys}),
        failing={severity: severities[severity] for severity in SEVERITY_ORDER},
        not_checked=Counter(kind for kind, _ in by_status[Status.ERROR]),
        rules_not_checked=sum(1 for f in result.findings if f.status is Status.ERROR and not f.objects),
        fix_first=fix,
    )


def _fix_first(finding: Finding) -> FixFirst:
    failing = [o for o in finding.objects if o.status is Status.FAIL]
    kinds = Counter(o.kind for o in failing)
    kind = kinds.most_common(1)[0][0] if len(kinds) == 1 else ""
    count = len(failing)
    verb = "fails" if count == 1 else "fail"
    what = noun(kind, count) if failing else "the rule"
    sentence = f"{printable(finding.title)}: {what} {verb}. First step: {first_step(finding.remediation)}"
    return FixFirst(finding.rule_id, finding.severity, count, sentence)


# A sentence ends at a full stop, question or exclamation mark followed by a space and a capital letter or a
# quotation, outside `code` (a command such as `Get-ADUser -Filter 'x'. Then` is not cut).
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"'(])")


def first_step(remediation: str) -> str:
    """The remediation's first sentence, on one line, ending with its full stop, without its asides in brackets."""
    text = printable(" ".join(remediation.split()))
    in_code, depth, kept = False, 0, []
    for index, char in enumerate(text):
        if char == "`":
            in_code = not in_code
        elif not in_code and char == "(":
            depth += 1  # an aside ("or delete it with ...") is left for the detailed section
        elif not in_code and char == ")" and depth:
            depth -= 1
            continue
        elif not in_code and not depth and _SENTENCE_END.match(text, index):
            kept.append(char)
            break
        if not depth:
            kept.append(char)
    step = re.sub(r" +([,.;:])", r"\1", re.sub(r"  +", " ", "".join(kept))).strip()
    return step if step.endswith((".", "!", "?")) or not step else step + "."


def severity_counts_text(view: Overview) -> str:
    """``3 critical, 12 high, 40 medium, 2 low``: every severity, zeros too, so the scale is always the same."""
    return ", ".join(f"{view.failing[s]} {s.value}" for s in SEVERITY_ORDER)


def not_checked_text(view: Overview) -> str:
    """``5 objects (4 machines, 1 account)``, with rules that checked nothing at all; ``none`` when all were."""
    parts = []
    if view.objects_not_checked:
        kinds = ", ".join(noun(kind, n) for kind, n in sorted(view.not_checked.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append(f"{objects_text(view.objects_not_checked)} ({kinds})")
    if view.rules_not_checked:
        rules = "rule" if view.rules_not_checked == 1 else "rules"
        parts.append(f"{view.rules_not_checked} {rules} whose facts were not collected")
    return "; ".join(parts) or "none"


def count_rows(view: Overview) -> list[tuple[str, str]]:
    """The counts that open every report, as (label, value)."""
    total = sum(view.rules.values())
    return [
        ("Objects failing", f"{view.objects_failing} ({severity_counts_text(view)})"),
        ("Could not be checked", not_checked_text(view)),
        ("Rules passing", f"{view.rules[Status.PASS]} of {total}"),
    ]


def overall_text(view: Overview) -> str:
    """``21 rules: 20 FAIL, 1 PASS; objects: 30 FAIL, 5 ERROR, 4 N/A, 120 PASS``: rules and objects by status."""
    total = sum(view.rules.values())
    rules = f"{total} rule" if total == 1 else f"{total} rules"
    line = f"{rules}: {counts_text(view.rules) or 'none ran'}"
    return f"{line}; objects: {counts_text(view.objects)}" if view.objects else line
