"""The endpoints line of the progress display, through the CLI against simulated machines: machines visited
of all to visit, by how each visit ended, on a terminal; nothing on a pipe."""

from __future__ import annotations

from pathlib import Path

import pytest
from endpoint_support import ACCOUNT, AS_OF, machine, write_config

from holyaudit.winrm_sim import Fleet, SimHost
from holyaudit.winrm_sim.faults import Fault, FaultKind
from terminal import last_frame


@pytest.fixture
def fleet_config(tmp_path: Path, tls, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    hosts = [
        SimHost(address="127.0.0.32", name="HW-LT-01", machine=machine()),
        SimHost(address="127.0.0.33", name="HW-LT-02", machine=machine(name="HW-LT-02")),
        SimHost(address="127.0.0.34", name="HW-LT-03", machine=machine(), fault=Fault(kind=FaultKind.REFUSED)),
    ]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        yield write_config(tmp_path, fleet, ca_file=tls.ca, deadline=10)


def scan(run_cli, config: Path, report: Path):
    args = ["--as-of", AS_OF, "--only", "autologon-no-stored-password", "--format", "json", "--output", str(report)]
    return run_cli("scan", "--config", str(config), *args)


def test_on_a_terminal_the_endpoints_line_counts_machines_by_how_their_visits_ended(
    run_cli, fleet_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    report = tmp_path / "report.json"
    result = scan(run_cli, fleet_config, report)
    assert result.code == 4
    display, written = result.err.rsplit("\x1b[2K", 1)
    assert " ".join(written.split()) == f"report written to {report}; exit 4: incomplete: some checks could not be made"
    assert last_frame(display) == ["endpoints BAR 3/3 2 reached, 1 unreachable T"]


def test_without_a_terminal_there_is_no_endpoints_progress(run_cli, fleet_config: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = scan(run_cli, fleet_config, report)
    assert (result.code, result.out) == (4, "")
    assert (
        " ".join(result.err.split()) == f"report written to {report}; exit 4: incomplete: some checks could not be made"
    )
