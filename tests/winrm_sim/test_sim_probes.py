"""Each probe prints exactly what its PowerShell script prints on a Windows machine in the given state,
fetched through a real pywinrm client: compressed JSON, then CRLF, exit code 0."""

from __future__ import annotations

import datetime as dt

import pytest
from sim_support import ACCOUNT, SID, SIGNATURES, desktop, ntlm_client, probe_script, run_script, workstation

from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import (
    BITLOCKER_NOT_INSTALLED,
    CURRENT_VERSION,
    MDM_BITLOCKER,
    WINLOGON,
    AntiVirusProduct,
    BitLockerError,
    BitLockerVolume,
    MpComputerStatus,
    ScheduledTask,
    TaskAction,
    TaskPrincipal,
    TaskSettings,
    TaskTrigger,
)

UTF8_BOM_AS_CP437 = "\ufeff".encode().decode("cp437")
SESSION_SID = Machine.model_fields["session_sid"].default
ENTRA = "S-1-12-1-3570919734-1282373437-2345923734-1726386562"
DENIED = "S-1-5-21-1004336348-1177238915-682003330-2002"


def daily(start: str, interval: int = 1) -> TaskTrigger:
    return TaskTrigger(CimClassName="MSFT_TaskDailyTrigger", StartBoundary=start, DaysInterval=interval)


def with_extra_hives(machine: Machine) -> Machine:
    """Add the hives the screensaver probe must skip, and a user whose SID does not translate."""
    other = "S-1-5-21-1004336348-1177238915-682003330-2001"
    registry = dict(machine.registry)
    registry[r"HKU\.DEFAULT\Control Panel\Desktop"] = {"ScreenSaveActive": "1"}
    registry[rf"HKU\{SID}_Classes"] = {}
    registry[r"HKU\S-1-5-18"] = {}
    registry[rf"HKU\{other}\Control Panel\Desktop"] = {"ScreenSaveTimeOut": 900, "Wallpaper": "x.jpg"}
    return machine.model_copy(update={"registry": registry})


def with_entra_and_denied_hives(machine: Machine) -> Machine:
    """Add an Entra ID user's hive, the audit account's own (skipped by nothing: the reader leaves it out), and a
    hive whose keys cannot be read."""
    registry = dict(machine.registry)
    registry[rf"HKU\{ENTRA}\Control Panel\Desktop"] = {"ScreenSaveActive": "1"}
    registry[rf"HKU\{DENIED}"] = {}
    accounts = {**machine.accounts, ENTRA: "AzureAD\\JaneSmith"}
    return machine.model_copy(
        update={
            "registry": registry,
            "accounts": accounts,
            "unreadable_hives": {DENIED: "Requested registry access is not allowed."},
        }
    )


SYSTEM_START = (
    '{"os":"Microsoft Windows 11 Education","build":"22631","version":{"EditionID":"Education","CurrentBuild":'
    '"22631","CurrentBuildNumber":"22631","UBR":6199,"DisplayVersion":"23H2","InstallationType":"Client",'
    '"ProductName":"Windows 10 Education"},"versionError":null,'
)
"""What the system probe prints first on the default Windows 11 workstation (its CurrentVersion values)."""

