"""``holyaudit prune``: old runs removed from the history through the CLI, the latest of each profile and site kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import threading
import time
from pathlib import Path

from history_school import USER_RULE, School

from holyaudit.history.store import HistoryError, HistoryStore
from holyaudit.models import AuditResult, Clause, Finding, ObjectResult, Severity, Status

UTC = dt.UTC


def plant(path: Path, run_id: str, finished: dt.datetime, *, profile: str = "holywell", site: str = "Holywell") -> None:
    """Store one run that finished at ``finished``, with 2,000 results (so removing it frees space)."""
    objects = [
        ObjectResult(id=f"pupil.{n:05}", kind="user", status=Status.FAIL, expected="x", reason="uac is 0x220")
        for n in range(2000)
    ]
    finding = Finding(
        rule_id=USER_RULE, title="t", status=Status.FAIL, severity=Severity.HIGH,
        clause=Clause(section="10", heading="Passwords", text="t"), tags=[], message="m", remediation="r",
        objects=objects,
    )  # fmt: skip
    result = AuditResult(as_of=finished, timezone="UTC", profile=profile, sources=[], findings=[finding])
    with HistoryStore.open(path) as store, store.recording(
        result, run_id=run_id, started_at=finished, finished_at=finished, site=site, exit_code=1, tool_version="t"
    ):  # fmt: skip
        pass


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def planted_estate(path: Path) -> None:
    """Two sites and two profiles; ids are r<n> in the order stored."""
    plant(path, "r1" + "0" * 30, at("2025-08-31T23:59:59"))  # just before the cut-off: removed
    plant(path, "r2" + "0" * 30, at("2025-09-01T00:00:00"))  # at the cut-off: kept
    plant(path, "r3" + "0" * 30, at("2025-10-01T08:00:00"))
    plant(path, "r4" + "0" * 30, at("2025-06-01T08:00:00"), site="St Anne's")  # the site's only run: kept
    plant(path, "r5" + "0" * 30, at("2025-07-01T08:00:00"), profile="staff-only")  # older than r6: removed
    plant(path, "r6" + "0" * 30, at("2025-08-01T08:00:00"), profile="staff-only")  # the profile's latest: kept


def ids(runs: list[dict]) -> list[str]:
    return [run["run_id"][:2] for run in runs]


def stored_results(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT runs.run_id, COUNT(*) FROM results JOIN runs ON runs.seq = results.run_seq "
                            "GROUP BY runs.run_id").fetchall()  # fmt: skip
        (orphans,) = conn.execute("SELECT COUNT(*) FROM results WHERE run_seq NOT IN (SELECT seq FROM runs)").fetchone()
    assert orphans == 0
    return {run_id[:2]: count for run_id, count in rows}


def test_runs_finished_before_the_date_go_with_their_results_but_each_latest_run_stays(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    planted_estate(history)
    result = run_cli("prune", "--before", "2025-09-01", "--history", str(history), "--format", "json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert body["before"] == "2025-09-01T00:00:00+00:00"
    assert body["dry_run"] is False
    assert ids(body["removed"]) == ["r1", "r5"]
    assert ids(body["kept_as_latest"]) == ["r4", "r6"]
    assert body["runs_left"] == 4
    assert body["bytes_after"] < body["bytes_before"]
    assert body["bytes_after"] == history.stat().st_size  # compacted, the write-ahead log emptied into the file
    listed = json.loads(run_cli("history", "--history", str(history), "--format", "json").out)["runs"]
    assert ids(listed) == ["r6", "r4", "r3", "r2"]
    assert stored_results(history) == {"r2": 2000, "r3": 2000, "r4": 2000, "r6": 2000}


def test_the_table_says_what_went_what_stayed_and_the_space_given_back(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    planted_estate(history)
    result = run_cli("prune", "--before", "2025-09-01", "--history", str(history))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"removed 2 runs that finished before 2025-09-01 00:00 UTC from {history} (4 runs left)"
    assert lines[1].startswith("kept, the latest of its profile and site: run r40000000000 finished ")
    assert lines[1].endswith(", profile holywell, site St Anne's")
    assert lines[2].startswith("kept, the latest of its profile and site: run r60000000000 finished ")
    assert lines[2].endswith(", profile staff-only, site Holywell")
    assert re.fullmatch(r"history\.sqlite3: \d+\.\d MB before, \d+\.\d MB after", lines[3])
    assert len(lines) == 4


def test_a_dry_run_lists_what_would_go_and_leaves_the_file_as_it_was(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    planted_estate(history)
    before = hashlib.sha256(history.read_bytes()).hexdigest()
    result = run_cli("prune", "--before", "2025-09-01", "--dry-run", "--history", str(history))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert (
        lines[0]
        == f"would remove 2 runs that finished before 2025-09-01 00:00 UTC from {history} (4 runs would be left)"
    )
    assert re.fullmatch(r"  run r10000000000 finished [-0-9: ]+, profile holywell, site Holywell", lines[1])
    assert lines[2].startswith("  run r50000000000 finished ")
    assert len(lines) == 5  # and the two kept as latest; no sizes: nothing was compacted
    assert hashlib.sha256(history.read_bytes()).hexdigest() == before
    assert set(stored_results(history)) == {"r1", "r2", "r3", "r4", "r5", "r6"}


def test_keep_days_counts_back_from_now(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    now = dt.datetime.now(UTC)
    plant(history, "old" + "0" * 29, now - dt.timedelta(days=10))
    plant(history, "mid" + "0" * 29, now - dt.timedelta(days=3))
    plant(history, "new" + "0" * 29, now - dt.timedelta(hours=1))
    body = json.loads(run_cli("prune", "--keep-days", "7", "--history", str(history), "--format", "json").out)
    assert [run["run_id"][:3] for run in body["removed"]] == ["old"]
    cut_off = dt.datetime.fromisoformat(body["before"])
    assert abs(cut_off - (now - dt.timedelta(days=7))) < dt.timedelta(minutes=5)
    body = json.loads(run_cli("prune", "--keep-days", "1", "--history", str(history), "--format", "json").out)
    assert [run["run_id"][:3] for run in body["removed"]] == ["mid"]
    assert body["runs_left"] == 1


def test_after_pruning_everything_the_next_scan_still_compares_with_the_latest_run(
    run_cli, school: School, before, after
):
    users_only = ("--only", USER_RULE, "--fail-on-new")
    assert run_cli(*school.scan(before, *users_only)).code == 1
    assert run_cli(*school.scan(before, *users_only)).code == 0
    tomorrow = (dt.datetime.now(UTC) + dt.timedelta(days=1)).date().isoformat()
    pruned = json.loads(run_cli("prune", "--before", tomorrow, "--history", str(school.history), "-f", "json").out)
    assert len(pruned["removed"]) == 1
    assert len(pruned["kept_as_latest"]) == 1
    assert run_cli(*school.scan(before, *users_only)).code == 0, "bob and carol failed in the kept run too"
    assert run_cli(*school.scan(after, *users_only)).code == 1, "dave is new against the kept run"


def test_which_runs_to_remove_must_be_said_once_and_clearly(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    planted_estate(history)
    before = hashlib.sha256(history.read_bytes()).hexdigest()
    cases = {
        (): "give one of --keep-days N or --before YYYY-MM-DD: which runs to remove",
        ("--keep-days", "7", "--before", "2025-09-01"): "give one of --keep-days N or --before YYYY-MM-DD",
        ("--before", "2025-02-30"): "--before '2025-02-30': not a date in the form YYYY-MM-DD",
        ("--before", "1/9/2025"): "--before '1/9/2025': not a date in the form YYYY-MM-DD",
        ("--before", "9999-01-01"): "--before 9999-01-01: a date in the first or last year of the calendar",
        ("--keep-days", "0"): "--keep-days",
    }
    for args, message in cases.items():
        result = run_cli("prune", *args, "--history", str(history))
        assert result.code == 2, (args, result.out, result.err)
        assert message in result.err, (args, result.err)
        assert "Traceback" not in result.err
    assert hashlib.sha256(history.read_bytes()).hexdigest() == before


def test_no_history_is_nothing_to_prune_and_creates_no_file(run_cli, tmp_path):
    history = tmp_path / "none.sqlite3"
    result = run_cli("prune", "--keep-days", "30", "--history", str(history))
    assert result.code == 0
    assert result.out.strip() == f"no history database at {history}: nothing to prune"
    assert not history.exists()


def test_a_file_that_is_not_a_history_is_exit_3_and_left_alone(run_cli, tmp_path):
    history = tmp_path / "notes.sqlite3"
    history.write_text("shopping list\n")
    result = run_cli("prune", "--keep-days", "30", "--history", str(history))
    assert result.code == 3
    assert str(history) in result.err
    assert history.read_text() == "shopping list\n"


def test_prune_waits_for_a_scan_that_is_storing_its_run(run_cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    planted_estate(history)
    writer = sqlite3.connect(history, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # as a scan holds its transaction while it stores a run

    def finish() -> None:
        time.sleep(0.5)  # prune starts meanwhile: without waiting, its transaction fails "database is locked"
        writer.execute("COMMIT")

    finishing = threading.Thread(target=finish)
    finishing.start()
    try:
        result = run_cli("prune", "--before", "2025-09-01", "--history", str(history), "--format", "json")
    finally:
        finishing.join()
        writer.close()
    assert result.code == 0, result.err
    assert ids(json.loads(result.out)["removed"]) == ["r1", "r5"]


def test_a_folder_given_as_the_history_is_exit_3_saying_so(run_cli, tmp_path):
    folder = tmp_path / "history.sqlite3"
    folder.mkdir()
    for args in (("prune", "--keep-days", "3"), ("prune", "--keep-days", "3", "--dry-run"), ("history",), ("diff",)):
        result = run_cli(*args, "--history", str(folder))
        assert result.code == 3, args
        assert result.err.strip() == f"error: history database {folder}: is a folder, not a file", args
    assert list(folder.iterdir()) == []


def test_space_that_could_not_be_given_back_is_given_back_by_the_next_prune(run_cli, tmp_path, monkeypatch):
    # The disk filling up while the file is compacted, simulated at holyaudit's own store (SQLite's VACUUM
    # needs free space about the size of what is left).
    history = tmp_path / "history.sqlite3"
    planted_estate(history)

    def disk_full(self: HistoryStore) -> None:
        raise HistoryError(f"history database {self.path}: cannot compact it: database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(HistoryStore, "compact", disk_full)
        failed = run_cli("prune", "--before", "2025-09-01", "--history", str(history))
    assert failed.code == 3
    assert failed.out.splitlines()[0].startswith("removed 2 runs that finished before 2025-09-01 00:00 UTC")
    assert failed.err.strip() == (
        f"error: history database {history}: cannot compact it: database or disk is full; the 2 runs above were "
        "removed, and the next prune gives the space back"
    )
    assert set(stored_results(history)) == {"r2", "r3", "r4", "r6"}
    size = history.stat().st_size
    again = json.loads(run_cli("prune", "--before", "2025-09-01", "--history", str(history), "--format", "json").out)
    assert again["removed"] == []
    assert again["bytes_before"] >= size
    assert again["bytes_after"] < size
    assert again["bytes_after"] == history.stat().st_size
    nothing_more = json.loads(run_cli("prune", "--before", "2025-09-01", "--history", str(history), "-f", "json").out)
    assert nothing_more["bytes_after"] is None  # nothing to give back: the file is not rewritten
