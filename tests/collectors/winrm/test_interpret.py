"""Reading the probes' JSON into Host facts: each Windows quirk at its boundary, with plain data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from holyaudit.collectors.winrm.interpret import ProbeOutputError, host_fields, trigger_time
from holyaudit.facts import ScheduledTask, ScreenSaverPolicy, Volume

LONDON = ZoneInfo("Europe/London")
AUDIT_SID = "S-1-5-21-1-2-3-1199"


def read(**outputs: object) -> tuple[dict[str, object], dict[str, str]]:
    return host_fields(outputs, LONDON)


WINLOGON = {
    "autoAdminLogon": "1",
    "userName": "exam",
    "domainName": "HOLYWELL",
    "autoLogonCount": None,
    "forceAutoLogon": None,
    "defaultPassword": True,
}
VERSION = {
    "EditionID": "Education",
    "CurrentBuild": "26100",
    "CurrentBuildNumber": "26100",
    "UBR": 8655,
    "DisplayVersion": "24H2",
    "InstallationType": "Client",
    "ProductName": "Windows 10 Education",
}
SYSTEM = {
    "os": "Microsoft Windows 11 Education",
    "build": "26100",
    "version": VERSION,
    "versionError": None,
    "chassis": [10],
    "inactivitySecs": 600,
    "winlogon": WINLOGON,
}

AFTER_LIST = (
    "holyaudit's update list ends on 2026-06-23: update holyaudit (a cumulative update released since may be missing)"
)
RELEASE_FIELDS = {
    "os_edition_id",
    "os_installation_type",
    "os_display_version",
    "os_product_name",
    "os_ubr",
    "os_release",
    "os_support_ends",
    "os_esu_ends",
    "os_lifecycle_source",
    "os_update_missing",
    "os_oldest_missing_update",
    "os_oldest_missing_build",
    "os_updates_listed_until",
    "os_updates_after_list",
}


def test_system_probe() -> None:
    fields, unreadable = read(system=SYSTEM)
    assert fields == {
        "os": "Microsoft Windows 11 Education",
        "os_build": "26100",
        "chassis_types": [10],
        "inactivity_timeout_secs": 600,
        "autologon_enabled": True,
        "autologon_user": "HOLYWELL\\exam",
        "autologon_count": None,
        "force_autologon": False,
        "default_password_present": True,
        "os_edition_id": "Education",
        "os_installation_type": "Client",
        "os_display_version": "24H2",
        "os_product_name": "Windows 10 Education",
        "os_ubr": 8655,
        "os_release": "Windows 11, version 24H2 (Enterprise and Education)",
        "os_support_ends": dt.date(2027, 10, 12),
        "os_esu_ends": None,
        "os_lifecycle_source": "https://learn.microsoft.com/en-us/lifecycle/products/windows-11-enterprise-and-education",
        "os_update_missing": False,
        "os_oldest_missing_update": None,
        "os_oldest_missing_build": None,
        "os_updates_listed_until": dt.date(2026, 6, 23),
    }
    assert unreadable == {"os_updates_after_list": AFTER_LIST}


def test_a_current_version_key_that_could_not_be_read_leaves_every_release_field_unknown() -> None:
    denied = {**SYSTEM, "version": None, "versionError": "Requested registry access is not allowed."}
    fields, unreadable = read(system=denied)
    assert set(unreadable) == RELEASE_FIELDS
    assert set(unreadable.values()) == {
        "the CurrentVersion registry key could not be read: Requested registry access is not allowed."
    }
    assert fields["os"] == "Microsoft Windows 11 Education"


def test_a_facts_file_from_before_the_release_values_leaves_them_unknown() -> None:
    older = {key: value for key, value in SYSTEM.items() if key not in ("version", "versionError")}
    _, unreadable = read(system=older)
    assert set(unreadable) == RELEASE_FIELDS
    assert "a facts file from an older script?" in unreadable["os_release"]


def test_no_current_version_values_and_no_error_leaves_only_the_release_fields_unknown() -> None:
    fields, unreadable = read(system={**SYSTEM, "version": None})
    assert set(unreadable) == RELEASE_FIELDS
    assert (fields["os"], fields["chassis_types"]) == ("Microsoft Windows 11 Education", [10])


def test_current_build_and_current_build_number_must_agree() -> None:
    fields, unreadable = read(system={**SYSTEM, "version": {**VERSION, "CurrentBuildNumber": "22631"}})
    assert set(unreadable) == RELEASE_FIELDS
    assert unreadable["os_release"] == (
        "the CurrentVersion values could not be used: CurrentBuild and CurrentBuildNumber disagree: [22631, 26100]"
    )
    assert fields["autologon_enabled"] is True


def test_a_ubr_that_is_not_a_number_leaves_only_the_release_fields_unknown() -> None:
    fields, unreadable = read(system={**SYSTEM, "version": {**VERSION, "UBR": "8655a"}})
    assert unreadable["os_ubr"] == "the CurrentVersion values could not be used: UBR is not a whole number: '8655a'"
    assert fields["os_build"] == "26100"


def test_either_build_value_alone_gives_the_build() -> None:
    fields, _ = read(system={**SYSTEM, "version": {**VERSION, "CurrentBuild": None, "CurrentBuildNumber": "19045"}})
    assert fields["os_release"] == "Windows 10, version 22H2 (Enterprise and Education)"


def test_automatic_logon_needs_a_user_name_and_counts_without_a_stored_password() -> None:
    lsa = {**WINLOGON, "defaultPassword": False, "autoLogonCount": 2, "forceAutoLogon": "1"}
    fields, _ = read(system={**SYSTEM, "winlogon": lsa})
    assert (fields["autologon_enabled"], fields["autologon_count"], fields["force_autologon"]) == (True, 2, True)
    fields, _ = read(system={**SYSTEM, "winlogon": {**lsa, "userName": None, "domainName": None}})
    assert (fields["autologon_enabled"], fields["autologon_user"]) == (False, None)
    fields, _ = read(system={**SYSTEM, "winlogon": {**lsa, "autoAdminLogon": "0"}})
    assert fields["autologon_enabled"] is False


def test_no_inactivity_limit_is_none_and_no_chassis_is_unreadable() -> None:
    fields, unreadable = read(system={**SYSTEM, "inactivitySecs": None, "chassis": None})
    assert fields["inactivity_timeout_secs"] is None
    assert unreadable == {"chassis_types": "the machine reports no chassis type", "os_updates_after_list": AFTER_LIST}


@pytest.mark.parametrize("chassis", [[0], [2], [0, 2]])
def test_a_chassis_reported_as_unknown_or_zero_is_unreadable_never_a_desktop(chassis: list[int]) -> None:
    fields, unreadable = read(system={**SYSTEM, "chassis": chassis})
    assert "chassis_types" not in fields
    assert unreadable["chassis_types"] == f"the machine reports its chassis type as unknown ({chassis})"


def test_a_failed_probe_leaves_all_its_fields_unreadable_with_the_reason() -> None:
    fields, unreadable = read(system=ProbeOutputError("exit code 1: The command line is too long."))
    assert fields == {}
    reason = "the system probe's output could not be used: exit code 1: The command line is too long."
    assert unreadable == dict.fromkeys(
        [
            "autologon_count",
            "autologon_enabled",
            "autologon_user",
            "chassis_types",
            "default_password_present",
            "force_autologon",
            "inactivity_timeout_secs",
            "os",
            "os_build",
            *RELEASE_FIELDS,
        ],
        reason,
    )


def test_output_of_the_wrong_shape_is_unreadable_not_guessed() -> None:
    _, unreadable = read(system={**SYSTEM, "winlogon": {**WINLOGON, "defaultPassword": "no"}})
    assert unreadable["default_password_present"].endswith("defaultPassword is not true or false: 'no'")


def test_an_unreadable_winlogon_key_is_unknown_never_no_stored_password() -> None:
    fields, unreadable = read(system={**SYSTEM, "winlogon": None})
    assert "default_password_present" not in fields
    assert unreadable == dict.fromkeys(
        ["autologon_enabled", "autologon_user", "autologon_count", "force_autologon", "default_password_present"],
        "the Winlogon registry key could not be read",
    ) | {"os_updates_after_list": AFTER_LIST}


def hives(*found: dict[str, object]) -> dict[str, object]:
    return {"self": AUDIT_SID, "hives": list(found)}


def test_policy_screensaver_values_win_over_the_users_own() -> None:
    hive = {
        "sid": "S-1-5-21-1-2-3-1104",
        "user": "HOLYWELL\\j.smith",
        "policy": {"ScreenSaverIsSecure": "1", "ScreenSaveTimeOut": "600", "SCRNSAVE.EXE": "scrnsave.scr"},
        "settings": {"ScreenSaveActive": "1", "ScreenSaverIsSecure": "0", "ScreenSaveTimeOut": "1200"},
    }
    fields, _ = read(screensaver=hives(hive))
    assert fields["screensaver_users"] == [
        ScreenSaverPolicy(
            id="HOLYWELL\\j.smith",
            active=True,
            secure=True,
            timeout_secs=600,
            executable="scrnsave.scr",
            saver_selected=True,
            policy_values=["SCRNSAVE.EXE", "ScreenSaveTimeOut", "ScreenSaverIsSecure"],
        )
    ]


def test_unset_screensaver_values_mean_no_protection() -> None:
    fields, _ = read(screensaver=hives({"sid": "S-1-5-21-9", "user": None, "policy": {}, "settings": {}}))
    assert fields["screensaver_users"] == [
        ScreenSaverPolicy(
            id="S-1-5-21-9", active=False, secure=False, timeout_secs=None, saver_selected=False, policy_values=[]
        )
    ]


def test_an_empty_screen_saver_name_selects_none() -> None:
    hive = {"sid": "S-1-5-21-9", "settings": {"ScreenSaveActive": "1", "SCRNSAVE.EXE": " "}}
    fields, _ = read(screensaver=hives(hive))
    assert fields["screensaver_users"][0].saver_selected is False  # type: ignore[index]


def test_the_audit_accounts_own_hive_is_left_out_and_entra_users_are_judged() -> None:
    audit = {"sid": AUDIT_SID.lower(), "user": "HOLYWELL\\audit-winrm", "policy": {}, "settings": {}}
    entra = {"sid": "S-1-12-1-1-2-3-4", "user": "AzureAD\\JaneSmith", "policy": {}, "settings": {}}
    fields, _ = read(screensaver=hives(audit, entra))
    assert [user.id for user in fields["screensaver_users"]] == ["AzureAD\\JaneSmith"]  # type: ignore[attr-defined]


def test_a_hive_that_cannot_be_read_is_recorded_with_its_error() -> None:
    denied = {"sid": "S-1-5-21-9", "user": "HOLYWELL\\p.jones", "error": "Requested registry access is not allowed."}
    fields, unreadable = read(screensaver=hives(denied))
    assert unreadable == {}
    assert fields["screensaver_users"] == [
        ScreenSaverPolicy(
            id="HOLYWELL\\p.jones", error="the hive could not be read: Requested registry access is not allowed."
        )
    ]


def test_a_non_numeric_timeout_is_unreadable() -> None:
    hive = {"sid": "S-1-5-21-9", "policy": {"ScreenSaveTimeOut": "ten minutes"}, "settings": {}}
    _, unreadable = read(screensaver=hives(hive))
    assert "ScreenSaveTimeOut is not a whole number: 'ten minutes'" in unreadable["screensaver_users"]


def test_bitlocker_volumes_and_a_machine_without_bitlocker() -> None:
    volume = {"mount": "C:", "type": "OperatingSystem", "protection": "Off", "status": "EncryptionInProgress"}
    fields, _ = read(bitlocker={"volumes": [{**volume, "percent": 42.5}], "errors": []})
    assert fields["volumes"] == [
        Volume(id="C:", volume_type="OperatingSystem", protection_status="Off", encryption_percentage=42.5)
    ]
    fields, unreadable = read(bitlocker={"error": "The term 'Get-BitLockerVolume' is not recognized"})
    assert "volumes" not in fields
    assert unreadable["volumes"].startswith("BitLocker status could not be read on the machine: The term")


def test_a_volume_bitlocker_could_not_report_is_kept_with_its_error() -> None:
    volume = {"mount": "C:", "type": "OperatingSystem", "protection": "On", "status": "FullyEncrypted", "percent": 100}
    errors = [{"target": "D:", "message": "Access is denied."}, {"target": "", "message": "The device is not ready."}]
    fields, _ = read(bitlocker={"volumes": [volume], "errors": errors})
    assert fields["volumes"] == [
        Volume(id="C:", volume_type="OperatingSystem", protection_status="On", encryption_percentage=100.0),
        Volume(id="D:", error="Access is denied."),
        Volume(id="unnamed volume 2", error="The device is not ready."),
    ]


def task(execute: str = "shutdown.exe", arguments: str = "/s /f /t 0", **trigger: object) -> dict[str, object]:
    return {
        "path": "\\Holywell\\",
        "name": "Nightly",
        "enabled": trigger.pop("task_enabled", True),
        "userId": trigger.pop("user", "SYSTEM"),
        "groupId": trigger.pop("group", None),
        "disallowStartOnBatteries": trigger.pop("disallow", False),
        "stopOnBatteries": trigger.pop("stop", False),
        "actions": [{"execute": execute, "arguments": arguments}],
        "triggers": [
            {
                "kind": "Daily",
                "start": "2026-01-01T19:00:00",
                "end": None,
                "randomDelay": None,
                "interval": 1,
                "days": None,
                "enabled": True,
            }
            | trigger
        ],
    }


def tasks_of(*found: dict[str, object]) -> list[ScheduledTask]:
    fields, unreadable = read(tasks={"tasks": list(found)})
    assert unreadable == {}
    return fields["logoff_tasks"]  # type: ignore[return-value]


def test_a_daily_shutdown_at_19_00() -> None:
    assert tasks_of(task()) == [
        ScheduledTask(
            id="\\Holywell\\Nightly",
            action="shutdown",
            daily=True,
            time=dt.time(19, 0),
            runs_as="SYSTEM",
            ends_user_sessions=True,
            runs_on_battery=True,
        )
    ]


def test_what_counts_as_daily() -> None:
    every_day, weekdays = 0b1111111, 0b0111110
    assert tasks_of(task(kind="Weekly", days=every_day))[0].daily is True
    assert tasks_of(task(kind="Weekly", days=weekdays))[0].daily is False
    assert tasks_of(task(interval=2))[0].daily is False
    assert tasks_of(task(enabled=False))[0].daily is False
    assert tasks_of(task(task_enabled=False))[0].daily is False
    ended = tasks_of(task(end="2026-07-17T23:59:00"))[0]
    assert (ended.daily, ended.expires) == (False, dt.datetime(2026, 7, 17, 23, 59, tzinfo=LONDON))
    logon = tasks_of(task(kind="Logon"))[0]
    assert (logon.daily, logon.time) == (False, None)


def test_a_task_with_no_triggers_is_not_daily_and_spoils_nothing() -> None:
    no_triggers = {**task(), "name": "On demand", "triggers": []}
    assert [(t.id, t.daily) for t in tasks_of(no_triggers, task())] == [
        ("\\Holywell\\On demand", False),
        ("\\Holywell\\Nightly", True),
    ]


def test_a_task_that_could_not_be_read_is_kept_with_its_error() -> None:
    assert tasks_of({"path": "\\Holywell\\", "name": "Nightly", "error": "Access is denied."}) == [
        ScheduledTask(id="\\Holywell\\Nightly", error="Access is denied.")
    ]


def test_the_time_a_task_has_acted_by_adds_its_delays() -> None:
    assert tasks_of(task(arguments="/s"))[0].time == dt.time(19, 0, 30)  # shutdown's default /t 30
    assert tasks_of(task(arguments="/s /t 3600", start="2026-01-01T18:30:00"))[0].time == dt.time(19, 30)
    assert tasks_of(task(arguments="/p"))[0].time == dt.time(19, 0)
    assert tasks_of(task(randomDelay="PT1H30M", start="2026-01-01T17:00:00"))[0].time == dt.time(18, 30)
    assert tasks_of(task(arguments="/s /t 7200", start="2026-01-01T23:00:00"))[0].time == dt.time(23, 59, 59)


def test_which_programs_and_switches_end_whose_sessions() -> None:
    logoff = tasks_of(task(execute="%windir%\\System32\\logoff.exe", arguments=""))[0]
    assert (logoff.action, logoff.ends_user_sessions) == ("logoff", False)
    restart = tasks_of(task(execute='"C:\\Windows\\System32\\shutdown.exe"', arguments="-r -t 0"))[0]
    assert (restart.action, restart.ends_user_sessions) == ("restart", True)
    as_users = tasks_of(task(arguments="/l", user=None, group="BUILTIN\\Users"))[0]
    assert (as_users.action, as_users.runs_as, as_users.ends_user_sessions) == ("logoff", "BUILTIN\\Users", None)
    assert tasks_of(task(arguments="/a"), task(arguments="/h"), task(arguments="/l /t 60")) == []


def test_a_task_runs_on_battery_only_when_neither_battery_setting_stops_it() -> None:
    assert tasks_of(task())[0].runs_on_battery is True
    assert tasks_of(task(disallow=True))[0].runs_on_battery is False
    assert tasks_of(task(stop=True))[0].runs_on_battery is False


def test_a_time_synchronised_across_time_zones_is_judged_at_its_later_local_time() -> None:
    assert trigger_time("2026-01-01T19:00:00", LONDON) == dt.time(19, 0)
    assert trigger_time("2026-01-01T18:00:00Z", LONDON) == dt.time(19, 0)  # 19:00 BST in summer
    assert trigger_time("2026-01-01T18:59:00+00:00", LONDON) == dt.time(19, 59)
    assert trigger_time("2026-06-01T18:00:00+01:00", LONDON) == dt.time(18, 0)


DEFENDER = {
    "AMServiceEnabled": True,
    "AntivirusEnabled": True,
    "RealTimeProtectionEnabled": False,
    "AMRunningMode": "Normal",
    "AntivirusSignatureLastUpdated": "2026-11-27T03:00:00.1234567Z",
}
AV_FIELDS = {"av_product", "av_enabled", "av_realtime", "av_signatures_updated", "av_signatures_current"}


def test_defender_status() -> None:
    fields, _ = read(antivirus={"defender": DEFENDER, "products": [], "productsError": None})
    assert fields == {
        "av_product": "Microsoft Defender Antivirus",
        "av_enabled": True,
        "av_realtime": False,
        "av_signatures_updated": dt.datetime(2026, 11, 27, 3, 0, 0, 123456, tzinfo=dt.UTC),
        "av_signatures_current": None,
        "av_running_mode": "Normal",
    }


PASSIVE = {**DEFENDER, "AMRunningMode": "Passive Mode", "RealTimeProtectionEnabled": True}


def test_an_active_third_party_product_is_the_one_judged_by_its_own_signature_state() -> None:
    for state, current in ((0x041000, True), (0x041010, False)):
        products = [{"name": "Windows Defender", "state": 0x060100}, {"name": "Sophos Anti-Virus", "state": state}]
        fields, _ = read(antivirus={"defender": PASSIVE, "products": products, "productsError": None})
        assert fields == {
            "av_product": "Sophos Anti-Virus",
            "av_enabled": True,
            "av_realtime": True,
            "av_signatures_updated": None,
            "av_signatures_current": current,
            "av_running_mode": "Passive Mode",
        }


def test_a_product_state_that_does_not_decode_is_unreadable() -> None:
    products = [{"name": "Sophos Anti-Virus", "state": 0x042000}]
    _, unreadable = read(antivirus={"defender": DEFENDER, "products": products, "productsError": None})
    assert set(unreadable) == AV_FIELDS
    assert unreadable["av_enabled"] == "Security Center's productState for Sophos Anti-Virus cannot be decoded: 270336"


@pytest.mark.parametrize("mode", ["Passive Mode", "Passive", "SxS Passive Mode", "EDR Block Mode"])
def test_a_passive_defender_with_no_active_product_protects_nothing(mode: str) -> None:
    products = [{"name": "Windows Defender", "state": 0x060100}]
    fields, _ = read(antivirus={"defender": {**PASSIVE, "AMRunningMode": mode}, "products": products})
    assert (fields["av_enabled"], fields["av_realtime"], fields["av_running_mode"]) == (False, False, mode)


def test_a_passive_defender_on_a_server_without_security_center_is_unreadable() -> None:
    fields, unreadable = read(antivirus={"defender": PASSIVE, "products": None, "productsError": "Invalid namespace "})
    assert fields == {"av_running_mode": "Passive Mode"}
    assert set(unreadable) == AV_FIELDS
    assert unreadable["av_enabled"] == (
        "Microsoft Defender is in Passive Mode and this machine has no Security Center to say which product "
        "protects it (Invalid namespace )"
    )


def test_an_unknown_or_missing_running_mode_is_unreadable() -> None:
    for mode in (None, "Something new"):
        _, unreadable = read(antivirus={"defender": {**DEFENDER, "AMRunningMode": mode}, "products": []})
        assert set(unreadable) >= AV_FIELDS


def test_no_anti_virus_status_at_all_is_unreadable() -> None:
    fields, unreadable = read(antivirus={"defender": None, "products": []})
    assert fields == {}
    assert set(unreadable) == AV_FIELDS | {"av_running_mode"}


ENCRYPTION_FIELDS = ("mbam_should_encrypt_os_drive", "mdm_require_device_encryption")


def volumes_with(**policy: object) -> dict[str, object]:
    return {"volumes": [], "errors": [], **policy}


def test_encryption_requirements_are_read_as_the_machine_received_them() -> None:
    fields, unreadable = read(
        bitlocker=volumes_with(policy={"mdmRequireDeviceEncryption": 1, "mbamShouldEncryptOSDrive": 0})
    )
    assert (fields["mdm_require_device_encryption"], fields["mbam_should_encrypt_os_drive"]) == (True, False)
    fields, unreadable = read(bitlocker=volumes_with(policy={"mdmRequireDeviceEncryption": None}))
    assert (fields["mdm_require_device_encryption"], fields["mbam_should_encrypt_os_drive"]) == (False, False)
    assert unreadable == {}


def test_encryption_requirements_that_cannot_be_read_are_unknown_never_not_required() -> None:
    denied = "Requested registry access is not allowed."
    _, unreadable = read(bitlocker={"error": "no BitLocker", "policy": None, "policyError": denied})
    assert unreadable == {
        "volumes": "BitLocker status could not be read on the machine: no BitLocker",
        **dict.fromkeys(ENCRYPTION_FIELDS, f"the BitLocker policy keys could not be read: {denied}"),
    }
    _, unreadable = read(bitlocker=volumes_with(policy={"mdmRequireDeviceEncryption": "1"}))
    assert unreadable == {"mdm_require_device_encryption": "RequireDeviceEncryption is '1', not the DWORD 0 or 1"}
    _, unreadable = read(bitlocker=volumes_with())
    assert set(unreadable) == set(ENCRYPTION_FIELDS)
    assert "did not report the encryption policies" in unreadable["mdm_require_device_encryption"]


def test_data_volumes_are_fixed_or_removable_by_drive_type_and_data_when_it_is_unread() -> None:
    base = {"type": "Data", "protection": "On", "status": "FullyEncrypted", "percent": 100, "lock": "Unlocked"}
    volumes = [
        {**base, "mount": "C:", "type": "OperatingSystem", "driveType": 3},
        {**base, "mount": "D:", "driveType": 3},
        {**base, "mount": "E:", "driveType": 2},
        {**base, "mount": "F:", "driveType": None},
        {**base, "mount": "G:"},
    ]
    fields, _ = read(bitlocker={"volumes": volumes, "errors": []})
    assert [(v.id, v.volume_type) for v in fields["volumes"]] == [
        ("C:", "OperatingSystem"),
        ("D:", "FixedData"),
        ("E:", "Removable"),
        ("F:", "Data"),
        ("G:", "Data"),
    ]


def test_a_locked_volume_has_unknown_protection_and_encryption_never_off() -> None:
    volume = {"mount": "D:", "type": "Data", "protection": "Unknown", "status": "FullyEncrypted", "percent": 0}
    fields, _ = read(bitlocker={"volumes": [{**volume, "lock": "Locked", "driveType": 3}], "errors": []})
    assert fields["volumes"] == [Volume(id="D:", volume_type="FixedData", lock_status="Locked")]


def test_windows_server_backup_last_success_in_utc() -> None:
    summary = {"lastSuccess": "2026-11-27T23:14:05.0000000Z", "lastBackup": "2026-11-27T23:14:05.0000000Z"}
    fields, unreadable = read(backup={"wsbInstalled": True, "wsb": summary, "wsbError": None})
    assert (fields, unreadable) == (
        {
            "backup_evidence": "Windows Server Backup",
            "backup_succeeded": True,
            "backup_last_success": dt.datetime(2026, 11, 27, 23, 14, 5, tzinfo=dt.UTC),
        },
        {},
    )


def test_a_backup_that_never_succeeded_is_known_not_unknown() -> None:
    summary = {"lastSuccess": "0001-01-01T00:00:00.0000000Z", "lastBackup": "2026-11-27T23:00:12.0000000Z"}
    fields, unreadable = read(backup={"wsbInstalled": True, "wsb": summary, "wsbError": None})
    assert (fields, unreadable) == (
        {"backup_evidence": "Windows Server Backup", "backup_succeeded": False, "backup_last_success": None},
        {},
    )


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (
            {"wsbInstalled": False, "wsb": None, "wsbError": None},
            "no recognised backup evidence: Windows Server Backup is not installed (no Get-WBSummary)",
        ),
        (
            {"wsbInstalled": True, "wsb": None, "wsbError": "Access is denied."},
            "Windows Server Backup's summary could not be read: Access is denied.",
        ),
        (
            {"wsbInstalled": True, "wsb": {"lastSuccess": None}, "wsbError": None},
            "the backup probe's output could not be used: Get-WBSummary reported no LastSuccessfulBackupTime",
        ),
    ],
    ids=["feature-absent", "access-denied", "no-date"],
)
def test_no_recognised_backup_evidence_is_unknown_never_a_pass(output: dict[str, object], reason: str) -> None:
    fields, unreadable = read(backup=output)
    names = ["backup_evidence", "backup_last_success", "backup_succeeded"]
    if "output could not be used" in reason:  # then every field the probe makes is unknown
        names.append("backup_failure")
    assert (fields, unreadable) == ({}, dict.fromkeys(names, reason))
