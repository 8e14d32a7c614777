"""Ctrl-C: "interrupted" and exit 130 from the moment the program starts, and never a history run that claims an
exit code other than the one the process returns."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from holyaudit.errors import ExitCode
from holyaudit.history.store import HistoryStore

# A real SIGINT, sent by the program to itself while Python imports the CLI (holyaudit.cli.app, imported by
# holyaudit.cli.main), in the first part of start-up: as a Ctrl-C in that first quarter of a second arrives.
INTERRUPTED_WHILE_IMPORTING = """
import os, signal, sys

signal.signal(signal.SIGINT, signal.default_int_handler)  # as on a terminal, whatever this test inherited


class CtrlCWhileImporting:
    def find_spec(self, name, path=None, target=None):
        if name == "holyaudit.cli.app":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, CtrlCWhileImporting())
sys.argv = ["holyaudit", "scan", "--demo", "--no-history"]
from holyaudit.cli.process import run

run()
"""


def test_ctrl_c_while_the_program_is_imported_is_interrupted_exit_130_without_a_traceback():
    ran = subprocess.run([sys.executable, "-c", INTERRUPTED_WHILE_IMPORTING], capture_output=True, text=True)
    assert (ran.returncode, ran.stdout, ran.stderr) == (ExitCode.INTERRUPTED, "", "interrupted\n")


def history_runs(run_cli, history: Path) -> list[dict]:
    return json.loads(run_cli("history", "--history", str(history), "--format", "json").out)["runs"]


def test_ctrl_c_after_the_report_is_written_records_no_run(run_cli, tmp_path, monkeypatch):
    history, report, log = tmp_path / "history.sqlite3", tmp_path / "report.json", tmp_path / "run.log"
    written = []

    def write_then_ctrl_c(path: Path, pieces: Iterable[str]) -> None:
        path.write_text("".join(pieces))
        written.append(path)
        raise KeyboardInterrupt

    monkeypatch.setattr("holyaudit.cli.scan.write_atomically", write_then_ctrl_c)
    args = ["--format", "json", "--output", str(report), "--log-file", str(log)]
    result = run_cli("scan", "--demo", "--history", str(history), *args)
    assert (result.code, result.err) == (ExitCode.INTERRUPTED, "interrupted\n")
    assert written == [report]
    assert history_runs(run_cli, history) == []
    assert log.read_text().splitlines()[-1].endswith(" interrupted; exit 130")


def test_ctrl_c_once_the_run_is_recorded_does_not_change_the_exit_code(run_cli, tmp_path, monkeypatch):
    history = tmp_path / "history.sqlite3"
    recording = HistoryStore.recording

    @contextmanager
    def recording_then_ctrl_c(self, *args, **kwargs):
        with recording(self, *args, **kwargs):
            yield
        os.kill(os.getpid(), signal.SIGINT)  # the run is committed: Ctrl-C now, before the process returns

    monkeypatch.setattr(HistoryStore, "recording", recording_then_ctrl_c)
    result = run_cli("scan", "--demo", "--format", "json", "--history", str(history))
    assert [run["exit_code"] for run in history_runs(run_cli, history)] == [result.code] == [ExitCode.NON_COMPLIANT]
    assert json.loads(result.out)["summary"]["FAIL"] > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "Ctrl-C is handled again after the scan"
