"""Turning what the probes printed into Host facts. Pure: no I/O, so every reading is unit-tested.

Each probe's output is read by one function. A probe that failed, or printed something that is not what it
promises, leaves its fields unknown with the reason (so rules that read them report ERROR, never PASS).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from holyaudit.collectors.winrm.backup_evidence import BackupEvidence
from holyaudit.collectors.winrm.probes import PROBES
from holyaudit.facts import FirewallProfile, LocalGroupMember, ScheduledTask, ScreenSaverPolicy, Volume
from holyaudit.installed_windows import RELEASE_FIELDS, UPDATE_FIELDS, installed_fields
from holyaudit.installed_windows import Unknown as InstalledUnknown

Fields = dict[str, Any]

DEFENDER = "Microsoft Defender Antivirus"
_DEFENDER_NAMES = {"windows defender", "microsoft defender antivirus", DEFENDER.lower()}
EVERY_DAY = 0b1111111
"""DaysOfWeek of a weekly trigger that runs on all seven days (Sunday = 1 ... Saturday = 64)."""


class ProbeOutputError(ValueError):
    """A probe printed something other than the shape it promises."""


def host_fields(
    outputs: Mapping[str, Any | ProbeOutputError], zone: ZoneInfo, backup_declared: BackupEvidence | None = None
) -> tuple[Fields, dict[str, str]]:
    """Host fields from each probe's parsed JSON output, and the fields that could not be read, with why.
    ``backup_declared`` is the backup evidence the site declared for this machine, if any."""
    fields: Fields = {}
    unreadable: dict[str, str] = {}
    readers: dict[str, Callable[[Any], Fields]] = {
        "system": system,
        "screensaver": screensaver,
        "bitlocker": bitlocker,
        "tasks": lambda output: tasks(output, zone),
        "antivirus": antivirus,
        "firewall": firewall,
        "remotedesktop": remote_desktop,
        "localadmins": local_admins,
        "removablemedia": removable_media,
        "backup": lambda output: backup(output, backup_declared),
    }
    for probe in PROBES:
        if probe.name not in outputs:
            continue
        output = outputs[probe.name]
        try:
            if isinstance(output, ProbeOutputError):
                raise output
            read = readers[probe.name](output)
        except (ProbeOutputError, KeyError, TypeError, ValueError) as exc:
            reason = f"the {probe.name} probe's output could not be used: {exc}"
            unreadable.update(dict.fromkeys(sorted(probe.fields), reason))
            continue
        for name, value in read.items():
            if isinstance(value, Unknown):
                unreadable[name] = value.reason
            else:
                fields[name] = value
    return fields, unreadable


class Unknown:
    """A field the probe ran for but could not establish, with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def system(output: Any) -> Fields:
    data = _mapping(output)
    inactivity = data.get("inactivitySecs")
    return {
        "os": _optional_text(data.get("os")),
        "os_build": _optional_text(data.get("build")),
        "chassis_types": _chassis(data.get("chassis")),
        "inactivity_timeout_secs": None if inactivity is None else _integer(inactivity, "InactivityTimeoutSecs"),
        **_winlogon(data["winlogon"]),
        **_release(data),
    }


_RELEASE_VALUES = {
    "os_edition_id": "EditionID",
    "os_installation_type": "InstallationType",
    "os_display_version": "DisplayVersion",
    "os_product_name": "ProductName",
}
"""Host field -> its REG_SZ value under CurrentVersion (the system probe's keys are the value names)."""


def _release(data: Mapping[str, Any]) -> Fields:
    """The release values under CurrentVersion, and what the lifecycle table makes of them (``installed_windows``).
    CurrentBuild and CurrentBuildNumber are both REG_SZ and hold the same build; UBR is a REG_DWORD. The key exists
    on every Windows machine, so one that could not be read leaves every field unknown with its error, as does a
    facts file written by a script from before holyaudit read it, or values of the wrong shape; the probe's other
    facts stand."""
    names = ("os_ubr", *_RELEASE_VALUES, *RELEASE_FIELDS, *UPDATE_FIELDS)
    if data.get("versionError"):
        reason = f"the CurrentVersion registry key could not be read: {data['versionError']}"
        return dict.fromkeys(names, Unknown(reason))
    if "version" not in data:
        reason = "the system probe did not report the CurrentVersion values (a facts file from an older script?)"
        return dict.fromkeys(names, Unknown(reason))
    if data["version"] is None:
        return dict.fromkeys(names, Unknown("the system probe reported neither the CurrentVersion values nor an error"))
    try:
        values = _mapping(data["version"])
        builds = {
            _integer(values[key], key) for key in ("CurrentBuild", "CurrentBuildNumber") if values.get(key) is not None
        }
        if len(builds) > 1:
            raise ProbeOutputError(f"CurrentBuild and CurrentBuildNumber disagree: {sorted(builds)}")
        ubr = None if values.get("UBR") is None else _integer(values["UBR"], "UBR")
    except ProbeOutputError as exc:
        return dict.fromkeys(names, Unknown(f"the CurrentVersion values could not be used: {exc}"))
    build = builds.pop() if builds else None
    found: Fields = {field: _optional_text(values.get(key)) for field, key in _RELEASE_VALUES.items()}
    found["os_ubr"] = ubr
    derived = installed_fields(found["os_edition_id"], build, ubr, found["os_installation_type"])
    for name, value in derived.items():
        found[name] = Unknown(value.reason) if isinstance(value, InstalledUnknown) else value
    return found


