"""What recording a scan in the history costs, against writing the same rows to SQLite bare.

Builds a synthetic audit result of a school of N users (default 10,000) under three user rules: 30,000 object
results, mostly PASS, some FAIL, WAIVED and NOT_APPLICABLE, and one user in 400 that could not be read (ERROR
under every rule), each failure and error with its reason. A temporary history database on disk is pre-filled
with --earlier runs of the same school (default 20, one a day, each a little different, stored as scans store
them), as a scheduled deployment's database is. Then it measures in one run, interleaved, best of --runs:

- baseline: a bare sqlite3 ``executemany`` of the same 30,000 rows (the tuples made in advance) into a table of
  the same columns without indexes, in one transaction, in a new database file (SQLite's defaults);
- history: the scan's history work as ``holyaudit scan --fail-on-new`` does it, through the function the CLI
  calls (``history_step``): open the database, convert the results, compare them with the previous run of the
  profile and site, note when history last saw each object that could not be checked compliant, store the run
  in one transaction and commit it, read the trend, close the database.

The databases are in the temporary folder ($TMPDIR), which must be on a disk (not tmpfs) for commits to cost
what they do. Every timed history run starts from its own copy of the pre-filled database (written to disk
first), so each has exactly --earlier runs before it. Prints both times and their ratio, the bytes one history
run had written to disk (Linux), and the best time of each step of the history work; ``--profile`` adds one
history run under cProfile.
Run: ``python benchmarks/history_write.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import os
import pstats
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from holyaudit.audit import history as audit_history
from holyaudit.audit.history import history_step, open_history
from holyaudit.history.store import HistoryStore, new_run_id
from holyaudit.models import AuditResult, Clause, Finding, ObjectResult, Severity, Status

SITE = "Holywell Secondary School"
PROFILE = "holywell"
START = dt.datetime(2026, 11, 1, 18, 30, tzinfo=dt.UTC)
RULES = (
    # rule id, severity, share failing, reason
    ("password-not-required", Severity.HIGH, 0.02, "uac is 0x220; expected uac has all bits clear of 0x20"),
    ("dormant-accounts", Severity.MEDIUM, 0.06, "last logon 2026-03-02, 263 days before; expected within 90 days"),
    ("generic-password-age", Severity.LOW, 0.04, "password last set 2025-08-30, 452 days ago; expected within 365"),
)
UNREADABLE = "could not be read: insufficient access rights to read userAccountControl, lastLogonTimestamp"
CHURN = 0.01
"""The share of users whose results change from one run to the next."""


def user_id(i: int) -> str:
    return f"staff.{i:05d}" if i % 5 == 0 else f"pupil.{i:05d}"


def school_result(users: int, run: int, *, latest: bool) -> AuditResult:
    """Run ``run`` (0 the first) of the school: stable per-user outcomes, CHURN of them re-rolled each run.

    One user in 400 cannot be read in the latest run; half of them were read (and mostly compliant) before."""
    base = random.Random(1)
    draws = [[base.random() for _ in RULES] for _ in range(users)]
    for k in range(1, run + 1):
        churn = random.Random(1000 + k)
        for i in churn.sample(range(users), int(users * CHURN)):
            draws[i] = [churn.random() for _ in RULES]
    unreadable = set(range(0, users, 400))
    findings = []
    for r, (rule_id, severity, failing, reason) in enumerate(RULES):
        objects = []
        for i in range(users):
            draw = draws[i][r]
            if i in unreadable and (latest or i % 800 == 0):
                status, why = Status.ERROR, UNREADABLE
            elif draw < failing:
                status, why = Status.FAIL, reason
            elif draw > 0.995:
                status, why = Status.WAIVED, None
            elif draw > 0.98:
                status, why = Status.NOT_APPLICABLE, None
            else:
                status, why = Status.PASS, None
            objects.append(
                ObjectResult(
                    id=user_id(i), kind="user", status=status, observed={}, expected="x", reason=why, context={}
                )
            )
        statuses = {o.status for o in objects}
        rolled = next((s for s in (Status.FAIL, Status.ERROR) if s in statuses), Status.PASS)
        findings.append(
            Finding(
                rule_id=rule_id,
                title=rule_id,
                status=rolled,
                severity=severity,
                clause=Clause(section="10", heading="Passwords", text="t"),
                tags=[],
                message="m",
                remediation="r",
                objects=objects,
            )
        )
    as_of = START + dt.timedelta(days=run)
    return AuditResult(as_of=as_of, timezone="Europe/London", profile=PROFILE, sources=[], findings=findings)


def prefill(path: Path, users: int, earlier: int) -> None:
    with HistoryStore.open(path) as store:
        for run in range(earlier):
            result = school_result(users, run, latest=False)
            when = result.as_of
            with store.recording(
                result,
                run_id=new_run_id(),
                started_at=when,
                finished_at=when,
                site=SITE,
                exit_code=1,
                tool_version="benchmark",
            ):
                pass


def durable_copy(source: Path, target: Path) -> None:
    """A copy already on disk: the timed run's commit must not pay for writing the copy out."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def history_work(path: Path, result: AuditResult) -> tuple[int, int, int]:
    """What ``holyaudit scan --fail-on-new`` does with the history once the audit is done (no report)."""
    with open_history(path) as store:
        step = history_step(
            store, result, site=SITE, run_id=new_run_id(), started=result.as_of, fail_on=Severity.LOW, fail_on_new=True
        )
        with step.recording as trend:
            pass
    return int(step.code), len(step.notes), len(trend)


