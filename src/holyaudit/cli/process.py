"""The end of the ``holyaudit`` process: its data is left for the operating system to take back at once.

A scan keeps what it built until it ends: tens of thousands of records and results for a school. Freeing them
object by object, and then the interpreter's own teardown, took 50-70 ms after a 10,000-user scan, only for the
process's memory to be released as a whole straight after. So the program (``cli.main.entry``) flushes its
output and ends with ``os._exit``, and a command hands its large data to ``keep_until_exit`` so that returning
from it frees nothing. Called in-process (``cli.main.main``, as the tests do), nothing is kept and nothing ends.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

_kept: list[object] | None = None
"""Objects kept until the process ends; None when the process is not about to end (in-process calls)."""


def ends_after_command() -> None:
    """Say that the process ends when the command returns (the program's entry point calls this first)."""
    global _kept
    _kept = []


def keep_until_exit(*objects: object) -> None:
    """Keep ``objects`` until the process ends, when it ends after this command; else do nothing."""
    if _kept is not None:
        _kept.extend(objects)


def end(code: int) -> NoReturn:
    """End the process with ``code`` once its output is written, without freeing what it built."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe, say: the interpreter's own exit reports it, as it always has
        sys.exit(code)
    os._exit(code)
