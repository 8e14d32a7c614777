"""The history database survives crashes mid-write, concurrent readers and schema upgrades."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from itertools import groupby, pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from history_school import USER_RULE, School

from holyaudit.audit.history import TREND_RUNS, trend_for
from holyaudit.errors import ExitCode
from holyaudit.history.schema import LATEST
from holyaudit.history.store import HistoryError, HistoryStore, StoredResult, results_of
from holyaudit.models import AuditResult, Clause, Finding, ObjectResult, Severity, Status
from holyaudit.reporters.interface import TrendPoint

V1_SQL = Path(__file__).with_name("history-v1.sql")
AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


def audit_result(*failing: str) -> AuditResult:
    objects = [
        ObjectResult(id=user, kind="user", status=Status.FAIL, expected="x", reason="uac is 0x220") for user in failing
    ]
    finding = Finding(
        rule_id=USER_RULE, title="t", status=Status.FAIL, severity=Severity.HIGH,
        clause=Clause(section="10", heading="Passwords", text="t"), tags=[], message="m", remediation="r",
        objects=objects,
    )  # fmt: skip
    return AuditResult(as_of=AS_OF, timezone="UTC", profile="test", sources=[], findings=[finding])


def record(store: HistoryStore, result: AuditResult, run_id: str) -> None:
    with store.recording(result, run_id=run_id, started_at=AS_OF, finished_at=AS_OF, site="Test School",
                         exit_code=1, tool_version="test"):  # fmt: skip
        pass


def result_of_rows(rows: list[StoredResult]) -> AuditResult:
    """A result whose findings hold exactly ``rows``, a finding for each run of rows of one rule."""
    findings = [
        Finding(rule_id=rule_id, title="t", status=Status.FAIL, severity=severity,
                clause=Clause(section="10", heading="Passwords", text="t"), tags=[], message="m", remediation="r",
                objects=[ObjectResult(id=r.object_id, kind=r.kind, status=r.status, expected="x", reason=r.reason)
                         for r in same])
        for (rule_id, severity), same in groupby(rows, key=lambda r: (r.rule_id, r.severity))
    ]  # fmt: skip
    return AuditResult(as_of=AS_OF, timezone="UTC", profile="test", sources=[], findings=findings)


def table_counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM results)").fetchone()


def test_an_error_inside_the_transaction_leaves_no_partial_run(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        record(store, audit_result("bob"), "run-kept")
        insert = HistoryStore._insert_results

        def insert_then_fail(self, seq, results):
            insert(self, seq, results)  # the run and its results are written, not yet committed
            raise RuntimeError("disk gone")

        monkeypatch.setattr(HistoryStore, "_insert_results", insert_then_fail)
        with pytest.raises(RuntimeError, match="disk gone"):
            record(store, audit_result("carol", "dave"), "run-lost")
        assert [run.run_id for run in store.runs()] == ["run-kept"]
    assert table_counts(path) == (1, 1)


WRITER = """
import sys, time
from holyaudit.history.store import HistoryStore
sys.path[:0] = [{tests!r}, {tests!r} + "/history"]
from test_history_store import audit_result, record

insert = HistoryStore._insert_results
def insert_and_hang(self, seq, results):
    insert(self, seq, results)
    print("written, not committed", flush=True)
    time.sleep(60)
