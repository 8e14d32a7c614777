"""The history database: storing one scan per transaction, and the queries history, diff and scan need.

Only result fields are stored (rule id, object id, kind, status, severity, reason, sources and counts): never
observed values or anything else a collector read, so the database holds nothing that a report would not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

import platformdirs
from pydantic import BaseModel, ConfigDict, TypeAdapter

from holyaudit.errors import ExitCode, HolyauditError, UsageError
from holyaudit.history.schema import LATEST, ForeignDatabaseError, NewerSchemaError, identify, migrate
from holyaudit.models import AuditResult, FactSetSource, Finding, ObjectResult, Severity, Status
from holyaudit.oscompat import can_write
from holyaudit.owner_only import make_folder, open_file

HISTORY_ENV = "HOLYAUDIT_HISTORY"
BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another writer's transaction (a whole scan is one short transaction)."""

COMPLIANT = (Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE)

_SOURCES = TypeAdapter(list[FactSetSource])


class HistoryError(HolyauditError):
    """The history database cannot be used: unreadable, not a database, or written by a newer holyaudit."""

    exit_code = ExitCode.INVALID_INPUT


class StoredRun(BaseModel):
    """One stored scan, without its per-object results."""

    model_config = ConfigDict(frozen=True)
    seq: int
    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime
    as_of: dt.datetime
    profile: str
    site: str
    sources: list[FactSetSource]
    exit_code: int
    counts: dict[str, int]
    tool_version: str | None


class StoredResult(NamedTuple):
    """One object's outcome under one rule, as stored. A named tuple: a scan makes one per object result (tens of
    thousands, from values already validated) and ``diff`` reads as many back per run; a tuple is made in C,
    where a frozen dataclass sets each field through ``object.__setattr__``. Nothing changes one once made."""

    rule_id: str
    object_id: str
    kind: str
    status: Status
    severity: Severity
    reason: str | None

    @property
    def key(self) -> tuple[str, str]:
        return self.rule_id, self.object_id


class Pruned(NamedTuple):
    """What ``HistoryStore.prune`` removed (oldest first), the older runs it kept as the latest of their profile
    and site, and how many runs are left."""

    removed: list[StoredRun]
    kept_as_latest: list[StoredRun]
    left: int


def default_history_path() -> Path:
    """``$HOLYAUDIT_HISTORY``, else ``history.sqlite3`` in the user's data directory."""
    if value := os.environ.get(HISTORY_ENV):
        return Path(value)
    return platformdirs.user_data_path("holyaudit") / "history.sqlite3"


def new_run_id() -> str:
    return uuid.uuid4().hex


class StoredResults:
    """A scan's results as the history stores them, made afresh at each pass over them (the comparison with the
    previous run and the notes each take one; the recording makes the same rows its own way, ``_batches``): a
    50,000-user school's 300,000 rows are never all held at once. The findings are frozen, so every pass gives the
    same rows."""

    def __init__(self, result: AuditResult) -> None:
        self._findings = result.findings

    def __iter__(self) -> Iterator[StoredResult]:
        return self._rows(None)

    def __len__(self) -> int:
        return sum(len(finding.objects) for finding in self._findings)

    def with_status(self, status: Status) -> Iterator[StoredResult]:
        """The rows of the results with ``status`` only, the others not made at all (most results pass)."""
        return self._rows(status)

    def _rows(self, status: Status | None) -> Iterator[StoredResult]:
        make = StoredResult._make
        for finding in self._findings:
            rule_id, severity = finding.rule_id, finding.severity
            for obj in finding.objects:
                if status is None or obj.status is status:
                    yield make((rule_id, obj.id, obj.kind, obj.status, severity, obj.reason))


def results_of(result: AuditResult) -> StoredResults:
    return StoredResults(result)