CASES: dict[str, tuple[str, Machine, str]] = {
    "system-autologon-with-stored-password": (
        "system",
        workstation(inactivity=600, auto_admin_logon="1", default_password=True),
        SYSTEM_START + '"chassis":[10],"inactivitySecs":600,'
        '"winlogon":{"autoAdminLogon":"1","userName":null,"domainName":null,"autoLogonCount":null,'
        '"forceAutoLogon":null,"defaultPassword":true}}',
    ),
    "system-values-absent": (
        "system",
        workstation(inactivity=None, auto_admin_logon=None, chassis=[3, 12]),
        SYSTEM_START + '"chassis":[3,12],"inactivitySecs":null,'
        '"winlogon":{"autoAdminLogon":null,"userName":null,"domainName":null,"autoLogonCount":null,'
        '"forceAutoLogon":null,"defaultPassword":false}}',
    ),
    "system-chassis-null-and-sysinternals-autologon": (
        "system",
        workstation(auto_admin_logon="1", chassis=[]).model_copy(
            update={
                "chassis_types": None,
                "registry": {
                    **workstation().registry,
                    WINLOGON: {"AutoAdminLogon": "1", "DefaultUserName": "hall-display", "AutoLogonCount": 2},
                },
            }
        ),
        SYSTEM_START + '"chassis":null,"inactivitySecs":600,'
        '"winlogon":{"autoAdminLogon":"1","userName":"hall-display","domainName":null,"autoLogonCount":2,'
        '"forceAutoLogon":null,"defaultPassword":false}}',
    ),
    "system-inactivity-stored-as-a-string": (
        "system",
        workstation(inactivity="900"),
        SYSTEM_START + '"chassis":[10],"inactivitySecs":"900",'
        '"winlogon":{"autoAdminLogon":"0","userName":null,"domainName":null,"autoLogonCount":null,'
        '"forceAutoLogon":null,"defaultPassword":false}}',
    ),
    "system-current-version-unreadable": (
        "system",
        workstation(inactivity=None).model_copy(update={"denied_keys": [CURRENT_VERSION]}),
        '{"os":"Microsoft Windows 11 Education","build":"22631","version":null,'
        '"versionError":"Requested registry access is not allowed.","chassis":[10],"inactivitySecs":null,'
        '"winlogon":{"autoAdminLogon":"0","userName":null,"domainName":null,"autoLogonCount":null,'
        '"forceAutoLogon":null,"defaultPassword":false}}',
    ),
    "screensaver-policy-and-partial-settings": (
        "screensaver",
        workstation(policy=desktop(active="1", secure="1", timeout="600"), settings=desktop(timeout=300)),
        '{"self":"' + SESSION_SID + '","hives":[{"sid":"' + SID + '","user":"HOLYWELL\\\\j.smith","policy":'
        '{"ScreenSaveActive":"1","ScreenSaverIsSecure":"1","ScreenSaveTimeOut":"600"},"settings":'
        '{"ScreenSaveTimeOut":"300"}}]}',
    ),
    "screensaver-name-entra-user-and-an-unreadable-hive": (
        "screensaver",
        with_entra_and_denied_hives(workstation(policy={"SCRNSAVE.EXE": "scrnsave.scr"})),
        '{"self":"' + SESSION_SID + '","hives":[{"sid":"' + SID + '","user":"HOLYWELL\\\\j.smith","policy":'
        '{"SCRNSAVE.EXE":"scrnsave.scr"},"settings":{}},{"sid":"' + ENTRA + '","user":"AzureAD\\\\JaneSmith",'
        '"policy":{},"settings":{"ScreenSaveActive":"1"}},{"sid":"' + DENIED + '","user":null,'
        '"error":"Requested registry access is not allowed."}]}',
    ),
    "screensaver-only-user-hives-and-untranslatable-sids": (
        "screensaver",
        with_extra_hives(workstation()),
        '{"self":"' + SESSION_SID + '","hives":[{"sid":"' + SID + '","user":"HOLYWELL\\\\j.smith","policy":{},'
        '"settings":{}},{"sid":"S-1-5-21-1004336348-1177238915-682003330-2001","user":null,"policy":{},'
        '"settings":{"ScreenSaveTimeOut":"900"}}]}',
    ),
    "bitlocker-volumes": (
        "bitlocker",
        workstation(
            bitlocker=[
                BitLockerVolume(),
                BitLockerVolume(
                    MountPoint="D:",
                    VolumeType="Data",
                    ProtectionStatus="Off",
                    VolumeStatus="EncryptionInProgress",
                    EncryptionPercentage=47.5,
                ),
            ]
        ),
        '{"volumes":[{"mount":"C:","type":"OperatingSystem","protection":"On","status":"FullyEncrypted",'
        '"percent":100,"lock":"Unlocked","driveType":3},{"mount":"D:","type":"Data","protection":"Off",'
        '"status":"EncryptionInProgress","percent":47.5,"lock":"Unlocked","driveType":3}],"errors":[],'
        '"policy":{"mdmRequireDeviceEncryption":null,"mbamShouldEncryptOSDrive":null},"policyError":null}',
    ),
    "bitlocker-one-volume-fails": (
        "bitlocker",
        workstation().model_copy(
            update={
                "bitlocker_volume_errors": [BitLockerError(TargetObject="E:", Message="Access is denied.")],
                "registry": {**workstation().registry, MDM_BITLOCKER: {"RequireDeviceEncryption": 1}},
            }
        ),
        '{"volumes":[{"mount":"C:","type":"OperatingSystem","protection":"On","status":"FullyEncrypted",'
        '"percent":100,"lock":"Unlocked","driveType":3}],"errors":[{"target":"E:","message":"Access is denied."}],'
        '"policy":{"mdmRequireDeviceEncryption":1,"mbamShouldEncryptOSDrive":null},"policyError":null}',
    ),
    "bitlocker-policy-keys-denied": (
        "bitlocker",
        workstation().model_copy(update={"bitlocker_policy_error": "Requested registry access is not allowed."}),
        '{"volumes":[{"mount":"C:","type":"OperatingSystem","protection":"On","status":"FullyEncrypted",'
        '"percent":100,"lock":"Unlocked","driveType":3}],"errors":[],"policy":null,'
        '"policyError":"Requested registry access is not allowed."}',
    ),
    "bitlocker-module-missing": (
        "bitlocker",
        workstation(bitlocker_error=BITLOCKER_NOT_INSTALLED),
        '{"error":"The term \\u0027Get-BitLockerVolume\\u0027 is not recognized as the name of a cmdlet, function, '
        "script file, or operable program. Check the spelling of the name, or if a path was included, verify that "
        'the path is correct and try again.",'
        '"policy":{"mdmRequireDeviceEncryption":null,"mbamShouldEncryptOSDrive":null},"policyError":null}',
    ),
    "tasks-only-shutdown-and-logoff": (
        "tasks",
        workstation(
            tasks=[
                ScheduledTask(
                    TaskPath="\\Holywell\\",
                    TaskName="Nightly shutdown",
                    Actions=[TaskAction(Execute="shutdown.exe", Arguments="/s /f /t 0")],
                    Triggers=[daily("2026-01-01T19:00:00")],
                ),
                ScheduledTask(
                    TaskPath="\\Holywell\\",
                    TaskName="Friday log-off",
                    State="Disabled",
                    Principal=TaskPrincipal(UserId=None, GroupId="BUILTIN\\Users"),
                    Settings=TaskSettings(DisallowStartIfOnBatteries=False, StopIfGoingOnBatteries=False),
                    Actions=[
                        TaskAction(Execute="cmd.exe", Arguments="/c echo bye"),
                        TaskAction(Execute='"C:\\Windows\\System32\\logoff"'),
                    ],
                    Triggers=[
                        TaskTrigger(
                            CimClassName="MSFT_TaskWeeklyTrigger",
                            StartBoundary="2026-01-02T16:00:00+00:00",
                            EndBoundary="2026-07-17T00:00:00",
                            RandomDelay="PT30M",
                            DaysOfWeek=32,
                            WeeksInterval=1,
                            Enabled=False,
                        ),
                        TaskTrigger(CimClassName="MSFT_TaskLogonTrigger"),
                        TaskTrigger(CimClassName="MSFT_TaskEventTrigger"),
                    ],
                ),
                ScheduledTask(
                    TaskPath="\\Microsoft\\Windows\\Defrag\\",
                    TaskName="ScheduledDefrag",
                    Actions=[TaskAction(Execute="%windir%\\system32\\defrag.exe", Arguments="-c -h -o")],
                ),
                ScheduledTask(
                    TaskName="Not really shutdown",
                    Actions=[TaskAction(Execute="C:\\tools\\shutdownhelper.exe")],
                ),
                ScheduledTask(
                    TaskName="Shut down now",
                    Actions=[TaskAction(Execute="shutdown.exe", Arguments="/s")],
                    Triggers=None,
                ),
                ScheduledTask(
                    TaskName="Locked down",
                    Actions=[TaskAction(Execute="shutdown.exe", Arguments="/s")],
                    unreadable="Access is denied.",
                ),
            ]
        ),
        '{"tasks":[{"path":"\\\\Holywell\\\\","name":"Nightly shutdown","enabled":true,"userId":"SYSTEM",'
        '"groupId":null,"disallowStartOnBatteries":true,"stopOnBatteries":true,"actions":[{"execute":'
        '"shutdown.exe","arguments":"/s /f /t 0"}],"triggers":[{"kind":"Daily","start":"2026-01-01T19:00:00",'
        '"end":null,"randomDelay":null,"interval":1,"days":null,"enabled":true}]},{"path":"\\\\Holywell\\\\",'
        '"name":"Friday log-off","enabled":false,"userId":null,"groupId":"BUILTIN\\\\Users",'
        '"disallowStartOnBatteries":false,"stopOnBatteries":false,"actions":[{"execute":'
        '"\\"C:\\\\Windows\\\\System32\\\\logoff\\"","arguments":null}],"triggers":[{"kind":"Weekly",'
        '"start":"2026-01-02T16:00:00+00:00","end":"2026-07-17T00:00:00","randomDelay":"PT30M","interval":1,'
        '"days":32,"enabled":false},{"kind":"Logon","start":null,"end":null,"randomDelay":null,"interval":null,'
        '"days":null,"enabled":true},{"kind":"Other","start":null,"end":null,"randomDelay":null,"interval":null,'
        '"days":null,"enabled":true}]},{"path":"\\\\","name":"Shut down now","enabled":true,"userId":"SYSTEM",'
        '"groupId":null,"disallowStartOnBatteries":true,"stopOnBatteries":true,"actions":[{"execute":'
        '"shutdown.exe","arguments":"/s"}],"triggers":[]},{"path":"\\\\","name":"Locked down",'
        '"error":"Access is denied."}]}',
    ),
    "antivirus-defender-and-security-center": (
        "antivirus",
        workstation(
            defender=MpComputerStatus(
                RealTimeProtectionEnabled=False,
                AntivirusSignatureLastUpdated=SIGNATURES.astimezone(dt.timezone(dt.timedelta(hours=1))),
            ),
            products=[
                AntiVirusProduct(timestamp="Fri, 27 Nov 2026 03:00:00 GMT"),
                AntiVirusProduct(displayName="Smith's AV <Pro>", productState=266240, timestamp="Mon, 2 Nov 2026"),
            ],
        ),
        '{"defender":{"AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":false,'
        '"AMRunningMode":"Normal","AntivirusSignatureLastUpdated":"2026-11-27T03:00:00.0000000Z"},"products":'
        '[{"name":"Windows Defender","state":397568},{"name":"Smith\\u0027s AV \\u003cPro\\u003e",'
        '"state":266240}],"productsError":null}',
    ),
    "antivirus-passive-defender-output-with-a-byte-order-mark": (
        "antivirus",
        workstation(
            defender=MpComputerStatus(AMRunningMode="Passive Mode", AntivirusSignatureLastUpdated=SIGNATURES)
        ).model_copy(update={"bom": True}),
        # The client reads the shell's code page (437): the mark's three UTF-8 bytes arrive as they are.
        UTF8_BOM_AS_CP437
        + '{"defender":{"AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":true,'
        '"AMRunningMode":"Passive Mode","AntivirusSignatureLastUpdated":"2026-11-27T03:00:00.0000000Z"},'
        '"products":[],"productsError":null}',
    ),
    "antivirus-server-without-defender-or-security-center": (
        "antivirus",
        workstation(defender=None, products=[]).model_copy(update={"security_center": False}),
        '{"defender":null,"products":null,"productsError":"Invalid namespace "}',
    ),
}


@pytest.fixture(scope="module")
def fleet():
    hosts = [SimHost(address="127.0.0.4", name=case, machine=machine) for case, (_, machine, _) in CASES.items()]
    with Fleet(hosts, credentials=[ACCOUNT]) as fleet:
        yield fleet


@pytest.mark.parametrize("case", CASES)
def test_probe_prints_what_powershell_would(fleet, case: str) -> None:
    probe, _, expected = CASES[case]
    protocol = ntlm_client(fleet.endpoint(case))
    shell_id = protocol.open_shell()
    assert run_script(protocol, shell_id, probe_script(probe)) == (expected + "\r\n", "", 0)
    protocol.close_shell(shell_id)


def test_all_probes_run_one_after_another_in_one_shell(fleet) -> None:
    protocol = ntlm_client(fleet.endpoint("system-autologon-with-stored-password"))
    shell_id = protocol.open_shell()
    results = [run_script(protocol, shell_id, probe_script(name)) for name in ("system", "screensaver", "bitlocker")]
    assert [(stdout.startswith("{"), stderr, code) for stdout, stderr, code in results] == [(True, "", 0)] * 3
