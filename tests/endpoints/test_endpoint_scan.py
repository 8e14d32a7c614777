"""Endpoint scans through the real CLI and real pywinrm, against the WS-Management simulator.

Every test starts simulated Windows machines on loopback, points a site config at them and runs
``holyaudit scan`` or ``holyaudit collect``: nothing between holyaudit and the wire is replaced.
"""

from __future__ import annotations

import json
from pathlib import Path

from endpoint_support import ACCOUNT, AS_OF, machine, statuses, write_config

from holyaudit.collectors.winrm.probes import PROBES, probes_for
from holyaudit.winrm_sim import Fleet, SimHost
from holyaudit.winrm_sim.estate import demo_hosts

ENDPOINT_RULES = [
    "antivirus-up-to-date",
    "autologon-no-stored-password",
    "laptop-encryption",
    "logoff-task-scheduled",
    "screensaver-locking",
]
HARDENING_RULES = ["firewall-enabled", "remote-desktop-secured", "local-admins-restricted", "removable-media-protected"]

ONLY_ENDPOINT_RULES = [arg for rule in ENDPOINT_RULES for arg in ("--only", rule)]
EVERY_ENDPOINT_RULE = [arg for rule in ENDPOINT_RULES + HARDENING_RULES for arg in ("--only", rule)]


def scan(run_cli, config: Path, *extra: str):
    return run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *extra)


def test_https_basic_scan_gives_exact_findings(run_cli, tmp_path: Path, tls, password: str) -> None:
    hosts = [
        SimHost(address="127.0.0.2", name="HW-LT-01", machine=machine()),
        SimHost(
            address="127.0.0.3",
            name="HW-LT-02",
            machine=machine(name="HW-LT-02", protection="Off", percent=100.0, default_password=True),
        ),
        SimHost(
            address="127.0.0.4",
            name="HW-PC-01",
            machine=machine(
                name="HW-PC-01", chassis=3, inactivity=None, logoff_at="2026-01-01T19:01:00", realtime=False
            ),
        ),
    ]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        result = scan(run_cli, config)
    assert result.code == 1, result.err
    found = statuses(result.out)
    assert {key: status for key, status in found.items() if key[0] in ENDPOINT_RULES} == {
        ("antivirus-up-to-date", "HW-LT-01"): "PASS",
        ("antivirus-up-to-date", "HW-LT-02"): "PASS",
        ("antivirus-up-to-date", "HW-PC-01"): "FAIL",
        ("autologon-no-stored-password", "HW-LT-01"): "PASS",
        ("autologon-no-stored-password", "HW-LT-02"): "FAIL",
        ("autologon-no-stored-password", "HW-PC-01"): "PASS",
        ("laptop-encryption", "HW-LT-01"): "PASS",
        ("laptop-encryption", "HW-LT-02"): "FAIL",
        ("logoff-task-scheduled", "HW-LT-01"): "PASS",
        ("logoff-task-scheduled", "HW-LT-02"): "PASS",
        ("logoff-task-scheduled", "HW-PC-01"): "FAIL",
        ("screensaver-locking", "HW-LT-01"): "PASS",
        ("screensaver-locking", "HW-LT-02"): "PASS",
        ("screensaver-locking", "HW-PC-01"): "FAIL",
    }
    sources = json.loads(result.out)["sources"]
    assert [s["source"] for s in sources] == ["WinRM over https, port 5986: 3 of 3 machines reached"]


def test_ntlm_over_http_with_message_encryption(run_cli, tmp_path: Path, password: str) -> None:
    hosts = [SimHost(address="127.0.0.5", name="HW-LT-05", machine=machine(name="HW-LT-05"))]
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm")
        result = scan(run_cli, config, "--only", "laptop-encryption")
    assert result.code == 0, result.err
    assert statuses(result.out) == {("laptop-encryption", "HW-LT-05"): "PASS"}


def test_the_demo_estate_survives_the_round_trip_through_windows(run_cli, tmp_path: Path, password: str) -> None:
    """The demo's host facts, served as Windows-shaped machines, collected back, give the demo's findings."""
    with Fleet(demo_hosts("127.0.0.10", port=0), credentials=[ACCOUNT], auth="ntlm") as fleet:
        # Nine probes a machine on a shared CPU: a deadline that the machines that answer always meet.
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=10)
        live = scan(run_cli, config, *EVERY_ENDPOINT_RULE)
    demo = run_cli("scan", "--demo", "--format", "json", "--as-of", AS_OF, *EVERY_ENDPOINT_RULE)
    assert live.code == demo.code
    assert statuses(live.out) == statuses(demo.out)
    assert {rule for rule, _ in statuses(live.out)} == set(ENDPOINT_RULES + HARDENING_RULES)


def test_a_scan_sends_only_the_reading_probes_its_rules_need_and_deletes_its_shells(
    run_cli,
    tmp_path: Path,
    tls,
    password: str,
) -> None:
    hosts = [SimHost(address="127.0.0.6", name="HW-LT-06", machine=machine())]
    scripts = {probe.script: probe.name for probe in PROBES}
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        one_rule = scan(run_cli, config, "--only", "autologon-no-stored-password")
        received_for_one_rule = list(fleet.commands("HW-LT-06"))
        every_rule = scan(
            run_cli,
            config,
            *EVERY_ENDPOINT_RULE,
            "--only",
            "personal-data-machines-encrypted",
            "--only",
            "server-backups-recent",
        )
        received = fleet.commands("HW-LT-06")[len(received_for_one_rule) :]
        open_shells = fleet.host("HW-LT-06").open_shells
    assert one_rule.code == 0, one_rule.err
    assert every_rule.code == 0, every_rule.err
    assert [scripts.get(c.script or "") for c in received_for_one_rule] == ["system"]
    assert [scripts.get(c.script or "") for c in received] == [
        p.name for p in probes_for(frozenset(_all_host_fields()))
    ]
    assert all(c.command == "powershell.exe" for c in received)
    assert max(len(c.command_line) for c in received) <= 8191
    assert open_shells == 0


def _all_host_fields() -> set[str]:
    return {field for probe in PROBES for field in probe.fields}


def test_a_probe_refused_by_cmd_exe_is_an_error_with_windows_message(
    run_cli, tmp_path: Path, tls, password: str
) -> None:
    """With a command-line limit below the probes' length, each probe fails on the machine: ERROR, never PASS."""
    hosts = [SimHost(address="127.0.0.7", name="HW-LT-07", machine=machine())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic", command_line_limit=2000) as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        result = scan(run_cli, config, "--only", "autologon-no-stored-password")
    assert result.code == 4, result.err
    finding = json.loads(result.out)["findings"][0]
    assert [(o["id"], o["status"]) for o in finding["objects"]] == [("HW-LT-07", "ERROR")]
    assert "The command line is too long." in finding["objects"][0]["reason"]
