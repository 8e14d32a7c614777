"""Scheduled runs: the run lock (exit 5), --quiet, --log-file, history location options, and no prompts."""

from __future__ import annotations

import fcntl
import io
import json
import re
import sys
from pathlib import Path

import pytest
from history_school import USER_RULE, School

from holyaudit.engine.evaluate import Evaluation
from holyaudit.errors import ExitCode


@pytest.fixture
def held_lock():
    """Hold a lock file the way a running scan does, from this process."""
    handles = []

    def hold(path: Path, holder: str) -> None:
        handle = path.open("a+")
        handle.write(holder)
        handle.flush()
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        handles.append(handle)

    yield hold
    for handle in handles:
        handle.close()


def test_a_second_run_of_the_same_site_exits_5_while_the_first_holds_the_lock(
    run_cli, school: School, before, held_lock
):
    lock = school.folder / "history.sqlite3.test-school.lock"
    held_lock(lock, "pid 4242, run 0123abcd, since 2026-11-20T16:30:00+00:00\n")
    log = school.folder / "runs.log"
    result = run_cli(*school.scan(before, "--log-file", str(log)))
    assert result.code == ExitCode.LOCKED == 5
    assert result.out == ""
    assert " ".join(result.err.split()) == (
        f"error: another holyaudit run holds the lock {lock} (pid 4242, run 0123abcd, since "
        "2026-11-20T16:30:00+00:00); this run did nothing (exit 5)"
    )
    assert [line.split(" ", 2)[2] for line in log.read_text().splitlines()][-1] == "exit 5"
    assert not school.history.exists(), "refused before the history was opened, so it was not created either"


def test_the_lock_is_per_site_names_its_holder_and_is_released_when_the_run_ends(
    run_cli, school: School, before, held_lock, monkeypatch
):
    held_lock(school.folder / "history.sqlite3.other-school.lock", "another site's run\n")
    lock = school.folder / "history.sqlite3.test-school.lock"
    holders = []
    audit = Evaluation.audit

    def audit_noting_the_holder(*args, **kwargs):
        holders.append(lock.read_text())
        return audit(*args, **kwargs)

    monkeypatch.setattr(Evaluation, "audit", audit_noting_the_holder)
    assert run_cli(*school.scan(before)).code == 1
    assert run_cli(*school.scan(before)).code == 1, "the first run released the lock"
    stored = json.loads(run_cli("history", "--history", str(school.history), "--format", "json").out)["runs"]
    assert [re.fullmatch(r"pid \d+, run ([0-9a-f]{32}), since \S+\n", h)[1] for h in holders] == [
        run["run_id"] for run in reversed(stored)
    ]
    assert lock.read_text() == ""


def test_lock_file_option_locks_even_without_history(run_cli, school: School, before, held_lock):
    lock = school.folder / "nightly.lock"
    held_lock(lock, "")
    args = [a for a in school.scan(before) if a not in ("--history", str(school.history))]
    locked = run_cli(*args, "--no-history", "--lock-file", str(lock))
    assert locked.code == 5
    assert f"another holyaudit run holds the lock {lock} (holder unknown)" in " ".join(locked.err.split())


def test_a_locked_run_leaves_an_existing_history_unopened_and_creates_no_history_folder(
    run_cli, school: School, before, held_lock, tmp_path: Path
):
    assert run_cli(*school.scan(before)).code == 1
    stored = school.history.read_bytes()
    lock = tmp_path / "nightly.lock"
    held_lock(lock, "")
    files = sorted(p.name for p in tmp_path.iterdir())
    # An existing history: not opened, so unchanged, and with no -wal or -shm file beside it.
    assert run_cli(*school.scan(before, "--lock-file", str(lock))).code == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert school.history.read_bytes() == stored
    elsewhere = tmp_path / "state" / "history.sqlite3"
    args = [a for a in school.scan(before) if a not in ("--history", str(school.history))]
    assert run_cli(*args, "--history", str(elsewhere), "--lock-file", str(lock)).code == 5
    assert not elsewhere.parent.exists()


