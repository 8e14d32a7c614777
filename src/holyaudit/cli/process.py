"""The life of the ``holyaudit`` process: its garbage-collector policy, its end, and Ctrl-C.

The garbage-collector policy, the program's only one: Python's cyclic collector is paused while a command runs
(``cycle_collection_paused``; ``cli.main`` applies it to every command, in-process callers such as the tests
included), and turned back on afterwards unless the process ends with the command. A command builds its data
(tens of thousands of records and results for a school) and keeps nearly all of it until it ends, so the
collector's full passes, each walking everything built so far, find next to nothing; objects without cycles are
still freed at once by reference counting. The modules a command needs are imported when it runs, inside the
pause.

At the end, freeing the scan's data object by object and tearing the interpreter down would only precede the
release of the process's memory as a whole. So the program flushes its output and ends with ``os._exit``, and a
command hands its large data to ``keep_until_exit`` so that returning from it frees nothing. Called in-process
(``cli.main.main``, as the tests do), nothing is kept and nothing ends. What each of the two saves is measured in
docs/performance.md (``benchmarks/process_policy.py``).

Ctrl-C gives "interrupted" and exit 130 from the moment ``run`` starts, while the program is still being imported
too. Once a command's outcome is settled (a scan's run is being recorded with its exit code), Ctrl-C no longer
changes it: the process returns the code that was recorded.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


def outcome_settled() -> None:
    """From here until the command returns, Ctrl-C does not change its outcome: the process must return the exit
    code a scan is recording. ``interrupts_restored`` puts Ctrl-C back when the command returns."""
    # Outside the main thread (where Python handles signals) there is nothing to interrupt, and nothing to do.
    with suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one command, and back as it was afterwards (the policy above),
    unless the process ends with the command. Every object the command made while the collector was off is in its
    youngest generation, so switched back on, its next pass (at the next allocation, before the process ends)
    would walk them all for nothing: 65 ms after a 10,000-user scan, measured."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and _kept is None:
            gc.enable()


@contextmanager
def interrupts_restored() -> Iterator[None]:
    """Ctrl-C handled after a command as it was before it (for in-process callers: the tests, a benchmark)."""
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def end(code: int) -> NoReturn:
    """End the process with ``code`` once its output is written, without freeing what it built."""
    outcome_settled()  # the command has returned its code: Ctrl-C while the output is flushed must not change it
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe, say: the interpreter's own exit reports it, as it always has
        sys.exit(code)
    os._exit(code)


def run() -> NoReturn:
    """The ``holyaudit`` program (console script and ``python -m holyaudit``)."""
    try:
        from holyaudit.cli.main import entry

        entry()
    except KeyboardInterrupt:  # Ctrl-C before the command's own handling starts: while the program is imported
        from holyaudit.errors import ExitCode

        sys.stderr.write("interrupted\n")
        end(ExitCode.INTERRUPTED)