def _chassis(chassis: Any) -> list[int] | Unknown:
    """Win32_SystemEnclosure.ChassisTypes. SMBIOS numbers types from 1 (Other); 2 is "Unknown", and 0 is what
    PowerShell makes of a null value ([int]$null). Either, or no value at all, leaves the chassis unknown, so a
    rule that depends on whether the machine is a laptop reports ERROR rather than leaving the machine out.
    (https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-systemenclosure)"""
    if not chassis:
        return Unknown("the machine reports no chassis type")
    types = [_integer(c, "ChassisTypes") for c in chassis]
    if all(t in (0, 2) for t in types):
        return Unknown(f"the machine reports its chassis type as unknown ({types})")
    return types


def _winlogon(logon: Any) -> Fields:
    """Automatic log-on. Winlogon signs an account on automatically when AutoAdminLogon is "1" and DefaultUserName
    names it; the password may sit in the DefaultPassword value or, as Microsoft recommends, in an LSA secret
    that no registry read shows, so automatic log-on counts whether or not DefaultPassword exists.
    (https://learn.microsoft.com/en-us/troubleshoot/windows-server/user-profiles-and-logon/turn-on-automatic-logon,
    https://learn.microsoft.com/en-us/windows/win32/secauthn/protecting-the-automatic-logon-password)
    The Winlogon key exists on every Windows machine, so the probe's null means it could not be read (access
    denied): unknown, never 'no stored password'."""
    names = ("autologon_enabled", "autologon_user", "autologon_count", "force_autologon", "default_password_present")
    if logon is None:
        return dict.fromkeys(names, Unknown("the Winlogon registry key could not be read"))
    logon = _mapping(logon)
    user = str(logon.get("userName") or "").strip()
    domain = str(logon.get("domainName") or "").strip()
    count = logon.get("autoLogonCount")
    return {
        "autologon_enabled": str(logon.get("autoAdminLogon") or "").strip() == "1" and bool(user),
        "autologon_user": (f"{domain}\\{user}" if domain else user) or None,
        "autologon_count": None if count is None else _integer(count, "AutoLogonCount"),
        "force_autologon": str(logon.get("forceAutoLogon") or "").strip() == "1",
        "default_password_present": _boolean(logon["defaultPassword"], "defaultPassword"),
    }


def screensaver(output: Any) -> Fields:
    """One policy per loaded hive of a person who uses the machine. The hive of the account the probe ran as is
    left out: WinRM loads the connecting account's profile, and the audit account is nobody's desktop. A value
    Group Policy sets wins over the user's own; a value set in neither place means the protection is not on
    (active and secure are then False, the timeout unknown). The screen saver runs only if SCRNSAVE.EXE names
    one ("Enable screen saver" policy: "a valid screen saver on the client is specified through the Screen
    Saver executable name setting or through Control Panel"; ControlPanelDisplay.admx,
    https://learn.microsoft.com/en-us/previous-versions/ms811630(v=msdn.10)). A hive that could not be read is
    recorded with its error, so the rules report ERROR for that user."""
    data = _mapping(output)
    self_sid = str(data["self"] or "")
    hives = []
    for hive in map(_mapping, data["hives"]):
        if str(hive["sid"]).casefold() == self_sid.casefold():
            continue
        name = str(hive.get("user") or hive["sid"])
        if hive.get("error"):
            hives.append(ScreenSaverPolicy(id=name, error=f"the hive could not be read: {hive['error']}"))
            continue
        policy = _mapping(hive.get("policy") or {})
        merged = {**_mapping(hive.get("settings") or {}), **policy}
        timeout = merged.get("ScreenSaveTimeOut")
        executable = str(merged.get("SCRNSAVE.EXE") or "").strip() or None
        hives.append(
            ScreenSaverPolicy(
                id=name,
                active=str(merged.get("ScreenSaveActive", "0")).strip() == "1",
                secure=str(merged.get("ScreenSaverIsSecure", "0")).strip() == "1",
                timeout_secs=None if timeout is None else _integer(timeout, "ScreenSaveTimeOut"),
                executable=executable,
                saver_selected=executable is not None,
                policy_values=sorted(policy),
            )
        )
    return {"screensaver_users": hives}


def bitlocker(output: Any) -> Fields:
    """Each volume Get-BitLockerVolume reports, and one record with the error for each volume it wrote an error
    for (so the rules report ERROR rather than judging the machine on the volumes that happened to answer)."""
    data = _mapping(output)
    policy = _encryption_policy(data)
    if "error" in data:
        return {"volumes": Unknown(f"BitLocker status could not be read on the machine: {data['error']}"), **policy}
    volumes = [_volume(volume) for volume in map(_mapping, data["volumes"])]
    for index, failure in enumerate(map(_mapping, data.get("errors") or []), start=1):
        target = str(failure.get("target") or "").strip() or f"unnamed volume {index}"
        volumes.append(Volume(id=target, error=str(failure.get("message") or "no message")))
    return {"volumes": volumes, **policy}


