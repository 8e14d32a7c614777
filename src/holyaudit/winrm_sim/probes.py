r"""The probe output contract, and what each probe prints on a machine in a given state.

holyaudit's endpoint collector runs read-only PowerShell scripts ("probes"), each as its own command, as
``powershell.exe -NoLogo -NoProfile -NonInteractive -EncodedCommand <base64 of the UTF-16LE script>``. A
probe's first line is ``# holyaudit-probe: <name>``; that is how the simulator knows which one it was sent.
Each prints one line of JSON, as Windows PowerShell 5.1's ``ConvertTo-Json -Compress`` writes it, then CRLF,
and exits 0. Keys are exactly these:

``system``
    ``{"os":"Microsoft Windows 11 Education","build":"22631","version":{"EditionID":"Education",
    "CurrentBuild":"22631","CurrentBuildNumber":"22631","UBR":6199,"DisplayVersion":"23H2","InstallationType":
    "Client","ProductName":"Windows 10 Education"},"versionError":null,"chassis":[10],"inactivitySecs":600,
    "winlogon":{"autoAdminLogon":"1","userName":"kiosk","domainName":"HOLYWELL","autoLogonCount":null,
    "forceAutoLogon":null,"defaultPassword":false}}``. ``chassis`` is null when ChassisTypes is.
    ``inactivitySecs`` is the ``InactivityTimeoutSecs`` value under
    ``HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`` as stored (a DWORD is a number) or null
    when absent; ``version`` holds the values under ``HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`` as
    stored (null when absent), or is null with the message in ``versionError`` when the key cannot be read;
    ``winlogon`` is null when the Winlogon key cannot be read, else its ``AutoAdminLogon``,
    ``DefaultUserName``, ``DefaultDomainName``, ``AutoLogonCount`` and ``ForceAutoLogon`` values as stored (or
    null), and whether it has a ``DefaultPassword`` value (its value is never printed).
``screensaver``
    ``{"self":"S-1-5-21-...-1199","hives":[{"sid":"S-1-5-21-...-1104","user":"HOLYWELL\\j.smith","policy":
    {"ScreenSaveActive":"1","ScreenSaverIsSecure":"1","ScreenSaveTimeOut":"600"},"settings":{}}]}``:
    one entry per loaded user hive (``HKU\S-1-5-21-*`` and Entra ID ``HKU\S-1-12-1-*``, not ``*_Classes``);
    ``self`` is the SID the probe runs as. ``user`` is null when the SID does not translate to an account.
    ``policy`` is from ``HKU\<sid>\Software\Policies\Microsoft\Windows\Control Panel\Desktop``, ``settings``
    from ``HKU\<sid>\Control Panel\Desktop``; values (``SCRNSAVE.EXE`` among them) are strings (the script
    casts them); an unset value's key is absent. A hive whose keys cannot be read has ``error`` (the
    message) instead of ``policy`` and ``settings``.
``bitlocker``
    ``{"volumes":[{"mount":"C:","type":"OperatingSystem","protection":"On","status":"FullyEncrypted",
    "percent":100}],"errors":[{"target":"D:","message":"..."}]}``, or ``{"error":"<message>"}`` when
    Get-BitLockerVolume fails (the module is missing, or access is denied); ``errors`` are those it wrote for
    single volumes. ``percent`` is a double, which ConvertTo-Json prints without ``.0`` when whole. Both shapes
    also carry ``"policy":{"mdmRequireDeviceEncryption":1,"mbamShouldEncryptOSDrive":null}`` (the values of
    ``RequireDeviceEncryption`` under ``HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\BitLocker`` and
    ``ShouldEncryptOSDrive`` under ``HKLM\SOFTWARE\Policies\Microsoft\FVE\MDOPBitLockerManagement`` as stored,
    null when absent) and ``"policyError":null``; when those keys cannot be read, ``policy`` is null and
    ``policyError`` the message.
``tasks``
    ``{"tasks":[{"path":"\\Holywell\\","name":"Nightly shutdown","enabled":true,"userId":"SYSTEM",
    "groupId":null,"disallowStartOnBatteries":false,"stopOnBatteries":false,"actions":[{"execute":
    "shutdown.exe","arguments":"/s /f /t 0"}],"triggers":[{"kind":"Daily","start":"2026-01-01T19:00:00",
    "end":null,"randomDelay":null,"interval":1,"days":null,"enabled":true}]}]}``: only tasks with an action
    whose executable is shutdown or logoff (with or without ``.exe``, quotes or a path), and only those
    actions. ``enabled`` is false when the task's State is Disabled or its settings disable it. A task whose
    details cannot be read is ``{"path":...,"name":...,"error":"<message>"}``. Trigger ``kind``: Daily,
    Weekly, Once, Logon, Boot, Idle or Other; ``interval`` is DaysInterval (Daily) or WeeksInterval (Weekly),
    else null; ``days`` is the DaysOfWeek bitmask of a Weekly trigger (Sunday=1, Monday=2, ... Saturday=64), else null.
``antivirus``
    ``{"defender":{"AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":true,
    "AMRunningMode":"Normal","AntivirusSignatureLastUpdated":"2026-11-27T03:00:00.0000000Z"},"products":
    [{"name":"Windows Defender","state":397568}],"productsError":null}``. ``defender`` is null when
    Get-MpComputerStatus fails; ``products`` (root/SecurityCenter2 AntiVirusProduct) is null on servers, which
    have no Security Center, with the query's error in ``productsError``.
``backup``
    ``{"wsbInstalled":true,"wsb":{"lastSuccess":"2026-11-27T23:14:05.0000000Z","lastBackup":
    "2026-11-27T23:14:05.0000000Z","lastResult":0,"versions":12},"wsbError":null}``: Get-WBSummary's
    LastSuccessfulBackupTime, LastBackupTime (UTC, ``.ToString('o')``), LastBackupResultHR and NumberOfVersions.
    ``wsbInstalled`` is false, and ``wsb`` null, when there is no Get-WBSummary (the Windows Server Backup feature
    is not installed); when Get-WBSummary fails, ``wsb`` is null and ``wsbError`` its message. ``declared`` holds
    one entry per piece of evidence the probe's ``$parameters`` literal declares (``{"evidence":[{"kind":"task",
    "taskPath":"\\Veeam\\","taskName":"Nightly backup"}]}``, JSON in a single-quoted string, ``'`` doubled):
    the declaration echoed (``kind``, ``taskPath``, ``taskName``, ``path``, null where not given), then a task's
    ``lastRun`` (LastRunTime, UTC, ``.ToString('o')``) and ``result`` (LastTaskResult, a UInt32) from
    Get-ScheduledTaskInfo, or a file's ``lastWrite`` (LastWriteTimeUtc) and ``folder`` (PSIsContainer) from
    Get-Item; or ``error`` (the message) and ``category`` (CategoryInfo.Category: ObjectNotFound for a task or
    path that does not exist, PermissionDenied for access denied). ``bitlocker``
    volumes also carry ``"lock":"Unlocked"`` (LockStatus; a locked volume's protection is ``Unknown``) and
    ``"driveType":3``, the drive letter's Win32_LogicalDisk DriveType (2 removable, 3 fixed; null when unread);
    ``type`` is Get-BitLockerVolume's ``OperatingSystem`` or ``Data``.

``firewall``
    ``{"profiles":[{"name":"Domain","enabled":"True","inbound":"Block"},...],"error":null}``: each profile of
    ``Get-NetFirewallProfile -PolicyStore ActiveStore``, its enums as their names; ``{"profiles":null,"error":
    "<message>"}`` when the cmdlet fails.
``remotedesktop``
    ``{"policy":{"fDenyTSConnections":null,"UserAuthentication":null,"SecurityLayer":null},"local":
    {"fDenyTSConnections":1,"UserAuthentication":1,"SecurityLayer":2},"error":null}``: the values under
    ``HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services`` and the machine's own (``Terminal Server``
    and its ``WinStations\RDP-Tcp``) as stored, null when absent; ``policy`` and ``local`` null and ``error`` the
    message when a key cannot be read.
``localadmins``
    ``{"members":[{"sid":"S-1-5-21-...-500","name":"HW-PC-01\\Administrator","class":"User","path":
    "WinNT://HOLYWELL/HW-PC-01/Administrator"}],"error":null}``: each member of the group S-1-5-32-544; ``name``
    is null for a SID that does not resolve; ``members`` null and ``error`` the message when the group cannot be
    read.
``removablemedia``
    ``{"fveEffective":1,"fvePolicy":1,"diskDenyWrite":null,"diskDenyAll":null,"allDenyAll":null,"error":null}``:
    ``RDVDenyWriteAccess`` under ``HKLM\SYSTEM\CurrentControlSet\Policies\Microsoft\FVE`` and
    ``HKLM\SOFTWARE\Policies\Microsoft\FVE``, ``Deny_Write`` and ``Deny_All`` under the removable disks class of
    ``...\Windows\RemovableStorageDevices`` and ``Deny_All`` under that key, as stored (null when absent); only
    ``{"error":"<message>"}`` when a key cannot be read.

A machine with ``bom`` set starts each output with a UTF-8 byte-order mark. Like ConvertTo-Json in
PowerShell 5.1, the JSON escapes ``<``, ``>``, ``&`` and ``'`` as ``\u003c`` and so on; a JSON parser reads
them back unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import TypeAlias

from holyaudit.winrm_sim.machine import (
    CURRENT_VERSION,
    DESKTOP_POLICY,
    DESKTOP_SETTINGS,
    FVE_EFFECTIVE,
    FVE_POLICY,
    INVALID_NAMESPACE,
    MBAM_POLICY,
    MDM_BITLOCKER,
    POLICIES_SYSTEM,
    RDP_TCP,
    REGISTRY_DENIED,
    REMOVABLE_DISKS,
    REMOVABLE_STORAGE,
    TERMINAL_SERVER,
    TERMINAL_SERVICES_POLICY,
    WINLOGON,
    Machine,
    RegistryValue,
    TaskTrigger,
)

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None

MARKER = re.compile(r"#\s*holyaudit-probe:\s*(?P<name>\S+)\s*")
"""The first line of every probe script."""

SCREENSAVER_VALUES = ("ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut", "SCRNSAVE.EXE")
_USER_HIVE = re.compile(r"S-1-(5-21|12-1)-[0-9-]+", re.IGNORECASE)
_LOGOFF_ACTION = re.compile(r'(^|\\)"?(shutdown|logoff)(\.exe)?"?$', re.IGNORECASE)
_TRIGGER_KINDS = {
    "MSFT_TaskDailyTrigger": "Daily",
    "MSFT_TaskWeeklyTrigger": "Weekly",
    "MSFT_TaskTimeTrigger": "Once",
    "MSFT_TaskLogonTrigger": "Logon",
    "MSFT_TaskBootTrigger": "Boot",
    "MSFT_TaskIdleTrigger": "Idle",
}
_POWERSHELL_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def probe_name(script: str) -> str | None:
    """The name on a script's ``# holyaudit-probe:`` first line, or None if it has none."""
    first_line = script.lstrip("\ufeff").lstrip().partition("\n")[0].strip()
    match = MARKER.fullmatch(first_line)
    return match["name"] if match else None