# The rows are made as each pass reads them (results_of is a view, for the comparison and the notes), and made from
# the findings and encoded a batch at a time as they are stored: their making is timed within each step.
STEPS = (
    ("compare with the previous run", audit_history, "_only_new"),
    ("last compliant, per object not checked", audit_history, "notes_for"),
    ("make, encode and store the rows (own thread)", HistoryStore, "_insert_results"),
    ("close (checkpoint)", HistoryStore, "close"),
)
REST = "the rest (commit, trend, open)"


@contextlib.contextmanager
def steps_timed(seconds: dict[str, float]) -> Iterator[None]:
    """Time each step of a history run into ``seconds``, the functions patched where the scan looks them up."""

    def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - start

        return call

    originals = [(owner, name, getattr(owner, name)) for _, owner, name in STEPS]
    try:
        for label, owner, name in STEPS:
            setattr(owner, name, timed(label, getattr(owner, name)))
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def written_bytes() -> int | None:
    """Bytes this process has had written to storage so far (Linux), or None."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return None
    return next(int(line.split()[1]) for line in text.splitlines() if line.startswith("write_bytes:"))


def bare_insert(path: Path, rows: list[tuple[object, ...]]) -> float:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(
            "CREATE TABLE results (run_seq INTEGER NOT NULL, rule_id TEXT NOT NULL, object_id TEXT NOT NULL, "
            "kind TEXT NOT NULL, status TEXT NOT NULL, severity TEXT NOT NULL, reason TEXT)"
        )
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def stored_rows(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        runs, last = conn.execute("SELECT COUNT(*), MAX(seq) FROM runs").fetchone()
        (rows,) = conn.execute("SELECT COUNT(*) FROM results WHERE run_seq = ?", (last,)).fetchone()
    conn.close()
    return runs, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--earlier", type=int, default=20, help="runs already in the history")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="also show where one history run's time goes")
    args = parser.parse_args()
    result = school_result(args.users, args.earlier, latest=True)
    objects = sum(len(f.objects) for f in result.findings)
    rows = [(args.earlier + 1, *astuple) for astuple in _tuples(result)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        filled, work, bare = folder / "filled.sqlite3", folder / "history.sqlite3", folder / "bare.sqlite3"
        started = time.perf_counter()
        prefill(filled, args.users, args.earlier)
        fill_time = time.perf_counter() - started
        size_mb = filled.stat().st_size / 2**20
        best_bare = best_history = float("inf")
        best_steps: dict[str, float] = {}
        outcome, written = (0, 0, 0), None
        for _ in range(args.runs):
            best_bare = min(best_bare, bare_insert(bare, rows))
            durable_copy(filled, work)
            seconds: dict[str, float] = defaultdict(float)
            before = written_bytes()
            with steps_timed(seconds):
                start = time.perf_counter()
                outcome = history_work(work, result)
                took = time.perf_counter() - start
            after = written_bytes()
            written = after - before if after is not None and before is not None else None
            best_history = min(best_history, took)
            seconds[REST] = took - sum(seconds.values())
            for label, value in seconds.items():
                best_steps[label] = min(best_steps.get(label, value), value)
        runs, last_rows = stored_rows(work)
        if last_rows != objects or runs != args.earlier + 1:
            raise RuntimeError(f"the history holds {runs} runs, the last with {last_rows} results, not {objects}")
        if args.profile:
            durable_copy(filled, work)
            profiler = cProfile.Profile()
            profiler.runcall(history_work, work, result)
    code, notes, trend = outcome
    print(
        f"users={args.users} rules={len(RULES)} object results={objects} earlier runs={args.earlier} "
        f"({size_mb:.0f} MB, filled in {fill_time:.1f} s) runs={args.runs}"
    )
    print(f"          scan outcome: exit {code}, {notes} objects not checked, trend of {trend} runs")
    print(f"baseline  bare executemany, no indexes  {best_bare:8.3f} s")
    print(f"history   scan's history work            {best_history:8.3f} s")
    print(f"ratio     history / baseline             {best_history / best_bare:8.2f}x")
    if written is not None:
        print(f"written   by one history run             {written / 2**20:8.1f} MB  (WAL and checkpoint)")
    print(f"\nsteps of the history work (each the best of {args.runs})")
    for label in [label for label, _, _ in STEPS] + [REST]:
        print(f"  {label:<39} {best_steps[label]:6.3f} s")
    if args.profile:
        print("\none history run under cProfile, by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    return 0


def _tuples(result: AuditResult) -> list[tuple[str, str, str, str, str, str | None]]:
    return [
        (f.rule_id, o.id, o.kind, o.status.value, f.severity.value, o.reason)
        for f in result.findings
        for o in f.objects
    ]


if __name__ == "__main__":
    sys.exit(main())
