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
CURRENT_VERSION = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
"""The release values: EditionID, CurrentBuild, CurrentBuildNumber, DisplayVersion, InstallationType, ProductName
(REG_SZ) and UBR (REG_DWORD)."""
WINLOGON = CURRENT_VERSION + r"\Winlogon"
WINDOWS_11_EDUCATION: dict[str, str | int] = {
    "EditionID": "Education",
    "CurrentBuild": "22631",
    "CurrentBuildNumber": "22631",
    "UBR": 6199,
    "DisplayVersion": "23H2",
    "InstallationType": "Client",
    # Windows 11 keeps the Windows 10 name here, for compatibility.
    "ProductName": "Windows 10 Education",
}
"""CurrentVersion on the default machine (Win32_OperatingSystem: Windows 11 Education, build 22631)."""
MDM_BITLOCKER = r"HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\BitLocker"
"""Where the BitLocker CSP's policies (Intune's "Require device encryption": RequireDeviceEncryption) land."""
MBAM_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\FVE\MDOPBitLockerManagement"
"""Where MBAM's Group Policy writes ShouldEncryptOSDrive."""
TERMINAL_SERVER = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server"
"""fDenyTSConnections: the machine's own Remote Desktop switch (0 = connections allowed)."""
RDP_TCP = TERMINAL_SERVER + r"\WinStations\RDP-Tcp"
"""UserAuthentication (1 = Network Level Authentication required) and SecurityLayer (2 = TLS)."""
TERMINAL_SERVICES_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services"
"""Where Group Policy sets the same three values; they win over the machine's own."""
FVE_EFFECTIVE = r"HKLM\SYSTEM\CurrentControlSet\Policies\Microsoft\FVE"
"""Where BitLocker's policies are in force (RDVDenyWriteAccess)."""
FVE_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\FVE"
"""Where Group Policy writes BitLocker's policies."""
REMOVABLE_STORAGE = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices"
"""Removable Storage Access: Deny_All for every class here; per class under its GUID."""
REMOVABLE_DISKS = REMOVABLE_STORAGE + r"\{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}"
"""Removable Storage Access for removable disks: Deny_Write, Deny_All."""
REGISTRY_DENIED = "Requested registry access is not allowed."
DESKTOP_POLICY = r"Software\Policies\Microsoft\Windows\Control Panel\Desktop"
"""Under a user hive (``HKU\\<sid>``): the screen-saver values Group Policy sets."""
DESKTOP_SETTINGS = r"Control Panel\Desktop"
"""Under a user hive (``HKU\\<sid>``): the user's own screen-saver values."""

INVALID_NAMESPACE = "Invalid namespace "
"""What Get-CimInstance says for root/SecurityCenter2 on Windows Server."""
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
    LockStatus: str = Field(default="Unlocked", description="Unlocked or Locked (then ProtectionStatus is Unknown).")
    DriveType: int | None = Field(
        default=3, description="The drive letter's Win32_LogicalDisk DriveType: 2 removable, 3 fixed; None: unread."
    )


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
    EndBoundary: str | None = None
    RandomDelay: str | None = Field(default=None, description="An ISO 8601 duration, e.g. PT30M.")
    Enabled: bool = True
    DaysInterval: int | None = None
    DaysOfWeek: int | None = Field(default=None, description="Bitmask: Sunday=1, Monday=2, ... Saturday=64.")
    WeeksInterval: int | None = None


class TaskPrincipal(_Cim):
    """MSFT_TaskPrincipal: a user (UserId) or a group (GroupId)."""

    UserId: str | None = "SYSTEM"
    GroupId: str | None = None


class TaskSettings(_Cim):
    """MSFT_TaskSettings; both battery settings default to true, as Task Scheduler's do."""

    Enabled: bool = True
    DisallowStartIfOnBatteries: bool = True
    StopIfGoingOnBatteries: bool = True


