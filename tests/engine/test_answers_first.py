"""A rule answers first and explains only what it reports: every result is the one the explaining Checks give."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from holyaudit.collectors.snapshot import demo_path, load_snapshot
from holyaudit.engine.context import EvalContext
from holyaudit.engine.evaluate import explained_evaluator, object_evaluator
from holyaudit.engine.loader import bind_rule, find_profile, load_catalogue, load_profile, load_rule
from holyaudit.facts import User
from holyaudit.yamlfile import PosDict

LONDON = ZoneInfo("Europe/London")
AS_OF = [
    dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC),  # the demo estate's own day
    dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC),  # summer time, months earlier
    dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC),  # the night the clocks go forward, months later
]


def ordered(result: object) -> object:
    """A result as data with its keys in order: the evidence's order is what the report shows."""
    return None if result is None else list(result.model_dump(mode="json").items())  # type: ignore[attr-defined]


@pytest.mark.parametrize("as_of", AS_OF, ids=lambda d: d.date().isoformat())
def test_every_rule_gives_the_explained_result_for_every_demo_object(as_of: dt.datetime) -> None:
    snapshot = load_snapshot(demo_path())
    ctx = EvalContext(as_of=as_of, tz=LONDON)
    statuses: Counter[str] = Counter()
    for rule in load_profile(find_profile("holywell"), load_catalogue()).rules:
        fact_set = snapshot.fact_sets[rule.spec.facts]
        answered, explained = object_evaluator(rule, ctx), explained_evaluator(rule, ctx)
        for record in fact_set.records:
            result = answered(record)
            assert ordered(result) == ordered(explained(record)), (rule.id, record.id)
            statuses[result.status.value if result else "out of scope"] += 1
    # The estate reaches every path: passes (some with remarks), failures, errors, exemptions, objects out of scope.
    assert set(statuses) == {"PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "out of scope"}


def test_a_pass_with_a_remark_keeps_it_when_answered_first() -> None:
    """The logon-hours rule remarks on a map that complies all year by logging users off early in winter."""
    snapshot = load_snapshot(demo_path())
    ctx = EvalContext(as_of=AS_OF[0], tz=LONDON)
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule("logon-hours-curfew")
    assert rule is not None
    evaluate = object_evaluator(rule, ctx)
    remarked = [
        r for r in map(evaluate, snapshot.fact_sets[rule.spec.facts].records) if r and r.status == "PASS" and r.reason
    ]
    assert remarked
    assert all(r.reason.startswith("compliant all year; logon ends by ") for r in remarked)  # type: ignore[union-attr]


NEGATIONS = """\
id: negations-test
title: Every branch of the condition language, answered first
severity: low
tags: [test]
clause: {section: "0", heading: Test, text: A clause}
facts: directory.users
scope:
  not: {attr: enabled, op: eq, value: false}
not_applicable:
  when:
    all:
      - {attr: id, op: matches, value: "^svc-"}
      - not: {attr: last_logon, op: exists}
  reason: a service account that never logs on
condition:
  any:
    - not:
        any:
          - {attr: uac, op: bits_set, value: 32}
          - {attr: pwd_last_set, op: missing}
    - all:
        - {attr: last_logon, op: within_days, value: 30}
        - not: {attr: display_name, op: matches, value: "(?i)test"}
context: [display_name]
rationale: Exercises not, any and all together, with values that are unknown, missing and unreadable.
remediation: None.
"""


def test_not_any_and_all_give_the_explained_result_for_every_kind_of_value(tmp_path: Path) -> None:
    path = tmp_path / "negations-test.yaml"
    path.write_text(NEGATIONS, encoding="utf-8")
    rule = bind_rule(load_rule(path), {}, None, path, PosDict())
    when = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    users = [
        User(id=f"u{i}", enabled=enabled, uac=uac, pwd_last_set=pwd, last_logon=logon, display_name=name)
        for i, (enabled, uac, pwd, logon, name) in enumerate(
            itertools.product(
                (True, False, None),
                (0x200, 0x220, None),
                (when, None),
                (when, when - dt.timedelta(days=90), None),
                ("Pupil", "Test account", None),
            )
        )
    ]
    users += [
        User(id="svc-backup", enabled=True, uac=0x200),
        User(id="svc-print", enabled=True, uac=0x200, last_logon=when),
        User(id="hidden", enabled=True, uac=0x200, unreadable={"last_logon": "access denied", "uac": "denied"}),
        User(id="broken", error="the entry could not be decoded"),
    ]
    ctx = EvalContext(as_of=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tz=LONDON)
    answered, explained = object_evaluator(rule, ctx), explained_evaluator(rule, ctx)
    statuses: Counter[str] = Counter()
    for user in users:
        result = answered(user)
        assert ordered(result) == ordered(explained(user)), user.id
        statuses[result.status.value if result else "out of scope"] += 1
    assert set(statuses) == {"PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "out of scope"}


REMARKS = """\
id: remarks-test
title: Passes with remarks inside all and any, and nodes the generated code calls as Judges
severity: low
tags: [test]
clause: {section: "0", heading: Test, text: A clause}
facts: directory.users
scope:
  any:
    - {attr: enabled, op: eq, value: true}
    - {attr: leaving_date, op: exists}
condition:
  all:
    - {attr: logon_hours, op: hours_denied, value: {from: "19:00", to: "06:00"}}
    - any:
        - {attr: logon_hours, op: hours_denied, value: {from: "20:00", to: "06:00"}}
        - {attr: uac, op: bits_clear, value: 32}
    - any:
        - {attr: disabled_at, days_after: leaving_date, op: le, value: 7}
        - {attr: leaving_date, op: missing}
context: [display_name]
rationale: Remarks from more than one branch, in order; a day count between two dates.
remediation: None.
"""

# Weekly maps: ends 18:00 UTC all week (compliant, remarked on in winter), ends 19:00 UTC (late in summer),
# 07:00-19:00 local in winter only, no hour, every hour, not hexadecimal, too short.
MAPS = ("c0ff03" * 7, "80ff07" * 7, "c0ff07" * 7, "00" * 21, "ff" * 21, "zz" * 21, "c0ff03")


def test_remarks_day_counts_and_every_map_give_the_explained_result(tmp_path: Path) -> None:
    path = tmp_path / "remarks-test.yaml"
    path.write_text(REMARKS, encoding="utf-8")
    rule = bind_rule(load_rule(path), {}, None, path, PosDict())
    left, day = dt.date(2026, 7, 20), dt.timedelta(days=1)
    users = [
        User(id=f"u{i}", enabled=enabled, uac=uac, logon_hours=hours, leaving_date=leaving, disabled_at=disabled)
        for i, (enabled, uac, hours, leaving, disabled) in enumerate(
            itertools.product(
                (True, False, None),
                (0x200, 0x220),
                (*MAPS, None),
                (left, None),
                (dt.datetime(2026, 7, 27, 22, tzinfo=dt.UTC), dt.datetime(2026, 7, 28, 9, tzinfo=dt.UTC), None),
            )
        )
    ]
    users.append(User(id="hidden", enabled=True, uac=0x200, unreadable={"logon_hours": "denied"}))
    users.append(User(id="late", enabled=True, uac=0x200, logon_hours=MAPS[0], leaving_date=left + 30 * day))
    statuses: Counter[str] = Counter()
    for as_of in AS_OF:
        ctx = EvalContext(as_of=as_of, tz=LONDON)
        answered, explained = object_evaluator(rule, ctx), explained_evaluator(rule, ctx)
        assert "record.logon_hours" in answered.source  # type: ignore[attr-defined]  # written out, not called
        for user in users:
            result = answered(user)
            assert ordered(result) == ordered(explained(user)), (user.id, as_of)
            remarked = result is not None and result.status == "PASS" and result.reason
            statuses["PASS with remark" if remarked else result.status.value if result else "out"] += 1
    assert set(statuses) == {"PASS", "PASS with remark", "FAIL", "ERROR", "out"}