def _volume(volume: Mapping[str, Any]) -> Volume:
    """One volume. A locked volume's protection and encryption cannot be read (its ProtectionStatus is "Unknown"
    and the probe's [double] of an unread percentage is 0): both are left unknown, never "not encrypted"."""
    lock = _optional_text(volume.get("lock")) or None
    percent = None if volume.get("percent") is None or lock == "Locked" else float(volume["percent"])
    return Volume(
        id=str(volume["mount"]),
        volume_type=_volume_type(volume.get("type"), volume.get("driveType")),
        protection_status=_protection(volume.get("protection")),
        encryption_percentage=percent,
        lock_status=lock,
    )


def _volume_type(kind: Any, drive_type: Any) -> str | None:
    """OperatingSystem, FixedData, Removable, or Data when the drive's type is not known. Get-BitLockerVolume's
    VolumeType is "OperatingSystem" or "Data" (https://learn.microsoft.com/en-us/powershell/module/bitlocker/get-bitlockervolume:
    "VolumeType - Data or Operating System"), for fixed and removable drives alike; the drive letter's
    Win32_LogicalDisk DriveType tells them apart: 2 "Removable Disk", 3 "Local Disk"
    (https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-logicaldisk)."""
    text = _optional_text(kind)
    if text != "Data" or drive_type is None:
        return text
    return {2: "Removable", 3: "FixedData"}.get(_integer(drive_type, "DriveType"), "Data")


def _protection(value: Any) -> str | None:
    """ProtectionStatus On or Off; "Unknown" (PROTECTION UNKNOWN, 2: "The volume protection status cannot be
    determined. This can be caused by the volume being in a locked state.") is no value at all, so a rule that
    judges the volume reports ERROR, never FAIL or PASS
    (https://learn.microsoft.com/en-us/windows/win32/secprov/getprotectionstatus-win32-encryptablevolume)."""
    text = _optional_text(value)
    return None if text is None or text.strip() in ("", "Unknown") else text


ENCRYPTION_POLICIES = {
    "mdm_require_device_encryption": ("mdmRequireDeviceEncryption", "RequireDeviceEncryption"),
    "mbam_should_encrypt_os_drive": ("mbamShouldEncryptOSDrive", "ShouldEncryptOSDrive"),
}
"""Host field -> the probe's key and the registry value it reports."""


def _encryption_policy(data: Mapping[str, Any]) -> Fields:
    """The policies that require the OS drive to be encrypted, as the machine received them.

    MDM (Intune's "Require device encryption", BitLocker CSP ``./Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption``,
    an integer, 1 = require): "Registry path to verify the BitLocker policy as delivered to the device:
    HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\PolicyManager\\current\\device\\BitLocker" ("Enforcing BitLocker policies
    by using Intune: known issues", MicrosoftDocs/windows-itpro-docs,
    windows/security/information-protection/bitlocker/ts-bitlocker-intune-issues.md; the BitLocker CSP reference,
    windows/client-management/mdm/bitlocker-csp.md). MBAM's ``ShouldEncryptOSDrive`` is where Group Policy writes
    it (docs/gpo.md). A value that is not there is not required; a DWORD other than 0 or 1, or keys that could not
    be read, are unknown."""
    if data.get("policyError"):
        reason = f"the BitLocker policy keys could not be read: {data['policyError']}"
        return {field: Unknown(reason) for field in ENCRYPTION_POLICIES}
    if not isinstance(data.get("policy"), Mapping):
        reason = "the bitlocker probe did not report the encryption policies (a facts file from an older script?)"
        return {field: Unknown(reason) for field in ENCRYPTION_POLICIES}
    policy = data["policy"]
    found: Fields = {}
    for field, (key, value_name) in ENCRYPTION_POLICIES.items():
        value = policy.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value in (0, 1)):
            found[field] = value == 1
        else:
            found[field] = Unknown(f"{value_name} is {value!r}, not the DWORD 0 or 1")
    return found


WINDOWS_SERVER_BACKUP = "Windows Server Backup"


def backup(output: Any, declared: BackupEvidence | None = None) -> Fields:
    """The machine's backup evidence: what the site declared for it (``declared_backup``), else Windows Server
    Backup's last successful backup (Get-WBSummary's LastSuccessfulBackupTime,
    https://learn.microsoft.com/en-us/powershell/module/windowsserverbackup/get-wbsummary). Without the feature
    (no Get-WBSummary) there is no recognised backup evidence, and when it cannot be read (it needs
    Administrators or Backup Operators) the reason is given: both unknown, so the rule reports ERROR, never
    PASS. A summary whose LastSuccessfulBackupTime is .NET's empty date (year 1) shows no successful backup."""
    data = _mapping(output)
    if declared is not None:
        return declared_backup(data, declared)
    names = ("backup_evidence", "backup_succeeded", "backup_last_success")
    if data.get("wsbError"):
        return dict.fromkeys(names, Unknown(f"Windows Server Backup's summary could not be read: {data['wsbError']}"))
    if not _boolean(data["wsbInstalled"], "wsbInstalled"):
        reason = "no recognised backup evidence: Windows Server Backup is not installed (no Get-WBSummary)"
        return dict.fromkeys(names, Unknown(reason))
    summary = _mapping(data["wsb"])
    last = str(summary["lastSuccess"] or "")
    if not last:
        raise ProbeOutputError("Get-WBSummary reported no LastSuccessfulBackupTime")
    when = None if last.startswith("0001-") else _iso_utc(last)
    return {"backup_evidence": WINDOWS_SERVER_BACKUP, "backup_succeeded": when is not None, "backup_last_success": when}


