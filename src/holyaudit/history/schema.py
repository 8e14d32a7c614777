"""The history database's schema as ordered migrations, tracked with ``PRAGMA user_version``.

``MIGRATIONS[n]`` holds the statements that take a database from version ``n`` to ``n + 1``. Steps are only
ever appended: a released step is never edited, because databases in the field have already run it.
"""

from __future__ import annotations

import sqlite3

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


class NewerSchemaError(Exception):
    """The database was written by a newer holyaudit; this one must not guess at its meaning."""

    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(f"schema version {found} is newer than this holyaudit understands ({LATEST})")


def version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to ``LATEST`` in one transaction; a no-op when it is already there.

    The connection must be in autocommit mode (``isolation_level=None``) so that the transaction here is the
    only one. ``BEGIN IMMEDIATE`` takes the write lock first, so two processes opening an old database at once
    migrate it once: the second sees the new version when its turn comes.
    """
    if version(conn) == LATEST:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = version(conn)
        if current > LATEST:
            raise NewerSchemaError(current)
        for step in MIGRATIONS[current:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {LATEST}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