class HistoryStore:
    """An open history database: at the latest schema version, or opened read-only at a version it can read."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, schema_version: int = LATEST) -> None:
        self._conn = conn
        self.path = path
        self._storing = False
        self._run_columns = _run_columns(schema_version)
        self._created_when_recording = False

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> HistoryStore:
        """Open the database at ``path``: to write, creating it (owner-only) and its folder and migrating it if need
        be; or read-only, never changing the file (so a user who cannot write it can still read it).

        Either way the file is first identified without changing it: a database of another application, of a newer
        holyaudit, or one that cannot be read is refused with every byte as it was (``_identified``)."""
        if read_only:
            return cls._open_read_only(path)
        _must_be_a_file(path, missing_ok=True)
        _create(path)
        _identified(path)
        with _errors(path, "cannot open it"):
            # Autocommit mode: every transaction here is explicit, so a run is written whole or not at all.
            # Any thread: a run's results are stored on one of their own (``recording``), never two threads at once.
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            with _closed_on_error(conn, path):
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                # Readers keep reading while a scan writes; WAL is also robust against a crash mid-write.
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA foreign_keys = ON")
                migrate(conn)
        return cls(conn, path)

    @classmethod
    def open_to_record(cls, path: Path) -> HistoryStore:
        """``open`` for a scan, except that a database that does not exist yet is created only when the scan's run
        is recorded (``recording``), and read meanwhile as the empty history it would be: so a scan that fails
        before then (a report that cannot be written, say) leaves no file behind. A path the file plainly cannot be
        created at is refused at once, as ``open`` would."""
        if path.exists():
            return cls.open(path)
        refuse_unrecordable(path)
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        store = cls(conn, path)
        store._created_when_recording = True
        return store

    @classmethod
    def _open_read_only(cls, path: Path) -> HistoryStore:
        """Read-only, without migrating: an older schema is read as it is (only scans upgrade the file)."""
        _must_be_a_file(path, missing_ok=False)
        if _identified(path) == 0:
            raise HistoryError(
                f"history database {path}: holds no holyaudit history yet (schema version 0); "
                "a scan that records there sets it up"
            )
        # A user who cannot write the file reads it as immutable: no lock and no -shm file, which SQLite would
        # otherwise create beside it (and fail to, in a folder the user cannot write either). Only when there
        # is no -wal file: then no scan is writing, and every run is in the main file.
        wal = path.with_name(f"{path.name}-wal")
        flags = "mode=ro" if wal.exists() or can_write(path) else "immutable=1"
        with _errors(path, "cannot open it"):
            conn = sqlite3.connect(
                f"{path.absolute().as_uri()}?{flags}", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            with _closed_on_error(conn, path):
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                found = identify(conn)  # again: a scan may have upgraded it meanwhile
        return cls(conn, path, schema_version=found)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def recording(
        self,
        result: AuditResult,
        *,
        run_id: str,
        started_at: dt.datetime,
        finished_at: dt.datetime,
        site: str,
        exit_code: int,
        tool_version: str,
    ) -> Iterator[None]:
        """Store one scan, its results as ``results_of(result)`` gives them, in one transaction, committed when the
        block ends and rolled back if it raises.

        After a crash the run is either all there or not there at all, and a report that cannot be written (the
        block raises) leaves no run. The results are stored while the block runs, by SQLite on another thread
        (it does not need Python's interpreter lock meanwhile): the report is made in the block at the same
        time. So the store cannot be queried inside the block: ask it first (``scan`` reads the trend before).
        """
        if self._created_when_recording:
            yield  # the block first: if it raises, no file is created
            with (
                HistoryStore.open(self.path) as created,
                created.recording(
                    result,
                    run_id=run_id,
                    started_at=started_at,
                    finished_at=finished_at,
                    site=site,
                    exit_code=exit_code,
                    tool_version=tool_version,
                ),
            ):
                pass
            return
        batches = _batches(result.findings)
        with _errors(self.path, "cannot store the run"), self._transaction():
            cursor = self._conn.execute(
                "INSERT INTO runs (run_id, started_at, finished_at, as_of, profile, site, sources, exit_code, "
                "counts, tool_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    _iso(started_at),
                    _iso(finished_at),
                    _iso(result.as_of),
                    result.profile,
                    site,
                    _SOURCES.dump_json(result.sources).decode(),
                    exit_code,
                    json.dumps(result.summary()),
                    tool_version,
                ),
            )
            seq = int(cursor.lastrowid or 0)
            with self._busy(), _meanwhile(lambda: self._insert_results(seq, batches)):
                yield

    def _insert_results(self, seq: int, batches: Iterator[Batch | list[Row]]) -> None:
        # Each row's rowid is given, the next after the table's last as SQLite would choose, so the rows are stored
        # in their order without SQLite sorting each batch to insert it in order (json_each's rows are not known to
        # SQLite to be in order).
        (rowid,) = self._conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM results").fetchone()
        for batch in batches:
            if isinstance(batch, Batch):
                # One statement for a whole batch, so SQLite works through its rows without coming back to Python
                # (so without the interpreter lock): JSON text is the one way to hand SQLite a table at once.
                stored = self._conn.execute(_INSERT_BATCH, (rowid, seq, *batch, Status.PASS.value))
            else:
                stored = self._conn.executemany(_INSERT_ROW, ((rowid + i, seq, *row) for i, row in enumerate(batch)))
            rowid += stored.rowcount

    def _reading(self) -> AbstractContextManager[None]:
        if self._storing:
            raise RuntimeError("the history is storing a run's results: query it before the recording, or after")
        return _errors(self.path, "cannot read it")

    @contextmanager
    def _busy(self) -> Iterator[None]:
        """While the results are stored on another thread, the connection is theirs: a query is a defect."""
        self._storing = True
        try:
            yield
        finally:
            self._storing = False

    def runs(self, *, limit: int | None = None, profile: str | None = None, site: str | None = None) -> list[StoredRun]:
        """Stored runs, newest (last stored) first, optionally only one profile's or site's."""
        where, params = _filters(profile, site)
        sql = f"SELECT {self._run_columns} FROM runs{where} ORDER BY seq DESC"  # noqa: S608 - fixed columns and filters
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._reading():
            return [_run(row) for row in self._conn.execute(sql, params)]

    def results(self, run: StoredRun) -> list[StoredResult]:
        """The run's results in the order they were stored."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT rule_id, object_id, kind, status, severity, reason FROM results WHERE run_seq = ? "
                "ORDER BY rowid",
                (run.seq,),
            ).fetchall()
        # Dictionaries rather than Status(...) and Severity(...): an enum call costs several times a lookup.
        make, status, severity = StoredResult._make, _STATUS, _SEVERITY
        try:
            return [make((r[0], r[1], r[2], status[r[3]], severity[r[4]], r[5])) for r in rows]
        except KeyError as exc:
            raise HistoryError(f"history database {self.path}: a stored result has an unknown value {exc}") from exc

    def status_counts(self, run: StoredRun) -> dict[Status, int]:
        """The run's object results per status (an object judged by several rules counts once for each), every
        status present: what the trend chart draws, so that fixing some of a rule's objects moves it."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT status, COUNT(*) FROM results WHERE run_seq = ? GROUP BY status", (run.seq,)
            ).fetchall()
        counts = dict.fromkeys(Status, 0)
        try:
            counts.update((_STATUS[status], count) for status, count in rows)
        except KeyError as exc:
            raise HistoryError(f"history database {self.path}: a stored result has an unknown value {exc}") from exc
        return counts

    def failing_keys(self, run: StoredRun) -> set[tuple[str, str]]:
        """The (rule id, object id) of every object FAIL in the run, without reading the rest of its results.

        An object stored twice under one rule counts by its last result, as ``drift`` counts ``results(run)``.
        Without statistics, SQLite would look for a later result by walking the rest of the run (results_by_run)
        for every failure: the index by object finds it directly.
        """
        with self._reading():
            rows = self._conn.execute(
                "SELECT rule_id, object_id FROM results AS r WHERE run_seq = ? AND status = ? AND NOT EXISTS ("
                "SELECT 1 FROM results AS later INDEXED BY results_by_object WHERE later.run_seq = r.run_seq "
                "AND later.object_id = r.object_id AND later.rule_id = r.rule_id AND later.rowid > r.rowid)",
                (run.seq, Status.FAIL.value),
            ).fetchall()
        return {(rule_id, object_id) for rule_id, object_id in rows}

    def previous_run(self, *, profile: str, site: str) -> StoredRun | None:
        """The last stored run of this profile at this site."""
        runs = self.runs(limit=1, profile=profile, site=site)
        return runs[0] if runs else None

    def resolve(self, ref: str, *, profile: str | None = None, site: str | None = None) -> StoredRun:
        """A run by relative index (``-1`` is the last stored, ``-2`` the one before) or by id or unique id prefix."""
        if ref.startswith("-") and ref[1:].isdigit() and int(ref[1:]) > 0:
            back = int(ref[1:])
            runs = self.runs(limit=min(back, _SQLITE_MAX_INTEGER), profile=profile, site=site)
            if len(runs) < back:
                raise UsageError(f"run {ref}: the history {self.path} holds only {len(runs)} matching run(s)")
            return runs[back - 1]
        where, params = _filters(profile, site)
        where += (" AND" if where else " WHERE") + " run_id LIKE ? ESCAPE '\\'"
        params.append(_escape_like(ref.lower()) + "%")
        with self._reading():
            sql = f"SELECT {self._run_columns} FROM runs{where} ORDER BY seq DESC LIMIT 2"  # noqa: S608 - fixed text
            rows = self._conn.execute(sql, params).fetchall()
        if not rows:
            raise UsageError(f"no run {ref!r} in {self.path} (see 'holyaudit history'; -1 is the last run)")
        if len(rows) > 1:
            raise UsageError(f"run id prefix {ref!r} matches more than one run: give more characters")
        return _run(rows[0])

    def last_compliant(
        self, *, site: str, object_id: str, rule_ids: Sequence[str], before: dt.datetime
    ) -> dt.datetime | None:
        """The latest as-of time before ``before`` at which every one of these rules found the object compliant."""
        marks = ", ".join("?" for _ in rule_ids)
        ok = ", ".join("?" for _ in COMPLIANT)
        sql = (
            "SELECT runs.as_of FROM runs JOIN results ON results.run_seq = runs.seq "  # noqa: S608 - placeholders only
            f"WHERE runs.site = ? AND runs.as_of < ? AND results.object_id = ? AND results.rule_id IN ({marks}) "
            f"AND results.status IN ({ok}) "
            "GROUP BY runs.seq HAVING COUNT(DISTINCT results.rule_id) = ? ORDER BY runs.as_of DESC LIMIT 1"
        )
        params: list[Any] = [site, _iso(before), object_id, *rule_ids, *(s.value for s in COMPLIANT)]
        params.append(len(set(rule_ids)))
        with self._reading():
            row = self._conn.execute(sql, params).fetchone()
        return None if row is None else dt.datetime.fromisoformat(row[0])

    def prune(self, before: dt.datetime, *, dry_run: bool = False) -> Pruned:
        """Remove the runs that finished before ``before``, with their results, in one transaction; but never the
        latest run of a profile and site, which the next scan's drift (``--fail-on-new``) and trend compare with.
        ``dry_run`` changes nothing and says what would go (it only reads: the store may be opened read-only)."""
        with _errors(self.path, "cannot prune it"), nullcontext() if dry_run else self._transaction():
            old = [
                _run(row)
                for row in self._conn.execute(
                    f"SELECT {self._run_columns} FROM runs WHERE finished_at < ? ORDER BY seq",  # noqa: S608 - fixed
                    (_iso(before),),
                )
            ]
            latest = {seq for (seq,) in self._conn.execute("SELECT MAX(seq) FROM runs GROUP BY profile, site")}
            removed = [run for run in old if run.seq not in latest]
            if not dry_run:  # the results go with their run (ON DELETE CASCADE)
                self._conn.executemany("DELETE FROM runs WHERE seq = ?", [(run.seq,) for run in removed])
            (total,) = self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()
        left = total - len(removed) if dry_run else total
        return Pruned(removed, [run for run in old if run.seq in latest], left)

    def compact(self) -> None:
        """Give the space of removed runs back (VACUUM), and empty the write-ahead log into the file."""
        with _errors(self.path, "cannot compact it"):
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def free_bytes(self) -> int:
        """Bytes of pages the file holds but no longer uses (what ``compact`` would give back, about)."""
        with _errors(self.path, "cannot read it"):
            (free,) = self._conn.execute("PRAGMA freelist_count").fetchone()
            (page,) = self._conn.execute("PRAGMA page_size").fetchone()
        return int(free) * int(page)

    def size(self) -> int:
        """Bytes on disk: the database file and its write-ahead log."""
        wal = self.path.with_name(f"{self.path.name}-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")


_STATUS = {s.value: s for s in Status}
_SEVERITY = {s.value: s for s in Severity}
_TEXT: dict[Status | Severity, str] = {member: member.value for member in (*Status, *Severity)}

_RUN_COLUMNS = "seq, run_id, started_at, finished_at, as_of, profile, site, sources, exit_code, counts, tool_version"
_SQLITE_MAX_INTEGER = 2**63 - 1
"""SQLite's largest integer: a bigger LIMIT cannot even be passed to it."""