TASK_HAS_NOT_RUN = 0x41303
TASK_RUNNING = 0x41301
TASK_QUEUED = 0x41325
"""LastTaskResult values that are a task's state rather than how its last run ended: SCHED_S_TASK_HAS_NOT_RUN
("The task has not yet run"), SCHED_S_TASK_RUNNING ("The task is currently running") and SCHED_S_TASK_QUEUED
("The Task Scheduler service has asked the task to run")
(https://learn.microsoft.com/en-us/windows/win32/taskschd/task-scheduler-error-and-success-constants)."""


def declared_backup(data: Mapping[str, Any], declared: BackupEvidence) -> Fields:
    """The evidence the site declared for this machine, as the probe read it.

    A scheduled task (Get-ScheduledTaskInfo, https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/get-scheduledtaskinfo:
    LastRunTime, and LastTaskResult, a UInt32 HRESULT): a last run that ended with 0 succeeded when it started
    (LastRunTime); one that ended with anything else failed, and shows no successful backup (FAIL). A task that
    has never run (SCHED_S_TASK_HAS_NOT_RUN, with Task Scheduler's "never" LastRunTime of 30 November 1999) FAILs
    too: the evidence was read and shows that no backup ever ran, which is a finding, not a gap in the audit. A
    task running (or queued) now has overwritten the result of its previous run, so whether the last backup
    succeeded is not known until it ends: ERROR, to be audited again later, never PASS.

    A file (Get-Item's LastWriteTimeUtc): the product writes it when a backup succeeds, so its last write is the
    last successful backup. A task or file that does not exist, cannot be read, or is a folder is no recognised
    evidence: ERROR, never PASS, naming it. (PowerShell may report a file the account may not see as not existing.)
    """
    described = declared.description()
    names = ("backup_succeeded", "backup_last_success")
    found = next((entry for entry in data.get("declared") or [] if declared.matches(entry)), None)
    if found is None:
        reason = f"the backup probe did not read the declared evidence, {described}"
        return {"backup_evidence": described, **dict.fromkeys(names, Unknown(reason))}
    if found.get("error"):
        what = "does not exist on the machine" if found.get("category") == "ObjectNotFound" else "could not be read"
        reason = f"no recognised backup evidence: {described} {what} ({found['error']})"
        return {"backup_evidence": described, **dict.fromkeys(names, Unknown(reason))}
    if declared.kind == "file":
        if found.get("folder") is True:
            reason = f"no recognised backup evidence: {described} is a folder, not a file"
            return {"backup_evidence": described, **dict.fromkeys(names, Unknown(reason))}
        when = _iso_utc(str(found["lastWrite"]))
        return {"backup_evidence": described, "backup_succeeded": True, "backup_last_success": when}
    result = _integer(found["result"], "LastTaskResult") & 0xFFFFFFFF
    last_run = found.get("lastRun")
    if result == TASK_HAS_NOT_RUN or not last_run or str(last_run).startswith("1999-11-30"):
        return {
            "backup_evidence": described,
            "backup_succeeded": False,
            "backup_last_success": None,
            "backup_failure": "it has never run",
        }
    if result in (TASK_RUNNING, TASK_QUEUED):
        state = "running" if result == TASK_RUNNING else "queued to run"
        reason = (
            f"{described} is {state} now (LastTaskResult 0x{result:X}): whether its last backup succeeded is not "
            "known until it ends; audit again later"
        )
        return {"backup_evidence": described, **dict.fromkeys(names, Unknown(reason))}
    if result != 0:
        return {
            "backup_evidence": described,
            "backup_succeeded": False,
            "backup_last_success": None,
            "backup_failure": f"its last run ended with 0x{result:08X}",
        }
    return {"backup_evidence": described, "backup_succeeded": True, "backup_last_success": _iso_utc(str(last_run))}


def tasks(output: Any, zone: ZoneInfo) -> Fields:
    """Tasks that shut the machine down, restart it or log users off (see ``scheduled_task``)."""
    found = []
    for task in map(_mapping, _mapping(output)["tasks"]):
        if task.get("error"):
            found.append(ScheduledTask(id=_task_id(task), error=str(task["error"])))
            continue
        read = scheduled_task(task, zone)
        if read is not None:
            found.append(read)
    return {"logoff_tasks": found}


def _task_id(task: Mapping[str, Any]) -> str:
    return f"{task.get('path') or ''}{task['name']}"


