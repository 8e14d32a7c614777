"""Simulated estates: reading an estate file, and deriving Windows machines from the built-in demo estate.

An estate file (JSON, or YAML for any other suffix) is ``{"hosts": [SimHost, ...]}``: each host's address,
port, name, machine state, fault and latency, with the field names of :class:`.SimHost` and
:class:`.Machine`. The demo turns each ``endpoints.hosts`` record of ``holyaudit/demo/estate.json`` back
into the registry values, tasks and CIM objects a Windows machine would hold to be reported that way.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from holyaudit.facts import Host, ScheduledTask
from holyaudit.winrm_sim import machine as win
from holyaudit.winrm_sim.faults import Fault, FaultKind
from holyaudit.winrm_sim.fleet import SimHost

DEMO_SID_PREFIX = "S-1-5-21-3623811015-3361044348-30300820-"
ACCESS_DENIED = "Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))"
_DEFENDER_ENABLED = 0x061100
"""productState: on, signatures up to date."""
_DEFENDER_DISABLED = 0x060100
_THIRD_PARTY_ON = 0x041000
"""productState of another product: real-time protection on, definitions up to date."""
_THIRD_PARTY_ON_OUT_OF_DATE = 0x041010


class Estate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hosts: list[SimHost]


def load_estate(path: Path) -> list[SimHost]:
    """The hosts of an estate file; pydantic's ValidationError (or a parse error) if it is not one."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.casefold() == ".json" else yaml.safe_load(text)
    return Estate.model_validate(data).hosts


def demo_hosts(first_address: str = "127.0.0.2", port: int = 5985) -> list[SimHost]:
    """A host per demo endpoint, on consecutive addresses from ``first_address``, all on ``port``."""
    estate = json.loads(resources.files("holyaudit").joinpath("demo", "estate.json").read_text(encoding="utf-8"))
    records = [Host.model_validate(record) for record in estate["fact_sets"]["endpoints.hosts"]["records"]]
    start = ipaddress.ip_address(first_address)
    return [
        SimHost(
            address=str(start + index),
            port=port,
            name=record.id,
            machine=machine_from_host(record),
            fault=_demo_fault(record),
        )
        for index, record in enumerate(records)
    ]


def _demo_fault(record: Host) -> Fault | None:
    if record.error is None:
        return None
    # A host the demo could not reach: one that timed out hangs here; any other (refused, unknown to DNS) refuses.
    timed_out = "timed out" in record.error or "no response" in record.error
    return Fault(kind=FaultKind.HANG if timed_out else FaultKind.REFUSED)


