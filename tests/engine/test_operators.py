"""Every operator and combinator, through its one definition: the answer alone, and the same answer with reasons.

A value that is missing or of the wrong kind is unknown (ERROR), never True: these tables hold each operator
to that, including the negative ones (``ne``, ``not_in``, ``not_matches``), which would otherwise turn "not
comparable" into a pass.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from holyaudit.engine.conditions import Leaf
from holyaudit.engine.context import EvalContext, days_text
from holyaudit.engine.operators import (
    ALL,
    ANY,
    EVERY,
    FALSE,
    GUARDED,
    NOT,
    OPERATORS,
    SOME,
    TRUE,
    UNKNOWN,
    Outcome,
)
from holyaudit.facts import Volume

LONDON = ZoneInfo("Europe/London")
WINTER = EvalContext(as_of=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tz=LONDON)
"""20 November 2026, noon in London (GMT)."""
SUMMER = EvalContext(as_of=dt.datetime(2026, 7, 20, 12, tzinfo=dt.UTC), tz=LONDON)
"""20 July 2026, 13:00 in London (BST, UTC+1)."""

WINDOW = {"from": "19:00", "to": "06:00"}
ENDS_18_UTC = "c0ff03" * 7  # 06:00-18:00 UTC every day: denied 19:00-06:00 in winter and summer alike
ENDS_19_UTC = "80ff07" * 7  # 07:00-19:00 UTC: 20:00 in summer, past the window's start
EVERY_HOUR = "ff" * 21


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


# (operator, the rule's value, the observed value, the answer: True, False, or None for unknown/ERROR)
CASES: list[tuple[str, Any, Any, bool | None]] = [
    ("eq", 6, 6, True),
    ("eq", 6, 6.0, True),
    ("eq", 6, 5, False),
    ("eq", "On", "on", False),
    ("eq", True, True, True),
    ("eq", True, False, False),
    ("eq", True, 1, None),  # a number is not true or false
    ("eq", 6, "6", None),
    ("eq", 6, None, None),
    ("ne", 6, 5, True),
    ("ne", 6, 6, False),
    ("ne", 6, 6.0, False),
    ("ne", "On", "Off", True),
    ("ne", True, 1, None),
    ("ne", 6, "6", None),
    ("ne", "On", ["Off"], None),
    ("ne", 6, None, None),
    ("lt", 6, 5, True),
    ("lt", 6, 6, False),
    ("lt", "19:00", dt.time(18, 59), True),
    ("lt", "19:00", dt.time(19, 0), False),
    ("lt", 6, "5", None),
    ("lt", 6, True, None),
    ("lt", "19:00", 1140, None),
    ("lt", 6, None, None),
    ("le", 6, 6, True),
    ("le", 6, 7, False),
    ("le", dt.date(2026, 11, 20), utc(2026, 11, 20, 23, 59), True),  # the same local date
    ("le", dt.date(2026, 11, 20), utc(2026, 11, 21, 0, 0), False),
    ("le", dt.date(2026, 11, 20), "2026-11-20", None),
    ("le", 6, None, None),
    ("gt", 6, 7, True),
    ("gt", 6, 6, False),
    ("gt", 6, [7], None),
    ("gt", 6, None, None),
    ("ge", 6, 6, True),
    ("ge", 6, 5.5, False),
    ("ge", "06:00", dt.time(6, 0), True),
    ("ge", 6, False, None),
    ("ge", 6, None, None),
    ("in", ["staff", "pupil"], "staff", True),
    ("in", ["staff", "pupil"], "Staff", False),
    ("in", [1, 2], 2.0, True),
    ("in", [1, 2], True, None),
    ("in", ["staff"], 1, None),
    ("in", ["staff"], None, None),
    ("not_in", ["Administrator", "Guest"], "jbloggs", True),
    ("not_in", ["Administrator", "Guest"], "Guest", False),
    ("not_in", [1, 2], 2.0, False),
    ("not_in", ["Administrator"], 1, None),
    ("not_in", [False], 0, None),
    ("not_in", ["Administrator"], ["Administrator"], None),
    ("not_in", ["Administrator"], None, None),
    ("contains", "staff", ["pupil", "staff"], True),
    ("contains", "staff", ["pupil"], False),
    ("contains", "staff", [], False),
    ("contains", "staff", "staff", None),  # text is not a list
    ("contains", "staff", None, None),
    ("contains_any", ["staff", "governor"], ["governor"], True),
    ("contains_any", ["staff", "governor"], ["pupil"], False),
    ("contains_any", ["staff"], "staff", None),
    ("contains_any", ["staff"], None, None),
    ("matches", "^dns-", "dns-web", True),
    ("matches", "^dns-", "web-dns-", False),
    ("matches", "(?i)^test", "TEST account", True),
    ("matches", "^dns-", 5, None),
    ("matches", "^dns-", None, None),
    ("not_matches", "^dns-", "web-dns-", True),
    ("not_matches", "^dns-", "dns-web", False),
    ("not_matches", "^dns-", 5, None),
    ("not_matches", "^dns-", ["web"], None),
    ("not_matches", "^dns-", None, None),
    ("bits_set", 0x20, 0x220, True),
    ("bits_set", 0x22, 0x220, False),
    ("bits_set", 0x20, True, None),
    ("bits_set", 0x20, "0x220", None),
    ("bits_set", 0x20, None, None),
    ("bits_clear", 0x2, 0x220, True),
    ("bits_clear", 0x20, 0x220, False),
    ("bits_clear", 0x20, 32.0, None),
    ("bits_clear", 0x20, None, None),
    ("exists", None, "x", True),
    ("exists", None, "", True),
    ("exists", None, False, True),
    ("exists", None, None, False),
    ("missing", None, None, True),
    ("missing", None, "x", False),
    ("missing", None, 0, False),
    # Whole calendar days before 20 November in London: the 12th is 8 days ago, the 13th 7.
    ("older_than_days", 7, utc(2026, 11, 12, 23, 59), True),
    ("older_than_days", 7, utc(2026, 11, 13, 0, 0), False),
    ("older_than_days", 7, dt.date(2026, 11, 12), True),
    ("older_than_days", 7, dt.date(2026, 11, 13), False),
    ("older_than_days", 0, utc(2026, 11, 19, 23, 59), True),
    ("older_than_days", 0, utc(2026, 11, 20, 0, 0), False),
    ("older_than_days", 7, utc(2027, 1, 1), False),  # a date after the as-of time is no days ago
    ("older_than_days", 7, "2026-11-01", None),
    ("older_than_days", 7, 8, None),
    ("older_than_days", 7, None, None),
    ("within_days", 7, utc(2026, 11, 13, 0, 0), True),
    ("within_days", 7, utc(2026, 11, 12, 23, 59), False),
    ("within_days", 7, utc(2027, 1, 1), True),
    ("within_days", 7, "2026-11-13", None),
    ("within_days", 7, None, None),
    ("hours_denied", WINDOW, ENDS_18_UTC, True),
    ("hours_denied", WINDOW, EVERY_HOUR, False),
    ("hours_denied", WINDOW, "zz" * 21, None),  # not hexadecimal
    ("hours_denied", WINDOW, "c0ff03", None),  # 3 bytes, not 21
    ("hours_denied", WINDOW, 0, None),
    ("hours_denied", WINDOW, None, None),
]


def leaf(op: str, value: Any, attr: str = "x") -> Leaf:
    """A leaf with its value checked by the operator, as a loaded rule holds it."""
    return Leaf(attr, OPERATORS[op], value).bind({})


@pytest.mark.parametrize(("op", "value", "observed", "answer"), CASES, ids=lambda v: repr(v)[:40])
def test_operator_answers_and_gives_the_same_answer_with_its_reasons(
    op: str, value: Any, observed: Any, answer: bool | None
) -> None:
    decide = leaf(op, value).decider(WINTER)
    alone, explained = decide(observed, "", False), decide(observed, "", True)
    assert alone.value is answer
    assert explained.value is answer
    if answer is None or answer is False:
        assert explained.notes, "a failure or an unknown is always explained"
        assert alone.notes == ()


def test_every_operator_is_tested_for_each_answer_it_can_give() -> None:
    answers: dict[str, set[bool | None]] = {}
    for op, _, _, answer in CASES:
        answers.setdefault(op, set()).add(answer)
    presence = {"exists", "missing"}  # about presence itself: never unknown
    assert set(answers) == set(OPERATORS)
    for op, given in answers.items():
        assert given == ({True, False} if op in presence else {True, False, None}), op


def test_a_day_count_is_of_local_calendar_days() -> None:
    """23:30 UTC on 12 July is 00:30 on 13 July in London (BST): 7 days before 20 July, not 8."""
    late_evening = utc(2026, 7, 12, 23, 30)
    assert leaf("older_than_days", 7).decider(SUMMER)(late_evening, "", False) is FALSE
    assert leaf("within_days", 7).decider(SUMMER)(late_evening, "", False) is TRUE
    assert leaf("older_than_days", 7).decider(SUMMER)(utc(2026, 7, 12, 22, 59), "", False) is TRUE


def test_hours_denied_holds_in_every_season_and_remarks_on_an_early_end() -> None:
    """A map ending at 19:00 UTC is 19:00 in winter but 20:00 in summer: it fails all year, naming the season."""
    decide = leaf("hours_denied", WINDOW).decider(WINTER)
    assert [str(note) for note in decide(ENDS_19_UTC, "", True).notes] == [
        "x is 80ff0780ff07… (logon permitted 19:00–20:00 every day under BST (UTC+01:00)); "
        "expected x permits no logon from 19:00 to 06:00 (site time, all year)"
    ]
    assert decide(ENDS_18_UTC, "", False) == Outcome(
        True, ("compliant all year; logon ends by 18:00 under GMT, before 19:00",)
    )


@pytest.mark.parametrize(
    ("op", "value", "observed", "reason"),
    [
        ("ne", 6, 6, "x is 6; expected x ≠ 6"),
        ("ne", 6, "6", "x: '6' is not a number"),
        ("ne", 6, None, "x has no value"),
        ("not_in", ["Guest"], "Guest", "x is 'Guest'; expected x is none of ['Guest']"),
        ("not_in", ["Guest"], 7, "x: 7 is not text"),
        ("not_matches", "^dns-", "dns-web", "x is 'dns-web'; expected x does not match /^dns-/"),
        ("not_matches", "^dns-", 5, "x: 5 is not text"),
        (
            "older_than_days",
            7,
            utc(2026, 11, 13, 0, 0),
            "x is 2026-11-13 00:00 (7 days ago); expected x is more days ago than 7",
        ),
        (
            "within_days",
            0,
            utc(2026, 11, 19, 0, 0),
            "x is 2026-11-19 00:00 (1 day ago); expected x is no more days ago than 0",
        ),
        ("older_than_days", 7, "2026-11-01", "x: '2026-11-01' is not a date"),
        ("bits_clear", 0x20, 0x220, "x is 0x220; expected x has all bits clear of 0x20"),
        ("in", ["staff"], 1, "x: 1 is not text"),
    ],
)
def test_a_failure_or_unknown_is_explained(op: str, value: Any, observed: Any, reason: str) -> None:
    outcome = leaf(op, value).decider(WINTER)(observed, "", True)
    assert [str(note) for note in outcome.notes] == [reason]


def test_a_list_element_is_named_in_its_reasons() -> None:
    outcome = leaf("eq", True).decider(WINTER)(False, "volumes[C:].", True)
    assert [str(note) for note in outcome.notes] == ["volumes[C:].x is false; expected x = true"]


def test_only_presence_checks_fail_as_a_guard() -> None:
    """A failed exists/missing says its branch did not apply; an ``any`` explains the branches that did."""
    assert leaf("exists", None).decider(WINTER)(None, "", False) is GUARDED
    assert leaf("missing", None).decider(WINTER)("x", "", True).guard
    assert leaf("eq", 6).decider(WINTER)(5, "", False) is FALSE


@pytest.mark.parametrize(
    ("op", "value", "message"),
    [
        ("eq", [1], "expected a single value (use 'in' for a list)"),
        ("eq", None, "expected a value (use 'missing' for an attribute that is not set)"),
        ("lt", "7pm", "expected a time of day as 'HH:MM' (24-hour), got '7pm'"),
        ("in", "staff", "expected a list, got 'staff'"),
        ("not_in", "staff", "expected a list, got 'staff'"),
        ("bits_set", 0, "expected a positive integer bit mask (e.g. 0x20), got 0"),
        ("older_than_days", -1, "expected a whole number of days (0 or more), got -1"),
        ("older_than_days", 7.5, "expected a whole number of days (0 or more), got 7.5"),
        ("within_days", True, "expected a whole number of days (0 or more), got True"),
        (
            "not_matches",
            "^(dns",
            "invalid regular expression '^(dns': missing ), unterminated subpattern at position 1",
        ),
        ("hours_denied", {"from": "19:00", "to": "19:00"}, "'from' and 'to' must differ"),
    ],
)
def test_a_value_the_operator_cannot_use_is_refused_at_load(op: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        OPERATORS[op].check(value)


REMARKED = Outcome(True, ("compliant all year",))
NOTED_FALSE = Outcome(False, ("a is 1; expected a = 2",))
NOTED_UNKNOWN = Outcome(None, ("b has no value",))
KLEENE = [TRUE, FALSE, UNKNOWN]


@pytest.mark.parametrize("left", KLEENE, ids=["T", "F", "U"])
@pytest.mark.parametrize("right", KLEENE, ids=["T", "F", "U"])
def test_all_any_and_not_follow_kleene_logic(left: Outcome, right: Outcome) -> None:
    def kleene_and(a: bool | None, b: bool | None) -> bool | None:
        return False if False in (a, b) else None if None in (a, b) else True

    def kleene_or(a: bool | None, b: bool | None) -> bool | None:
        return True if True in (a, b) else None if None in (a, b) else False

    assert ALL.combine([left, right]).value is kleene_and(left.value, right.value)
    assert ANY.combine([left, right]).value is kleene_or(left.value, right.value)
    assert NOT.negate(left, "", "not a = 1", False).value is (None if left.value is None else not left.value)


def test_all_is_explained_by_its_false_branches_else_its_unknown_ones_and_keeps_remarks() -> None:
    other_false = Outcome(False, ("c is 3; expected c = 4",))
    assert ALL.combine([NOTED_UNKNOWN, NOTED_FALSE, TRUE, other_false]).notes == NOTED_FALSE.notes + other_false.notes
    assert ALL.combine([TRUE, NOTED_UNKNOWN]).notes == NOTED_UNKNOWN.notes
    assert ALL.combine([REMARKED, TRUE, REMARKED]) == Outcome(True, REMARKED.notes * 2)
    assert ALL.combine([]) is TRUE


def test_any_is_decided_by_its_first_true_branch_and_explained_by_the_branches_that_applied() -> None:
    assert ANY.combine([NOTED_FALSE, REMARKED, TRUE]) is REMARKED
    assert ANY.combine([NOTED_FALSE, NOTED_UNKNOWN]).notes == NOTED_UNKNOWN.notes
    guarded = Outcome(False, ("last_logon is set",), guard=True)
    assert ANY.combine([guarded, NOTED_FALSE]) == NOTED_FALSE
    assert ANY.combine([guarded, guarded]) == Outcome(False, guarded.notes * 2, guard=True)


def test_not_is_explained_by_what_was_not_expected() -> None:
    negated = Outcome(False, ("volumes[C:].expected not a = 1",))
    assert NOT.negate(REMARKED, "volumes[C:].", "not a = 1", True) == negated
    assert NOT.negate(NOTED_FALSE, "", "not a = 1", True) is TRUE
    assert NOT.negate(NOTED_UNKNOWN, "", "not a = 1", True) is NOTED_UNKNOWN


def _volume_judge(element: Any, seen: dict[str, Any], prefix: str, why: bool) -> Outcome:
    return leaf("eq", "On", "protection_status").decider(WINTER)(element.protection_status, prefix, why)


@pytest.mark.parametrize(
    ("every", "volumes", "allow_empty", "answer"),
    [
        (True, ["On", "On"], False, True),
        (True, ["On", "Off"], False, False),
        (True, ["On", None], False, None),
        (True, [], False, False),  # no volumes has not shown that every volume is encrypted
        (True, [], True, True),
        (False, ["Off", "On"], False, True),
        (False, ["Off", None], False, None),
        (False, ["Off"], False, False),
        (False, [], True, False),
    ],
)
def test_every_and_some_combine_their_elements_as_all_and_any(
    every: bool, volumes: list[str | None], allow_empty: bool, answer: bool | None
) -> None:
    quantifier = EVERY if every else SOME
    items = [Volume(id=f"{letter}:", protection_status=status) for letter, status in zip("CDE", volumes, strict=False)]
    outcome = quantifier.judge(items, "volumes", _volume_judge, None, allow_empty, "protected", {}, "", True)
    assert outcome.value is answer


def test_an_element_that_could_not_be_read_is_unknown() -> None:
    items = [Volume(id="C:", protection_status="On"), Volume(id="D:", error="access denied")]
    outcome = EVERY.judge(items, "volumes", _volume_judge, None, False, "protected", {}, "", True)
    assert outcome == Outcome(None, ("volumes[D:] could not be read: access denied",))


@pytest.mark.parametrize(
    ("count", "said"), [(0, "0 days"), (1, "1 day"), (2, "2 days"), (-1, "-1 day"), (400, "400 days")]
)
def test_a_number_of_days_is_said_with_its_unit_in_the_singular_for_one(count: int, said: str) -> None:
    assert days_text(count) == said
