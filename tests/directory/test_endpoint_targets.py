"""Endpoint targets from the live directory: the enabled computers of the configured categories, reached at
the addresses an inventory gives them (the test DC's DNS names do not resolve)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from estate import AUDIT_PASSWORD
from seed import write_config

from holyaudit.winrm_sim import Fleet, SimHost

sys.path.insert(0, str(Path(__file__).parents[1] / "endpoints"))
from endpoint_support import ACCOUNT, USER, machine

ENABLED_LAPTOPS = ["HW-LT-01", "HW-LT-02", "HW-LT-03", "HW-LT-05"]


def test_the_enabled_laptops_in_the_directory_are_the_machines_visited(
    samba_dc, run_cli, tmp_path: Path, tls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    # A machine for every computer account, laptop or not, enabled or not: the directory decides who is asked.
    names = [*ENABLED_LAPTOPS, "HW-LT-04", "HW-DT-01"]
    hosts = [SimHost(address=f"127.0.0.{2 + i}", name=name, machine=machine(name=name)) for i, name in enumerate(names)]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        inventory = tmp_path / "addresses.yaml"
        listed = [
            {"name": h.name, "address": h.address, "port": h.port} for h in fleet.hosts if h.name in ENABLED_LAPTOPS
        ]
        inventory.write_text(yaml.safe_dump({"hosts": listed}))
        config = write_config(samba_dc, tmp_path / "holyaudit.yaml")
        settings = yaml.safe_load(config.read_text())
        settings["endpoints"] = {
            "auth": "basic",
            "user": USER,
            "ca_file": str(tls.ca),
            "categories": ["laptop"],
            "inventory": str(inventory),
            "deadline_seconds": 10,
        }
        config.write_text(yaml.safe_dump(settings))
        result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "laptop-encryption")
        asked = {host.name for host in fleet.hosts if host.commands}
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [(o["id"], o["status"]) for o in report["findings"][0]["objects"]] == [(n, "PASS") for n in ENABLED_LAPTOPS]
    assert asked == set(ENABLED_LAPTOPS)
    assert "WinRM over https, port 5986: 4 of 4 machines reached" in [s["source"] for s in report["sources"]]
