"""A rule with ``also`` parts judges several fact sets, each by its own part, and gives one finding holding them all:
a scan asks each set only for its part's fields, a missing set is never a pass, and records judged as they arrive
give the findings of judging everything at the end."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from holyaudit.audit.workflow import rule_needs
from holyaudit.engine.evaluate import Evaluation, audit
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile
from holyaudit.engine.schema import BoundRule
from holyaudit.facts import Computer, FactRecord, FactSet, User
from holyaudit.models import Finding

LONDON = ZoneInfo("Europe/London")
AS_OF = dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC)
USERS = (
    User(id="scanner", enabled=True, uac=0x400200, display_name="Copier"),
    User(id="bloggs.j", enabled=True, uac=0x200),
    User(id="oldscan", enabled=False, uac=0x400202),
)
COMPUTERS = (
    Computer(id="HW-OLD-01", enabled=True, uac=0x201000),
    Computer(id="HW-DT-01", enabled=True, uac=0x1000),
    Computer(id="HW-NAS-00", enabled=False, uac=0x401002),
)


@pytest.fixture(scope="module")
def kerberos() -> BoundRule:
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule("kerberos-preauth-required")
    assert rule is not None
    assert [part.spec.facts for part in rule.parts] == ["directory.users", "directory.computers"]
    return rule


def fact_set(name: str, records: tuple[FactRecord, ...], error: str | None = None) -> FactSet:
    return FactSet(name=name, source="test", collected_at=AS_OF, error=error, records=records)


def judged(rule: BoundRule, *sets: FactSet) -> Finding:
    (finding,) = audit([rule], {s.name: s for s in sets}, as_of=AS_OF, tz=LONDON, profile="holywell").findings
    return finding


def test_one_finding_lists_users_and_computers_each_judged_by_its_own_part(kerberos: BoundRule) -> None:
    finding = judged(kerberos, fact_set("directory.users", USERS), fact_set("directory.computers", COMPUTERS))

    listed = [(o.status.value, o.id, o.kind, o.message, o.context) for o in finding.objects]
    assert listed == [
        ("FAIL", "HW-OLD-01", "computer", "is limited to DES Kerberos keys (USE_DES_KEY_ONLY), which are broken", {}),
        (
            "FAIL",
            "scanner",
            "user",
            "does not require Kerberos pre-authentication (DONT_REQ_PREAUTH): anyone may ask for data to guess its "
            "password offline",
            {"display_name": "Copier"},
        ),
        ("PASS", "bloggs.j", "user", None, {"display_name": None}),
        ("PASS", "HW-DT-01", "computer", None, {}),
    ]  # disabled accounts, user or computer, are out of the scope of their part
    assert (finding.status.value, finding.message) == ("FAIL", "2 of 4 users and computers fail, 2 pass")


def test_a_fact_set_not_collected_is_never_a_pass(kerberos: BoundRule) -> None:
    passing_users = fact_set("directory.users", USERS[1:])
    failed = fact_set("directory.computers", (), error="the DC went away")

    alone = judged(kerberos, passing_users)
    assert (alone.status.value, alone.message) == (
        "ERROR",
        "no directory.computers facts were collected; all 1 users and computers in scope pass",
    )
    assert [(o.id, o.status.value) for o in alone.objects] == [("bloggs.j", "PASS")]
    broken = judged(kerberos, passing_users, failed)
    assert (broken.status.value, broken.message.split(";")[0]) == (
        "ERROR",
        "directory.computers could not be collected: the DC went away",
    )
    # What one part already fails still fails.
    assert judged(kerberos, fact_set("directory.users", USERS), failed).status.value == "FAIL"
    nothing = judged(kerberos)
    assert (nothing.status.value, nothing.message, nothing.objects) == (
        "ERROR",
        "no directory.users facts were collected; no directory.computers facts were collected, so nothing was checked",
        [],
    )


def test_records_judged_as_they_arrive_give_the_findings_of_judging_them_at_the_end(kerberos: BoundRule) -> None:
    sets = {s.name: s for s in (fact_set("directory.users", USERS), fact_set("directory.computers", COMPUTERS))}
    evaluation = Evaluation([kerberos], as_of=AS_OF, tz=LONDON)
    evaluation.feed("directory.computers", COMPUTERS[1:])
    evaluation.feed("directory.users", USERS)
    evaluation.feed("directory.computers", COMPUTERS[:1])

    fed = evaluation.audit(sets, profile="holywell")

    assert fed.model_dump() == audit([kerberos], sets, as_of=AS_OF, tz=LONDON, profile="holywell").model_dump()


def test_a_scan_asks_each_fact_set_only_for_what_its_part_reads(kerberos: BoundRule) -> None:
    assert rule_needs([kerberos]) == {
        "directory.users": frozenset({"id", "enabled", "uac", "display_name"}),
        "directory.computers": frozenset({"id", "enabled", "uac"}),
    }


def test_rules_show_names_every_fact_set_and_what_each_part_checks(run_cli) -> None:
    result = run_cli("rules", "show", "kerberos-preauth-required")
    assert result.code == 0, result.err
    assert "Facts: directory.users, directory.computers" in result.out
    checks = result.out.split("Checks\n")[1].split("\n\n")[0].splitlines()
    assert checks == [
        "  for each user where enabled = true",
        "  passes when uac has all bits clear of 0x600000",
        "  for each computer where enabled = true",
        "  passes when uac has all bits clear of 0x600000",
    ]