def render(name: str, machine: Machine, script: str = "") -> str:
    """What probe ``name`` (whose text is ``script``) prints on ``machine``, without the line end. KeyError for an
    unknown probe."""
    value = backup(machine, declared(script)) if name == "backup" else PROBES[name](machine)
    text = convert_to_json(value)
    return "\ufeff" + text if machine.bom else text


def convert_to_json(value: Json) -> str:
    """JSON as Windows PowerShell 5.1's ``ConvertTo-Json -Compress`` writes it."""
    text = json.dumps(_whole_doubles(value), separators=(",", ":"), ensure_ascii=False)
    # These characters only ever occur inside strings, so replacing them keeps the JSON valid.
    return re.sub("[<>&']", lambda match: _POWERSHELL_ESCAPES[match[0]], text)


def _whole_doubles(value: Json) -> Json:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_doubles(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_doubles(item) for key, item in value.items()}
    return value


_CURRENT_VERSION_VALUES = (
    "EditionID",
    "CurrentBuild",
    "CurrentBuildNumber",
    "UBR",
    "DisplayVersion",
    "InstallationType",
    "ProductName",
)


def system(machine: Machine) -> Json:
    winlogon = machine.key(WINLOGON)
    # The Winlogon key exists on every Windows machine: when it cannot be read, the probe says null.
    logon: Json = None
    if winlogon is not None:
        logon = {
            "autoAdminLogon": machine.value(WINLOGON, "AutoAdminLogon"),
            "userName": machine.value(WINLOGON, "DefaultUserName"),
            "domainName": machine.value(WINLOGON, "DefaultDomainName"),
            "autoLogonCount": machine.value(WINLOGON, "AutoLogonCount"),
            "forceAutoLogon": machine.value(WINLOGON, "ForceAutoLogon"),
            "defaultPassword": any(name.casefold() == "defaultpassword" for name in winlogon),
        }
    version: Json = None
    if not _denied(machine, CURRENT_VERSION):
        version = {name: machine.value(CURRENT_VERSION, name) for name in _CURRENT_VERSION_VALUES}
    return {
        "os": machine.os.Caption,
        "build": machine.os.BuildNumber,
        "version": version,
        "versionError": REGISTRY_DENIED if version is None else None,
        "chassis": None if machine.chassis_types is None else list(machine.chassis_types),
        "inactivitySecs": machine.value(POLICIES_SYSTEM, "InactivityTimeoutSecs"),
        "winlogon": logon,
    }