def _run_columns(schema_version: int) -> str:
    """The run columns to select: ``tool_version`` arrived in schema version 2, so older runs read it as NULL."""
    return _RUN_COLUMNS if schema_version >= 2 else _RUN_COLUMNS.replace("tool_version", "NULL")


def _run(row: Sequence[Any]) -> StoredRun:
    return StoredRun(
        seq=row[0],
        run_id=row[1],
        started_at=dt.datetime.fromisoformat(row[2]),
        finished_at=dt.datetime.fromisoformat(row[3]),
        as_of=dt.datetime.fromisoformat(row[4]),
        profile=row[5],
        site=row[6],
        sources=_SOURCES.validate_json(row[7]),
        exit_code=row[8],
        counts=json.loads(row[9]),
        tool_version=row[10],
    )


Row = tuple[str, str, str, str, str, str | None]
"""A result as stored: rule id, object id, kind, status, severity, reason."""


class Batch(NamedTuple):
    """Consecutive results of one rule, stored in one statement. ``rows`` is a JSON array holding, for each result
    that passed with no reason and is of the batch's ``kind`` (most results), its object id alone; for any other,
    ``[object id, kind, status, reason]``. The rule and severity are bound once for the batch rather than written
    in every row: the text is about two fifths of the whole rows', and SQLite takes a lone id as it is where it
    parses a row's array for each of its values (``_INSERT_BATCH``)."""

    rule_id: str
    kind: str
    severity: str
    rows: str


