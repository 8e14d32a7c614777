"""Records judged as they arrive during collection give exactly the findings of judging everything at the end."""

from __future__ import annotations

import datetime as dt
import gc
import random
import weakref
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import PrivateAttr

from holyaudit.engine.evaluate import Evaluation, audit
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile
from holyaudit.engine.schema import BoundRule
from holyaudit.facts import Computer, Domain, FactSet, User
from holyaudit.models import AuditResult

LONDON = ZoneInfo("Europe/London")
AS_OF = dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC)
LATE_EVENING = dt.datetime(2024, 7, 15, 23, 30, tzinfo=dt.UTC)
"""00:30 on 16 July in London: the site's day is the 16th, though it is still the 15th in UTC."""
RULE_IDS = ("leaver-accounts-disabled", "dormant-accounts", "password-not-required", "password-minimum-length")


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


USERS = (
    User(id="active.a", enabled=True, uac=0x200, last_logon=utc(2024, 7, 1)),
    User(id="idle.b", enabled=True, uac=0x200, last_logon=utc(2024, 4, 1)),
    User(id="nopass.c", enabled=True, uac=0x220, last_logon=utc(2024, 7, 10)),
    User(id="left.d", enabled=True, uac=0x200, last_logon=utc(2024, 6, 30), leaving_date=dt.date(2024, 7, 1)),
    User(id="gone.e", enabled=False, uac=0x202, leaving_date=dt.date(2024, 6, 1), disabled_at=utc(2024, 6, 3)),
    User(id="Administrator", enabled=True, uac=0x200, created=utc(2010, 1, 1)),
    User(id="unread.f", enabled=True, uac=0x200, unreadable={"last_logon": "access denied"}),
)
DOMAIN = Domain(id="holywell.local", min_pwd_length=8)

BOUNDARY_USERS = (
    # Leaving dates 7 and 8 site days before 16 July; logons 60 and 61 site days before it.
    User(id="left.7", enabled=True, uac=0x200, last_logon=utc(2024, 7, 15), leaving_date=dt.date(2024, 7, 9)),
    User(id="left.8", enabled=True, uac=0x200, last_logon=utc(2024, 7, 15), leaving_date=dt.date(2024, 7, 8)),
    User(id="idle.60", enabled=True, uac=0x200, last_logon=utc(2024, 5, 17)),
    User(id="idle.61", enabled=True, uac=0x200, last_logon=utc(2024, 5, 16)),
    # 23:30 UTC on 16 May is 00:30 on 17 May in London: 60 days, not the 61 a UTC calendar would count.
    User(id="bst.60", enabled=True, uac=0x200, last_logon=utc(2024, 5, 16, 23, 30)),
)


@pytest.fixture(scope="module")
def rules() -> list[BoundRule]:
    profile = load_profile(find_profile("holywell"), load_catalogue())
    selected = [profile.rule(rule_id) for rule_id in RULE_IDS]
    assert all(rule is not None for rule in selected)
    return [rule for rule in selected if rule is not None]


def fact_sets(users: tuple[User, ...], users_error: str | None = None) -> dict[str, FactSet]:
    return {
        "directory.users": FactSet(
            name="directory.users", source="test", collected_at=AS_OF, error=users_error, records=users
        ),
        "directory.domain": FactSet(name="directory.domain", source="test", collected_at=AS_OF, records=(DOMAIN,)),
    }