def machine_from_host(host: Host) -> win.Machine:
    """A Windows machine whose probes report what ``host`` records."""
    registry: dict[str, dict[str, win.RegistryValue]] = {win.WINLOGON: {"Shell": "explorer.exe"}}
    if host.inactivity_timeout_secs is not None:
        registry[win.POLICIES_SYSTEM] = {"InactivityTimeoutSecs": host.inactivity_timeout_secs}
    if host.autologon_enabled is not None:
        registry[win.WINLOGON]["AutoAdminLogon"] = "1" if host.autologon_enabled else "0"
    if host.autologon_enabled or host.autologon_user:
        registry[win.WINLOGON]["DefaultUserName"] = host.autologon_user or "kiosk"
    if host.autologon_count is not None:
        registry[win.WINLOGON]["AutoLogonCount"] = host.autologon_count
    if host.force_autologon:
        registry[win.WINLOGON]["ForceAutoLogon"] = "1"
    if host.default_password_present:
        registry[win.WINLOGON]["DefaultPassword"] = "not-the-real-one"
    registry.update(_current_version(host))
    registry.update(_remote_desktop(host))
    registry.update(_removable_media(host))
    defender, products = _antivirus(host)
    accounts: dict[str, str] = {}
    for index, user in enumerate(host.screensaver_users or []):
        sid = user.id if user.id.startswith("S-1-5-21-") else f"{DEMO_SID_PREFIX}{1104 + index}"
        if sid != user.id:
            accounts[sid] = user.id
        values: dict[str, win.RegistryValue] = {}
        if user.active is not None:
            values["ScreenSaveActive"] = "1" if user.active else "0"
        if user.secure is not None:
            values["ScreenSaverIsSecure"] = "1" if user.secure else "0"
        if user.timeout_secs is not None:
            values["ScreenSaveTimeOut"] = str(user.timeout_secs)
        if user.executable is not None or user.saver_selected:
            values["SCRNSAVE.EXE"] = user.executable or "scrnsave.scr"
        registry[rf"HKU\{sid}\{win.DESKTOP_POLICY}"] = values
    return win.Machine(
        computer_name=host.id,
        os=win.OperatingSystem(
            Caption=host.os or win.OperatingSystem().Caption, BuildNumber=_build_number(host.os_build)
        ),
        chassis_types=None if host.chassis_types is None else list(host.chassis_types),
        registry=registry,
        accounts=accounts,
        bitlocker_volumes=[
            win.BitLockerVolume(
                MountPoint=volume.id,
                VolumeType="OperatingSystem" if volume.volume_type in (None, "OperatingSystem") else "Data",
                DriveType={"Removable": 2, "Data": None}.get(volume.volume_type or "", 3),
                LockStatus="Locked" if volume.lock_status == "Locked" else "Unlocked",
                ProtectionStatus=volume.protection_status or "Unknown",
                VolumeStatus=_volume_status(volume.encryption_percentage or 0.0),
                EncryptionPercentage=volume.encryption_percentage or 0.0,
            )
            for volume in host.volumes or []
        ],
        bitlocker_error=ACCESS_DENIED if host.volumes is None else None,
        scheduled_tasks=[_task(task) for task in host.logoff_tasks or []],
        defender=defender,
        antivirus_products=products,
        firewall_profiles=[
            win.NetFirewallProfile(
                Name=profile.id,
                Enabled="NotConfigured" if profile.enabled is None else str(profile.enabled),
                DefaultInboundAction=profile.default_inbound_action or "NotConfigured",
            )
            for profile in host.firewall_profiles or []
        ],
        firewall_error=ACCESS_DENIED if host.firewall_profiles is None else None,
        administrators=[
            win.GroupMember(
                objectSid=member.sid or "S-1-5-21-0-0-0-0",
                AccountName=member.id if member.resolved else None,
                Class=member.member_class or "User",
                ADsPath=f"WinNT://{member.sid if not member.resolved else member.id.replace(chr(92), '/')}",
            )
            for member in host.local_admins or []
        ],
        administrators_error=ACCESS_DENIED if host.local_admins is None else None,
        denied_keys=[
            *([win.FVE_EFFECTIVE] if host.removable_bitlocker_write_denied is None else []),
            *([win.CURRENT_VERSION] if "could not be read" in host.unreadable.get("os_edition_id", "") else []),
        ],
        **_backup(host),
    )


def _current_version(host: Host) -> dict[str, dict[str, win.RegistryValue]]:
    """The release values under CurrentVersion the host's facts came from; none when it recorded no edition."""
    if host.os_edition_id is None:
        return {}
    build = _build_number(host.os_build)
    values: dict[str, win.RegistryValue] = {
        "EditionID": host.os_edition_id,
        "CurrentBuild": build,
        "CurrentBuildNumber": build,
        "InstallationType": host.os_installation_type or "Client",
    }
    if host.os_ubr is not None:
        values["UBR"] = host.os_ubr
    if host.os_display_version is not None:
        values["DisplayVersion"] = host.os_display_version
    if host.os_product_name is not None:
        values["ProductName"] = host.os_product_name
    return {win.CURRENT_VERSION: values}


def _remote_desktop(host: Host) -> dict[str, dict[str, win.RegistryValue]]:
    """The machine's own Remote Desktop keys; a host whose state is unknown has none (ERROR, as it was)."""
    if host.rdp_enabled is None:
        return {}
    listener: dict[str, win.RegistryValue] = {}
    if host.rdp_nla_required is not None:
        listener["UserAuthentication"] = int(host.rdp_nla_required)
    if host.rdp_security_layer is not None:
        listener["SecurityLayer"] = host.rdp_security_layer
    return {win.TERMINAL_SERVER: {"fDenyTSConnections": int(not host.rdp_enabled)}, win.RDP_TCP: listener}


def _removable_media(host: Host) -> dict[str, dict[str, win.RegistryValue]]:
    """The removable-media policy values as the host records them (0, 1 or not there); a record made before they
    were kept has 1 where its verdict says writes are denied."""
    keys: dict[str, dict[str, win.RegistryValue]] = {}
    fve = _dword(host.removable_write_needs_bitlocker, host.removable_bitlocker_write_denied)
    if fve is not None:
        keys[win.FVE_EFFECTIVE] = {"RDVDenyWriteAccess": fve}
        keys[win.FVE_POLICY] = {"RDVDenyWriteAccess": fve}
    disks = _dword(host.removable_disks_write_denied, host.removable_write_denied)
    if disks is not None:
        keys[win.REMOVABLE_DISKS] = {"Deny_Write": disks}
    if host.removable_storage_all_denied is not None:
        keys[win.REMOVABLE_STORAGE] = {"Deny_All": int(host.removable_storage_all_denied)}
    return keys