class ScheduledTask(_Cim):
    """What Get-ScheduledTask returns for one task. ``Triggers`` is None for a task with no triggers;
    ``unreadable``, when set, is the error reading the task's details fails with (Get-ScheduledTaskInfo's too).
    ``LastRunTime`` and ``LastTaskResult`` are what Get-ScheduledTaskInfo returns: a task that never ran has
    Task Scheduler's 30 November 1999 and SCHED_S_TASK_HAS_NOT_RUN (0x41303)."""

    TaskPath: str = "\\"
    TaskName: str
    State: str = Field(default="Ready", description="Ready, Disabled, Running, ...")
    Principal: TaskPrincipal = TaskPrincipal()
    Settings: TaskSettings = TaskSettings()
    Actions: list[TaskAction] = Field(default_factory=list)
    Triggers: list[TaskTrigger] | None = Field(default_factory=list)
    unreadable: str | None = None
    LastRunTime: dt.datetime = dt.datetime(1999, 11, 30)
    LastTaskResult: int = Field(default=0x41303, ge=0, le=0xFFFFFFFF, description="A UInt32 HRESULT.")


class FileItem(_Cim):
    """What Get-Item returns for a path (the properties holyaudit reads), or ``error``: the message it fails with
    when the account may not read it."""

    LastWriteTimeUtc: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    PSIsContainer: bool = False
    error: str | None = None


class MpComputerStatus(_Cim):
    """What Get-MpComputerStatus returns (the fields holyaudit reads)."""

    AMServiceEnabled: bool = True
    AntivirusEnabled: bool = True
    RealTimeProtectionEnabled: bool = True
    AMRunningMode: str | None = Field(default="Normal", description="Normal, Passive Mode, EDR Block Mode, ...")
    AntivirusSignatureLastUpdated: dt.datetime


class AntiVirusProduct(_Cim):
    """root/SecurityCenter2 AntiVirusProduct."""

    displayName: str = "Windows Defender"
    productState: int = Field(default=397568, description="0x061100: enabled, signatures up to date.")
    timestamp: str | None = Field(default=None, description="As WMI stores it; holyaudit does not read it.")


class NetFirewallProfile(_Cim):
    """What Get-NetFirewallProfile -PolicyStore ActiveStore returns for one profile, enums as their names."""

    Name: str
    Enabled: str = Field(default="True", description="GpoBoolean: True, False or NotConfigured.")
    DefaultInboundAction: str = Field(default="Block", description="Action: NotConfigured, Allow or Block.")


def _firewall_on() -> list[NetFirewallProfile]:
    return [NetFirewallProfile(Name=name) for name in ("Domain", "Private", "Public")]


class GroupMember(_Cim):
    """A member of the local Administrators group as the WinNT ADSI provider gives it."""

    objectSid: str
    AccountName: str | None = Field(default=None, description="What the SID translates to; None for an orphaned SID.")
    Class: str = "User"
    ADsPath: str


def _default_administrators() -> list[GroupMember]:
    return [
        GroupMember(
            objectSid="S-1-5-21-1004336348-1177238915-682003330-500",
            AccountName="WIN-SIM\\Administrator",
            ADsPath="WinNT://HOLYWELL/WIN-SIM/Administrator",
        ),
        GroupMember(
            objectSid="S-1-5-21-3623811015-3361044348-30300820-512",
            AccountName="HOLYWELL\\Domain Admins",
            Class="Group",
            ADsPath="WinNT://HOLYWELL/Domain Admins",
        ),
    ]


class WBSummary(_Cim):
    """What Get-WBSummary returns (the fields holyaudit reads). A machine that never completed a backup has .NET's
    empty date (year 1) as LastSuccessfulBackupTime; an HRESULT of 0 is success."""

    LastSuccessfulBackupTime: dt.datetime
    LastBackupTime: dt.datetime
    LastBackupResultHR: int = 0
    NumberOfVersions: int = 1


class BitLockerError(_Cim):
    """An error Get-BitLockerVolume writes for one volume while still listing the others."""

    TargetObject: str | None = None
    Message: str


