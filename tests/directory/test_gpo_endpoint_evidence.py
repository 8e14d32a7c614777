"""Against the live estate: the laptops' own facts, served by the WS-Management simulator over real pywinrm, decide
gpo-bitlocker-laptops where Group Policy alone does not enforce encryption. OU=Loan blocks inheritance, so its
laptop (HW-LT-05) gets only Loan BitLocker Settings: "BitLocker configured, encryption not enforced by policy",
unless the laptop shows it received Intune's "Require device encryption"."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from estate import AUDIT_PASSWORD, LAPTOPS_OU, LOAN_OU
from gpo_estate import FVE, NO_TPM_FILTER, NO_TPM_QUERY, GpoSpec, added_gpo, removed_gpo
from live_endpoints import write_config_with_machines
from seed import write_config

from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType
from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import MDM_BITLOCKER

sys.path.insert(0, str(Path(__file__).parents[1] / "endpoints"))
from endpoint_support import ACCOUNT, machine
from facts_files_support import WINDOWS_OUTPUT, compliant_outputs, write_facts

CONFIGURED = "BitLocker configured, encryption not enforced by policy"
INTUNE = {MDM_BITLOCKER: {"RequireDeviceEncryption": 1, "AllowWarningForOtherDiskEncryption": 0}}


def laptop(registry: dict[str, dict[str, str | int]] | None = None) -> Machine:
    base = machine()
    return base.model_copy(update={"registry": {**base.registry, **(registry or {})}})


def scan(
    samba_dc, run_cli, tmp_path: Path, tls, machines: dict[str, Machine], *rules: str
) -> dict[str, tuple[str, dict, str]]:
    """gpo-bitlocker-laptops per OU (status, the OU's endpoint evidence, reason), with ``rules`` (by default
    laptop-encryption, so the scan reads the laptops)."""
    tmp_path.mkdir(exist_ok=True)
    hosts = [SimHost(address=f"127.0.0.{2 + i}", name=n, machine=m) for i, (n, m) in enumerate(machines.items())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config_with_machines(samba_dc, tmp_path, fleet, tls.ca)
        only = ["gpo-bitlocker-laptops", *(rules or ["laptop-encryption"])]
        result = run_cli(
            "scan", "--config", str(config), "--format", "json", *[arg for rule in only for arg in ("--only", rule)]
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


MBAM = {"HKLM\\SOFTWARE\\Policies\\Microsoft\\FVE\\MDOPBitLockerManagement": {"ShouldEncryptOSDrive": 1}}
PILOT = GpoSpec(
    "Loan MBAM Pilot",
    machine=(RegistryEntry.of(f"{FVE}\\MDOPBitLockerManagement", "ShouldEncryptOSDrive", RegType.DWORD, 1),),
    wmi_filter=NO_TPM_FILTER,
)


@pytest.fixture
def loan_mbam_pilot(samba_dc, seeded_gpos) -> Iterator[None]:
    """For this test only: MBAM's requirement at OU=Loan from a GPO with the 'No TPM' WMI filter, which only each
    laptop evaluates."""
    guid = added_gpo(samba_dc, PILOT, LOAN_OU)
    try:
        yield
    finally:
        removed_gpo(samba_dc, guid, LOAN_OU)


def test_a_wmi_filtered_requirement_is_judged_by_what_the_laptop_shows(
    samba_dc, loan_mbam_pilot: None, run_cli, tmp_path: Path, tls, passwords: None
) -> None:
    loan = f"{LOAN_OU},{samba_dc.base_dn}"
    filtered = (
        "bitlocker_os_drive_policy could not be read: "
        f"GPO 'Loan MBAM Pilot' has WMI filter 'No TPM' (root\\CIMv2: {NO_TPM_QUERY}): each client evaluates it, "
        "so whether ShouldEncryptOSDrive applies here is not known"
    )
    # Group Policy alone cannot say, and a scan of the GPO rules alone visits no machine.
    gpo_only = scan(samba_dc, run_cli, tmp_path / "gpo", tls, {"HW-LT-05": laptop(MBAM)}, "gpo-force-logoff")
    assert gpo_only[loan] == ("ERROR", {}, filtered)
    # The filter matched on the laptop: it received MBAM's requirement.
    applied = scan(samba_dc, run_cli, tmp_path / "applied", tls, {"HW-LT-05": laptop(MBAM)})
    assert applied[loan][:2] == (
        "PASS",
        {"bitlocker_os_drive_policy": {"HW-LT-05": "encryption required: MBAM ShouldEncryptOSDrive 1"}},
    )
    # It did not: the loan OU's GPOs only configure BitLocker there.
    skipped = scan(samba_dc, run_cli, tmp_path / "skipped", tls, {"HW-LT-05": laptop()})
    assert skipped[loan][:2] == (
        "FAIL",
        {"bitlocker_os_drive_policy": {"HW-LT-05": "no encryption requirement received"}},
    )
    assert CONFIGURED in skipped[loan][2]
    # The laptop has no facts: still unknown, and the reason names it.
    unseen = scan(samba_dc, run_cli, tmp_path / "unseen", tls, {"HW-LT-01": laptop()})
    assert unseen[loan] == (
        "ERROR",
        {"bitlocker_os_drive_policy": {"HW-LT-05": "unknown: no endpoint facts"}},
        f"{filtered}; endpoint facts do not show it for HW-LT-05 (no endpoint facts)",
    )


def test_a_facts_file_showing_intunes_requirement_decides_as_winrm_would(
    samba_dc, seeded_gpos, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    folder = tmp_path / "facts"
    folder.mkdir()
    produced = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    outputs = {**compliant_outputs(), "bitlocker": (WINDOWS_OUTPUT / "intune-required.bitlocker.json").read_text()}
    write_facts(
        folder,
        "HW-LT-05",
        computer="HW-LT-05",
        dns_name=f"hw-lt-05.{samba_dc.dns_domain}",
        produced_at=produced,
        outputs={name: text.strip() for name, text in outputs.items()},
    )
    config = write_config(samba_dc, tmp_path / "holyaudit.yaml")
    settings = yaml.safe_load(config.read_text())
    settings["endpoints"] = {"winrm": False, "facts_dir": str(folder)}
    config.write_text(yaml.safe_dump(settings))
    result = run_cli(
        "scan", "--config", str(config), "--format", "json",
        "--only", "gpo-bitlocker-laptops", "--only", "laptop-encryption",
    )  # fmt: skip
    findings = {finding["rule_id"]: finding for finding in json.loads(result.out)["findings"]}
    objects = {o["id"]: o for o in findings["gpo-bitlocker-laptops"]["objects"]}
    loan = objects[f"{LOAN_OU},{samba_dc.base_dn}"]
    assert (loan["status"], loan["context"]["endpoint_evidence"]) == (
        "PASS",
        {"bitlocker_os_drive_policy": {"HW-LT-05": "encryption required: MDM RequireDeviceEncryption 1"}},
    )
    # The requirement is intent; the laptop itself is judged on its volume, still being encrypted.
    encryption = {o["id"]: o["status"] for o in findings["laptop-encryption"]["objects"]}
    assert encryption["HW-LT-05"] == "FAIL"