_INSERT_BATCH = (
    "INSERT INTO results (rowid, run_seq, rule_id, object_id, kind, status, severity, reason) "
    "SELECT ?1 + key, ?2, ?3, iif(type = 'text', value, value ->> 0), iif(type = 'text', ?4, value ->> 1), "
    "iif(type = 'text', ?7, value ->> 2), ?5, iif(type = 'text', NULL, value ->> 3) FROM json_each(?6)"
)
_INSERT_ROW = (
    "INSERT INTO results (rowid, run_seq, rule_id, object_id, kind, status, severity, reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _batches(findings: Iterable[Finding]) -> Iterator[Batch | list[Row]]:
    """The rows to store, in order, made as they are stored: batches of at most ``BATCH_ROWS`` results of one rule,
    but results holding a NUL character (SQLite's JSON functions cut text at one) as rows, bound one by one. The
    rows are those of ``results_of``, made here from the findings' objects without making each row first (this
    runs while the report is made, and competes with it for the interpreter lock).

    A batch at a time, not the whole run as one JSON text: a 50,000-user school's 300,000 rows made a 54 MB
    string, the encoder's pieces of it and SQLite's UTF-8 copy, all at once."""
    text = _TEXT
    for finding in findings:
        rule_id, severity, objects = finding.rule_id, text[finding.severity], finding.objects
        for start in range(0, len(objects), BATCH_ROWS):
            batch = objects[start : start + BATCH_ROWS]
            # The kind most of the batch's objects have: a rule's objects are ordered by status and id, so a rule
            # judging users and computers may alternate between them, and a batch holds both.
            ((kind, _),) = Counter(map(_KIND, batch)).most_common(1)
            whole = _json_rows(batch, kind)
            if "\\u0000" not in whole:  # the common case: no NUL anywhere
                yield Batch(rule_id, kind, severity, whole)
                continue
            for plain, run in groupby(batch, key=_without_nul):
                same = list(run)
                if plain:
                    yield Batch(rule_id, kind, severity, _json_rows(same, kind))
                else:
                    yield [(rule_id, o.id, o.kind, text[o.status], severity, o.reason) for o in same]


BATCH_ROWS = 10_000
"""Rows per statement: large enough that SQLite works through each without coming back to Python for a while."""

_KIND = attrgetter("kind")


def _json_rows(objects: Sequence[ObjectResult], kind: str) -> str:
    passed = Status.PASS
    rows = [
        o.id if o.status is passed and o.reason is None and o.kind == kind else (o.id, o.kind, o.status, o.reason)
        for o in objects
    ]  # a status is a StrEnum: JSON text as it is
    return json.dumps(rows, ensure_ascii=False, check_circular=False, separators=(",", ":"))


def _without_nul(obj: ObjectResult) -> bool:
    return not any(value is not None and "\x00" in value for value in (obj.id, obj.kind, obj.reason))


@contextmanager
def _meanwhile(work: Callable[[], None]) -> Iterator[None]:
    """``work`` on another thread while the block runs; the block's end waits for it and raises what it raised
    (the block's own exception first)."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            failed.append(exc)

    worker = threading.Thread(target=run, name="history-results", daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join()
    if failed:
        raise failed[0]


def _filters(profile: str | None, site: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if profile is not None:
        clauses.append("profile = ?")
        params.append(profile)
    if site is not None:
        clauses.append("site = ?")
        params.append(site)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _iso(value: dt.datetime) -> str:
    """UTC ISO 8601 text: one fixed offset, so text order is time order in SQL."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _must_be_a_file(path: Path, *, missing_ok: bool) -> None:
    """Refuse a folder, a FIFO or a device before anything opens it (reading a FIFO would wait for a writer)."""
    if path.is_dir():
        raise HistoryError(f"history database {path}: is a folder, not a file")
    if path.exists() and not path.is_file():
        raise HistoryError(f"history database {path}: not a regular file")
    if not missing_ok and not path.exists():
        raise HistoryError(f"history database {path}: no such file (a scan that records there creates it)")


def _create(path: Path) -> None:
    """An empty database file (SQLite sets it up) readable by its owner only, in a folder likewise if it makes it.
    SQLite gives the -wal and -shm files beside it the same mode."""
    if path.exists():
        return
    try:
        make_folder(path.parent)
    except OSError as exc:
        raise HistoryError(f"history database {path}: cannot create its folder: {exc.strerror}") from exc
    try:
        os.close(open_file(path, os.O_WRONLY | os.O_EXCL))
    except FileExistsError:  # another run made it meanwhile: identified like any existing file
        pass
    except OSError as exc:
        raise HistoryError(f"history database {path}: cannot create it: {exc.strerror}") from exc


def refuse_unrecordable(path: Path) -> None:
    """Refuse, changing nothing, a history a scan could not record in: a file that is not this holyaudit's history
    (``_identified``), or a path the file plainly cannot be created at (``_creatable``). A scan asks before it
    takes its run lock, so a history it refuses is left with no lock file beside it either."""
    _must_be_a_file(path, missing_ok=True)
    if path.exists():
        _identified(path)
    else:
        _creatable(path)


def _creatable(path: Path) -> None:
    """Refuse a path whose file could be seen not to be creatable without creating anything: one where a folder on
    the way must be but a file is, or under a folder this user cannot write."""
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        where = "its folder" if ancestor == path.parent else "a folder on the way to it"
        raise HistoryError(f"history database {path}: cannot create it: {ancestor} is a file, where {where} must be")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise HistoryError(f"history database {path}: cannot create it: {ancestor} is not writable")


def _identified(path: Path) -> int:
    """The schema version of the holyaudit history at ``path`` (0: empty), read without changing a byte.

    SQLite's ``immutable`` mode takes no lock and makes no file; but it ignores a write-ahead log, so when one is
    beside the file (a scan is writing) it is read through the log, read-only, which makes nothing that is not
    already there either."""
    wal = path.with_name(f"{path.name}-wal")
    flags = "mode=ro" if wal.exists() else "immutable=1"
    with _errors(path, "cannot open it"):
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?{flags}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        with _closed_on_error(conn, path):
            found = identify(conn)
        conn.close()
    return found


@contextmanager
def _closed_on_error(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close a connection that could not be set up; a newer schema or another application's database is refused
    with what to do about it."""
    try:
        yield
    except NewerSchemaError as exc:
        conn.close()
        raise HistoryError(
            f"history database {path}: {exc}; upgrade holyaudit, or choose another file with --history"
        ) from exc
    except ForeignDatabaseError as exc:
        conn.close()
        raise HistoryError(
            f"history database {path}: not a holyaudit history ({exc}); holyaudit changes nothing in it: "
            "choose another file with --history"
        ) from exc
    except BaseException:
        conn.close()
        raise


@contextmanager
def _errors(path: Path, doing: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise HistoryError(f"history database {path}: {doing}: {exc}") from exc
