"""personal-data-machines-encrypted and server-backups-recent through the whole path: the CLI, real pywinrm, the
WS-Management simulator playing each machine, the bitlocker and backup probes, the facts and the rules; then the
same situations as facts files (the hand-written Windows outputs of tests/collectors/winrm/windows_output, cited
there) through ``--endpoint-facts``, which must give the same findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from endpoint_support import ACCOUNT, AS_OF, machine, verdicts, write_config, write_inventory
from facts_files_support import WINDOWS_OUTPUT, write_facts

from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import BitLockerVolume, OperatingSystem, WBSummary

RULES = ["personal-data-machines-encrypted", "server-backups-recent"]
ONLY = [arg for rule in RULES for arg in ("--only", rule)]
SERVER_OS = OperatingSystem(Caption="Microsoft Windows Server 2022 Standard", BuildNumber="20348")
SYSTEM = BitLockerVolume()
DATA = BitLockerVolume(MountPoint="D:", VolumeType="Data")
USB = BitLockerVolume(
    MountPoint="E:", VolumeType="Data", DriveType=2, ProtectionStatus="Off", VolumeStatus="FullyDecrypted",
    EncryptionPercentage=0.0,
)  # fmt: skip
DATA_OFF = DATA.model_copy(
    update={"ProtectionStatus": "Off", "VolumeStatus": "FullyDecrypted", "EncryptionPercentage": 0.0}
)
DATA_LOCKED = DATA.model_copy(
    update={"ProtectionStatus": "Unknown", "LockStatus": "Locked", "EncryptionPercentage": 0.0}
)
LAST_NIGHT = dt.datetime(2026, 11, 27, 23, 14, 5, tzinfo=dt.UTC)
NEVER = dt.datetime(1, 1, 1)
DENIED = "Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))"
NO_WSB = "no recognised backup evidence: Windows Server Backup is not installed (no Get-WBSummary)"
WSB_DENIED = f"Windows Server Backup's summary could not be read: {DENIED}"


def server(volumes: list[BitLockerVolume], last_success: dt.datetime | None = LAST_NIGHT, **state: object) -> Machine:
    """A Windows Server that otherwise complies; backed up by Windows Server Backup unless last_success is None."""
    summary = (
        None if last_success is None else WBSummary(LastSuccessfulBackupTime=last_success, LastBackupTime=LAST_NIGHT)
    )
    base = machine(chassis=23).model_copy(update={"os": SERVER_OS, "bitlocker_volumes": volumes, "wb_summary": summary})
    return base.model_copy(update=state)


# Each machine over WinRM, and the hand-written Windows outputs its facts file holds (system, bitlocker, backup).
CASES: dict[str, tuple[Machine, tuple[str, str, str]]] = {
    "SRV-OK": (server([SYSTEM, DATA, USB]), ("server", "server-encrypted", "wsb-recent")),
    "SRV-DATA-OFF": (server([SYSTEM, DATA_OFF]), ("server", "server-data-off", "wsb-recent")),
    "SRV-LOCKED": (server([SYSTEM, DATA_LOCKED]), ("server", "server-data-locked", "wsb-recent")),
    "SRV-BL-DENIED": (server([], bitlocker_error=DENIED), ("server", "server-denied", "wsb-recent")),
    "SRV-WSB-OLD": (
        server([SYSTEM, DATA], dt.datetime(2026, 11, 20, 23, 12, 41, tzinfo=dt.UTC)),
        ("server", "server-encrypted", "wsb-failing"),
    ),
    "SRV-WSB-NEVER": (server([SYSTEM, DATA], NEVER), ("server", "server-encrypted", "wsb-never")),
    "SRV-NO-WSB": (server([SYSTEM, DATA], None), ("server", "server-encrypted", "wsb-absent")),
    "SRV-WSB-DENIED": (
        server([SYSTEM, DATA], None, wb_summary_error=DENIED),
        ("server", "server-encrypted", "wsb-denied"),
    ),
    # A Windows 11 office PC (the office category, from the inventory) with an unencrypted data drive; it is no
    # server, so server-backups-recent leaves it out.
    "OFFICE-PC": (
        machine(chassis=3).model_copy(update={"bitlocker_volumes": [SYSTEM, DATA_OFF]}),
        ("desktop", "server-data-off", "wsb-absent"),
    ),
}
EXPECTED = {
    ("personal-data-machines-encrypted", "SRV-OK"): "PASS",
    ("server-backups-recent", "SRV-OK"): "PASS",
    ("personal-data-machines-encrypted", "SRV-DATA-OFF"): "FAIL",
    ("server-backups-recent", "SRV-DATA-OFF"): "PASS",
    ("personal-data-machines-encrypted", "SRV-LOCKED"): "ERROR",
    ("server-backups-recent", "SRV-LOCKED"): "PASS",
    ("personal-data-machines-encrypted", "SRV-BL-DENIED"): "ERROR",
    ("server-backups-recent", "SRV-BL-DENIED"): "PASS",
    ("personal-data-machines-encrypted", "SRV-WSB-OLD"): "PASS",
    ("server-backups-recent", "SRV-WSB-OLD"): "FAIL",
    ("personal-data-machines-encrypted", "SRV-WSB-NEVER"): "PASS",
    ("server-backups-recent", "SRV-WSB-NEVER"): "FAIL",
    ("personal-data-machines-encrypted", "SRV-NO-WSB"): "PASS",
    ("server-backups-recent", "SRV-NO-WSB"): "ERROR",
    ("personal-data-machines-encrypted", "SRV-WSB-DENIED"): "PASS",
    ("server-backups-recent", "SRV-WSB-DENIED"): "ERROR",
    ("personal-data-machines-encrypted", "OFFICE-PC"): "FAIL",
}
REASONS = {
    ("personal-data-machines-encrypted", "SRV-LOCKED"): "volumes[D:].protection_status has no value; "
    "volumes[D:].encryption_percentage has no value",
    ("personal-data-machines-encrypted", "SRV-BL-DENIED"): "volumes could not be read: BitLocker status could not "
    f"be read on the machine: {DENIED}",
    ("server-backups-recent", "SRV-NO-WSB"): f"backup_succeeded could not be read: {NO_WSB}; "
    f"backup_last_success could not be read: {NO_WSB}",
    ("server-backups-recent", "SRV-WSB-DENIED"): f"backup_succeeded could not be read: {WSB_DENIED}; "
    f"backup_last_success could not be read: {WSB_DENIED}",
}
MESSAGES = {
    (
        "personal-data-machines-encrypted",
        "SRV-DATA-OFF",
    ): "BitLocker protection is off or suspended on a fixed data drive",
    ("personal-data-machines-encrypted", "OFFICE-PC"): "BitLocker protection is off or suspended on a fixed data drive",
    ("server-backups-recent", "SRV-WSB-OLD"): "last successful backup 8 days ago (limit 3)",
    ("server-backups-recent", "SRV-WSB-NEVER"): "Windows Server Backup shows no successful backup",
}


CATEGORIES = {name: ["office"] if name == "OFFICE-PC" else [] for name in CASES}
"""The inventory's categories: the office PC in the office category."""


