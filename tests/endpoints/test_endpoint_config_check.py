"""``holyaudit config check`` against simulated machines: a sample is reached, and nothing is run on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from endpoint_support import ACCOUNT, machine, write_config

from holyaudit.winrm_sim import Fleet, SimHost
from holyaudit.winrm_sim.faults import Fault, FaultKind


def test_config_check_reaches_a_sample_of_machines_without_running_anything(
    run_cli, tmp_path: Path, tls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    hosts = [
        SimHost(address="127.0.0.34", name="HW-A", machine=machine()),
        SimHost(address="127.0.0.35", name="HW-B", machine=machine(), fault=Fault(kind=FaultKind.REFUSED)),
        SimHost(address="127.0.0.36", name="HW-C", machine=machine()),
    ]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        two = run_cli("config", "check", "--config", str(config), "--sample", "2")
        one = run_cli("config", "check", "--config", str(config), "--sample", "1")
        received = [command for host in fleet.hosts for command in host.commands]
        open_shells = [host.open_shells for host in fleet.hosts]
    assert two.code == 4
    assert (
        "FAILED endpoints: WinRM over https, port 5986: 3 machines; 1 of 2 tried reached (HW-A; HW-B: unreachable:"
        in two.out
    )
    assert one.code == 0
    assert "ok     endpoints: WinRM over https, port 5986: 3 machines; 1 of 1 tried reached (HW-A)" in one.out
    assert received == []
    assert open_shells == [0, 0, 0]
