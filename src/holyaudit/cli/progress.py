"""The progress display while live sources are read: one line per collector on a terminal, nothing otherwise.

Each collector that runs gets a line as it starts, with its counts as it reports them ("directory  31 groups, 24
users, 7 computers"), a bar when it knows its total (endpoints: machines visited of all to visit), and the time it
took. The display is transient: it is gone when collection ends, leaving the report and any warnings.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console, RenderableType
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

from holyaudit.reporters.safe_text import printable


def describe(counts: Mapping[str, int]) -> str:
    """``{"users": 10024, "computers": 1006}`` -> ``10,024 users, 1,006 computers``."""
    return ", ".join(f"{n:,} {label}" for label, n in counts.items())


class _BarWhenTotal(ProgressColumn):
    """A bar for a collector that knows its total; nothing for one that only counts."""

    def __init__(self) -> None:
        super().__init__()
        self._bar = BarColumn(bar_width=30)

    def render(self, task: Task) -> RenderableType:
        return self._bar.render(task) if task.total is not None else Text("")


class _DoneOfTotal(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{int(task.completed):,}/{int(task.total):,}" if task.total is not None else "")


class CollectionProgress:
    """The display: implements ``holyaudit.collectors.interface.Progress``."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.fields[collector]}", markup=False),
            _BarWhenTotal(),
            _DoneOfTotal(),
            # One line per collector however long a count or an error gets.
            # Never markup: an error can carry a server's or the directory's words ("[bold]", escapes).
            TextColumn("{task.description}", markup=False, table_column=Column(no_wrap=True, overflow="ellipsis")),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._counted: set[str] = set()

    def _task(self, collector: str) -> TaskID:
        if collector not in self._tasks:
            if not self._tasks:
                self._progress.start()
            self._tasks[collector] = self._progress.add_task("", total=None, collector=collector)
        return self._tasks[collector]

    def show(
        self, collector: str, counts: Mapping[str, int], *, done: int | None = None, total: int | None = None
    ) -> None:
        task = self._task(collector)
        if counts:
            self._counted.add(collector)
        self._progress.update(task, description=describe(counts), completed=done or 0, total=total)

    def finished(self, collector: str, counts: Mapping[str, int], error: str | None = None) -> None:
        task = self._task(collector)
        if error is not None:
            self._progress.update(task, description=f"failed: {printable(error)}")
        elif collector not in self._counted:
            self._progress.update(task, description=describe(counts))
        self._progress.stop_task(task)

    def stop(self) -> None:
        self._progress.stop()


def progress_for(console: Console) -> CollectionProgress | None:
    """A progress display when the console is a terminal; None for logs, pipes and scheduled runs."""
    return CollectionProgress(console) if console.is_terminal else None
