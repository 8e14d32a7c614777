"""A finding lists its objects failures first, then errors, waived, not applicable and passes, each by id
ignoring case, equal ids in the order their records came; its message counts them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from holyaudit.collectors.snapshot import demo_path, load_snapshot
from holyaudit.engine.context import EvalContext
from holyaudit.engine.evaluate import audit, evaluate_parts, evaluate_rule
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile
from holyaudit.facts import FactSet, User

AS_OF = dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC)


def test_objects_are_ordered_by_status_then_id_ignoring_case_and_counted() -> None:
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule("dormant-accounts")
    assert rule is not None
    recent, old = dt.datetime(2024, 7, 1, tzinfo=dt.UTC), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    users = [
        User(id="bob", enabled=True, last_logon=recent),
        User(id="Zed", enabled=True, last_logon=old),
        User(id="alice", enabled=True, last_logon=old),
        User(id="Guest", enabled=True),
        User(id="carol", enabled=True, unreadable={"last_logon": "access denied"}),
        User(id="Amy", enabled=True, last_logon=recent),
        User(id="amy", enabled=True, last_logon=recent, display_name="second amy"),
        User(id="off", enabled=False),
        User(id="Bea", enabled=True, last_logon=old),
    ]
    fact_set = FactSet(name="directory.users", source="test", collected_at=AS_OF, records=tuple(users))
    result = audit([rule], {"directory.users": fact_set}, as_of=AS_OF, tz=ZoneInfo("Europe/London"), profile="p")

    (finding,) = result.findings
    listed = [(o.status.value, o.id, o.context.get("display_name")) for o in finding.objects]
    assert listed == [
        ("FAIL", "alice", None), ("FAIL", "Bea", None), ("FAIL", "Zed", None),
        ("ERROR", "carol", None),
        ("NOT_APPLICABLE", "Guest", None),
        ("PASS", "Amy", None), ("PASS", "amy", "second amy"), ("PASS", "bob", None),
    ]  # fmt: skip
    assert finding.status.value == "FAIL"
    assert finding.message == "3 of 8 users fail, 1 could not be checked, 3 pass, 1 not applicable"


def test_a_scan_s_findings_list_their_objects_as_a_finding_judged_alone_does() -> None:
    # A scan orders each fact set's records by id once for all its rules; a rule judged alone sorts its own.
    snapshot = load_snapshot(demo_path())
    rules = load_profile(find_profile("holywell"), load_catalogue()).rules
    ctx = EvalContext(as_of=AS_OF, tz=ZoneInfo("Europe/London"))
    scanned = audit(rules, snapshot.fact_sets, as_of=AS_OF, tz=ZoneInfo("Europe/London"), profile="holywell")
    alone = [
        evaluate_parts(rule, snapshot.fact_sets, ctx)
        if rule.also
        else evaluate_rule(rule, snapshot.fact_sets.get(rule.spec.facts), ctx)
        for rule in rules
    ]
    assert any(rule.also for rule in rules)
    assert [f.model_dump() for f in scanned.findings] == [f.model_dump() for f in alone]
    assert sum(len(f.objects) for f in alone) > 100