def screensaver(machine: Machine) -> Json:
    hives: list[Json] = []
    for sid in machine.loaded_hives():
        if not _USER_HIVE.fullmatch(sid):
            continue
        hive: dict[str, Json] = {"sid": sid, "user": machine.accounts.get(sid)}
        if sid in machine.unreadable_hives:
            hive["error"] = machine.unreadable_hives[sid]
        else:
            hive["policy"] = _desktop_values(machine, rf"HKU\{sid}\{DESKTOP_POLICY}")
            hive["settings"] = _desktop_values(machine, rf"HKU\{sid}\{DESKTOP_SETTINGS}")
        hives.append(hive)
    return {"self": machine.session_sid, "hives": hives}


def _desktop_values(machine: Machine, path: str) -> Json:
    found: dict[str, Json] = {}
    for name in SCREENSAVER_VALUES:
        value: RegistryValue | None = machine.value(path, name)
        if value is not None:
            found[name] = str(value)
    return found


def bitlocker(machine: Machine) -> Json:
    policy: Json = None
    if machine.bitlocker_policy_error is None:
        policy = {
            "mdmRequireDeviceEncryption": machine.value(MDM_BITLOCKER, "RequireDeviceEncryption"),
            "mbamShouldEncryptOSDrive": machine.value(MBAM_POLICY, "ShouldEncryptOSDrive"),
        }
    read: dict[str, Json] = {"policy": policy, "policyError": machine.bitlocker_policy_error}
    if machine.bitlocker_error is not None:
        return {"error": machine.bitlocker_error, **read}
    volumes: list[Json] = [
        {
            "mount": volume.MountPoint,
            "type": volume.VolumeType,
            "protection": volume.ProtectionStatus,
            "status": volume.VolumeStatus,
            "percent": float(volume.EncryptionPercentage),
            "lock": volume.LockStatus,
            "driveType": volume.DriveType,
        }
        for volume in machine.bitlocker_volumes
    ]
    errors: list[Json] = [
        {"target": failure.TargetObject or "", "message": failure.Message}
        for failure in machine.bitlocker_volume_errors
    ]
    return {"volumes": volumes, "errors": errors, **read}