def scheduled_task(task: Mapping[str, Any], zone: ZoneInfo) -> ScheduledTask | None:
    """One task, or None when its action ends no session (shutdown.exe /a, /h).

    Daily: the task is enabled and has an enabled trigger that fires every day (daily, every 1 day; or weekly,
    every week, on all seven days) with no EndBoundary, after which it would stop firing. Its time is the
    latest moment its earliest such trigger has acted by: the trigger's local time (see ``trigger_time``), plus
    the trigger's RandomDelay, plus shutdown.exe's /t delay (30 seconds when /t is not given).
    (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/shutdown,
    https://learn.microsoft.com/en-us/windows/win32/taskschd/dailytrigger-randomdelay,
    https://learn.microsoft.com/en-us/windows/win32/taskschd/trigger-endboundary)
    """
    commands = [(str(a.get("execute") or ""), str(a.get("arguments") or "")) for a in task["actions"]]
    acting = [(kind, delay) for kind, delay in (_action(e, a) for e, a in commands) if kind != "other"]
    if not acting:
        return None
    action, delay = next(
        found for wanted in ("shutdown", "restart", "logoff") for found in acting if found[0] == wanted
    )
    daily = [t for t in map(_mapping, task["triggers"]) if task.get("enabled") and t.get("enabled") and _every_day(t)]
    times = [_acted_by(trigger_time(str(t["start"]), zone), _duration(t.get("randomDelay")) + delay) for t in daily]
    ends = [str(t["end"]) for t in map(_mapping, task["triggers"]) if t.get("end")]
    runs_as = str(task.get("groupId") or task.get("userId") or "").strip() or None
    return ScheduledTask(
        id=_task_id(task),
        action=action,
        daily=bool(times),
        time=min(times) if times else None,
        runs_as=runs_as,
        ends_user_sessions=_ends_user_sessions(action, task),
        runs_on_battery=_runs_on_battery(task),
        expires=max(_iso_any(end, zone) for end in ends) if ends else None,
    )


def _ends_user_sessions(action: str, task: Mapping[str, Any]) -> bool | None:
    """A shutdown or restart ends every session. A log-off (logoff.exe, shutdown.exe /l) ends only the session
    the task runs in: run as a user (SYSTEM, a service account, one person) it ends that account's session and
    no other. Run as a group, Task Scheduler may start it in group members' sessions (TASK_LOGON_GROUP, "can run
    for any member of the security group", https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tsch/6daca1c9-6766-46f4-9378-5f5a9260c967),
    but which sessions it reaches is not documented: unknown."""
    if action in ("shutdown", "restart"):
        return True
    if task.get("groupId"):
        return None
    return False


def _runs_on_battery(task: Mapping[str, Any]) -> bool:
    """DisallowStartIfOnBatteries and StopIfGoingOnBatteries both default to true: a laptop on battery at the
    trigger time never runs such a task.
    (https://learn.microsoft.com/en-us/windows/win32/taskschd/tasksettings-disallowstartifonbatteries,
    https://learn.microsoft.com/en-us/windows/win32/taskschd/tasksettings-stopifgoingonbatteries)"""
    disallow = task.get("disallowStartOnBatteries")
    stop = task.get("stopOnBatteries")
    return disallow is False and stop is False


def antivirus(output: Any) -> Fields:
    """The machine's active anti-virus.

    Security Center (workstations only) lists the products it knows. Its ``productState`` is not documented by
    Microsoft; the decoding relied on across the industry reads bits 12-15 as the real-time state (1 on, 0 off)
    and bits 4-7 as the definitions state (0 up to date, 1 out of date). A product whose state has any other
    value there cannot be judged: ERROR, never PASS. An active product other than Defender protects the
    machine; its own "definitions out of date" is then the signature verdict (Security Center gives no
    documented date).

    Otherwise Microsoft Defender decides, by its AMRunningMode: "Normal" is active anti-virus; "Passive Mode",
    "SxS Passive Mode" and "EDR Block Mode" mean another product is meant to protect the machine, so Defender's
    own real-time flags say nothing about protection
    (https://learn.microsoft.com/en-us/defender-endpoint/microsoft-defender-antivirus-compatibility,
    https://learn.microsoft.com/en-us/powershell/module/defender/get-mpcomputerstatus). A passive Defender with
    Security Center listing no active product is not protecting the machine (av_enabled false); on Windows
    Server, which has no Security Center, the protecting product cannot be seen: ERROR.
    """
    data = _mapping(output)
    products = None if data.get("products") is None else [_mapping(p) for p in data["products"]]
    av_fields = ("av_product", "av_enabled", "av_realtime", "av_signatures_updated", "av_signatures_current")
    third_party = [p for p in products or [] if str(p.get("name", "")).lower() not in _DEFENDER_NAMES]
    for product in third_party:
        if _product_state(product) is None:
            reason = f"Security Center's productState for {product.get('name')} cannot be decoded: {product['state']!r}"
            return {**dict.fromkeys(av_fields, Unknown(reason)), "av_running_mode": _running_mode(data)}
    states = [(product, state) for product in third_party if (state := _product_state(product)) is not None]
    active = [(product, state) for product, state in states if state[0]]
    if active:
        product, state = active[0]
        return {
            "av_product": str(product["name"]),
            "av_enabled": True,
            "av_realtime": True,
            "av_signatures_updated": None,
            "av_signatures_current": state[1],
            "av_running_mode": _running_mode(data),
        }
    defender = data.get("defender")
    if defender is None:
        reason = "Microsoft Defender's status could not be read and Security Center lists no active anti-virus"
        return {**dict.fromkeys(av_fields, Unknown(reason)), "av_running_mode": Unknown(reason)}
    defender = _mapping(defender)
    mode = str(defender.get("AMRunningMode") or "").strip()
    if mode not in _DEFENDER_MODES:
        reason = f"Microsoft Defender's running mode is not one holyaudit knows: {mode or 'not reported'}"
        return {**dict.fromkeys(av_fields, Unknown(reason)), "av_running_mode": mode or Unknown(reason)}
    if _DEFENDER_MODES[mode] is False and products is None:
        reason = (
            f"Microsoft Defender is in {mode} and this machine has no Security Center to say which product "
            f"protects it ({data.get('productsError') or 'no product list'})"
        )
        return {**dict.fromkeys(av_fields, Unknown(reason)), "av_running_mode": mode}
    active_defender = _DEFENDER_MODES[mode]
    enabled = _boolean(defender["AMServiceEnabled"], "AMServiceEnabled") and _boolean(
        defender["AntivirusEnabled"], "AntivirusEnabled"
    )
    return {
        "av_product": DEFENDER,
        "av_enabled": enabled and active_defender,
        "av_realtime": _boolean(defender["RealTimeProtectionEnabled"], "RealTimeProtectionEnabled") and active_defender,
        "av_signatures_updated": _iso_utc(str(defender["AntivirusSignatureLastUpdated"])),
        "av_signatures_current": None,
        "av_running_mode": mode,
    }


