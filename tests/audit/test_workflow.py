"""The audit workflow called as a runner of many sites would call it: a request in, an outcome out."""

from __future__ import annotations

from pathlib import Path

import pytest

from holyaudit.audit.sources import Listener
from holyaudit.audit.workflow import AuditOutcome, AuditRequest, audit
from holyaudit.collectors.snapshot import demo_path
from holyaudit.errors import ExitCode, UsageError
from holyaudit.history.store import HistoryStore
from holyaudit.models import Status
from holyaudit.reporters.interface import OutputFormat, RenderOptions, reporter_for

AS_OF = "2026-11-20T18:00"


def stored_runs(history: Path) -> list[tuple[str, int]]:
    with HistoryStore.open(history, read_only=True) as store:
        return [(run.run_id, run.exit_code) for run in store.runs()]


def test_the_outcome_is_the_cli_report_and_the_run_is_recorded_with_its_code(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    said: list[str] = []
    request = AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history, trend=True)
    outcome = audit(request, Listener(log=said.append))
    cli = run_cli("scan", "--demo", "--as-of", AS_OF, "--format", "json", "--no-history")
    assert reporter_for(OutputFormat.JSON).render(outcome.result, RenderOptions()) == cli.out
    assert (outcome.code, outcome.verdict, outcome.site) == (
        ExitCode.NON_COMPLIANT,
        "non-compliant",
        "Holywell Primary School (demo)",
    )
    assert stored_runs(history) == [(outcome.run_id, 1)]
    assert [line.split(":")[0] for line in said] == ["sources", "findings"]
    # The trend counts object results (so a partial fix moves it): the demo's 67 objects failing fail 81 times.
    assert [point.counts for point in outcome.trend] == [
        {Status.PASS: 817, Status.FAIL: 81, Status.ERROR: 72, Status.WAIVED: 0, Status.NOT_APPLICABLE: 32}
    ]


def test_the_run_is_committed_only_after_the_report_is_delivered(tmp_path):
    history = tmp_path / "history.sqlite3"
    seen: list[list[tuple[str, int]]] = []

    def deliver(outcome: AuditOutcome) -> None:
        seen.append(stored_runs(history) if history.exists() else None)

    first = audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history), deliver=deliver)
    second = audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history), deliver=deliver)
    # A history that does not exist yet is created once the report is out; one that does gains the run then.
    assert seen == [None, [(first.run_id, first.code)]]
    assert stored_runs(history) == [(second.run_id, second.code), (first.run_id, first.code)]


def test_a_report_that_cannot_be_delivered_leaves_no_run(tmp_path):
    history = tmp_path / "history.sqlite3"

    def deliver(outcome: AuditOutcome) -> None:
        raise UsageError("cannot write the report")

    with pytest.raises(UsageError, match="cannot write the report"):
        audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history), deliver=deliver)
    assert not history.exists()
    recorded = audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history))
    with pytest.raises(UsageError, match="cannot write the report"):
        audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history), deliver=deliver)
    assert stored_runs(history) == [(recorded.run_id, recorded.code)]


def test_fail_on_new_needs_a_history_and_nothing_is_created(tmp_path):
    with pytest.raises(UsageError, match="--fail-on-new compares with the previous stored run"):
        audit(AuditRequest(snapshot=demo_path(), fail_on_new=True, lock=tmp_path / "run.lock"))
    assert list(tmp_path.iterdir()) == []


def test_the_trend_is_counted_only_for_a_report_that_draws_it(tmp_path):
    history = tmp_path / "history.sqlite3"
    plain = audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history))
    drawn = audit(AuditRequest(snapshot=demo_path(), as_of=AS_OF, history=history, trend=True))
    assert plain.trend == ()
    # The run before (the plain one, stored) and this one, each counting the demo's object results.
    assert [sum(point.counts.values()) for point in drawn.trend] == [1002, 1002]