def test_quiet_leaves_stderr_empty_and_the_report_still_written(run_cli, school: School, before):
    report = school.folder / "report.json"
    loud = run_cli(*school.scan(before, "--format", "json", "--output", str(report)))
    assert loud.err == f"report written to {report}; exit 1: non-compliant\n"
    report.unlink()
    quiet = run_cli(*school.scan(before, "--format", "json", "--output", str(report), "--quiet"))
    assert (quiet.code, quiet.out, quiet.err) == (1, "", "")
    assert json.loads(report.read_text())["summary"]["FAIL"] == 1
    to_stdout = run_cli(*school.scan(before, "-q"))
    assert to_stdout.err == ""
    assert to_stdout.out.endswith("exit 1: non-compliant\n")


def test_quiet_still_prints_errors(run_cli, school: School, before):
    result = run_cli(*school.scan(before, "--quiet", "--only", "no-such-rule"))
    assert result.code == 2
    assert "--only: no rule with id 'no-such-rule'" in result.err


def test_log_file_records_start_sources_findings_and_exit_with_the_run_id(run_cli, school: School, after, monkeypatch):
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "s3cret-never-logged")
    log = school.folder / "logs" / "holyaudit.log"
    assert run_cli(*school.scan(after, "--log-file", str(log), "--quiet")).code == 1
    assert run_cli(*school.scan(after, "--log-file", str(log), "--only", "no-such-rule")).code == 2
    lines = log.read_text().splitlines()
    parsed = [re.fullmatch(r"(\S+) run=([0-9a-f]{32}) (.*)", line) for line in lines]
    assert all(parsed), lines
    stamps, run_ids, messages = zip(*(m.groups() for m in parsed if m), strict=True)
    stored = json.loads(run_cli("history", "--history", str(school.history), "--format", "json").out)["runs"]
    assert run_ids[0] == stored[0]["run_id"]
    assert len(set(run_ids[:4])) == 1
    assert len(set(run_ids[4:])) == 1
    assert run_ids[0] != run_ids[4]
    assert list(messages) == [
        "start: holyaudit 0.1.0 scan",
        "sources: directory.users from test factory; endpoints.hosts from test factory",
        "findings: PASS 0, FAIL 1, ERROR 1, WAIVED 0, NOT_APPLICABLE 0",
        "exit 1",
        "start: holyaudit 0.1.0 scan",
        "error: --only: no rule with id 'no-such-rule' (see 'holyaudit rules list')",
        "exit 2",
    ]
    assert all(stamp.endswith("+00:00") for stamp in stamps)
    assert "s3cret" not in log.read_text()
    assert b"s3cret" not in school.history.read_bytes()


def test_no_history_records_nothing_and_conflicts_with_history_and_fail_on_new(run_cli, school: School, before):
    args = [a for a in school.scan(before) if a not in ("--history", str(school.history))]
    assert run_cli(*args, "--no-history").code == 1
    assert not school.history.exists()
    assert not (school.folder / "default-history.sqlite3").exists()
    both = run_cli(*school.scan(before, "--no-history"))
    assert both.code == 2
    assert "--history and --no-history cannot be used together" in both.err
    fail_on_new = run_cli(*args, "--no-history", "--fail-on-new")
    assert fail_on_new.code == 2
    assert "--fail-on-new compares with the previous stored run, so it needs the history" in fail_on_new.err


def test_scans_record_to_holyaudit_history_when_no_option_is_given(run_cli, school: School, before, tmp_path):
    args = [a for a in school.scan(before) if a not in ("--history", str(school.history))]
    assert run_cli(*args, "--only", USER_RULE).code == 1
    default = tmp_path / "default-history.sqlite3"  # HOLYAUDIT_HISTORY, as the run_cli fixture sets it
    listing = json.loads(run_cli("history", "--format", "json").out)
    assert listing["history"] == str(default)
    assert len(listing["runs"]) == 1


def test_a_scheduled_run_without_a_password_exits_3_instead_of_prompting(run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal: what cron and systemd give
    config = tmp_path / "site.yaml"
    config.write_text("site: {name: Test School}\ndirectory: {server: dc1.example.invalid, bind_user: svc@example}\n")
    result = run_cli("scan", "--config", str(config), "--quiet")
    assert result.code == 3
    assert result.out == ""
    assert " ".join(result.err.split()) == (
        "error: no password for the directory bind user svc@example: set HOLYAUDIT_LDAP_PASSWORD, or a password "
        "file in the config (never on the command line)"
    )