_DEFENDER_MODES = {
    "Normal": True,
    "Passive Mode": False,
    "Passive": False,
    "SxS Passive Mode": False,
    "EDR Block Mode": False,
    "Not running": False,
}
"""AMRunningMode values Microsoft documents, and whether Defender is then the machine's active anti-virus."""


def _running_mode(data: Mapping[str, Any]) -> str | None:
    defender = data.get("defender")
    if not isinstance(defender, Mapping):
        return None
    return str(defender.get("AMRunningMode") or "").strip() or None


def _product_state(product: Mapping[str, Any]) -> tuple[bool, bool] | None:
    """(real-time protection on, definitions up to date) from a productState, or None if it does not decode."""
    state = _integer(product["state"], "productState")
    realtime = {1: True, 0: False}.get((state >> 12) & 0xF)
    current = {0: True, 1: False}.get((state >> 4) & 0xF)
    if realtime is None or current is None or state < 0 or state > 0xFFFFFF:
        return None
    return realtime, current


FIREWALL_PROFILES = ("Domain", "Private", "Public")
_GPO_BOOLEAN = {"True": True, "False": False}
_INBOUND_ACTIONS = {"Block": "Block", "Allow": "Allow", "NotConfigured": "Block"}


def firewall(output: Any) -> Fields:
    """Windows Defender Firewall's profiles as Get-NetFirewallProfile reads them from the ActiveStore, "the sum of
    all policy stores that apply to the computer" (Group Policy and local settings together; "To view enforced
    settings, view the firewall settings from the ActiveStore policy store source",
    https://learn.microsoft.com/en-us/powershell/module/netsecurity/get-netfirewallprofile,
    https://learn.microsoft.com/en-us/powershell/module/netsecurity/get-netfirewallsetting).
    Enabled is a GpoBoolean (True, False, NotConfigured) and DefaultInboundAction an Action (NotConfigured, Allow,
    Block); NotConfigured is "Valid only when configuring a Group Policy Object", and "The default setting when
    managing a computer is Block" (https://learn.microsoft.com/en-us/powershell/module/netsecurity/set-netfirewallprofile;
    "These settings are Block by default",
    https://learn.microsoft.com/en-us/windows/win32/api/netfw/nf-netfw-inetfwpolicy2-get_defaultinboundaction), so an
    inbound action left NotConfigured reads as Block. Whether the firewall is on is the rule's whole point, so an
    Enabled that is neither True nor False is not assumed: unknown (ERROR), as is a missing profile."""
    data = _mapping(output)
    if data.get("error") or data.get("profiles") is None:
        return {"firewall_profiles": Unknown(f"the firewall profiles could not be read: {data.get('error')}")}
    found: dict[str, FirewallProfile] = {}
    for profile in map(_mapping, data["profiles"]):
        name = str(profile.get("name") or "").strip()
        enabled = _GPO_BOOLEAN.get(str(profile.get("enabled") or "").strip())
        inbound = _INBOUND_ACTIONS.get(str(profile.get("inbound") or "").strip())
        if name not in FIREWALL_PROFILES:
            raise ProbeOutputError(f"not a firewall profile: {name!r}")
        unreadable = {}
        if enabled is None:
            unreadable["enabled"] = f"Enabled is {profile.get('enabled')!r}, not True or False"
        if inbound is None:
            unreadable["default_inbound_action"] = (
                f"DefaultInboundAction is {profile.get('inbound')!r}, not Block, Allow or NotConfigured"
            )
        found[name] = FirewallProfile(id=name, enabled=enabled, default_inbound_action=inbound, unreadable=unreadable)
    missing = [name for name in FIREWALL_PROFILES if name not in found]
    if missing:
        return {"firewall_profiles": Unknown(f"the firewall reported no {', '.join(missing)} profile")}
    return {"firewall_profiles": [found[name] for name in FIREWALL_PROFILES]}