def assert_exact(report: str) -> None:
    found, errors, failures = verdicts(report)
    assert found == EXPECTED
    assert errors == REASONS
    assert failures == MESSAGES


def test_each_state_over_winrm_gives_its_exact_status_reason_and_message(
    run_cli, tmp_path: Path, password: str
) -> None:
    hosts = [
        SimHost(address=f"127.0.2.{index}", name=name, machine=found.model_copy(update={"computer_name": name}))
        for index, (name, (found, _)) in enumerate(CASES.items(), start=10)
    ]
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=10)
        write_inventory(tmp_path, CATEGORIES, fleet)
        result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *ONLY)

    assert result.code == 1, result.err
    assert_exact(result.out)


def test_the_same_states_as_facts_files_give_the_same_findings(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    produced = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    for name, (_, (system, bitlocker, backup)) in CASES.items():
        outputs = {
            "system": (WINDOWS_OUTPUT / f"{system}.system.json").read_text(encoding="utf-8").strip(),
            "bitlocker": (WINDOWS_OUTPUT / f"{bitlocker}.bitlocker.json").read_text(encoding="utf-8").strip(),
            "backup": (WINDOWS_OUTPUT / f"{backup}.backup.json").read_text(encoding="utf-8").strip(),
        }
        write_facts(facts, name, computer=name, produced_at=produced, outputs=outputs)
    write_inventory(tmp_path, CATEGORIES)
    section = {"winrm": False, "from_directory": False, "inventory": "machines.yaml"}
    config = tmp_path / "holyaudit.yaml"
    settings = {"site": {"name": "Holywell test", "timezone": "Europe/London"}, "endpoints": section}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")

    result = run_cli(
        "scan", "--config", str(config), "--endpoint-facts", str(facts), "--as-of", AS_OF, "--format", "json", *ONLY
    )

    assert result.code == 1, result.err
    assert_exact(result.out)
