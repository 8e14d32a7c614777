"""``new_failures``, from the keys failing before alone, finds exactly the new failures ``drift`` finds."""

from __future__ import annotations

import random

from holyaudit.history.drift import drift, new_failures
from holyaudit.history.store import StoredResult
from holyaudit.models import Severity, Status


def some_results(rng: random.Random) -> list[StoredResult]:
    """A few results over few keys: objects stored twice, ids differing only in case, every status and severity."""
    return [
        StoredResult(
            rng.choice(["rule-a", "rule-b"]),
            rng.choice(["bob", "Bob", "carol", "dave"]),
            "user",
            rng.choice(list(Status)),
            rng.choice(list(Severity)),
            rng.choice([None, "why"]),
        )
        for _ in range(rng.randrange(12))
    ]


def test_new_failures_from_the_keys_failing_before_are_drifts_new_failures_in_its_order():
    rng = random.Random(20261128)
    for _ in range(500):
        before, after = some_results(rng), some_results(rng)
        last_before = {r.key: r for r in before}
        failing_before = {key for key, r in last_before.items() if r.status is Status.FAIL}
        for fail_on in Severity:
            expected = [c.current for c in drift(before, after).new if c.current.severity.rank >= fail_on.rank]
            assert new_failures(failing_before, after, fail_on) == expected


def test_with_no_previous_run_every_failure_at_or_above_fail_on_is_new():
    bob = StoredResult("rule-a", "bob", "user", Status.FAIL, Severity.HIGH, "why")
    alice = StoredResult("rule-a", "alice", "user", Status.PASS, Severity.HIGH, None)
    low = StoredResult("rule-b", "bob", "user", Status.FAIL, Severity.LOW, "why")
    assert new_failures(set(), [bob, alice, low], Severity.MEDIUM) == [bob]
    assert new_failures({("rule-a", "bob")}, [bob, alice, low], Severity.LOW) == [low]
