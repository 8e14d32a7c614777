"""The history database's schema as ordered migrations, tracked with ``PRAGMA user_version``, and how a file is
known to be a holyaudit history (``PRAGMA application_id``) before anything is written to it.

``MIGRATIONS[n]`` holds the statements that take a database from version ``n`` to ``n + 1``. Steps are only
ever appended: a released step is never edited, because databases in the field have already run it.
"""

from __future__ import annotations

import sqlite3
from functools import cache

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: runs and their per-object results.
    (
        """
        CREATE TABLE runs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL UNIQUE,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            profile TEXT NOT NULL,
            site TEXT NOT NULL,
            sources TEXT NOT NULL,
            exit_code INTEGER NOT NULL,
            counts TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE results (
            run_seq INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            rule_id TEXT NOT NULL,
            object_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            reason TEXT
        )
        """,
        "CREATE INDEX results_by_run ON results (run_seq)",
    ),
    # 2: the holyaudit version that made each run (rules change between versions), and indexes for the
    # "last compliant" and "previous run of this site" queries.
    (
        "ALTER TABLE runs ADD COLUMN tool_version TEXT",
        "CREATE INDEX results_by_object ON results (object_id, rule_id, status)",
        "CREATE INDEX runs_by_site ON runs (site, profile)",
    ),
    # 3: results_by_object keyed by run first. Keyed by object, each run's rows went next to the earlier runs'
    # rows of the same objects, all over the index, so every scan rewrote nearly all of it, more with every run
    # (docs/performance.md). Keyed by run, a scan's rows go at its end; "last
    # compliant" looks each object up in each earlier run of the site instead.
    (
        "DROP INDEX results_by_object",
        "CREATE INDEX results_by_object ON results (run_seq, object_id, rule_id, status)",
    ),
)

LATEST = len(MIGRATIONS)

APPLICATION_ID = 0x486F6C79
"""``PRAGMA application_id`` of a holyaudit history: the ASCII bytes "Holy" (bytes 68-71 of the file's header).

Set in the transaction that creates or upgrades a database. Databases from before it was set (schema versions 1
to 3) carry 0 and are known by holding exactly the tables and indexes that holyaudit made at their version."""


class NewerSchemaError(Exception):
    """The database was written by a newer holyaudit; this one must not guess at its meaning."""

    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(f"schema version {found} is newer than this holyaudit understands ({LATEST})")


class ForeignDatabaseError(Exception):
    """The database is not a holyaudit history: another application's, which holyaudit must not change."""


def version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def application_id(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA application_id").fetchone()
    return int(row[0])


def identify(conn: sqlite3.Connection) -> int:
    """The schema version of the holyaudit history ``conn`` reads (0: an empty database, nothing in it yet).

    Only reads. Raises NewerSchemaError for a history of a newer holyaudit, ForeignDatabaseError for anything
    else: another application's mark, or tables and indexes that are not exactly holyaudit's at the version the
    file states (a database of another application that happens to use ``user_version`` too).
    """
    found, mark = version(conn), application_id(conn)
    if mark == APPLICATION_ID:
        if found > LATEST:
            raise NewerSchemaError(found)
        return found
    if mark != 0:
        raise ForeignDatabaseError(f"it belongs to another application (application_id {mark:#010x})")
    held = _objects(conn)
    if found == 0 and not held:
        return 0
    if 1 <= found <= LATEST and held == objects_at(found):
        return found
    raise ForeignDatabaseError(
        f"no holyaudit mark, and its schema (user_version {found}, {len(held)} tables, indexes, views and triggers) "
        "is not one holyaudit made"
    )


@cache
def objects_at(schema_version: int) -> frozenset[tuple[str, str]]:
    """The tables and indexes, as (type, name), of a history that holyaudit brought to ``schema_version``."""
    with sqlite3.connect(":memory:") as conn:
        for step in MIGRATIONS[:schema_version]:
            for statement in step:
                conn.execute(statement)
        return _objects(conn)


def _objects(conn: sqlite3.Connection) -> frozenset[tuple[str, str]]:
    """Everything named in the schema but SQLite's own (``sqlite_sequence``, ``sqlite_stat1``, automatic indexes),
    which SQLite makes as it likes."""
    rows = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    return frozenset((str(kind), str(name)) for kind, name in rows)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to ``LATEST`` and mark it as holyaudit's, in one transaction; a no-op when it is both.

    The connection must be in autocommit mode (``isolation_level=None``) so that the transaction here is the
    only one. ``BEGIN IMMEDIATE`` takes the write lock first, so two processes opening an old database at once
    migrate it once: the second sees the new version when its turn comes. The file is identified again under
    that lock, so nothing is written to one that is not (or no longer) a holyaudit history.
    """
    if version(conn) == LATEST and application_id(conn) == APPLICATION_ID:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = identify(conn)
        for step in MIGRATIONS[current:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {LATEST}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
