"""Files and folders that only their owner can read: the history, its run locks and run logs, which together map a
school's weaknesses (docs/history.md).

Only what holyaudit creates is made private; an existing file or folder keeps the access its owner gave it. On
Windows the modes mean nothing (a new file takes its folder's access list, the user's own profile by default).
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_folder(path: Path) -> None:
    """Create ``path`` and any missing folder above it, each readable by the owner only."""
    missing: list[Path] = []
    while not path.exists() and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another run
            if not folder.is_dir():
                raise


def open_file(path: Path, flags: int) -> int:
    """``os.open`` that creates a missing file readable and writable by the owner only."""
    return os.open(path, flags | os.O_CREAT, FILE_MODE)
