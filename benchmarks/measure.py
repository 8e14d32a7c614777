"""Timing a program the benchmarks start: its wall time, its own CPU time and its own peak memory."""

from __future__ import annotations

import compileall
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import holyaudit


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


def compile_holyaudit() -> str:
    """Compile holyaudit's modules to bytecode, as ``pip install`` does, and say so in one line for the output.

    The benchmarks run the development install, which is editable (its modules are the sources in ``src/``), and
    this machine sets PYTHONDONTWRITEBYTECODE=1: without this every CLI run would compile holyaudit from source
    (about 0.25 s of a 0.45 s start-up), a cost no installed copy pays."""
    package = Path(holyaudit.__file__).parent
    if not compileall.compile_dir(package, quiet=1):
        raise RuntimeError(f"cannot compile {package}")
    return f"holyaudit's bytecode compiled first, as pip install does ({package})"