_SECURITY_LAYERS = (0, 1, 2)


def remote_desktop(output: Any) -> Fields:
    """Remote Desktop's state. A value under the Group Policy key (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\
    Terminal Services) wins over the machine's own (fDenyTSConnections under HKLM\\SYSTEM\\CurrentControlSet\\
    Control\\Terminal Server; UserAuthentication and SecurityLayer under its WinStations\\RDP-Tcp). fDenyTSConnections
    0 lets users connect; UserAuthentication 1 requires Network Level Authentication; SecurityLayer 0 is RDP's own
    security, 1 negotiate, 2 TLS
    (https://learn.microsoft.com/en-us/windows-hardware/customize/desktop/unattend/microsoft-windows-terminalservices-rdp-winstationextensions-userauthentication,
    https://learn.microsoft.com/en-us/windows-hardware/customize/desktop/unattend/microsoft-windows-terminalservices-rdp-winstationextensions-securitylayer,
    "Allow users to connect remotely by using Remote Desktop Services" and "Require use of specific security
    layer for remote (RDP) connections", TerminalServer.admx). The machine's keys hold these values on every
    Windows installation, so a value set in neither place, a DWORD outside its documented values, or keys that
    could not be read are unknown (ERROR)."""
    data = _mapping(output)
    if data.get("error") or data.get("local") is None:
        reason = f"the Remote Desktop settings could not be read: {data.get('error')}"
        return dict.fromkeys(("rdp_enabled", "rdp_nla_required", "rdp_security_layer"), Unknown(reason))
    policy = _mapping(data.get("policy") or {})
    local = _mapping(data["local"])

    def effective(name: str, allowed: tuple[int, ...]) -> int | Unknown:
        value = policy.get(name)
        where = "the Group Policy key"
        if value is None:
            value, where = local.get(name), "the machine's key"
        if value is None:
            return Unknown(f"{name} is set neither by Group Policy nor on the machine")
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            return Unknown(f"{name} in {where} is {value!r}, not one of {', '.join(map(str, allowed))}")
        return value

    deny = effective("fDenyTSConnections", (0, 1))
    nla = effective("UserAuthentication", (0, 1))
    return {
        "rdp_enabled": deny if isinstance(deny, Unknown) else deny == 0,
        "rdp_nla_required": nla if isinstance(nla, Unknown) else nla == 1,
        "rdp_security_layer": effective("SecurityLayer", _SECURITY_LAYERS),
    }


_SID = re.compile(r"S-1-\d+(-\d+)+", re.IGNORECASE)


def local_admins(output: Any) -> Fields:
    """The members of the local Administrators group as the WinNT ADSI provider lists them: every member with its
    SID, also one whose SID no longer resolves to an account (Get-LocalGroupMember fails on the whole group then:
    "Failed to compare two elements in the array", a known issue, https://github.com/PowerShell/PowerShell/issues/2996).
    A member is named by its account name, or by its SID when the SID does not resolve."""
    data = _mapping(output)
    if data.get("error") or data.get("members") is None:
        return {"local_admins": Unknown(f"the local Administrators group could not be read: {data.get('error')}")}
    members = []
    for member in map(_mapping, data["members"]):
        sid = str(member.get("sid") or "").strip()
        if not _SID.fullmatch(sid):
            raise ProbeOutputError(f"not a SID: {member.get('sid')!r}")
        name = str(member.get("name") or "").strip()
        members.append(
            LocalGroupMember(
                id=name or sid,
                sid=sid.upper(),
                member_class=_optional_text(member.get("class")),
                resolved=bool(name),
            )
        )
    return {"local_admins": members}


def removable_media(output: Any) -> Fields:
    """Whether writing to removable drives is denied.

    BitLocker's "Deny write access to removable drives not protected by BitLocker" (RDVDenyWriteAccess, 1 = deny):
    Group Policy writes it under HKLM\\SOFTWARE\\Policies\\Microsoft\\FVE, and BitLocker applies it from
    HKLM\\SYSTEM\\CurrentControlSet\\Policies\\Microsoft\\FVE; only the second is read as in force. Enabled,
    Windows mounts the removable data drives BitLocker does not protect read-only; disabled or not configured, with
    read and write access (the policy as Configuration Manager describes it,
    https://learn.microsoft.com/en-us/powershell/module/configurationmanager/new-cmrdvdenywriteaccesspolicy).
    Removable Storage Access (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices): Deny_Write or
    Deny_All under the removable disks class {53f5630d-b6bf-11d0-94f2-00a0c91efb8b}, or Deny_All for all classes
    (RemovableStorage.admx). A value not there is "not denied"; a DWORD other than 0 or 1, or keys that could not be
    read, are unknown (ERROR).

    The values Group Policy also sets (RDVDenyWriteAccess in force, the disks' Deny_Write, every class's Deny_All)
    are kept as the machine holds them too, None where the value is not there, for drift against Group Policy."""
    data = _mapping(output)
    held = {
        "fveEffective": "removable_write_needs_bitlocker",
        "diskDenyWrite": "removable_disks_write_denied",
        "allDenyAll": "removable_storage_all_denied",
    }
    names = ("removable_bitlocker_write_denied", "removable_write_denied", *held.values())
    if data.get("error"):
        return dict.fromkeys(names, Unknown(f"the removable storage policies could not be read: {data['error']}"))
    values: dict[str, bool | Unknown | None] = {}
    for key, value_name in (
        ("fveEffective", "RDVDenyWriteAccess"),
        ("diskDenyWrite", "Deny_Write"),
        ("diskDenyAll", "Deny_All"),
        ("allDenyAll", "Deny_All (all classes)"),
    ):
        if key not in data:
            raise ProbeOutputError(f"no {key} in the removablemedia probe's output")
        value = data[key]
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value in (0, 1)):
            values[key] = None if value is None else value == 1
        else:
            values[key] = Unknown(f"{value_name} is {value!r}, not the DWORD 0 or 1")
    storage = [values["diskDenyWrite"], values["diskDenyAll"], values["allDenyAll"]]
    unknown = [value for value in storage if isinstance(value, Unknown)]
    fve = values["fveEffective"]
    return {
        "removable_bitlocker_write_denied": fve if isinstance(fve, Unknown) else fve is True,
        # One value that denies writing decides it, whatever the others hold.
        "removable_write_denied": True if True in storage else (unknown[0] if unknown else False),
        **{field: values[key] for key, field in held.items()},
    }