def tasks(machine: Machine) -> Json:
    found: list[Json] = []
    for task in machine.scheduled_tasks:
        actions: list[Json] = [
            {"execute": action.Execute, "arguments": action.Arguments}
            for action in task.Actions
            if _LOGOFF_ACTION.search(action.Execute)
        ]
        if not actions:
            continue
        if task.unreadable is not None:
            found.append({"path": task.TaskPath, "name": task.TaskName, "error": task.unreadable})
            continue
        found.append(
            {
                "path": task.TaskPath,
                "name": task.TaskName,
                "enabled": task.State != "Disabled" and task.Settings.Enabled,
                "userId": task.Principal.UserId,
                "groupId": task.Principal.GroupId,
                "disallowStartOnBatteries": task.Settings.DisallowStartIfOnBatteries,
                "stopOnBatteries": task.Settings.StopIfGoingOnBatteries,
                "actions": actions,
                "triggers": [_trigger(trigger) for trigger in task.Triggers or []],
            }
        )
    return {"tasks": found}


def _trigger(trigger: TaskTrigger) -> Json:
    return {
        "kind": _TRIGGER_KINDS.get(trigger.CimClassName, "Other"),
        "start": trigger.StartBoundary,
        "end": trigger.EndBoundary,
        "randomDelay": trigger.RandomDelay,
        "interval": trigger.DaysInterval if trigger.DaysInterval is not None else trigger.WeeksInterval,
        "days": trigger.DaysOfWeek,
        "enabled": trigger.Enabled,
    }


