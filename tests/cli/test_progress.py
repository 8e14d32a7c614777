"""The endpoint progress display: counts on a terminal, nothing in a pipe or a scheduled run."""

from __future__ import annotations

import io

from rich.console import Console

from holyaudit.cli.progress import progress_for
from holyaudit.collectors.winrm.outcome import Outcome, Reach
from holyaudit.collectors.winrm.targets import Target


def test_no_progress_display_without_a_terminal() -> None:
    assert progress_for(Console(file=io.StringIO(), force_terminal=False)) is None


def test_the_progress_display_counts_machines_by_how_they_ended() -> None:
    screen = io.StringIO()
    progress = progress_for(Console(file=screen, force_terminal=True, width=100, no_color=True))
    assert progress is not None
    progress.started(3)
    progress.finished(Target("HW-01", "HW-01"), Outcome())
    progress.finished(Target("HW-02", "HW-02"), Outcome(reach=Reach.UNREACHABLE, reason="refused"))
    progress.finished(Target("HW-03", "HW-03"), Outcome(reach=Reach.TIMED_OUT, reason="slow"))
    progress.stop()
    shown = screen.getvalue()
    assert "3/3" in shown
    assert "1 reached, 1 timed out, 1 unreachable" in shown