def trigger_time(start: str, zone: ZoneInfo) -> dt.time:
    """The local time a trigger fires. Task Scheduler keeps a plain local time ("2026-01-01T19:00:00"), or a
    time with a UTC offset when the task is set to synchronise across time zones; such a task fires at the
    same UTC instant all year, so the later of its winter and summer local times in the site's zone is used.
    """
    when = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    if when.tzinfo is None:
        return when.time().replace(microsecond=0)
    year = when.year
    local = [
        dt.datetime.combine(dt.date(year, month, 15), when.timetz()).astimezone(zone).time().replace(microsecond=0)
        for month in (1, 7)
    ]
    return max(local)


_SHUTDOWN_SWITCH = re.compile(r"(?:^|\s)[/-]([a-z?]+)(?:\s+(\d+))?", re.IGNORECASE)
SHUTDOWN_DEFAULT_DELAY = 30
"""Seconds shutdown.exe waits when /t is not given."""


def _action(execute: str, arguments: str) -> tuple[str, int]:
    """What a task's action does (shutdown, restart, logoff or other), and how many seconds after it starts.
    shutdown.exe: /s /p /sg shut down, /r /g restart, /l logs off "immediately, with no time-out period" and
    cannot be combined with /t or /m; /a and /h end no session; /t N waits N seconds (default 30), /p waits
    none. (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/shutdown)"""
    program = re.split(r"[\\/]", execute.strip().strip('"'))[-1].lower().removesuffix(".exe")
    if program == "logoff":
        return "logoff", 0
    found = {switch.lower(): value for switch, value in _SHUTDOWN_SWITCH.findall(arguments)}
    switches = set(found)
    delay = int(found["t"]) if found.get("t") else SHUTDOWN_DEFAULT_DELAY
    if switches & {"a", "h", "?"}:
        return "other", 0
    if "p" in switches:
        return "shutdown", 0
    if switches & {"s", "sg"}:
        return "shutdown", delay
    if switches & {"r", "g"}:
        return "restart", delay
    if "l" in switches:
        return ("other", 0) if switches & {"t", "m"} else ("logoff", 0)
    return "other", 0


def _acted_by(start: dt.time, seconds: int) -> dt.time:
    """The time of day ``seconds`` after ``start``; 23:59:59 when that is past midnight (later than any limit)."""
    moment = dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(seconds=seconds)
    return moment.time() if moment.date() == dt.date(2000, 1, 1) else dt.time(23, 59, 59)


_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def _duration(value: Any) -> int:
    """Seconds in a Task Scheduler duration (ISO 8601, "PT30M", "P1DT2H"); 0 when none is set."""
    if value is None or str(value).strip() in ("", "PT0S"):
        return 0
    match = _DURATION.fullmatch(str(value).strip())
    if match is None or not any(match.groups()):
        raise ProbeOutputError(f"not a Task Scheduler duration: {value!r}")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _iso_any(text: str, zone: ZoneInfo) -> dt.datetime:
    """A Task Scheduler boundary: with a UTC offset, or a plain local time (the machine's zone, taken as the site's)."""
    when = dt.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)


def _every_day(trigger: Mapping[str, Any]) -> bool:
    if trigger.get("end") or not trigger.get("start"):
        return False
    interval = trigger.get("interval")
    if trigger.get("kind") == "Daily":
        return interval in (None, 1)
    if trigger.get("kind") == "Weekly":
        return interval in (None, 1) and trigger.get("days") == EVERY_DAY
    return False


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProbeOutputError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _integer(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ProbeOutputError(f"{name} is not a whole number: {value!r}") from None


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ProbeOutputError(f"{name} is not true or false: {value!r}")
    return value


def _iso_utc(text: str) -> dt.datetime:
    # .NET's round-trip format has seven fractional digits; Python's parser takes at most six.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ProbeOutputError(f"time without a UTC offset: {text!r}")
    return when.astimezone(dt.UTC)
