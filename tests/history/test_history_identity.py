"""The history is holyaudit's own file: another application's database, a newer holyaudit's history and a file that
cannot be read are refused byte for byte as they were; holyaudit's older histories are upgraded and marked; and
what holyaudit creates only its owner can read."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from history_school import USER_RULE, School

from holyaudit.history.schema import APPLICATION_ID, LATEST, MIGRATIONS
from holyaudit.history.store import HistoryStore

HERE = Path(__file__).parent
REFUSED = "holyaudit changes nothing in it: choose another file with --history"


def state(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file in ``folder``: content hash, modification time and mode."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, p.stat().st_mode)
        for p in sorted(folder.iterdir())
    }


def holyaudit_schema(conn: sqlite3.Connection, schema_version: int) -> None:
    for step in MIGRATIONS[:schema_version]:
        for statement in step:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {schema_version}")


def foreign_rollback(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE pupils (name TEXT, form TEXT)")
        conn.execute("INSERT INTO pupils VALUES ('Ada', '5B')")
        conn.execute("PRAGMA user_version = 2")
    conn.close()


def foreign_wal(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE lessons (subject TEXT)")
    conn.commit()
    conn.close()


def another_mark_on_holyaudit_tables(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        holyaudit_schema(conn, LATEST)
        conn.execute("PRAGMA application_id = 1598903374")  # another application's registered id
    conn.close()


def holyaudit_tables_and_one_more(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        holyaudit_schema(conn, 2)
        conn.execute("CREATE TABLE timetable (slot TEXT)")
    conn.close()


def user_version_only(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()


def newer_holyaudit(path: Path) -> None:
    HistoryStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs_extra (seq INTEGER)")
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()


def garbage_with_sqlite_header(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)


def text(path: Path) -> None:
    path.write_text("not a database, just some notes\n" * 100)


FOREIGN = {
    "another application's database": (foreign_rollback, "no holyaudit mark, and its schema (user_version 2, 1 "),
    "another application's database in WAL mode": (foreign_wal, "no holyaudit mark, and its schema (user_version 0"),
    "another application's mark": (another_mark_on_holyaudit_tables, "another application (application_id 0x5f4d"),
    "holyaudit's tables and one more": (holyaudit_tables_and_one_more, "(user_version 2, 6 tables, indexes"),
    "user_version only": (user_version_only, f"(user_version {LATEST + 1}, 0 tables"),
}  # fmt: skip
UNUSABLE = {
    "a newer holyaudit's history": (newer_holyaudit, f"schema version {LATEST + 1} is newer than this holyaudit"),
    "SQLite's header and then garbage": (garbage_with_sqlite_header, "cannot open it: "),
    "a text file": (text, "cannot open it: file is not a database"),
}


def commands(school: School, before: Path, path: Path) -> dict[str, list[str]]:
    return {
        "scan": school.scan(before, "--history", str(path)),
        "prune": ["prune", "--keep-days", "1", "--history", str(path)],
        "prune --dry-run": ["prune", "--keep-days", "1", "--dry-run", "--history", str(path)],
        "history": ["history", "--history", str(path)],
        "diff": ["diff", "--history", str(path)],
    }


@pytest.mark.parametrize("command", ["scan", "prune", "prune --dry-run", "history", "diff"])
@pytest.mark.parametrize("case", [*FOREIGN, *UNUSABLE])
def test_a_file_that_is_not_this_holyaudit_s_history_is_exit_3_and_left_byte_for_byte(
    run_cli, tmp_path: Path, school: School, before: Path, case: str, command: str
):
    make, message = {**FOREIGN, **UNUSABLE}[case]
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "school.db"
    make(path)
    kept = state(folder)
    assert set(kept) == {"school.db"}, "no -wal, -shm or -journal to begin with"
    result = run_cli(*commands(school, before, path)[command])
    err = " ".join(result.err.split())
    assert (result.code, result.out) == (3, "")
    assert err.startswith(f"error: history database {path}: ")
    assert message in err
    if case in FOREIGN:
        assert err.endswith(f"); {REFUSED}")
    assert state(folder) == kept, "not a byte, mode or time changed, and no file made beside it (no lock either)"


@pytest.mark.parametrize("schema_version", [1, 2, 3])
def test_an_older_holyaudit_history_is_upgraded_and_marked_by_the_next_scan(
    run_cli, tmp_path: Path, school: School, before: Path, schema_version: int
):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        if schema_version < 3:
            conn.executescript((HERE / f"history-v{schema_version}.sql").read_text())
        else:
            holyaudit_schema(conn, 3)
    conn.close()
    assert run_cli(*school.scan(before, "--history", str(path), "--only", USER_RULE)).code == 1
    with sqlite3.connect(path) as conn:
        mark, found = (conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("application_id", "user_version"))
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    conn.close()
    assert (mark, found) == (APPLICATION_ID, LATEST)
    assert runs == (3 if schema_version < 3 else 1), "the old runs are kept, and the new one added"


def test_the_mark_is_holy_in_the_file_header(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    assert path.read_bytes()[68:72] == b"Holy"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_history_its_lock_and_log_are_the_owner_s_alone(run_cli, tmp_path: Path, school: School, before: Path):
    previous = os.umask(0o022)
    try:
        path = tmp_path / "data" / "holyaudit" / "history.sqlite3"
        log = tmp_path / "logs" / "scan.log"
        assert run_cli(*school.scan(before, "--history", str(path), "--log-file", str(log))).code == 1
    finally:
        os.umask(previous)
    assert (mode(tmp_path / "data"), mode(path.parent), mode(log.parent)) == (0o700, 0o700, 0o700)
    locks = sorted(path.parent.glob("*.lock"))
    assert [p.name for p in locks] == ["history.sqlite3.test-school.lock"]
    assert (mode(path), mode(locks[0]), mode(log)) == (0o600, 0o600, 0o600)


def test_the_write_ahead_log_beside_a_new_history_is_the_owner_s_alone(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as store:
        store.runs()
        beside: Callable[[str], Path] = lambda suffix: path.with_name(path.name + suffix)  # noqa: E731
        assert (mode(path), mode(beside("-wal")), mode(beside("-shm"))) == (0o600, 0o600, 0o600)


def test_an_existing_folder_and_file_keep_the_modes_their_owner_gave_them(
    run_cli, tmp_path: Path, school: School, before: Path
):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    path = folder / "history.sqlite3"
    path.touch()
    path.chmod(0o640)
    assert run_cli(*school.scan(before, "--history", str(path))).code == 1
    assert (mode(folder), mode(path)) == (0o750, 0o640)
