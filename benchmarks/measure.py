"""Timing a program the benchmarks start: its wall time, its own CPU time and its own peak memory."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_mb: float
    code: int
    stderr: str
    stdout: str = ""
    cpu_seconds: float = 0.0
    """User plus system CPU time of the program itself."""


def run(argv: list[str], env: dict[str, str] | None = None, *, keep_stdout: bool = False) -> Run:
    """Run a program (its output to /dev/null unless kept); its wall time and its own peak RSS (wait4, not the
    sum over all children)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out if keep_stdout else subprocess.DEVNULL, stderr=err, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_maxrss / 1024,
            process.returncode,
            err.read().decode(errors="replace"),
            out.read().decode(errors="replace"),
            usage.ru_utime + usage.ru_stime,
        )