class Machine(BaseModel):
    """Everything the probes can read from one machine.

    ``registry`` maps a key path (``HKLM\\...``, ``HKU\\<sid>\\...``; matched case-insensitively, as Windows
    does) to its values. A user hive counts as loaded when some key under ``HKU\\<sid>`` exists, even an
    empty one. ``accounts`` maps the SIDs that translate to an account name to that name (``DOMAIN\\user``).
    ``bitlocker_error``, when set, is the message Get-BitLockerVolume fails with instead of listing volumes.
    ``defender`` is ``None`` when Get-MpComputerStatus fails; ``security_center`` is False on servers, which
    have no root/SecurityCenter2. ``session_sid`` is the SID of the account the probes run as (its hive is
    loaded by WinRM when the registry has a key under it); ``unreadable_hives`` maps a SID to the error reading
    its keys fails with; ``bom`` makes every probe's output start with a UTF-8 byte-order mark.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    computer_name: str = "WIN-SIM"
    os: OperatingSystem = OperatingSystem()
    chassis_types: list[int] | None = Field(
        default_factory=lambda: [3], description="Win32_SystemEnclosure.ChassisTypes; None when the BIOS gives none."
    )
    registry: dict[str, dict[str, RegistryValue]] = Field(
        default_factory=lambda: dict[str, dict[str, RegistryValue]](
            {WINLOGON: {"Shell": "explorer.exe"}, CURRENT_VERSION: dict(WINDOWS_11_EDUCATION)}
        ),
        description="Every Windows machine has the Winlogon and CurrentVersion keys; an estate that leaves Winlogon "
        "out plays one whose key the audit account cannot read.",
    )
    accounts: dict[str, str] = Field(default_factory=dict)
    bitlocker_volumes: list[BitLockerVolume] = Field(default_factory=list)
    bitlocker_error: str | None = None
    bitlocker_volume_errors: list[BitLockerError] = Field(default_factory=list)
    bitlocker_policy_error: str | None = Field(
        default=None, description="The error reading the encryption policy keys (MDM_BITLOCKER, MBAM_POLICY) gives."
    )
    scheduled_tasks: list[ScheduledTask] = Field(default_factory=list)
    defender: MpComputerStatus | None = None
    security_center: bool = True
    antivirus_products: list[AntiVirusProduct] = Field(default_factory=list)
    session_sid: str = "S-1-5-21-1004336348-1177238915-682003330-1199"
    unreadable_hives: dict[str, str] = Field(default_factory=dict)
    bom: bool = False
    firewall_profiles: list[NetFirewallProfile] = Field(default_factory=_firewall_on)
    firewall_error: str | None = Field(default=None, description="The error Get-NetFirewallProfile fails with.")
    administrators: list[GroupMember] = Field(default_factory=_default_administrators)
    administrators_error: str | None = Field(default=None, description="The error listing the group fails with.")
    denied_keys: list[str] = Field(
        default_factory=list, description="Registry keys the audit account may not read (REGISTRY_DENIED)."
    )
    wb_summary: WBSummary | None = Field(
        default=None, description="Windows Server Backup's summary; None when the feature is not installed."
    )
    wb_summary_error: str | None = Field(
        default=None, description="The error Get-WBSummary fails with (the feature installed, the summary unreadable)."
    )
    files: dict[str, FileItem] = Field(
        default_factory=dict, description="Files and folders by path (matched case-insensitively), for Get-Item."
    )

    def file(self, path: str) -> FileItem | None:
        return next((item for name, item in self.files.items() if name.casefold() == path.casefold()), None)

    def task(self, path: str, name: str) -> ScheduledTask | None:
        """The task with exactly this path and name (Task Scheduler compares them without regard to case)."""
        return next(
            (
                task
                for task in self.scheduled_tasks
                if task.TaskPath.casefold() == path.casefold() and task.TaskName.casefold() == name.casefold()
            ),
            None,
        )

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