def antivirus(machine: Machine) -> Json:
    status = machine.defender
    defender: Json = None
    if status is not None:
        defender = {
            "AMServiceEnabled": status.AMServiceEnabled,
            "AntivirusEnabled": status.AntivirusEnabled,
            "RealTimeProtectionEnabled": status.RealTimeProtectionEnabled,
            "AMRunningMode": status.AMRunningMode,
            "AntivirusSignatureLastUpdated": round_trip_utc(status.AntivirusSignatureLastUpdated),
        }
    if not machine.security_center:
        return {"defender": defender, "products": None, "productsError": INVALID_NAMESPACE}
    products: list[Json] = [
        {"name": product.displayName, "state": product.productState} for product in machine.antivirus_products
    ]
    return {"defender": defender, "products": products, "productsError": None}


def firewall(machine: Machine) -> Json:
    if machine.firewall_error is not None:
        return {"profiles": None, "error": machine.firewall_error}
    profiles: list[Json] = [
        {"name": profile.Name, "enabled": profile.Enabled, "inbound": profile.DefaultInboundAction}
        for profile in machine.firewall_profiles
    ]
    return {"profiles": profiles, "error": None}


def _denied(machine: Machine, *keys: str) -> bool:
    denied = {key.casefold() for key in machine.denied_keys}
    return any(key.casefold() in denied for key in keys)


def remote_desktop(machine: Machine) -> Json:
    if _denied(machine, TERMINAL_SERVICES_POLICY, TERMINAL_SERVER, RDP_TCP):
        return {"policy": None, "local": None, "error": REGISTRY_DENIED}
    names = ("fDenyTSConnections", "UserAuthentication", "SecurityLayer")
    return {
        "policy": {name: machine.value(TERMINAL_SERVICES_POLICY, name) for name in names},
        "local": {
            "fDenyTSConnections": machine.value(TERMINAL_SERVER, "fDenyTSConnections"),
            "UserAuthentication": machine.value(RDP_TCP, "UserAuthentication"),
            "SecurityLayer": machine.value(RDP_TCP, "SecurityLayer"),
        },
        "error": None,
    }


def local_admins(machine: Machine) -> Json:
    if machine.administrators_error is not None:
        return {"members": None, "error": machine.administrators_error}
    members: list[Json] = [
        {"sid": member.objectSid, "name": member.AccountName, "class": member.Class, "path": member.ADsPath}
        for member in machine.administrators
    ]
    return {"members": members, "error": None}


def removable_media(machine: Machine) -> Json:
    if _denied(machine, FVE_EFFECTIVE, FVE_POLICY, REMOVABLE_STORAGE, REMOVABLE_DISKS):
        return {"error": REGISTRY_DENIED}
    return {
        "fveEffective": machine.value(FVE_EFFECTIVE, "RDVDenyWriteAccess"),
        "fvePolicy": machine.value(FVE_POLICY, "RDVDenyWriteAccess"),
        "diskDenyWrite": machine.value(REMOVABLE_DISKS, "Deny_Write"),
        "diskDenyAll": machine.value(REMOVABLE_DISKS, "Deny_All"),
        "allDenyAll": machine.value(REMOVABLE_STORAGE, "Deny_All"),
        "error": None,
    }


