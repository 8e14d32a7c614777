"""Facts files as the endpoint script writes them, made by the tests from the documented probe output shapes.

Each probe's output is the hand-written Windows PowerShell 5.1 output in tests/collectors/winrm/windows_output
(each cited there against Microsoft's documentation), or written here with its source; nothing comes from the
simulator. The envelope is what Get-HolyauditFacts.ps1 writes: ConvertTo-Json -Compress of an ordered
dictionary, the time as [DateTime]::UtcNow.ToString('o') (seven fractional digits and a Z).
"""

from __future__ import annotations

import json
from pathlib import Path

WINDOWS_OUTPUT = Path(__file__).parent.parent / "collectors" / "winrm" / "windows_output"

# Get-BitLockerVolume on a fully encrypted, protected system volume (MountPoint, VolumeType, ProtectionStatus,
# VolumeStatus, EncryptionPercentage): https://learn.microsoft.com/en-us/powershell/module/bitlocker/get-bitlockervolume;
# no MDM or MBAM encryption requirement received (windows_output/cases.yaml cites where they are read).
ENCRYPTED = (
    '{"volumes":[{"mount":"C:","type":"OperatingSystem","protection":"On","status":"FullyEncrypted","percent":100}],'
    '"errors":[],"policy":{"mdmRequireDeviceEncryption":null,"mbamShouldEncryptOSDrive":null},"policyError":null}'
)
# Run as SYSTEM, the screensaver probe's own account is LocalSystem, S-1-5-18 (well-known SIDs:
# https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-identifiers), whose
# hive is not a person's; the signed-in user's hive carries the values Group Policy sets.
SCREENSAVER = json.dumps(
    {
        "self": "S-1-5-18",
        "hives": [
            {
                "sid": "S-1-5-21-1004336348-1177238915-682003330-1104",
                "user": "HOLYWELL\\j.smith",
                "policy": {
                    "ScreenSaveActive": "1",
                    "ScreenSaverIsSecure": "1",
                    "ScreenSaveTimeOut": "600",
                    "SCRNSAVE.EXE": "scrnsave.scr",
                },
                "settings": {},
            }
        ],
    },
    separators=(",", ":"),
)


def compliant_outputs() -> dict[str, str]:
    """A laptop that meets every endpoint rule: each probe's output text, as the probe printed it."""
    return {
        "system": (WINDOWS_OUTPUT / "laptop.system.json").read_text(encoding="utf-8").strip(),
        "screensaver": SCREENSAVER,
        "bitlocker": ENCRYPTED,
        "tasks": (WINDOWS_OUTPUT / "shutdown-on-battery.tasks.json").read_text(encoding="utf-8").strip(),
        "antivirus": (WINDOWS_OUTPUT / "defender-normal.antivirus.json").read_text(encoding="utf-8").strip(),
        "firewall": (WINDOWS_OUTPUT / "firewall-on.firewall.json").read_text(encoding="utf-8").strip(),
        "remotedesktop": (WINDOWS_OUTPUT / "rdp-off.remotedesktop.json").read_text(encoding="utf-8").strip(),
        "localadmins": (WINDOWS_OUTPUT / "admins-approved.localadmins.json").read_text(encoding="utf-8").strip(),
        "removablemedia": (WINDOWS_OUTPUT / "removable-bitlocker.removablemedia.json")
        .read_text(encoding="utf-8")
        .strip(),
    }


def write_facts(
    folder: Path,
    file_name: str,
    *,
    computer: str,
    produced_at: str,
    dns_name: str | None = None,
    outputs: dict[str, str] | None = None,
) -> Path:
    """``folder/<file_name>.json`` as the script writes it: UTF-8 without a byte-order mark, one line."""
    probes = {name: {"output": text} for name, text in (outputs or compliant_outputs()).items()}
    facts = {
        "format": "holyaudit-endpoint-facts",
        "formatVersion": 1,
        "computer": computer,
        "dnsName": dns_name or f"{computer}.holywell.local",
        "producedAt": produced_at,
        "scriptVersion": "holyaudit 0.1.0",
        "probes": probes,
    }
    path = folder / f"{file_name}.json"
    path.write_text(json.dumps(facts, separators=(",", ":")), encoding="utf-8")
    return path
