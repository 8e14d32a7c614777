"""Support for scheduled runs: a log file of timestamped lines carrying the run's id, and the run lock; each
created readable by its owner only.

The lock is an exclusive, non-blocking lock on a file (``flock`` on POSIX, ``msvcrt.locking`` on Windows;
holyaudit.oscompat)
held for the whole scan. The operating system releases it when the process ends, however it ends, so a
crashed run never leaves a stale lock behind; the file itself stays (deleting a lock file races with the
next run that opens it).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from holyaudit.audit.exit_codes import code_for
from holyaudit.errors import ExitCode, HolyauditError, LockedError, UsageError
from holyaudit.oscompat import try_lock
from holyaudit.owner_only import make_folder, open_file
from holyaudit.reporters.safe_text import printable


class RunLog:
    """Appends ``TIME run=ID message`` lines to the log file; does nothing when there is none."""

    def __init__(self, path: Path | None, run_id: str) -> None:
        self._path = path
        self._run_id = run_id

    def write(self, message: str) -> None:
        if self._path is None:
            return
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        one_line = " | ".join(printable(part) for part in message.splitlines())
        try:
            make_folder(self._path.parent)
            # Opened per line in append mode: concurrent runs' lines interleave whole, and no handle is held.
            with os.fdopen(open_file(self._path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8") as handle:
                handle.write(f"{stamp} run={self._run_id} {one_line}\n")
        except OSError as exc:
            raise UsageError(f"--log-file: cannot append to {self._path}: {exc.strerror}") from exc

    @contextmanager
    def outcome(self) -> Iterator[None]:
        """Log how a run ended when it ends with an error or an interruption (the caller logs a normal end). An
        internal error is logged by its type only: its text could hold anything, a secret included."""
        try:
            yield
        except KeyboardInterrupt:
            self.write(f"interrupted; exit {int(ExitCode.INTERRUPTED)}")
            raise
        except Exception as exc:
            self.write(
                f"error: {exc}" if isinstance(exc, HolyauditError) else f"error: internal error: {type(exc).__name__}"
            )
            self.write(f"exit {int(code_for(exc))}")
            raise


def default_lock_path(history: Path, site: str) -> Path:
    """``history.sqlite3.<site>.lock`` next to the history database: one lock per site."""
    slug = re.sub(r"[^a-z0-9]+", "-", site.casefold()).strip("-") or "site"
    return history.with_name(f"{history.name}.{slug}.lock")


@contextmanager
def run_lock(path: Path, run_id: str) -> Iterator[None]:
    """Hold the run lock at ``path`` or raise LockedError (exit 5) at once, naming the run that holds it."""
    try:
        make_folder(path.parent)
        handle = os.fdopen(open_file(path, os.O_RDWR | os.O_APPEND), "a+", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot open the lock file {path}: {exc.strerror}") from exc
    with handle:
        if not try_lock(handle):
            raise LockedError(
                f"another holyaudit run holds the lock {path} ({_holder(handle)}); this run did nothing (exit 5)"
            )
        handle.seek(0)
        handle.truncate()
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()}, run {run_id}, since {since}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)  # still holding the lock: the next run that is refused sees no stale holder


def _holder(handle: IO[str]) -> str:
    try:
        handle.seek(0)
        return handle.read().strip() or "holder unknown"
    except OSError:  # Windows refuses to read a region another process has locked
        return "holder unknown"