HistoryStore._insert_results = insert_and_hang
record(HistoryStore.open(__import__("pathlib").Path({path!r})), audit_result("carol"), "run-killed")
"""


def test_a_writer_killed_mid_transaction_leaves_no_partial_run(tmp_path):
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        record(store, audit_result("bob"), "run-kept")
    script = WRITER.format(tests=str(Path(__file__).parent.parent), path=str(path))
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "written, not committed\n"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=10)
    with HistoryStore.open(path) as store:
        assert [run.run_id for run in store.runs()] == ["run-kept"]
        assert [r.object_id for r in store.results(store.runs()[0])] == ["bob"]
        record(store, audit_result("dave"), "run-after")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert table_counts(path) == (2, 2)


def test_readers_keep_reading_while_a_writer_holds_its_transaction(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        record(store, audit_result("bob"), "run-1")
    written, release = threading.Event(), threading.Event()
    insert = HistoryStore._insert_results

    def insert_and_wait(self, seq, results):
        insert(self, seq, results)
        written.set()
        assert release.wait(10)

    monkeypatch.setattr(HistoryStore, "_insert_results", insert_and_wait)

    def write() -> None:
        with HistoryStore.open(path) as store:
            record(store, audit_result("carol", "dave"), "run-2")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert written.wait(10)
        seen: list[list[str]] = []

        def read() -> None:
            with HistoryStore.open(path) as store:
                seen.append([run.run_id for run in store.runs()])

        readers = [threading.Thread(target=read) for _ in range(4)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(10)
        assert seen == [["run-1"]] * 4, "readers see the committed runs only, without waiting for the writer"
    finally:
        release.set()
        writer.join(10)
    with HistoryStore.open(path) as store:
        assert [run.run_id for run in store.runs()] == ["run-2", "run-1"]
        assert [r.object_id for r in store.results(store.runs()[0])] == ["carol", "dave"]


def v1_database(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SQL.read_text())
    return path


def schema_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_a_version_1_database_is_read_as_it_is_and_upgraded_by_the_next_scan(run_cli, tmp_path, school, before):
    path = v1_database(tmp_path / "old.sqlite3")
    listing = json.loads(run_cli("history", "--history", str(path), "--format", "json").out)
    assert [(r["run_id"], r["exit_code"], r["tool_version"]) for r in listing["runs"]] == [
        ("eeee5555ffff6666aaaa7777bbbb8888", 0, None),
        ("aaaa1111bbbb2222cccc3333dddd4444", 1, None),
    ]
    old_diff = json.loads(run_cli("diff", "aaaa", "eeee", "--history", str(path), "--format", "json").out)
    assert [(c["object_id"], c["before"], c["now"]) for c in old_diff["resolved"]] == [("bob", "FAIL", "PASS")]
    assert schema_version(path) == 1, "history and diff only read"
    assert run_cli(*school.scan(before, "--history", str(path), "--only", USER_RULE)).code == 1
    assert schema_version(path) == LATEST
    with sqlite3.connect(path) as conn:
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"results_by_run", "results_by_object", "runs_by_site"} <= indexes
    mixed = json.loads(run_cli("diff", "--history", str(path), "--format", "json").out)
    assert mixed["from"]["run_id"] == "eeee5555ffff6666aaaa7777bbbb8888"
    assert [(c["object_id"], c["before"]) for c in mixed["new"]] == [("bob", "PASS"), ("carol", None)]


def test_a_database_from_a_newer_holyaudit_stops_the_scan_with_exit_3(run_cli, tmp_path, school: School, before):
    path = tmp_path / "newer.sqlite3"
    HistoryStore.open(path).close()  # a history, marked as holyaudit's, which a newer holyaudit then upgraded
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    result = run_cli(*school.scan(before, "--history", str(path)))
    assert result.code == ExitCode.INVALID_INPUT == 3
    assert result.out == ""
    assert (
        f"error: history database {path}: schema version {LATEST + 1} is newer than this holyaudit understands "
        f"({LATEST}); upgrade holyaudit, or choose another file with --history"
    ) in " ".join(result.err.split())
    assert run_cli("history", "--history", str(path)).code == 3


def test_a_file_that_is_not_a_database_is_exit_3(run_cli, tmp_path, school: School, before):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some notes\n" * 100)
    result = run_cli(*school.scan(before, "--history", str(path)))
    assert result.code == 3
    assert f"error: history database {path}: cannot open it: file is not a database" in " ".join(result.err.split())


def test_stored_results_read_back_as_written(tmp_path):
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        record(store, audit_result("bob"), "run-1")
        (run,) = store.runs()
        assert store.results(run) == [
            StoredResult(rule_id=USER_RULE, object_id="bob", kind="user", status=Status.FAIL,
                         severity=Severity.HIGH, reason="uac is 0x220")
        ]  # fmt: skip
        assert (run.as_of, run.site, run.profile, run.tool_version) == (AS_OF, "Test School", "test", "test")


V2_SQL = Path(__file__).with_name("history-v2.sql")


def index_columns(path: Path, index: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[2] for row in conn.execute(f"PRAGMA index_info({index})")]


def stored_state(path: Path) -> dict[str, list[StoredResult]]:
    with HistoryStore.open(path, read_only=True) as store:
        return {run.run_id: store.results(run) for run in store.runs()}


def test_a_version_2_database_is_upgraded_in_place_and_everything_reads_as_before(run_cli, tmp_path):
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(V2_SQL.read_text())
    diff_args = ("diff", "--history", str(path), "--format", "json")
    old_diff = json.loads(run_cli(*diff_args).out)
    assert [(c["object_id"], c["before"], c["now"]) for c in old_diff["new"]] == [("alice", "PASS", "FAIL")]
    assert [(c["object_id"], c["before"], c["now"]) for c in old_diff["resolved"]] == [("bob", "FAIL", "PASS")]
    assert [(n["object_id"], n["last_compliant"]) for n in old_diff["unreadable"]] == [
        ("HW-LT-04", "2026-11-11T09:00:00+00:00")
    ]
    old_results = stored_state(path)
    assert index_columns(path, "results_by_object") == ["object_id", "rule_id", "status"]
    HistoryStore.open(path).close()  # as a scan that records there opens it
    assert schema_version(path) == LATEST == 3
    assert index_columns(path, "results_by_object") == ["run_seq", "object_id", "rule_id", "status"]
    assert index_columns(path, "results_by_run") == ["run_seq"]
    assert stored_state(path) == old_results
    assert json.loads(run_cli(*diff_args).out) == old_diff
    assert table_counts(path) == (2, 6)


def school_result(users: int) -> tuple[AuditResult, list[StoredResult]]:
    """Three rules over ``users`` users: mostly PASS, some of every other status, reasons of every shape; and the
    results as they should be stored, written out independently of ``results_of``."""
    statuses = [Status.PASS] * 40 + [Status.FAIL] * 4 + [Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]
    reasons = {Status.FAIL: "uac is 0x220; expected 'x' — naïve “quotes”", Status.ERROR: "could not be read: \x00?"}
    rules = [("rule-a", Severity.CRITICAL), ("rule-b", Severity.LOW), ("rule-c", Severity.MEDIUM)]
    findings, expected = [], []
    for n, (rule_id, severity) in enumerate(rules):
        objects = []
        for i in range(users):
            status = statuses[(i * 7 + n) % len(statuses)]
            kind = "user" if i % 10 else "computer"
            objects.append(ObjectResult(id=f"user.{i:05d}", kind=kind, status=status, expected="x",
                                        reason=reasons.get(status)))  # fmt: skip
            expected.append(StoredResult(rule_id, f"user.{i:05d}", kind, status, severity, reasons.get(status)))
        clause = Clause(section="10", heading="Passwords", text="t")
        findings.append(Finding(rule_id=rule_id, title="t", status=Status.FAIL, severity=severity, clause=clause,
                                tags=[], message="m", remediation="r", objects=objects))  # fmt: skip
    return AuditResult(as_of=AS_OF, timezone="UTC", profile="test", sources=[], findings=findings), expected


def test_a_run_of_30000_results_is_stored_and_read_back_exactly(tmp_path):
    result, expected = school_result(10_000)
    assert len(expected) == 30_000
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        record(store, result, "run-1")
        (run,) = store.runs()
        back = store.results(run)
        failing = store.failing_keys(run)
    assert back == expected
    # A StrEnum equals its text, so equality alone would not catch statuses read back as plain strings.
    assert {(type(r.status), type(r.severity)) for r in back} == {(Status, Severity)}
    assert failing == {r.key for r in expected if r.status is Status.FAIL}
    assert len(failing) == 2_552
    with sqlite3.connect(tmp_path / "h.sqlite3") as conn:
        stored = conn.execute("SELECT DISTINCT typeof(status), typeof(severity), severity FROM results").fetchall()
    assert sorted(stored) == [("text", "text", "critical"), ("text", "text", "low"), ("text", "text", "medium")]


def varied_result(users: int) -> AuditResult:
    """Two rules over ``users`` users and a tenth as many computers, ordered as the engine orders a finding (by
    status, then id), so the kinds alternate; passes with and without a reason; NULs in some ids and reasons."""
    statuses = [Status.PASS] * 30 + [Status.FAIL] * 3 + [Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]
    findings = []
    for n, (rule_id, severity) in enumerate([("rule-users", Severity.HIGH), ("rule-accounts", Severity.LOW)]):
        objects = []
        for i in range(users + (users // 10 if n else 0)):
            status = statuses[(i * 7 + n) % len(statuses)]
            kind = "computer" if i >= users or i % 97 == 0 else "user"
            object_id = f"acct.{i:05d}" + ("$" if kind == "computer" else "") + ("\x00" if i % 1009 == 0 else "")
            reason = None if status is Status.PASS and i % 5 else f"reason {i}" + ("\x00!" if i % 2003 == 0 else "")
            objects.append(ObjectResult(id=object_id, kind=kind, status=status, expected="x", reason=reason))
        objects.sort(key=lambda o: (statuses.index(o.status), o.id))
        clause = Clause(section="10", heading="Passwords", text="t")
        findings.append(Finding(rule_id=rule_id, title="t", status=Status.FAIL, severity=severity, clause=clause,
                                tags=[], message="m", remediation="r", objects=objects))  # fmt: skip
    return AuditResult(as_of=AS_OF, timezone="UTC", profile="test", sources=[], findings=findings)


def test_the_rows_stored_for_a_large_result_are_exactly_the_rows_of_results_of_it(tmp_path):
    # More rows of one rule than a batch holds, kinds alternating within a rule, passes with a reason, NULs: each
    # row is stored as results_of gives it, in its order, with the rowids SQLite would have given it in turn.
    result = varied_result(12_000)
    expected = [tuple(row) for row in results_of(result)]
    assert len(expected) == 25_200
    assert sum(a[2] != b[2] for a, b in pairwise(expected)) == 504  # the kinds alternate
    assert sum("\x00" in (row[1] + (row[5] or "")) for row in expected) == 33
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as store:
        record(store, audit_result("bob", "carol"), "run-1")
        record(store, result, "run-2")
    with sqlite3.connect(path) as conn:
        stored = conn.execute(
            "SELECT rowid, rule_id, object_id, kind, status, severity, reason FROM results WHERE run_seq = 2 "
            "ORDER BY rowid"
        ).fetchall()
        (earlier,) = conn.execute("SELECT max(rowid) FROM results WHERE run_seq = 1").fetchone()
    assert [row[1:] for row in stored] == expected
    assert [row[0] for row in stored] == list(range(earlier + 1, earlier + 1 + len(expected)))
    assert earlier == 2


def test_failing_keys_count_an_object_stored_twice_by_its_last_result_as_drift_does(tmp_path):
    def result(object_id: str, status: Status) -> StoredResult:
        return StoredResult(USER_RULE, object_id, "user", status, Severity.HIGH, None)

    rows = [
        result("bob", Status.FAIL), result("carol", Status.PASS), result("dave", Status.FAIL),
        result("bob", Status.PASS), result("carol", Status.FAIL), result("Dave", Status.PASS),
    ]  # fmt: skip
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        record(store, result_of_rows(rows), "run-1")
        (run,) = store.runs()
        assert store.results(run) == rows
        last = {r.key: r for r in store.results(run)}
        assert store.failing_keys(run) == {key for key, r in last.items() if r.status is Status.FAIL}
        assert store.failing_keys(run) == {(USER_RULE, "carol"), (USER_RULE, "dave")}


def test_a_stored_result_with_an_unknown_status_is_a_database_diff_cannot_use(run_cli, tmp_path):
    path = v1_database(tmp_path / "old.sqlite3")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE results SET status = 'MAYBE' WHERE object_id = 'bob' AND run_seq = 2")
    result = run_cli("diff", "--history", str(path))
    assert result.code == ExitCode.INVALID_INPUT == 3
    assert f"error: history database {path}: a stored result has an unknown value 'MAYBE'" in " ".join(
        result.err.split()
    )


def test_the_store_cannot_be_queried_while_a_run_s_results_are_being_stored(tmp_path):
    # The results are stored on another thread while the recording block runs; a query there would share the
    # connection with it, so it is refused as the defect it is, and the run is not stored.
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        record(store, audit_result("bob"), "run-1")
        recording = store.recording(audit_result("carol"), run_id="run-2", started_at=AS_OF, finished_at=AS_OF,
                                    site="Test School", exit_code=1, tool_version="test")  # fmt: skip
        with pytest.raises(RuntimeError, match="storing a run's results"), recording:
            store.runs()
        assert [run.run_id for run in store.runs()] == ["run-1"]
    assert threading.active_count() == 1


def test_results_that_cannot_be_stored_fail_the_recording_and_leave_no_run(tmp_path):
    bad = result_of_rows([StoredResult(USER_RULE, "bob", "user", Status.FAIL, Severity.HIGH, None),
                          StoredResult(USER_RULE, None, "user", Status.FAIL, Severity.HIGH, None)])  # type: ignore[arg-type]  # fmt: skip
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as store:
        reached = []
        recording = store.recording(bad, run_id="run-1", started_at=AS_OF, finished_at=AS_OF, site="Test School",
                                    exit_code=1, tool_version="test")  # fmt: skip
        failed = r"cannot store the run: NOT NULL constraint failed: results\.object_id"
        with pytest.raises(HistoryError, match=failed), recording:
            reached.append(True)  # the report is made meanwhile; the failure is raised when the block ends
        assert reached == [True]
        assert store.runs() == []
    assert table_counts(path) == (0, 0)


def test_text_with_nul_and_other_awkward_characters_is_stored_exactly_in_order(tmp_path):
    awkward = ["\x00first", "caf\u00e9", "\U0001f600", 'q"uo\\te', "\\u0000 not a nul", "nul\x00inside", "\u202egnp"]
    # Passes with no reason too: stored as a lone id, but as a row of its own where it holds a NUL.
    rows = [
        StoredResult(USER_RULE, text, "user", Status.PASS if i % 3 else Status.FAIL, Severity.HIGH,
                     text if i % 2 else None)
        for i, text in enumerate(awkward * 3)
    ]  # fmt: skip
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        record(store, result_of_rows(rows), "run-1")
        (run,) = store.runs()
        assert store.results(run) == rows


def test_the_trend_given_before_a_run_is_stored_is_the_trend_read_back_after(tmp_path):
    # scan asks for the trend before the recording (which then has the store to itself): the stored runs, then
    # the run about to be stored. Read back afterwards, the store must give exactly that, over the limit too.
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for day in range(TREND_RUNS + 2):
            result = audit_result(*[f"user{i}" for i in range(day % 3)]).model_copy(
                update={"as_of": (AS_OF + dt.timedelta(days=day)).astimezone(ZoneInfo("Europe/London"))}
            )
            given = trend_for(store, "test", "Test School", result)
            record(store, result, f"run-{day}")
            runs = store.runs(limit=TREND_RUNS, profile="test", site="Test School")
            read_back = tuple(TrendPoint(r.as_of, store.status_counts(r)) for r in reversed(runs))
            assert given == read_back
            assert len(given) == min(day + 1, TREND_RUNS)
