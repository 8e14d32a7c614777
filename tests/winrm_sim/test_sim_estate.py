"""Estate files, the demo estate turned back into Windows machines, and the ``python -m`` server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from sim_support import ACCOUNT, ntlm_client, probe_script, run_script

from holyaudit.winrm_sim import Fault, FaultKind
from holyaudit.winrm_sim.__main__ import EXIT_INVALID_INPUT, main
from holyaudit.winrm_sim.estate import ACCESS_DENIED, demo_hosts, load_estate
from holyaudit.winrm_sim.probes import render

ESTATE_YAML = """
hosts:
  - address: 127.0.0.7
    name: HW-LT-01
    latency: 0.05
    machine:
      chassis_types: [10]
      registry:
        'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System': {InactivityTimeoutSecs: 600}
  - address: 127.0.0.7
    name: HW-LT-02
    fault: hang
  - {address: 127.0.0.7, name: HW-LT-03, fault: {kind: trickle, trickle_secs: 5}}
"""


def test_an_estate_file_lists_hosts_with_machines_and_faults(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text(ESTATE_YAML, encoding="utf-8")
    hosts = load_estate(tmp_path / "estate.yaml")
    assert [(host.name, host.fault, host.latency) for host in hosts] == [
        ("HW-LT-01", None, 0.05),
        ("HW-LT-02", Fault(kind=FaultKind.HANG), 0.0),
        ("HW-LT-03", Fault(kind=FaultKind.TRICKLE, trickle_secs=5), 0.0),
    ]
    assert json.loads(render("system", hosts[0].machine))["inactivitySecs"] == 600


def test_an_estate_file_with_an_unknown_key_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "estate.json").write_text('{"hosts": [{"address": "127.0.0.7", "colour": "red"}]}', encoding="utf-8")
    with pytest.raises(ValidationError, match="colour"):
        load_estate(tmp_path / "estate.json")


def test_demo_hosts_report_the_demo_estates_facts() -> None:
    hosts = {host.name: host for host in demo_hosts()}
    assert len(hosts) == 33
    assert hosts["HW-ICT-08"].fault == Fault(kind=FaultKind.REFUSED)
    assert hosts["HW-LT-07"].fault == Fault(kind=FaultKind.HANG)
    # Get-BitLockerVolume needs an administrator; the policy keys it reads as well do not.
    assert json.loads(render("bitlocker", hosts["HW-LT-08"].machine)) == {
        "error": ACCESS_DENIED,
        "policy": {"mdmRequireDeviceEncryption": None, "mbamShouldEncryptOSDrive": None},
        "policyError": None,
    }
    assert json.loads(render("system", hosts["HW-EXAM-01"].machine)) == {
        "os": "Microsoft Windows 11 Education",
        "build": "26100",
        "version": {
            "EditionID": "Education",
            "CurrentBuild": "26100",
            "CurrentBuildNumber": "26100",
            "UBR": 8655,
            "DisplayVersion": "24H2",
            "InstallationType": "Client",
            "ProductName": "Windows 10 Education",
        },
        "versionError": None,
        "chassis": [3],
        "inactivitySecs": 300,
        "winlogon": {
            "autoAdminLogon": "1",
            "userName": "kiosk",
            "domainName": None,
            "autoLogonCount": None,
            "forceAutoLogon": None,
            "defaultPassword": True,
        },
    }
    assert json.loads(render("tasks", hosts["HW-CL-04"].machine))["tasks"][0] == {
        "path": "\\Holywell\\",
        "name": "Holywell weekly shutdown",
        "enabled": True,
        "userId": "SYSTEM",
        "groupId": None,
        "disallowStartOnBatteries": False,
        "stopOnBatteries": False,
        "actions": [{"execute": "shutdown.exe", "arguments": "/s /f /t 0"}],
        "triggers": [
            {
                "kind": "Weekly",
                "start": "2026-01-01T17:00:00",
                "end": None,
                "randomDelay": None,
                "interval": 1,
                "days": 32,
                "enabled": True,
            }
        ],
    }
    hive = json.loads(render("screensaver", hosts["HW-OFF-02"].machine))["hives"][1]
    assert (hive["user"], hive["policy"]) == (
        "HOLYWELL\\office-shared",
        {
            "ScreenSaveActive": "1",
            "ScreenSaverIsSecure": "1",
            "ScreenSaveTimeOut": "1800",
            "SCRNSAVE.EXE": "scrnsave.scr",
        },
    )


def test_demo_hosts_hold_the_removable_media_values_the_demo_records() -> None:
    hosts = {host.name: host for host in demo_hosts()}
    held = {"fvePolicy", "diskDenyWrite", "diskDenyAll", "allDenyAll", "error"}
    # HW-LT-01's OU gets RDVDenyWriteAccess 1 from its GPO, which never reached the machine (gpo-endpoint-drift).
    assert json.loads(render("removablemedia", hosts["HW-LT-01"].machine)) == dict.fromkeys(held | {"fveEffective"})
    assert json.loads(render("removablemedia", hosts["HW-LT-02"].machine)) == {
        **dict.fromkeys(held),
        "fveEffective": 1,
        "fvePolicy": 1,
    }


def test_the_cli_rejects_an_invalid_estate_with_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "users").write_text("HOLYWELL:audit:pw\n", encoding="utf-8")
    (tmp_path / "estate.json").write_text('{"hosts": [{"port": -1}]}', encoding="utf-8")
    code = main(["--estate", str(tmp_path / "estate.json"), "--users-file", str(tmp_path / "users")])
    assert code == EXIT_INVALID_INPUT
    assert "port" in capsys.readouterr().err


def test_the_cli_serves_the_demo_estate_to_a_pywinrm_client(tmp_path: Path) -> None:
    users = tmp_path / "users"
    users.write_text(f"{ACCOUNT.domain}:{ACCOUNT.user}:{ACCOUNT.password}\n", encoding="utf-8")
    command = [sys.executable, "-m", "holyaudit.winrm_sim", "--demo", "--demo-port", "0", "--users-file", str(users)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(34)]
        assert lines[-1].startswith("serving 33 hosts")
        name, endpoint = lines[0].split()[:2]
        assert name == "HW-ICT-01"
        protocol = ntlm_client(endpoint)
        stdout, _, code = run_script(protocol, protocol.open_shell(), probe_script("system"))
        assert (json.loads(stdout)["inactivitySecs"], code) == (300, 0)
    finally:
        server.terminate()
        server.wait(10)
