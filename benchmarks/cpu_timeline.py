"""Who keeps the cores busy during one run: a program's CPU and a server's, sampled side by side.

On a machine where a program and the server it reads share the cores, the wall time is set by the stretches
where one of them works alone: this finds them. Every ``interval`` seconds the program's CPU time (all its
threads, from /proc) and the server's are read; each slice is labelled by who was busy in it (more than a
quarter of a core), and runs of slices with the same label make a phase.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BUSY_CORES = 0.25


@dataclass(frozen=True)
class Phase:
    label: str
    start: float
    end: float
    program: float
    """Mean cores the program used in the phase."""
    server: float


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time so far of one process (all its threads), or None once it has ended."""
    try:
        with Path(f"/proc/{pid}/stat").open(encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timeline(
    argv: list[str],
    env: dict[str, str] | None,
    server_cpu: Callable[[], float],
    names: tuple[str, str],
    interval: float = 0.05,
) -> tuple[float, list[Phase]]:
    """Run ``argv`` once (output discarded), sampling its CPU and ``server_cpu()``: its wall time and phases."""
    program, server = names
    slices: list[tuple[float, float, float, float]] = []  # start, end, program cores, server cores
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    last = (0.0, 0.0, server_cpu())
    while process.poll() is None:
        time.sleep(interval)
        own = process_cpu_seconds(process.pid)
        now, theirs = time.perf_counter() - started, server_cpu()
        if own is None:
            break
        span = now - last[0]
        slices.append((last[0], now, (own - last[1]) / span, (theirs - last[2]) / span))
        last = (now, own, theirs)
    process.wait()
    wall = time.perf_counter() - started
    phases: list[Phase] = []
    for start, end, own_cores, server_cores in slices:
        busy = (own_cores > BUSY_CORES, server_cores > BUSY_CORES)
        label = {(True, False): f"{program} alone", (False, True): f"{server} alone", (True, True): "both"}.get(
            busy, "neither"
        )
        if phases and phases[-1].label == label:
            before = phases[-1]
            weight = before.end - before.start
            total = weight + end - start
            phases[-1] = Phase(
                label,
                before.start,
                end,
                (before.program * weight + own_cores * (end - start)) / total,
                (before.server * weight + server_cores * (end - start)) / total,
            )
        else:
            phases.append(Phase(label, start, end, own_cores, server_cores))
    return wall, phases


def show(wall: float, phases: list[Phase], names: tuple[str, str]) -> None:
    program, server = names
    print(f"  {'from':>6} {'to':>6}  {'who was busy':<20} {program + ' cores':>16} {server + ' cores':>12}")
    for phase in phases:
        print(f"  {phase.start:6.2f} {phase.end:6.2f}  {phase.label:<20} {phase.program:16.2f} {phase.server:12.2f}")
    totals: dict[str, float] = {}
    for phase in phases:
        totals[phase.label] = totals.get(phase.label, 0.0) + phase.end - phase.start
    print(
        "  in all: "
        + ", ".join(f"{label} {seconds:.2f} s" for label, seconds in totals.items())
        + f" (wall {wall:.2f} s)"
    )
