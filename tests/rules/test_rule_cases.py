"""Runs every built-in rule's example cases through the real loader, the holywell profile and the engine.

Each folder ``tests/rules/<rule-id>/`` holds a ``cases.yaml``:

```yaml
as_of: 2024-07-15T10:00:00+01:00   # the audit's as-of time; must carry a UTC offset
timezone: Europe/London            # the site time zone (this is the default)
parameters: {grace_days: 7}        # optional: overrides of the holywell profile's values, for every case
cases:
  - name: disabled on day 7 is in time
    record: {id: jbloggs, enabled: false, leaving_date: 2024-07-01, disabled_at: 2024-07-08T16:00:00+01:00}
    expect: PASS                   # PASS, FAIL, ERROR, NOT_APPLICABLE, or OUT_OF_SCOPE (scope leaves it out)
    reason_contains: [...]         # optional: text (or texts) the object's reason must contain
    message: "left on 1 Jul 2024, ..."  # FAIL only, optional: the object's plain-English message, exactly
    parameters: {}                 # optional: overrides for this case only
    facts: directory.computers     # optional: for a rule with `also` parts, the part's fact set the record is of
```

``record`` holds the fields of one fact record of the rule's fact set (or of ``facts``, one of its ``also`` parts'
sets); ``id`` defaults to ``subject``. Times
of day must be quoted ("19:00"): YAML 1.1 reads 19:00 as the number 1140. Each case runs as a fact set of
that one record, so the rule's roll-up must equal the object's status. Every rule's cases give the ``message`` of
at least one failing object, and a case that names a message must fail.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from holyaudit.engine.context import EvalContext
from holyaudit.engine.evaluate import evaluate_rule
from holyaudit.engine.loader import Profile, bind_rule, find_profile, load_catalogue, load_profile
from holyaudit.engine.schema import BoundRule
from holyaudit.facts import FactSet
from holyaudit.models import Status
from holyaudit.yamlfile import PosDict

CASES_DIR = Path(__file__).parent
OUT_OF_SCOPE = "OUT_OF_SCOPE"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Case(_Strict):
    name: str = Field(min_length=1)
    record: dict[str, Any]
    expect: Literal["PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "OUT_OF_SCOPE"]
    reason_contains: list[str] = Field(default_factory=list)
    message: str | None = Field(default=None, min_length=1)
    parameters: dict[str, Any] = Field(default_factory=dict)
    facts: str | None = Field(default=None, description="The fact set of an `also` part; the rule's own by default.")

    @field_validator("reason_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _message_of_a_failure(self) -> Case:
        if self.message is not None and self.expect != "FAIL":
            raise ValueError(f"{self.name!r}: only a failing object has a message (expect is {self.expect})")
        return self


class CaseFile(_Strict):
    as_of: AwareDatetime
    timezone: str = "Europe/London"
    parameters: dict[str, Any] = Field(default_factory=dict)
    cases: list[Case] = Field(min_length=1)

    @field_validator("cases")
    @classmethod
    def _unique_names(cls, cases: list[Case]) -> list[Case]:
        names = [case.name for case in cases]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"case names must be unique; repeated: {duplicates}")
        return cases


def case_files() -> list[tuple[str, Path]]:
    """Every ``<rule-id>/cases.yaml`` beside this module, by rule id."""
    return [(path.parent.name, path) for path in sorted(CASES_DIR.glob("*/cases.yaml"))]


def load_case_file(path: Path) -> CaseFile:
    return CaseFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _all_cases() -> list[Any]:
    params = []
    for rule_id, path in case_files():
        case_file = load_case_file(path)
        for case in case_file.cases:
            params.append(pytest.param(rule_id, path, case_file, case, id=f"{rule_id}: {case.name}"))
    return params


@cache
def _profile() -> Profile:
    return load_profile(find_profile("holywell"), load_catalogue())


def _bound(rule_id: str, overrides: dict[str, Any], source: Path) -> BoundRule:
    bound = _profile().rule(rule_id)
    assert bound is not None, f"{source}: no built-in rule {rule_id!r}"
    if not overrides:
        return bound
    return bind_rule(bound.rule, {**bound.params, **overrides}, bound.severity, source, PosDict())


def case_part(rule: BoundRule, case: Case) -> BoundRule:
    """The part of ``rule`` the case's record is of, alone: its own, or the ``also`` part reading ``case.facts``."""
    parts = {part.spec.facts: dataclasses.replace(part, also=()) for part in rule.parts}
    assert case.facts is None or case.facts in parts, f"{case.name!r}: {rule.id} reads no {case.facts}"
    return parts[case.facts or rule.spec.facts]


@pytest.mark.parametrize(("rule_id", "path", "case_file", "case"), _all_cases())
def test_rule_gives_the_expected_status_for_the_case(rule_id: str, path: Path, case_file: CaseFile, case: Case) -> None:
    rule = case_part(_bound(rule_id, {**case_file.parameters, **case.parameters}, path), case)
    record = rule.rule.record_type.model_validate({"id": "subject", **case.record})
    facts = FactSet(name=rule.spec.facts, source=str(path), collected_at=case_file.as_of, records=(record,))
    ctx = EvalContext(as_of=case_file.as_of, tz=ZoneInfo(case_file.timezone))

    finding = evaluate_rule(rule, facts, ctx)

    if case.expect == OUT_OF_SCOPE:
        assert (finding.status, finding.objects) == (Status.NOT_APPLICABLE, [])
        return
    assert len(finding.objects) == 1
    result = finding.objects[0]
    expected = Status(case.expect)
    assert (result.id, result.status, finding.status) == (record.id, expected, expected), result.reason
    for fragment in case.reason_contains:
        assert fragment in (result.reason or ""), f"{fragment!r} not in reason {result.reason!r}"
    if case.message is not None:
        assert result.message == case.message


@pytest.mark.parametrize(("rule_id", "path"), case_files())
def test_every_rule_states_the_plain_message_of_a_failing_case(rule_id: str, path: Path) -> None:
    assert any(case.message for case in load_case_file(path).cases), f"{path}: no FAIL case gives its message"
