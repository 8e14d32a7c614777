"""The state of one simulated Windows machine, shaped the way Windows holds it.

Registry values are stored as Windows stores them (``REG_SZ`` as ``str``, ``REG_DWORD`` as ``int``), and
CIM objects keep their Windows class and property names, so the probes in :mod:`.probes` can render their
output the way the real PowerShell scripts would, type quirks included.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

RegistryValue = str | int
"""``str`` is a ``REG_SZ`` value, ``int`` a ``REG_DWORD``."""

POLICIES_SYSTEM = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
WINLOGON = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
DESKTOP_POLICY = r"Software\Policies\Microsoft\Windows\Control Panel\Desktop"
"""Under a user hive (``HKU\\<sid>``): the screen-saver values Group Policy sets."""
DESKTOP_SETTINGS = r"Control Panel\Desktop"
"""Under a user hive (``HKU\\<sid>``): the user's own screen-saver values."""

BITLOCKER_NOT_INSTALLED = (
    "The term 'Get-BitLockerVolume' is not recognized as the name of a cmdlet, function, script file, or operable "
    "program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
)


class _Cim(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OperatingSystem(_Cim):
    """Win32_OperatingSystem."""

    Caption: str = "Microsoft Windows 11 Education"
    BuildNumber: str = "22631"


class BitLockerVolume(_Cim):
    """What Get-BitLockerVolume returns for one volume."""

    MountPoint: str = "C:"
    VolumeType: str = "OperatingSystem"
    ProtectionStatus: str = "On"
    VolumeStatus: str = "FullyEncrypted"
    EncryptionPercentage: float = 100.0


class TaskAction(_Cim):
    """MSFT_TaskExecAction."""

    Execute: str
    Arguments: str | None = None


class TaskTrigger(_Cim):
    """One trigger of a scheduled task; which properties it has depends on its CIM class."""

    CimClassName: str = Field(
        default="MSFT_TaskDailyTrigger",
        description="MSFT_TaskDailyTrigger, MSFT_TaskWeeklyTrigger, MSFT_TaskTimeTrigger, MSFT_TaskLogonTrigger, ...",
    )
    StartBoundary: str | None = None
    Enabled: bool = True
    DaysInterval: int | None = None
    DaysOfWeek: int | None = Field(default=None, description="Bitmask: Sunday=1, Monday=2, ... Saturday=64.")
    WeeksInterval: int | None = None


class ScheduledTask(_Cim):
    """What Get-ScheduledTask returns for one task."""

    TaskPath: str = "\\"
    TaskName: str
    State: str = Field(default="Ready", description="Ready, Disabled, Running, ...")
    Actions: list[TaskAction] = Field(default_factory=list)
    Triggers: list[TaskTrigger] = Field(default_factory=list)


class MpComputerStatus(_Cim):
    """What Get-MpComputerStatus returns (the fields holyaudit reads)."""

    AMServiceEnabled: bool = True
    AntivirusEnabled: bool = True
    RealTimeProtectionEnabled: bool = True
    AntivirusSignatureLastUpdated: dt.datetime


class AntiVirusProduct(_Cim):
    """root/SecurityCenter2 AntiVirusProduct."""

    displayName: str = "Windows Defender"
    productState: int = Field(default=397568, description="0x061100: enabled, signatures up to date.")
    timestamp: str = Field(description="As WMI stores it, e.g. 'Fri, 27 Nov 2026 03:00:00 GMT'.")


class Machine(BaseModel):
    """Everything the probes can read from one machine.

    ``registry`` maps a key path (``HKLM\\...``, ``HKU\\<sid>\\...``; matched case-insensitively, as Windows
    does) to its values. A user hive counts as loaded when some key under ``HKU\\<sid>`` exists, even an
    empty one. ``accounts`` maps the SIDs that translate to an account name to that name (``DOMAIN\\user``).
    ``bitlocker_error``, when set, is the message Get-BitLockerVolume fails with instead of listing volumes.
    ``defender`` is ``None`` when Get-MpComputerStatus fails; ``antivirus_products`` is empty on servers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    computer_name: str = "WIN-SIM"
    os: OperatingSystem = OperatingSystem()
    chassis_types: list[int] = Field(default_factory=lambda: [3], description="Win32_SystemEnclosure.ChassisTypes.")
    registry: dict[str, dict[str, RegistryValue]] = Field(
        default_factory=lambda: dict[str, dict[str, RegistryValue]]({WINLOGON: {"Shell": "explorer.exe"}}),
        description="Every Windows machine has the Winlogon key; an estate that leaves it out plays one whose key "
        "the audit account cannot read.",
    )
    accounts: dict[str, str] = Field(default_factory=dict)
    bitlocker_volumes: list[BitLockerVolume] = Field(default_factory=list)
    bitlocker_error: str | None = None
    scheduled_tasks: list[ScheduledTask] = Field(default_factory=list)
    defender: MpComputerStatus | None = None
    antivirus_products: list[AntiVirusProduct] = Field(default_factory=list)

    def key(self, path: str) -> dict[str, RegistryValue] | None:
        """The values of a registry key (value names matched case-insensitively), or None if it does not exist."""
        wanted = path.casefold()
        for key_path, values in self.registry.items():
            if key_path.casefold() == wanted:
                return values
        if any(key_path.casefold().startswith(wanted + "\\") for key_path in self.registry):
            return {}
        return None

    def value(self, path: str, name: str) -> RegistryValue | None:
        """A registry value, or None if the key or the value does not exist."""
        values = self.key(path) or {}
        return next((value for value_name, value in values.items() if value_name.casefold() == name.casefold()), None)

    def loaded_hives(self) -> list[str]:
        """The subkeys of HKU (SIDs, ``.DEFAULT``, ``<sid>_Classes``), in the order first seen."""
        hives: dict[str, None] = {}
        for key_path in self.registry:
            parts = key_path.split("\\")
            if len(parts) >= 2 and parts[0].casefold() in ("hku", "hkey_users"):
                hives.setdefault(parts[1], None)
        return list(hives)