def verdicts(result: AuditResult) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Each rule's status and its objects' ids and statuses, in report order."""
    return {f.rule_id: (f.status.value, [(o.id, o.status.value) for o in f.objects]) for f in result.findings}


def in_batches(records: list[Any], size: int) -> list[list[Any]]:
    return [records[i : i + size] for i in range(0, len(records), size)]


USER_FIELDS = frozenset(User.model_fields)


class ReadCountingUser(User):
    """A user that counts how often anything reads one of its fields: the engine reads them only to judge it."""

    _reads: int = PrivateAttr(default=0)

    def __getattribute__(self, name: str) -> Any:
        if name in USER_FIELDS:
            self._reads += 1
        return super().__getattribute__(name)

    @property
    def reads(self) -> int:
        return self._reads


def counted(user: User) -> ReadCountingUser:
    return ReadCountingUser(**dict(user))


def test_users_fed_in_shuffled_batches_give_the_findings_of_judging_them_all_at_the_end(
    rules: list[BoundRule],
) -> None:
    shuffled = list(USERS)
    random.Random(20240715).shuffle(shuffled)
    evaluation = Evaluation(rules, as_of=AS_OF, tz=LONDON)
    for batch in in_batches(shuffled, 3):
        evaluation.feed("directory.users", batch)
    evaluation.feed("directory.domain", [DOMAIN])
    evaluation.feed("directory.computers", [Computer(id="PC1$", enabled=True)])  # no selected rule reads it

    fed = evaluation.audit(fact_sets(USERS), profile="holywell")
    plain = audit(rules, fact_sets(USERS), as_of=AS_OF, tz=LONDON, profile="holywell")

    assert fed.model_dump() == plain.model_dump()
    assert verdicts(fed) == {
        "leaver-accounts-disabled": ("FAIL", [("left.d", "FAIL"), ("gone.e", "PASS")]),
        "dormant-accounts": (
            "FAIL",
            [
                ("idle.b", "FAIL"),
                ("unread.f", "ERROR"),
                ("Administrator", "NOT_APPLICABLE"),
                ("active.a", "PASS"),
                ("left.d", "PASS"),
                ("nopass.c", "PASS"),
            ],
        ),
        "password-not-required": (
            "FAIL",
            [
                ("nopass.c", "FAIL"),
                ("active.a", "PASS"),
                ("Administrator", "PASS"),
                ("idle.b", "PASS"),
                ("left.d", "PASS"),
                ("unread.f", "PASS"),
            ],
        ),
        "password-minimum-length": ("PASS", [("holywell.local", "PASS")]),
    }


def test_a_fed_user_is_not_read_again_when_the_audit_reports_it(rules: list[BoundRule]) -> None:
    idle, nopass = counted(USERS[1]), counted(USERS[2])
    evaluation = Evaluation(rules, as_of=AS_OF, tz=LONDON)
    evaluation.feed("directory.users", [idle, nopass])
    reads_when_fed = (idle.reads, nopass.reads)

    result = evaluation.audit(fact_sets((idle, nopass)), profile="holywell")

    assert min(reads_when_fed) > 0
    # Only its id, once, to put the findings in order; nothing is judged again.
    assert (idle.reads, nopass.reads) == (reads_when_fed[0] + 1, reads_when_fed[1] + 1)
    assert verdicts(result)["dormant-accounts"] == ("FAIL", [("idle.b", "FAIL"), ("nopass.c", "PASS")])
    assert verdicts(result)["password-not-required"] == ("FAIL", [("nopass.c", "FAIL"), ("idle.b", "PASS")])


def test_an_unfed_equal_copy_is_judged_and_a_fed_user_missing_from_the_final_set_counts_for_nothing(
    rules: list[BoundRule],
) -> None:
    idle, nopass, dropped = counted(USERS[1]), counted(USERS[2]), counted(USERS[3])
    evaluation = Evaluation(rules, as_of=AS_OF, tz=LONDON)
    evaluation.feed("directory.users", [idle, nopass, dropped])
    copy = nopass.model_copy()
    reads_before_audit = copy.reads

    result = evaluation.audit(fact_sets((idle, copy)), profile="holywell")

    assert copy.model_dump() == nopass.model_dump()  # equal values (the read counts differ)
    assert copy is not nopass
    assert copy.reads > reads_before_audit
    assert verdicts(result) == {
        "leaver-accounts-disabled": ("NOT_APPLICABLE", []),
        "dormant-accounts": ("FAIL", [("idle.b", "FAIL"), ("nopass.c", "PASS")]),
        "password-not-required": ("FAIL", [("nopass.c", "FAIL"), ("idle.b", "PASS")]),
        "password-minimum-length": ("PASS", [("holywell.local", "PASS")]),
    }
    assert all(o.id != "left.d" for f in result.findings for o in f.objects)


def test_a_fact_set_that_failed_is_an_error_with_no_objects_even_if_its_users_were_fed(
    rules: list[BoundRule],
) -> None:
    evaluation = Evaluation(rules, as_of=AS_OF, tz=LONDON)
    evaluation.feed("directory.users", USERS)
    evaluation.feed("directory.domain", [DOMAIN])

    result = evaluation.audit(fact_sets((), users_error="LDAP connection lost"), profile="holywell")

    assert verdicts(result) == {
        "leaver-accounts-disabled": ("ERROR", []),
        "dormant-accounts": ("ERROR", []),
        "password-not-required": ("ERROR", []),
        "password-minimum-length": ("PASS", [("holywell.local", "PASS")]),
    }
    assert {f.message for f in result.findings if f.status == "ERROR"} == {
        "directory.users could not be collected: LDAP connection lost"
    }


@pytest.mark.parametrize("fed_early", [True, False], ids=["fed-early", "judged-late"])
def test_boundary_days_are_counted_to_the_evaluations_as_of_in_the_site_zone(
    rules: list[BoundRule], fed_early: bool
) -> None:
    evaluation = Evaluation(rules, as_of=LATE_EVENING, tz=LONDON)
    if fed_early:
        for batch in in_batches(list(reversed(BOUNDARY_USERS)), 2):
            evaluation.feed("directory.users", batch)

    result = evaluation.audit(fact_sets(BOUNDARY_USERS), profile="holywell")

    assert verdicts(result)["leaver-accounts-disabled"] == ("FAIL", [("left.8", "FAIL"), ("left.7", "NOT_APPLICABLE")])
    assert verdicts(result)["dormant-accounts"] == (
        "FAIL",
        [("idle.61", "FAIL"), ("bst.60", "PASS"), ("idle.60", "PASS"), ("left.7", "PASS"), ("left.8", "PASS")],
    )


def test_users_fed_to_one_evaluation_are_judged_afresh_by_another_at_a_later_as_of(rules: list[BoundRule]) -> None:
    earlier = Evaluation(rules, as_of=LATE_EVENING - dt.timedelta(days=1), tz=LONDON)
    later = Evaluation(rules, as_of=LATE_EVENING, tz=LONDON)
    earlier.feed("directory.users", BOUNDARY_USERS)

    before = earlier.audit(fact_sets(BOUNDARY_USERS), profile="holywell")
    after = later.audit(fact_sets(BOUNDARY_USERS), profile="holywell")

    assert verdicts(before)["leaver-accounts-disabled"] == (
        "NOT_APPLICABLE",
        [("left.7", "NOT_APPLICABLE"), ("left.8", "NOT_APPLICABLE")],
    )
    assert verdicts(after)["leaver-accounts-disabled"] == ("FAIL", [("left.8", "FAIL"), ("left.7", "NOT_APPLICABLE")])


def test_the_users_judged_on_arrival_are_not_kept_by_the_evaluation_once_their_findings_are_made(
    rules: list[BoundRule],
) -> None:
    # A 50,000-user scan keeps its evaluation to the process's end: what it judged early must go with the users.
    users = tuple(User(**dict(user)) for user in USERS)
    evaluation = Evaluation(rules, as_of=AS_OF, tz=LONDON)
    evaluation.feed("directory.users", users)
    left = weakref.ref(users[3])

    first = evaluation.audit(fact_sets(users), profile="holywell")
    del users
    gc.collect()

    assert left() is None
    again = evaluation.audit(fact_sets(USERS), profile="holywell")
    assert verdicts(first) == verdicts(again)
    assert verdicts(first)["leaver-accounts-disabled"] == ("FAIL", [("left.d", "FAIL"), ("gone.e", "PASS")])


def test_each_user_s_identifying_values_are_held_once_for_every_rule_that_shows_them(rules: list[BoundRule]) -> None:
    named = tuple(user.model_copy(update={"display_name": f"Name of {user.id}"}) for user in USERS)
    evaluation = Evaluation(rules, as_of=AS_OF, tz=LONDON)
    evaluation.feed("directory.users", named)
    result = evaluation.audit(fact_sets(named), profile="holywell")

    shown = {
        f.rule_id: {o.id: o.context for o in f.objects}
        for f in result.findings
        if f.rule_id in ("dormant-accounts", "password-not-required")
    }
    dormant, no_password = shown["dormant-accounts"], shown["password-not-required"]
    assert dormant["idle.b"] == {"display_name": "Name of idle.b"}
    assert no_password["idle.b"] is dormant["idle.b"]
    assert no_password["nopass.c"] == {"display_name": "Name of nopass.c"}
    assert no_password["nopass.c"] is dormant["nopass.c"]
    assert [f.objects[0].context for f in result.findings if f.rule_id == "password-minimum-length"] == [{}]
