"""A progress display for endpoint collection: a rich progress bar on a terminal, nothing otherwise."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from holyaudit.collectors.winrm.outcome import Outcome, Reach
from holyaudit.collectors.winrm.targets import Target


class MachineProgress:
    """Counts machines as their visits end, by how each ended."""

    def __init__(self, console: Console) -> None:
        self._counts: Counter[str] = Counter()
        self._progress = Progress(
            TextColumn("endpoints"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("", total=None)

    def started(self, total: int) -> None:
        self._progress.update(self._task, total=total)
        self._progress.start()

    def finished(self, target: Target, outcome: Outcome) -> None:
        self._counts[outcome.reach.value] += 1
        others = ", ".join(f"{n} {reach}" for reach, n in sorted(self._counts.items()) if reach != Reach.REACHED)
        description = f"{self._counts[Reach.REACHED.value]} reached" + (f", {others}" if others else "")
        self._progress.update(self._task, advance=1, description=description)

    def stop(self) -> None:
        self._progress.stop()


def progress_for(console: Console) -> MachineProgress | None:
    """A progress display when the console is a terminal; None for logs, pipes and scheduled runs."""
    return MachineProgress(console) if console.is_terminal else None
