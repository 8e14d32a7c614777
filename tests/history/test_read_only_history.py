"""``history`` and ``diff`` only read the database: they work for a user who cannot write it, and change nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from history_school import School

from holyaudit.errors import ExitCode
from holyaudit.history.store import HistoryError, HistoryStore

NOBODY = 65534


def test_a_read_only_open_of_a_missing_database_is_exit_3_and_creates_nothing(tmp_path: Path):
    path = tmp_path / "missing" / "history.sqlite3"
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path, read_only=True)
    assert str(caught.value) == f"history database {path}: no such file (a scan that records there creates it)"
    assert caught.value.exit_code == ExitCode.INVALID_INPUT == 3
    assert not path.parent.exists()


def test_a_read_only_open_of_an_empty_file_is_exit_3_and_leaves_it_empty(run_cli, tmp_path: Path):
    path = tmp_path / "empty.sqlite3"
    path.touch()
    result = run_cli("history", "--history", str(path))
    assert result.code == 3
    assert (
        f"error: history database {path}: holds no holyaudit history yet (schema version 0); a scan that records "
        "there sets it up"
    ) in " ".join(result.err.split())
    assert path.read_bytes() == b""


def test_history_and_diff_leave_the_database_byte_for_byte_as_it_was(run_cli, school: School, before, after):
    assert run_cli(*school.scan(before)).code == 1
    assert run_cli(*school.scan(after)).code == 1
    content = school.history.read_bytes()
    assert run_cli("history", "--history", str(school.history)).code == 0
    assert run_cli("diff", "--history", str(school.history)).code == 0
    assert school.history.read_bytes() == content


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder outside the test's private tmp folder, so another user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="holyaudit-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def as_a_user_who_cannot_write(*args: str) -> subprocess.CompletedProcess[str]:
    """``holyaudit ARGS`` as a user without write access: nobody when the tests run as root (which writes
    anything), else this user, with the file and folder made read-only beforehand."""
    command = [sys.executable, "-m", "holyaudit", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot drop to a user who cannot write")
        command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    env = {**os.environ, "HOME": "/nonexistent", "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.fixture
def unwritable_history(run_cli, shared_folder: Path, before, after, school) -> Path:
    """Two scans (as of 2026-11-11 and 2026-11-20) in a history that only root could now write, in a folder likewise."""
    history = shared_folder / "history.sqlite3"
    assert run_cli(*school.scan(before, "--history", str(history), "--as-of", "2026-11-11")).code == 1
    assert run_cli(*school.scan(after, "--history", str(history), "--as-of", "2026-11-20")).code == 1
    (shared_folder / "history.sqlite3.test-school.lock").unlink()
    history.chmod(0o444)
    shared_folder.chmod(0o555)
    return history


def test_history_and_diff_read_a_database_the_user_cannot_write(shared_folder: Path, unwritable_history: Path):
    history = unwritable_history
    files = sorted(shared_folder.iterdir())

    listing = as_a_user_who_cannot_write("history", "--history", str(history), "--format", "json")
    assert listing.returncode == 0, listing.stderr
    assert [run["as_of"] for run in json.loads(listing.stdout)["runs"]] == [
        "2026-11-20T00:00:00Z",
        "2026-11-11T00:00:00Z",
    ]
    diff = as_a_user_who_cannot_write("diff", "--history", str(history), "--format", "json")
    assert diff.returncode == 0, diff.stderr
    assert [change["object_id"] for change in json.loads(diff.stdout)["new"]] == ["dave"]
    assert sorted(shared_folder.iterdir()) == files, "no -wal or -shm file left beside it"


def test_a_dry_run_prune_reads_a_database_the_user_cannot_write_and_a_real_one_is_exit_3(
    shared_folder: Path, unwritable_history: Path
):
    history = unwritable_history
    content, files = history.read_bytes(), sorted(shared_folder.iterdir())

    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    cut = ("prune", "--before", tomorrow, "--history", str(history))
    dry = as_a_user_who_cannot_write(*cut, "--dry-run", "--format", "json")
    assert dry.returncode == 0, dry.stderr
    body = json.loads(dry.stdout)
    assert [run["as_of"] for run in body["removed"]] == ["2026-11-11T00:00:00Z"]
    assert [run["as_of"] for run in body["kept_as_latest"]] == ["2026-11-20T00:00:00Z"]
    real = as_a_user_who_cannot_write(*cut)
    assert real.returncode == 3
    assert (
        real.stderr.strip()
        == f"error: history database {history}: cannot open it: attempt to write a readonly database"
    )
    assert history.read_bytes() == content
    assert sorted(shared_folder.iterdir()) == files, "no -wal or -shm file left beside it"
