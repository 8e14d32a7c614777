"""Each place where Windows and POSIX differ decides both ways; the Windows branch is tested here on Linux."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from holyaudit.audit.unattended import run_lock
from holyaudit.cli.common import write_atomically
from holyaudit.errors import LockedError, UsageError
from holyaudit.oscompat import can_write, password_file_problem, replace_file, replace_refused

NOBODY = 65534


def test_a_password_file_on_windows_is_refused_pointing_to_the_credential_manager(tmp_path: Path) -> None:
    secret = tmp_path / "ldap-password"
    secret.write_text("x")
    secret.chmod(0o600)  # private on POSIX; on Windows the mode says nothing, so it is no proof
    assert password_file_problem(secret, windows=False) is None
    problem = password_file_problem(secret, windows=True)
    assert problem is not None
    assert problem.startswith("cannot be used: on Windows holyaudit cannot check who may read it;")
    assert "Windows Credential Manager" in problem
    assert "chmod" not in problem, "a command Windows does not have"


def test_a_password_file_others_can_read_is_refused_on_posix(tmp_path: Path) -> None:
    secret = tmp_path / "ldap-password"
    secret.write_text("x")
    secret.chmod(0o640)
    assert password_file_problem(secret, windows=False) == (
        f"can be read by other users (mode 0640); run: chmod 600 {secret}"
    )


class HeldOpen:
    """os.replace as Windows behaves while a viewer holds the target open: refused ``refusals`` times."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    def __call__(self, source: Path, target: Path) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            raise PermissionError(13, "The process cannot access the file because it is being used")
        os.replace(source, target)


def test_a_report_held_open_briefly_is_replaced_after_retries(tmp_path: Path) -> None:
    source, target = tmp_path / "new", tmp_path / "report.html"
    source.write_text("new")
    target.write_text("old")
    replace, pauses = HeldOpen(refusals=3), []
    replace_file(source, target, replace=replace, sleep=pauses.append)
    assert target.read_text() == "new"
    assert replace.calls == 4
    assert pauses == [0.25, 0.25, 0.25]


def test_a_report_a_viewer_keeps_open_fails_after_the_last_try_with_a_plain_message(tmp_path: Path) -> None:
    source, target = tmp_path / "new", tmp_path / "report.html"
    source.write_text("new")
    target.write_text("old")
    replace, pauses = HeldOpen(refusals=100), []
    with pytest.raises(PermissionError) as caught:
        replace_file(source, target, replace=replace, sleep=pauses.append)
    assert replace.calls == 10
    assert len(pauses) == 9
    assert target.read_text() == "old", "the old report stays whole"
    assert replace_refused(caught.value, windows=True) == (
        "another program (a viewer or editor?) has it open; close it and run again"
    )
    assert replace_refused(caught.value, windows=False) is None  # POSIX: permission, not a viewer


def test_on_posix_a_reader_holding_the_report_open_does_not_stop_its_replacement(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_atomically(target, "first")
    with target.open(encoding="utf-8") as viewer:
        write_atomically(target, "second")
        assert viewer.read() == "first", "the viewer keeps the report it opened"
    assert target.read_text() == "second"


def test_write_access_is_tried_without_touching_the_file(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    history.write_bytes(b"content")
    os.utime(history, (1_000_000_000, 1_000_000_000))
    assert can_write(history)
    assert history.read_bytes() == b"content"
    assert history.stat().st_mtime == 1_000_000_000
    assert not can_write(tmp_path / "missing.sqlite3")
    assert not can_write(tmp_path), "a folder cannot be opened for writing"


def test_a_read_only_file_is_not_writable_for_an_unprivileged_user() -> None:
    """Tried as 'nobody' (root may write any file): a file that is not writable is not, a writable one is."""
    folder = Path(tempfile.mkdtemp(prefix="holyaudit-oscompat-"))
    try:
        folder.chmod(0o755)
        read_only, writable = folder / "read-only.sqlite3", folder / "writable.sqlite3"
        read_only.write_bytes(b"")
        read_only.chmod(0o444)
        writable.write_bytes(b"")
        writable.chmod(0o666)
        os.chown(writable, NOBODY, NOBODY)
        with effective_user(NOBODY):
            assert read_only.exists(), "nobody can reach the file: a refusal below is about writing it"
            assert not can_write(read_only)
            assert can_write(writable)
    finally:
        shutil.rmtree(folder)


@contextmanager
def effective_user(uid: int) -> Iterator[None]:
    if os.geteuid() != 0:  # pragma: no cover - CI runs as root
        pytest.fail("needs root, to act as another user")
    os.setegid(uid)
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_the_run_lock_refuses_a_second_holder_and_frees_when_released(tmp_path: Path) -> None:
    lock = tmp_path / "history.sqlite3.school.lock"
    refused = pytest.raises(LockedError, match=r"holds the lock .*\(pid \d+, run run-1, since ")
    with run_lock(lock, "run-1"), refused, run_lock(lock, "run-2"):
        pass  # pragma: no cover - never entered
    with run_lock(lock, "run-3"):
        assert "run run-3" in lock.read_text()


def test_a_write_refused_on_windows_names_the_viewer_not_the_permission(tmp_path: Path, monkeypatch) -> None:
    import holyaudit.oscompat as oscompat

    monkeypatch.setattr(oscompat, "replace_refused", lambda exc, windows=True: "another program has it open")
    from holyaudit.errors import cannot_write

    error = cannot_write(tmp_path / "r.html", PermissionError(13, "Permission denied"))
    assert isinstance(error, UsageError)
    assert str(error) == f"cannot write {tmp_path / 'r.html'}: another program has it open"
