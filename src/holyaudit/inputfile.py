"""Opening an input file the user names (config, rules, profile, waivers, inventory, snapshot, MIS export).

Only a regular file is read, and only up to a size limit checked before anything is read: a named pipe would
wait for a writer for ever, a device such as /dev/zero never ends, and a huge file would fill the memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from holyaudit.errors import InvalidInputError, Problem

MIB = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFileError(InvalidInputError):
    """The file could not be opened or read at all (missing, no permission): the operating system said why."""


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; otherwise an InvalidInputError
    naming the file (an UnreadableFileError when the operating system refused to open or read it)."""
    # Non-blocking, so that opening a named pipe returns at once (it is then refused) instead of waiting.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFileError([Problem(path, None, None, f"cannot read file: {exc.strerror}")]) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            message = f"this is {kind}, not a regular file; give the path of a file"
            raise InvalidInputError([Problem(path, None, None, message)])
        if info.st_size > limit:
            raise InvalidInputError([_too_large(path, limit)])
        chunks: list[bytes] = []
        remaining = limit + 1  # one byte more than allowed tells a file that grew while it was read
        while remaining > 0 and (chunk := os.read(fd, min(remaining, MIB))):
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise UnreadableFileError([Problem(path, None, None, f"cannot read file: {exc.strerror}")]) from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InvalidInputError([_too_large(path, limit)])
    return data


def _too_large(path: Path, limit: int) -> Problem:
    return Problem(path, None, None, f"file is larger than {limit // MIB} MiB, the most holyaudit reads for it")
