"""A rule is compiled once per evaluation: each evaluation keeps its own as-of time, and failures read as before."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from holyaudit.engine.context import EvalContext
from holyaudit.engine.evaluate import evaluate_rule
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile
from holyaudit.engine.schema import BoundRule
from holyaudit.engine.weekly_hours import HourWindow, hours_map_for_local_window, permitted_in_window
from holyaudit.facts import FactSet, User
from holyaudit.models import ObjectResult, Status

LONDON = ZoneInfo("Europe/London")
DORMANT_EXPECTED = (
    "(last_logon is set and last_logon is no more days ago than 60) or "
    "(last_logon is not set and created is no more days ago than 60)"
)


def dormant_accounts() -> BoundRule:
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule("dormant-accounts")
    assert rule is not None
    return rule


def user_facts(*users: User) -> FactSet:
    return FactSet(
        name="directory.users", source="test", collected_at=dt.datetime(2024, 7, 15, tzinfo=dt.UTC), records=users
    )


def test_each_evaluation_of_a_rule_judges_at_its_own_as_of_time() -> None:
    rule = dormant_accounts()
    user = User(id="jb", enabled=True, last_logon=dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC))
    facts = user_facts(user)

    early = evaluate_rule(rule, facts, EvalContext(as_of=dt.datetime(2024, 6, 1, 9, tzinfo=dt.UTC), tz=LONDON))
    late = evaluate_rule(rule, facts, EvalContext(as_of=dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC), tz=LONDON))
    again = evaluate_rule(rule, facts, EvalContext(as_of=dt.datetime(2024, 6, 1, 9, tzinfo=dt.UTC), tz=LONDON))

    assert [early.status, late.status, again.status] == [Status.PASS, Status.FAIL, Status.PASS]


def test_a_failed_branch_is_worded_with_the_site_time_and_day_count() -> None:
    # 23:30 UTC on 1 May is 00:30 on 2 May in London (BST): 74 days before 15 July.
    user = User(
        id="jb",
        enabled=True,
        last_logon=dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC),
        created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    ctx = EvalContext(as_of=dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC), tz=LONDON)

    finding = evaluate_rule(dormant_accounts(), user_facts(user), ctx)

    assert finding.objects == [
        ObjectResult(
            id="jb",
            kind="user",
            status=Status.FAIL,
            observed={
                "enabled": True,
                "id": "jb",
                "last_logon": "2024-05-01T23:30:00+00:00",
                "created": "2020-01-01T00:00:00+00:00",
            },
            expected=DORMANT_EXPECTED,
            reason="last_logon is 2024-05-02 00:30 (74 days ago); expected last_logon is no more days ago than 60",
            context={"display_name": None},
            message="last signed in 74 days ago (limit 60)",
        )
    ]


def test_logon_hours_answers_are_kept_per_map_window_zone_and_year() -> None:
    # Permits 18:00-19:00 UTC every day: 19:00-20:00 in a London summer, but never after 19:00 in UTC.
    hours = bytes.fromhex(hours_map_for_local_window(dt.time(18), dt.time(19), range(7), utc_offset_hours=0))
    curfew = HourWindow(dt.time(19), dt.time(6))
    earlier_curfew = HourWindow(dt.time(18), dt.time(6))

    in_london = permitted_in_window(hours, curfew, LONDON, 2024)
    in_utc = permitted_in_window(hours, curfew, ZoneInfo("UTC"), 2024)
    earlier_in_utc = permitted_in_window(hours, earlier_curfew, ZoneInfo("UTC"), 2024)

    assert [(b.zone_name, str(b)) for b in in_london] == [
        ("BST", "logon permitted 19:00–20:00 every day under BST (UTC+01:00)")
    ]
    assert in_utc == ()
    assert [str(b) for b in earlier_in_utc] == ["logon permitted 18:00–19:00 every day under UTC (UTC+00:00)"]
    assert permitted_in_window(hours, curfew, LONDON, 2024) == in_london


def test_results_built_without_revalidation_equal_validated_ones_and_copy_apart() -> None:
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule("password-not-required")
    assert rule is not None
    facts = user_facts(User(id="a", enabled=True, uac=0x200), User(id="b", enabled=True, uac=0x220))
    ctx = EvalContext(as_of=dt.datetime(2024, 7, 15, tzinfo=dt.UTC), tz=LONDON)

    results = evaluate_rule(rule, facts, ctx).objects
    changed = results[1].replaced(reason="changed")

    validated = [TypeAdapter(ObjectResult).validate_python(r.as_dict()) for r in results]
    assert results == validated
    assert (results[1].reason, changed.reason) == (None, "changed")
