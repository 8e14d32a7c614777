"""Paths and values the user gives that cannot be used: exit 2 with one line naming them, never an internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from holyaudit.errors import ExitCode


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (lambda tmp: tmp, "Is a directory"),
        (lambda tmp: tmp / "a-file" / "report.txt", "{tmp}/a-file is not a folder"),
        (lambda tmp: tmp / "a-file" / "deeper" / "report.txt", "Not a directory"),
    ],
    ids=["a folder", "under a file", "two levels under a file"],
)
def test_scan_output_that_cannot_be_written_is_exit_2(run_cli, tmp_path: Path, target, reason):
    (tmp_path / "a-file").write_text("in the way\n")
    path = target(tmp_path)
    result = run_cli("scan", "--demo", "--no-history", "--output", str(path))
    assert result.code == ExitCode.USAGE == 2
    assert error_lines(result.err) == [f"error: cannot write {path}: {reason.format(tmp=tmp_path)}"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_scan_output_to_a_full_device_is_exit_2(run_cli):
    result = run_cli("scan", "--demo", "--no-history", "--output", "/dev/full")
    assert result.code == 2
    assert error_lines(result.err) == ["error: cannot write /dev/full: No space left on device"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_report_to_a_full_device_creates_no_history(run_cli, tmp_path: Path):
    """/dev/full can be opened, so the report is only found undeliverable when written: the history it would have
    been recorded in is created only once a report is out."""
    history = tmp_path / "state" / "history.sqlite3"
    args = ["scan", "--demo", "--history", str(history), "--lock-file", str(tmp_path / "run.lock")]
    result = run_cli(*args, "--output", "/dev/full")
    assert result.code == 2
    assert error_lines(result.err) == ["error: cannot write /dev/full: No space left on device"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.lock"]
    assert run_cli(*args, "--output", str(tmp_path / "report.txt")).code == 1
    runs = json.loads(run_cli("history", "--history", str(history), "--format", "json").out)["runs"]
    assert [run["exit_code"] for run in runs] == [1]


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("a-file/history.sqlite3", "{tmp}/a-file is a file, where its folder must be"),
        ("a-file/deeper/history.sqlite3", "{tmp}/a-file is a file, where a folder on the way to it must be"),
    ],
)
def test_a_history_that_cannot_be_created_is_refused_before_the_scan(run_cli, tmp_path: Path, where, reason):
    (tmp_path / "a-file").write_text("in the way\n")
    history = tmp_path / where
    result = run_cli("scan", "--demo", "--history", str(history), "--lock-file", str(tmp_path / "run.lock"))
    assert result.code == 3
    assert result.out == ""
    assert error_lines(result.err) == [
        f"error: history database {history}: cannot create it: {reason.format(tmp=tmp_path)}"
    ]


def test_init_into_a_folder_is_exit_2(run_cli, tmp_path: Path):
    result = run_cli("init", str(tmp_path), "--force")
    assert result.code == 2
    assert error_lines(result.err) == [f"error: cannot write {tmp_path}: Is a directory"]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_lock_file_that_is_not_a_regular_file_is_exit_2(run_cli, tmp_path: Path):
    history = tmp_path / "history.sqlite3"
    result = run_cli("scan", "--demo", "--history", str(history), "--lock-file", "/dev/null")
    assert result.code == 2
    assert error_lines(result.err) == ["error: cannot write /dev/null: not a regular file"]
    assert json.loads(run_cli("history", "--history", str(history), "--format", "json").out)["runs"] == []


def test_a_report_that_cannot_be_written_leaves_no_run_in_the_history(run_cli, tmp_path: Path):
    history = tmp_path / "history.sqlite3"
    failed = run_cli("scan", "--demo", "--history", str(history), "--output", str(tmp_path))
    assert failed.code == 2
    assert json.loads(run_cli("history", "--history", str(history), "--format", "json").out)["runs"] == []
    written = run_cli("scan", "--demo", "--history", str(history), "--output", str(tmp_path / "report.txt"))
    assert written.code == 1
    runs = json.loads(run_cli("history", "--history", str(history), "--format", "json").out)["runs"]
    assert [run["exit_code"] for run in runs] == [1]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59", "9999-01-01", "0001-01-01T00:00:00+05:00"])
def test_an_as_of_time_at_the_edge_of_the_calendar_is_exit_2(run_cli, when):
    result = run_cli("scan", "--demo", "--no-history", "--as-of", when)
    assert result.code == 2
    assert error_lines(result.err) == [
        f"error: --as-of: {when!r} is out of range: give a date from year 2 to 9998 (in the site's time zone)"
    ]


def test_the_latest_as_of_year_allowed_still_audits(run_cli):
    assert run_cli("scan", "--demo", "--no-history", "--as-of", "9998-12-31T23:59:59").code == 1


def test_a_history_limit_too_big_for_the_database_is_exit_2(run_cli, tmp_path: Path):
    result = run_cli("history", "--history", str(tmp_path / "h.sqlite3"), "--limit", "99999999999999999999999")
    assert result.code == 2
    assert "Invalid value for '--limit'" in result.err


def test_diff_with_a_relative_index_too_big_for_the_database_is_exit_2(run_cli, tmp_path: Path):
    history = tmp_path / "history.sqlite3"
    assert run_cli("scan", "--demo", "--history", str(history)).code == 1
    result = run_cli("diff", "--history", str(history), "--", "-999999999999999999999", "-1")
    assert result.code == 2
    assert error_lines(result.err) == [
        f"error: run -999999999999999999999: the history {history} holds only 1 matching run(s)"
    ]
