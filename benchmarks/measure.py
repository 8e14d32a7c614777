"""Timing a program the benchmarks start: its wall time, its own CPU time and its own peak memory."""

from __future__ import annotations

import compileall
import json
import subprocess
import sys
import tempfile
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
    """Run a program (its output to /dev/null unless kept); its wall time, own CPU time and own peak RSS (wait4,
    not the sum over all children), taken by ``spawn.py``: forked from this process, which may have grown, the
    program would report this process's size as its peak."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        launcher = [sys.executable, str(SPAWN), str(result), *argv]
        subprocess.run(
            launcher,
            stdin=subprocess.DEVNULL,
            stdout=out if keep_stdout else subprocess.DEVNULL,
            stderr=err,
            env=env,
            check=False,
        )
        measured = json.loads(result.read_text(encoding="utf-8"))
        out.seek(0)
        err.seek(0)
        return Run(
            measured["seconds"],
            measured["max_rss_kb"] / 1024,
            measured["code"],
            err.read().decode(errors="replace"),
            out.read().decode(errors="replace"),
            measured["cpu_seconds"],
        )


SPAWN = Path(__file__).with_name("spawn.py")


def compile_holyaudit() -> str:
    """Compile holyaudit's modules to bytecode, as ``pip install`` does, and say so in one line for the output.

    The benchmarks run the development install, which is editable (its modules are the sources in ``src/``), and
    this machine sets PYTHONDONTWRITEBYTECODE=1: without this every CLI run would compile holyaudit from source
    (about 0.25 s of a 0.45 s start-up), a cost no installed copy pays."""
    package = Path(holyaudit.__file__).parent
    if not compileall.compile_dir(package, quiet=1):
        raise RuntimeError(f"cannot compile {package}")
    return f"holyaudit's bytecode compiled first, as pip install does ({package})"
