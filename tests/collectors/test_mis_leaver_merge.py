"""MIS leaving dates merged into the users batch by batch, as the directory is read, and handed on merged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from holyaudit.collectors.live import leaver_merge, merging, with_mis_leavers
from holyaudit.collectors.mis import LeaverMerge, MisLeaver
from holyaudit.collectors.mis_source import MisSettings
from holyaudit.config import new_settings
from holyaudit.engine.evaluate import Evaluation, audit
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile
from holyaudit.facts import Computer, FactRecord, FactSet, User

COLLECTED_AT = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
LEAVERS = (
    MisLeaver("AHMED.N", line=2, leaving_date=dt.date(2026, 11, 10)),
    MisLeaver("ghost.x", line=3, leaving_date=dt.date(2026, 11, 1)),
    MisLeaver("bennett.c", line=4, leaving_date=None, problem="MIS export line 4: cannot read leaving date 'TBC'"),
)
USERS = (
    User(id="ahmed.n", enabled=True, leaving_date=dt.date(2026, 11, 20)),
    User(id="still.here", enabled=True),
    User(id="bennett.c", enabled=True),
    User(
        id="carter.d",
        enabled=False,
        leaving_date=dt.date(2026, 10, 1),
        disabled_at=dt.datetime(2026, 10, 3, 9, tzinfo=dt.UTC),
    ),
)
SETTINGS = new_settings(mis=MisSettings(leavers_csv=Path("leavers.csv")))


def users_fact_set(records: Sequence[FactRecord]) -> FactSet:
    return FactSet(name="directory.users", source="ldaps://dc1", collected_at=COLLECTED_AT, records=tuple(records))


def test_batches_merged_as_they_arrive_are_the_very_users_merged_at_the_end() -> None:
    merge = LeaverMerge(LEAVERS, "sAMAccountName")

    early = merge.users(USERS[:1]) + merge.users(USERS[1:3]) + merge.users(USERS[3:])
    final = merge.users(USERS)

    assert len(early) == len(final) == len(USERS)
    assert all(a is b for a, b in zip(early, final, strict=True))
    assert [(u.id, u.leaving_date, u.unreadable) for u in final] == [
        ("ahmed.n", dt.date(2026, 11, 10), {}),
        ("still.here", None, {}),
        ("bennett.c", None, {"leaving_date": "MIS export line 4: cannot read leaving date 'TBC'"}),
        ("carter.d", dt.date(2026, 10, 1), {}),
    ]
    assert [(u.id, u.in_directory, u.enabled, u.leaving_date) for u in merge.absent()] == [
        ("ghost.x", False, False, dt.date(2026, 11, 1))
    ]


def test_an_unreadable_export_is_warned_of_and_marks_every_users_leaving_date_unreadable(tmp_path: Path) -> None:
    settings = new_settings(mis=MisSettings(leavers_csv=tmp_path / "absent.csv"))
    warnings: list[str] = []
    user_with_a_gap = User(id="gap.g", enabled=True, unreadable={"last_logon": "access denied"})

    merge = leaver_merge(settings, {"directory.users": frozenset({"leaving_date"})}, warnings.append)

    assert merge is not None
    assert warnings == [f"cannot read the MIS leavers export {tmp_path / 'absent.csv'}: No such file or directory"]
    merged = merge.users([*USERS, user_with_a_gap])
    assert [(u.id, u.leaving_date, u.unreadable) for u in merged] == [
        ("ahmed.n", dt.date(2026, 11, 20), {"leaving_date": warnings[0]}),
        ("still.here", None, {"leaving_date": warnings[0]}),
        ("bennett.c", None, {"leaving_date": warnings[0]}),
        ("carter.d", dt.date(2026, 10, 1), {"leaving_date": warnings[0]}),
        ("gap.g", None, {"last_logon": "access denied", "leaving_date": warnings[0]}),
    ]
    assert merge.absent() == []


def test_merging_hands_the_sink_merged_users_and_other_records_untouched() -> None:
    merge = LeaverMerge(LEAVERS, "sAMAccountName")
    handed: list[tuple[str, Sequence[FactRecord]]] = []
    computers = [Computer(id="PC1$", enabled=True)]
    sink = merging(merge, lambda name, records: handed.append((name, records)))
    assert sink is not None

    sink("directory.computers", computers)
    sink("directory.users", USERS[:2])

    (computer_set, computers_handed), (user_set, users_handed) = handed
    assert (computer_set, user_set) == ("directory.computers", "directory.users")
    assert computers_handed is computers
    merged = merge.users(USERS[:2])
    assert all(a is b for a, b in zip(users_handed, merged, strict=True))
    assert [(u.id, u.leaving_date) for u in merged] == [("ahmed.n", dt.date(2026, 11, 10)), ("still.here", None)]


def test_without_an_export_or_a_sink_merging_changes_nothing() -> None:
    def sink(name: str, records: Sequence[FactRecord]) -> None:
        raise AssertionError("not called")

    assert merging(None, sink) is sink
    assert merging(LeaverMerge(LEAVERS, "sAMAccountName"), None) is None


def test_with_mis_leavers_gives_the_very_users_the_sink_saw_plus_the_absent_leavers() -> None:
    merge = LeaverMerge(LEAVERS, "sAMAccountName")
    seen: list[FactRecord] = []
    sink = merging(merge, lambda name, records: seen.extend(records))
    assert sink is not None
    sink("directory.users", USERS[2:])
    sink("directory.users", USERS[:2])
    computers = FactSet(name="directory.computers", source="ldaps://dc1", collected_at=COLLECTED_AT)

    facts = with_mis_leavers(
        {"directory.users": users_fact_set(USERS), "directory.computers": computers}, SETTINGS, merge
    )

    users = facts["directory.users"]
    by_id = {record.id: record for record in seen}
    assert [r.id for r in users.records] == ["ahmed.n", "still.here", "bennett.c", "carter.d", "ghost.x"]
    assert all(record is by_id[record.id] for record in users.records[:4])
    assert users.source == "ldaps://dc1 + leavers.csv"
    assert facts["directory.computers"] is computers


def test_leavers_judged_as_they_arrive_give_the_findings_of_merging_and_judging_at_the_end() -> None:
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule("leaver-accounts-disabled")
    assert rule is not None
    as_of, tz = COLLECTED_AT, ZoneInfo("Europe/London")
    evaluation = Evaluation([rule], as_of=as_of, tz=tz)
    merge = LeaverMerge(LEAVERS, "sAMAccountName")
    sink = merging(merge, evaluation.feed)
    assert sink is not None
    for batch in (USERS[3:], USERS[:3]):
        sink("directory.users", batch)

    fed = evaluation.audit(with_mis_leavers({"directory.users": users_fact_set(USERS)}, SETTINGS, merge), profile="p")
    at_end = audit(
        [rule],
        with_mis_leavers({"directory.users": users_fact_set(USERS)}, SETTINGS, LeaverMerge(LEAVERS, "sAMAccountName")),
        as_of=as_of,
        tz=tz,
        profile="p",
    )

    assert fed.model_dump() == at_end.model_dump()
    assert [(o.id, o.status.value) for o in fed.findings[0].objects] == [
        ("ahmed.n", "FAIL"),
        ("bennett.c", "ERROR"),
        ("ghost.x", "NOT_APPLICABLE"),
        ("carter.d", "PASS"),
    ]


def test_an_mis_only_leaver_matched_on_employee_id_never_takes_a_users_id() -> None:
    """An employee ID can be any text, another user's sAMAccountName included: the MIS-only record is then
    ``mis:<key>``, which no sAMAccountName can be, so the users' fact set never holds one id twice."""
    staff = (
        User(id="still.here", enabled=True, employee_id="E100"),
        User(id="E200", enabled=True, employee_id="E300"),
    )
    leavers = (
        MisLeaver("E100", line=2, leaving_date=dt.date(2026, 11, 10)),
        MisLeaver("still.here", line=3, leaving_date=dt.date(2026, 11, 1)),
        MisLeaver("e200", line=4, leaving_date=dt.date(2026, 11, 2)),
    )
    merge = LeaverMerge(leavers, "employeeID")

    merged = merge.users(staff) + merge.absent()

    assert [(u.id, u.in_directory, u.leaving_date) for u in merged] == [
        ("still.here", True, dt.date(2026, 11, 10)),
        ("E200", True, None),
        ("mis:still.here", False, dt.date(2026, 11, 1)),
        ("mis:e200", False, dt.date(2026, 11, 2)),
    ]
    assert len({u.id.casefold() for u in merged}) == len(merged)


def test_mis_only_leavers_matched_on_sam_account_name_or_upn_keep_their_key_as_id() -> None:
    leaver = MisLeaver("ghost.x@school.test", line=2, leaving_date=dt.date(2026, 11, 1))
    assert [u.id for u in LeaverMerge([leaver], "userPrincipalName").absent()] == ["ghost.x@school.test"]
    assert [u.id for u in LeaverMerge(LEAVERS, "sAMAccountName").absent()] == ["AHMED.N", "ghost.x", "bennett.c"]
