"""Against the live estate: the laptops' own facts, served by the WS-Management simulator over real pywinrm, decide
gpo-bitlocker-laptops where Group Policy alone does not enforce encryption. OU=Loan blocks inheritance, so its
laptop (HW-LT-05) gets only Loan BitLocker Settings: "BitLocker configured, encryption not enforced by policy",
unless the laptop shows it received Intune's "Require device encryption"."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from estate import AUDIT_PASSWORD, LAPTOPS_OU, LOAN_OU
from seed import write_config

from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import MDM_BITLOCKER

sys.path.insert(0, str(Path(__file__).parents[1] / "endpoints"))
from endpoint_support import ACCOUNT, USER, machine

CONFIGURED = "BitLocker configured, encryption not enforced by policy"
INTUNE = {MDM_BITLOCKER: {"RequireDeviceEncryption": 1, "AllowWarningForOtherDiskEncryption": 0}}


def laptop(registry: dict[str, dict[str, str | int]] | None = None) -> Machine:
    base = machine()
    return base.model_copy(update={"registry": {**base.registry, **(registry or {})}})


def scan(samba_dc, run_cli, tmp_path: Path, tls, machines: dict[str, Machine]) -> dict[str, tuple[str, dict, str]]:
    """gpo-bitlocker-laptops per OU (status, the OU's endpoint evidence, reason), with laptop-encryption selected
    too, so the scan reads the laptops."""
    hosts = [SimHost(address=f"127.0.0.{2 + i}", name=n, machine=m) for i, (n, m) in enumerate(machines.items())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        inventory = tmp_path / "addresses.yaml"
        inventory.write_text(
            yaml.safe_dump({"hosts": [{"name": h.name, "address": h.address, "port": h.port} for h in fleet.hosts]})
        )
        config = write_config(samba_dc, tmp_path / "holyaudit.yaml")
        settings = yaml.safe_load(config.read_text())
        settings["endpoints"] = {
            "auth": "basic",
            "user": USER,
            "ca_file": str(tls.ca),
            "from_directory": False,
            "inventory": str(inventory),
        }
        config.write_text(yaml.safe_dump(settings))
        result = run_cli(
            "scan", "--config", str(config), "--format", "json",
            "--only", "gpo-bitlocker-laptops", "--only", "laptop-encryption",
        )  # fmt: skip
    findings = {finding["rule_id"]: finding for finding in json.loads(result.out)["findings"]}
    objects = findings["gpo-bitlocker-laptops"]["objects"]
    return {o["id"]: (o["status"], o["context"].get("endpoint_evidence"), o.get("reason") or "") for o in objects}


@pytest.fixture
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)


def test_a_loan_laptop_that_received_intunes_requirement_makes_its_ou_enforced(
    samba_dc, seeded_gpos, run_cli, tmp_path: Path, tls, passwords: None
) -> None:
    found = scan(samba_dc, run_cli, tmp_path, tls, {"HW-LT-01": laptop(), "HW-LT-05": laptop(INTUNE)})
    laptops, loan = f"{LAPTOPS_OU},{samba_dc.base_dn}", f"{LOAN_OU},{samba_dc.base_dn}"
    assert {ou: result[:2] for ou, result in found.items()} == {
        laptops: ("PASS", {}),  # MBAM's ShouldEncryptOSDrive from Laptop BitLocker: Group Policy enforces it
        loan: (
            "PASS",
            {"bitlocker_os_drive_policy": {"HW-LT-05": "encryption required: MDM RequireDeviceEncryption 1"}},
        ),
    }


def test_a_loan_laptop_without_the_requirement_fails_as_its_gpos_say_and_shows_why(
    samba_dc, seeded_gpos, run_cli, tmp_path: Path, tls, passwords: None
) -> None:
    found = scan(
        samba_dc, run_cli, tmp_path, tls, {"HW-LT-05": laptop({MDM_BITLOCKER: {"RequireDeviceEncryption": 0}})}
    )
    laptops, loan = f"{LAPTOPS_OU},{samba_dc.base_dn}", f"{LOAN_OU},{samba_dc.base_dn}"
    assert {ou: result[:2] for ou, result in found.items()} == {laptops: ("PASS", {}), loan: ("FAIL", {})}
    assert CONFIGURED in found[loan][2]
