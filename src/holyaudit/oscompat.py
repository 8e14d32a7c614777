"""Where POSIX and Windows differ, in one place: the run lock, whether a password file is private, replacing a
report a viewer holds open, and whether the user may write a file.

Each function takes the platform as an argument defaulting to the machine's, so the Windows branch of every
decision is tested on the Linux machines the suite runs on; only the system calls themselves (``msvcrt``) are
not.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

WINDOWS = sys.platform == "win32"

REPLACE_ATTEMPTS = 10
REPLACE_PAUSE_SECS = 0.25
"""A report replaced while a viewer holds it open: Windows refuses the rename (sharing violation) until the
viewer lets go. Ten tries a quarter-second apart ride out an indexer or antivirus scan; a person's open viewer
does not let go, and the run then stops with a clear message (exit 2)."""


def password_file_problem(path: Path, *, windows: bool = WINDOWS) -> str | None:
    """Why ``path`` may not hold a password (others can read it, or its access cannot be checked), else None.

    On Windows, CPython reports every file's mode as 0o666 (or 0o444): the mode says nothing about who can read
    it, and the file's access-control list decides. holyaudit does not read ACLs, so it does not claim a file is
    private when it cannot tell: it refuses, and points to the Windows Credential Manager (through ``keyring``),
    which keeps the password encrypted for the user.
    """
    if windows:
        return (
            "cannot be used: on Windows holyaudit cannot check who may read it; keep the password in the Windows "
            "Credential Manager instead (docs/configuration.md, 'Passwords on Windows') and remove the password "
            "file from the config"
        )
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"can be read by other users (mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
    return None


def replace_file(
    source: Path,
    target: Path,
    *,
    attempts: int = REPLACE_ATTEMPTS,
    pause: float = REPLACE_PAUSE_SECS,
    replace: Callable[[Path, Path], None] = os.replace,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Rename ``source`` over ``target``, retrying while another program holds ``target`` open (Windows refuses
    with PermissionError then; POSIX never does). The last PermissionError is raised when every try failed."""
    for attempt in range(1, attempts + 1):
        try:
            replace(source, target)
            return
        except PermissionError:
            if attempt == attempts:
                raise
            sleep(pause)


def replace_refused(exc: OSError, *, windows: bool = WINDOWS) -> str | None:
    """What to tell a person whose report could not be replaced, when a viewer holding it open is the likely
    cause; None when it is not."""
    if windows and isinstance(exc, PermissionError):
        return "another program (a viewer or editor?) has it open; close it and run again"
    return None


def can_write(path: Path) -> bool:
    """Whether this user may open ``path`` for writing: tried, not inferred from permission bits, since
    ``os.access`` ignores Windows access-control lists (and root's). The file is opened without truncating
    and closed unwritten, so neither its content nor its modification time changes."""
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False


if sys.platform == "win32":  # pragma: no cover - the test suite runs on Linux
    import msvcrt

    def try_lock(handle: IO[str]) -> bool:
        """Take the run lock (the file's first byte) without waiting; False when another process holds it."""
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def try_lock(handle: IO[str]) -> bool:
        """Take the run lock (the whole file) without waiting; False when another process holds it."""
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
