"""Issue 19's directory and SYSVOL rules against the real Samba DC, through the CLI: no-passwords-in-sysvol over
the GPP files and scripts of gpo_estate.py, gpo-firewall-on and gpo-removable-media-encrypted over its GPOs, and
unsupported-operating-system over the estate's computers.

Proves each rule's exact objects and statuses, that the planted password is in no report format, snapshot or
history, and that a scan leaves SYSVOL byte- and timestamp-identical, opening files and folders for reading only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, DESKTOPS_OU, LAPTOPS_OU, LOAN_OU
from gpo_estate import KIOSK_AUTOLOGON, LEGACY_DRIVES, SYSVOL_SECRET, SeededGpos
from seed import write_config
from sysvol_watch import record_opens, sysvol_fingerprint

from holyaudit.collectors.gpo.sysvol import READ_ONLY_ACCESS

RULES = ("no-passwords-in-sysvol", "gpo-firewall-on", "gpo-removable-media-encrypted", "unsupported-operating-system")


@pytest.fixture
def audit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)


@pytest.fixture
def config(samba_dc, tmp_path: Path) -> Path:
    return write_config(samba_dc, tmp_path / "site.yaml")


def scan(run_cli, *args: str):
    only = [arg for rule_id in RULES for arg in ("--only", rule_id)]
    return run_cli("scan", *args, *only)


def objects(report: dict, rule_id: str) -> dict[str, dict]:
    finding = next(f for f in report["findings"] if f["rule_id"] == rule_id)
    return {o["id"]: o for o in finding["objects"]}


def statuses(report: dict, rule_id: str) -> dict[str, str]:
    return {name: o["status"] for name, o in objects(report, rule_id).items()}


@pytest.fixture
def report(run_cli, config, audit_env, tmp_path) -> dict:
    result = scan(run_cli, "--config", str(config), "--format", "json", "--history", str(tmp_path / "history.db"))
    assert result.code == 1, result.err
    return json.loads(result.out)


def test_every_stored_password_in_sysvol_fails_by_file_and_line_and_the_rest_pass(
    samba_dc, seeded_gpos: SeededGpos, report
):
    domain = samba_dc.dns_domain

    def gpo_file(name: str, relative: str) -> str:
        return f"{domain}\\Policies\\{seeded_gpos.guids[name]}\\{relative}"

    found = objects(report, "no-passwords-in-sysvol")
    assert {name: o["status"] for name, o in found.items()} == {
        gpo_file("Holywell Baseline", "Machine\\Preferences\\Groups\\Groups.xml"): "PASS",
        gpo_file(LEGACY_DRIVES, "User\\Preferences\\Drives\\Drives.xml"): "FAIL",
        gpo_file(KIOSK_AUTOLOGON, "Machine\\Preferences\\Registry\\Registry.xml"): "FAIL",
        gpo_file(KIOSK_AUTOLOGON, "Machine\\Scripts\\Startup\\kiosk.ps1"): "FAIL",
        gpo_file(KIOSK_AUTOLOGON, "Machine\\Scripts\\scripts.ini"): "FAIL",
        f"{domain}\\scripts\\logon.bat": "FAIL",
        f"{domain}\\scripts\\map-drives.cmd": "PASS",
        f"{domain}\\scripts\\big\\inventory.ps1": "ERROR",
    }
    credentials = {name: o["context"]["credentials"] for name, o in found.items() if o["status"] == "FAIL"}
    assert credentials == {
        gpo_file(LEGACY_DRIVES, "User\\Preferences\\Drives\\Drives.xml"): [
            "line 4: <Properties> has a cpassword (item 'S:')"
        ],
        gpo_file(KIOSK_AUTOLOGON, "Machine\\Preferences\\Registry\\Registry.xml"): [
            "line 4: sets Winlogon DefaultPassword (automatic logon password)"
        ],
        gpo_file(KIOSK_AUTOLOGON, "Machine\\Scripts\\Startup\\kiosk.ps1"): [
            "line 2: ConvertTo-SecureString of a literal"
        ],
        gpo_file(KIOSK_AUTOLOGON, "Machine\\Scripts\\scripts.ini"): ["line 4: script parameters holding a password"],
        f"{domain}\\scripts\\logon.bat": ["line 3: net use with a password after /user:"],
    }
    # Linked nowhere, the GPO still holds the file every account can read; the finding names it.
    assert found[gpo_file(LEGACY_DRIVES, "User\\Preferences\\Drives\\Drives.xml")]["context"]["gpo"] == LEGACY_DRIVES
    big = found[f"{domain}\\scripts\\big\\inventory.ps1"]
    assert big["reason"] == ("credentials_found could not be read: 4194305 bytes, over the 4 MiB limit: not searched")


def test_firewall_and_usb_policies_are_judged_for_every_ou_holding_computers(samba_dc, report):
    def dn(relative: str) -> str:
        return f"{relative},{samba_dc.base_dn}"

    firewall = objects(report, "gpo-firewall-on")
    assert {name: o["status"] for name, o in firewall.items()} == {
        dn(DESKTOPS_OU): "PASS",  # Device Lock (enforced) turns every profile on; Desktop Firewall blocks public
        dn(LAPTOPS_OU): "FAIL",  # nothing blocks inbound on public networks
        dn(LOAN_OU): "FAIL",  # blocks inheritance: gets only the enforced Device Lock, the same gap
        dn("OU=Domain Controllers"): "FAIL",  # Device Lock is linked below the domain: nothing reaches the DC
    }
    assert "firewall_public_blocks_inbound" in firewall[dn(LAPTOPS_OU)]["reason"]
    assert "firewall_domain_on" not in firewall[dn(LAPTOPS_OU)]["reason"]
    assert firewall[dn(DESKTOPS_OU)]["context"]["firewall_public_blocks_inbound_from"] == "Desktop Firewall"
    assert firewall[dn(DESKTOPS_OU)]["context"]["firewall_domain_on_from"] == "Device Lock"

    usb = objects(report, "gpo-removable-media-encrypted")
    assert {name: o["status"] for name, o in usb.items()} == {
        dn(DESKTOPS_OU): "PASS",  # Desktop USB: Removable Disks Deny_Write
        dn(LAPTOPS_OU): "PASS",  # Laptop BitLocker: RDVDenyWriteAccess
        dn(LOAN_OU): "FAIL",
        dn("OU=Domain Controllers"): "FAIL",
    }
    assert usb[dn(LAPTOPS_OU)]["context"]["removable_write_needs_bitlocker_from"] == "Laptop BitLocker"
    assert usb[dn(DESKTOPS_OU)]["context"]["removable_disks_write_denied_from"] == "Desktop USB"


def test_computers_in_use_are_judged_against_the_lifecycle_table(samba_dc, report):
    found = objects(report, "unsupported-operating-system")
    windows = {name: o["status"] for name, o in found.items() if name.startswith("HW-")}
    # HW-LT-03/04/05 never signed in (out of scope); the DC itself is Samba, not Windows. HW-DT-02 signed in 60
    # days ago, the window's last day, so it is judged: the estate's default release, Windows 11 23H2 Education,
    # was serviced until 10 Nov 2026. HW-DT-03 (120 days) is out of scope.
    assert windows == {"HW-LT-01": "PASS", "HW-LT-02": "ERROR", "HW-DT-01": "FAIL", "HW-DT-02": "FAIL"}
    assert found["HW-DT-01"]["message"].startswith(
        "runs Windows 10, version 22H2 (Home and Pro), serviced by Microsoft until 14 Oct 2025"
    )
    assert (
        "'Windows 11 Pro' (Home and Pro) build 22632 is not in holyaudit's lifecycle table"
        in (found["HW-LT-02"]["reason"])
    )
    assert {o["status"] for name, o in found.items() if not name.startswith("HW-")} <= {"NOT_APPLICABLE"}


def test_the_planted_password_is_in_no_report_snapshot_or_history(run_cli, config, audit_env, tmp_path, report):
    snapshot = tmp_path / "estate.json"
    collected = run_cli("collect", "--config", str(config), "--output", str(snapshot))
    assert collected.code == 0, collected.err
    outputs = [json.dumps(report), collected.out, collected.err, snapshot.read_text(encoding="utf-8")]
    for fmt in ("table", "json", "html", "csv", "markdown", "junit"):
        result = scan(run_cli, "--snapshot", str(snapshot), "--format", fmt, "--details", "--no-history")
        assert result.code == 1, result.err
        outputs += [result.out, result.err]
    history = (tmp_path / "history.db").read_bytes()
    assert b"no-passwords-in-sysvol" in history
    assert not [text for text in outputs if SYSVOL_SECRET in text]
    assert SYSVOL_SECRET.encode() not in history
    assert SYSVOL_SECRET.encode("utf-16-le") not in history


def test_searching_sysvol_changes_nothing_and_opens_for_reading_only(samba_dc, run_cli, config, audit_env, monkeypatch):
    opened = record_opens(monkeypatch)
    before = (samba_dc.highest_committed_usn(), sysvol_fingerprint(samba_dc))
    result = scan(run_cli, "--config", str(config), "--format", "json", "--no-history")
    assert result.code == 1, result.err
    assert (samba_dc.highest_committed_usn(), sysvol_fingerprint(samba_dc)) == before
    file_open = 1  # FILE_OPEN: open an existing file or folder, never create or overwrite
    assert len(opened) > 20  # folders listed and files read
    assert {(access, disposition) for access, disposition in opened} == {(READ_ONLY_ACCESS, file_open)}