def _dword(held: bool | None, denied: bool | None) -> int | None:
    if held is not None:
        return int(held)
    return 1 if denied else None


NEVER = dt.datetime(1, 1, 1)
""".NET's empty date: what Get-WBSummary shows as the last successful backup of a machine that never had one."""


def _backup(host: Host) -> dict[str, win.WBSummary | str | None]:
    """Windows Server Backup's state: installed with the recorded last success, unreadable, or not installed."""
    if host.backup_evidence is not None:
        last = host.backup_last_success if host.backup_succeeded and host.backup_last_success else NEVER
        return {"wb_summary": win.WBSummary(LastSuccessfulBackupTime=last, LastBackupTime=last)}
    reason = host.unreadable.get("backup_evidence", "")
    if reason and "not installed" not in reason:
        return {"wb_summary_error": ACCESS_DENIED}
    return {}


def _build_number(os_build: str | None) -> str:
    # Facts may hold the full version (10.0.22631.4460); Win32_OperatingSystem.BuildNumber is the third part.
    if os_build is None:
        return win.OperatingSystem().BuildNumber
    parts = os_build.split(".")
    return parts[2] if len(parts) >= 3 else os_build


def _volume_status(percent: float) -> str:
    if percent >= 100:
        return "FullyEncrypted"
    return "FullyDecrypted" if percent <= 0 else "EncryptionInProgress"


def _task(task: ScheduledTask) -> win.ScheduledTask:
    if task.action == "shutdown":
        action = win.TaskAction(Execute="shutdown.exe", Arguments="/s /f /t 0")
    elif task.action == "restart":
        action = win.TaskAction(Execute="shutdown.exe", Arguments="/r /f /t 0")
    else:
        action = win.TaskAction(Execute="logoff.exe")
    start = f"2026-01-01T{task.time:%H:%M:%S}" if task.time is not None else None
    end = task.expires.isoformat() if task.expires is not None else None
    trigger = (
        win.TaskTrigger(CimClassName="MSFT_TaskDailyTrigger", StartBoundary=start, EndBoundary=end, DaysInterval=1)
        if task.daily or end
        else win.TaskTrigger(CimClassName="MSFT_TaskWeeklyTrigger", StartBoundary=start, DaysOfWeek=32, WeeksInterval=1)
    )
    # A log-off whose reach is unknown runs as a group; one that ends no user's session, as SYSTEM.
    principal = (
        win.TaskPrincipal(UserId=None, GroupId="BUILTIN\\Users")
        if task.action == "logoff" and task.ends_user_sessions is None
        else win.TaskPrincipal(UserId=task.runs_as or "SYSTEM")
    )
    battery = not task.runs_on_battery
    return win.ScheduledTask(
        TaskPath="\\Holywell\\",
        TaskName=task.id,
        Principal=principal,
        Settings=win.TaskSettings(DisallowStartIfOnBatteries=battery, StopIfGoingOnBatteries=battery),
        Actions=[action],
        Triggers=[trigger],
    )


def _antivirus(host: Host) -> tuple[win.MpComputerStatus | None, list[win.AntiVirusProduct]]:
    if host.av_product is None:
        return None, []
    updated = host.av_signatures_updated or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    enabled = bool(host.av_enabled)
    if "Defender" not in host.av_product:
        state = _THIRD_PARTY_ON if host.av_signatures_current else _THIRD_PARTY_ON_OUT_OF_DATE
        return None, [win.AntiVirusProduct(displayName=host.av_product, productState=state)]
    mode = host.av_running_mode or "Normal"
    product = win.AntiVirusProduct(
        displayName="Windows Defender", productState=_DEFENDER_ENABLED if enabled else _DEFENDER_DISABLED
    )
    defender = win.MpComputerStatus(
        AMServiceEnabled=enabled or mode != "Normal",
        AntivirusEnabled=enabled or mode != "Normal",
        RealTimeProtectionEnabled=bool(host.av_realtime) or mode != "Normal",
        AMRunningMode=mode,
        AntivirusSignatureLastUpdated=updated,
    )
    return defender, [product]
