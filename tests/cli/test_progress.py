"""The collection progress display: a line per collector that runs, with its counts, on a terminal only."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from collections.abc import Mapping

from rich.console import Console

from holyaudit.cli.common import ProgressOnTerminal
from holyaudit.cli.progress import describe, progress_for
from holyaudit.collectors.interface import Collector, Progress, RecordSink, Tally
from holyaudit.collectors.live import Planned, collect
from holyaudit.errors import CollectorError
from holyaudit.facts import FactRecord, FactSet
from terminal import last_frame

NOW = dt.datetime(2026, 11, 20, 19, 30, tzinfo=dt.UTC)


def terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=110, no_color=True), screen


class Recorder:
    """A Progress that keeps every call, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def show(
        self, collector: str, counts: Mapping[str, int], *, done: int | None = None, total: int | None = None
    ) -> None:
        self.calls.append(("show", collector, dict(counts), done, total))

    def finished(self, collector: str, counts: Mapping[str, int], error: str | None = None) -> None:
        self.calls.append(("finished", collector, dict(counts), error))


class Fake(Collector):
    """A collector of ``provides`` that counts ``counted`` items under one label as it goes, or fails."""

    def __init__(self, name: str, provides: str, counted: int = 0, records: int = 0, fails: bool = False) -> None:
        self.name, self.provides, self.counted, self.records, self.fails = name, provides, counted, records, fails

    def collect(
        self,
        needs: Mapping[str, frozenset[str]],
        inputs: Mapping[str, FactSet] | None = None,
        progress: Progress | None = None,
        early: RecordSink | None = None,
    ) -> list[FactSet]:
        tally = Tally(self.name, progress)
        for _ in tally.each("items", range(self.counted)):
            pass
        if self.fails:
            raise CollectorError("connection refused")
        return [
            FactSet(
                name=self.provides,
                source="test",
                collected_at=NOW,
                records=tuple(FactRecord(id=str(n)) for n in range(self.records)),
            )
        ]


def planned(collector: Fake) -> Planned:
    return Planned(collector, frozenset({collector.provides}), "test")


def test_no_progress_display_without_a_terminal() -> None:
    assert progress_for(Console(file=io.StringIO(), force_terminal=False)) is None


def test_a_tally_reports_each_count_as_it_changes() -> None:
    recorder = Recorder()
    tally = Tally("directory", recorder)
    assert list(tally.each("users", ["a", "b"])) == ["a", "b"]
    tally.add("computers", 3)
    assert recorder.calls == [
        ("show", "directory", {"users": 1}, None, None),
        ("show", "directory", {"users": 2}, None, None),
        ("show", "directory", {"users": 2, "computers": 3}, None, None),
    ]


def test_collect_tells_progress_when_each_collector_that_runs_starts_and_ends() -> None:
    recorder = Recorder()
    plan = [
        planned(Fake("directory", "directory.users", counted=2, records=2)),
        planned(Fake("unneeded", "mis.leavers")),
        planned(Fake("gpo", "gpo.ous", fails=True)),
    ]
    needs = {"directory.users": frozenset({"id"}), "gpo.ous": frozenset({"id"})}
    facts = collect(plan, needs, lambda: NOW, lambda _: None, recorder)
    assert facts["gpo.ous"].error == "connection refused"
    assert recorder.calls == [
        ("show", "directory", {}, None, None),
        ("show", "directory", {"items": 1}, None, None),
        ("show", "directory", {"items": 2}, None, None),
        ("finished", "directory", {"users": 2}, None),
        ("show", "gpo", {}, None, None),
        ("finished", "gpo", {}, "connection refused"),
    ]


def test_the_display_shows_one_line_per_collector_with_counts_a_bar_for_a_known_total_and_failures() -> None:
    console, screen = terminal()
    display = progress_for(console)
    assert display is not None
    display.show("directory", {})
    display.show("directory", {"groups": 31, "users": 10_024, "computers": 1_006})
    display.finished("directory", {"users": 10_024, "computers": 1_006})
    display.show("gpo", {})
    display.finished("gpo", {"ous": 14})  # reported nothing as it went: the fact set counts stand in
    display.show("endpoints", {"reached": 212, "unreachable": 3, "timed out": 1}, done=216, total=240)
    display.show("mis", {})
    display.finished("mis", {}, "cannot read leavers.csv")
    display.stop()
    assert last_frame(screen.getvalue()) == [
        "directory 31 groups, 10,024 users, 1,006 computers T",
        "gpo 14 ous T",
        "endpoints BAR 216/240 212 reached, 3 unreachable, 1 timed out T",
        "mis failed: cannot read leavers.csv T",
    ]


def test_collect_through_the_display_leaves_every_collector_s_final_line() -> None:
    console, screen = terminal()
    display = progress_for(console)
    assert display is not None
    plan = [planned(Fake("directory", "directory.users", counted=3, records=3)), planned(Fake("gpo", "gpo.ous"))]
    try:
        collect(plan, {"directory.users": frozenset(), "gpo.ous": frozenset()}, lambda: NOW, print, display)
    finally:
        display.stop()
    assert last_frame(screen.getvalue()) == ["directory 3 items T", "gpo 0 ous T"]


def test_counts_are_shown_in_order_with_thousands_separated() -> None:
    assert describe({"users": 10_024, "computers": 1_006, "password policies": 2}) == (
        "10,024 users, 1,006 computers, 2 password policies"
    )
    assert describe({}) == ""


def test_an_error_from_a_server_is_shown_as_text_not_markup() -> None:
    console, screen = terminal()
    display = progress_for(console)
    assert display is not None
    display.show("directory", {})
    display.finished("directory", {}, "ldaps://dc[/]1:636: [bold]refused\x1b[2J")
    display.stop()
    assert last_frame(screen.getvalue()) == ["directory failed: ldaps://dc[/]1:636: [bold]refused\\x1b[2J T"]


def test_a_scan_s_display_is_made_at_the_first_count_and_shows_every_collector_that_started(monkeypatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    for name, value in (("TTY_COMPATIBLE", "1"), ("COLUMNS", "110"), ("NO_COLOR", "1")):
        monkeypatch.setenv(name, value)
    shown = ProgressOnTerminal()
    plan = [
        planned(Fake("mis", "mis.leavers", fails=True)),  # starts and fails without counting anything
        planned(Fake("directory", "directory.users", counted=3, records=3)),
        planned(Fake("gpo", "gpo.ous")),
    ]
    try:
        collect(plan, {name: frozenset() for name in ("mis.leavers", "directory.users", "gpo.ous")}, lambda: NOW,
                lambda _: None, shown)  # fmt: skip
    finally:
        shown.stop()
    frame = last_frame(screen.getvalue())
    assert frame[1:] == ["directory 3 items T", "gpo 0 ous T"]
    assert frame[0].startswith("mis failed: ")


def test_rich_is_loaded_only_once_a_collector_counts_something() -> None:
    # A scan sends its first searches before anything is counted: rich (about 20 ms of imports) is loaded then,
    # while the directory works, not before. --version, and a quiet scan reporting JSON, never load it.
    code = (
        "import sys\n"
        "from holyaudit.cli.common import ProgressOnTerminal\n"
        "from holyaudit.cli.main import main\n"
        "assert main(['--version']) == 0\n"
        "assert main(['scan', '--demo', '--format', 'json', '--quiet', '--no-history']) == 1\n"
        "shown = ProgressOnTerminal()\n"
        "shown.show('directory', {})\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
        "shown.show('directory', {'users': 1})\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
        "shown.stop()\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stderr.split() == ["False", "True"]