_PARAMETERS = re.compile(
    r"^\$parameters = '((?:[^'\u2018\u2019\u201a\u201b]|''|\u2018\u2018|\u2019\u2019|\u201a\u201a|\u201b\u201b)*)'\r?$",
    re.MULTILINE,
)
_DOUBLED_QUOTE = re.compile("(['\u2018\u2019\u201a\u201b])\\1")


def declared(script: str) -> list[Json]:
    """The evidence a backup probe's ``$parameters`` literal declares, read as PowerShell reads a single-quoted
    string (each doubled single-quote character is one) and then as ConvertFrom-Json reads the JSON."""
    match = _PARAMETERS.search(script)
    if match is None:
        return []
    evidence = json.loads(_DOUBLED_QUOTE.sub(r"\1", match[1]))["evidence"]
    return list(evidence)


TASK_NOT_FOUND = "The system cannot find the file specified."
"""Get-ScheduledTaskInfo for a task that does not exist (HRESULT 0x80070002, ERROR_FILE_NOT_FOUND)."""


def _declared_result(machine: Machine, entry: Json) -> Json:
    assert isinstance(entry, dict)
    result: dict[str, Json] = {key: entry.get(key) for key in ("kind", "taskPath", "taskName", "path")}
    failure: tuple[str, str] | None = None
    if entry.get("kind") == "task":
        task = machine.task(str(entry.get("taskPath")), str(entry.get("taskName")))
        if task is None:
            failure = (TASK_NOT_FOUND, "ObjectNotFound")
        elif task.unreadable is not None:
            failure = (task.unreadable, "PermissionDenied")
        else:
            result["lastRun"] = round_trip_utc(task.LastRunTime)
            result["result"] = task.LastTaskResult
    else:
        path = str(entry.get("path"))
        item = machine.file(path)
        if item is None:
            failure = (f"Cannot find path '{path}' because it does not exist.", "ObjectNotFound")
        elif item.error is not None:
            failure = (item.error, "PermissionDenied")
        else:
            result["lastWrite"] = round_trip_utc(item.LastWriteTimeUtc)
            result["folder"] = item.PSIsContainer
    if failure is not None:
        result["error"], result["category"] = failure
    return result


def backup(machine: Machine, evidence: list[Json] | None = None) -> Json:
    installed = machine.wb_summary is not None or machine.wb_summary_error is not None
    summary: Json = None
    if machine.wb_summary is not None and machine.wb_summary_error is None:
        wb = machine.wb_summary
        summary = {
            "lastSuccess": round_trip_utc(wb.LastSuccessfulBackupTime),
            "lastBackup": round_trip_utc(wb.LastBackupTime),
            "lastResult": wb.LastBackupResultHR,
            "versions": wb.NumberOfVersions,
        }
    found: list[Json] = [_declared_result(machine, entry) for entry in evidence or []]
    return {"wsbInstalled": installed, "wsb": summary, "wsbError": machine.wb_summary_error, "declared": found}


def round_trip_utc(moment: dt.datetime) -> str:
    """``.ToUniversalTime().ToString('o')``: seven fractional digits and a Z. A naive time counts as UTC."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    # .NET writes four-digit years, also year 1 (its empty date), which strftime's %Y would not pad.
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.{utc.microsecond * 10:07d}Z"


PROBES: dict[str, Callable[[Machine], Json]] = {
    "system": system,
    "screensaver": screensaver,
    "bitlocker": bitlocker,
    "tasks": tasks,
    "antivirus": antivirus,
    "firewall": firewall,
    "remotedesktop": remote_desktop,
    "localadmins": local_admins,
    "removablemedia": removable_media,
    "backup": backup,
}
"""Every probe the simulator answers, by the name on its marker line."""
