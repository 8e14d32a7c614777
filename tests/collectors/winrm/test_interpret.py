"""Reading the probes' JSON into Host facts: each Windows quirk at its boundary, with plain data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from holyaudit.collectors.winrm.interpret import ProbeOutputError, host_fields, trigger_time
from holyaudit.facts import ScheduledTask, ScreenSaverPolicy, Volume

LONDON = ZoneInfo("Europe/London")


def read(**outputs: object) -> tuple[dict[str, object], dict[str, str]]:
    return host_fields(outputs, LONDON)


SYSTEM = {
    "os": "Microsoft Windows 11 Education",
    "build": "22631",
    "chassis": [10],
    "inactivitySecs": 600,
    "autoAdminLogon": "1",
    "defaultPassword": True,
}


def test_system_probe() -> None:
    fields, unreadable = read(system=SYSTEM)
    assert fields == {
        "os": "Microsoft Windows 11 Education",
        "os_build": "22631",
        "chassis_types": [10],
        "inactivity_timeout_secs": 600,
        "autologon_enabled": True,
        "default_password_present": True,
    }
    assert unreadable == {}


def test_no_inactivity_limit_is_none_and_no_chassis_is_unreadable() -> None:
    fields, unreadable = read(system={**SYSTEM, "inactivitySecs": None, "chassis": [], "autoAdminLogon": None})
    assert fields["inactivity_timeout_secs"] is None
    assert fields["autologon_enabled"] is False
    assert unreadable == {"chassis_types": "the machine reports no chassis type"}


def test_a_failed_probe_leaves_all_its_fields_unreadable_with_the_reason() -> None:
    fields, unreadable = read(system=ProbeOutputError("exit code 1: The command line is too long."))
    assert fields == {}
    reason = "the system probe's output could not be used: exit code 1: The command line is too long."
    assert unreadable == dict.fromkeys(
        [
            "autologon_enabled",
            "chassis_types",
            "default_password_present",
            "inactivity_timeout_secs",
            "os",
            "os_build",
        ],
        reason,
    )


def test_output_of_the_wrong_shape_is_unreadable_not_guessed() -> None:
    _, unreadable = read(system={**SYSTEM, "defaultPassword": "no"})
    assert unreadable["default_password_present"].endswith("defaultPassword is not true or false: 'no'")


def test_policy_screensaver_values_win_over_the_users_own() -> None:
    hive = {
        "sid": "S-1-5-21-1-2-3-1104",
        "user": "HOLYWELL\\j.smith",
        "policy": {"ScreenSaverIsSecure": "1", "ScreenSaveTimeOut": "600"},
        "settings": {"ScreenSaveActive": "1", "ScreenSaverIsSecure": "0", "ScreenSaveTimeOut": "1200"},
    }
    fields, _ = read(screensaver={"hives": [hive]})
    assert fields["screensaver_users"] == [
        ScreenSaverPolicy(id="HOLYWELL\\j.smith", active=True, secure=True, timeout_secs=600)
    ]


def test_unset_screensaver_values_mean_no_protection() -> None:
    fields, _ = read(screensaver={"hives": [{"sid": "S-1-5-21-9", "user": None, "policy": {}, "settings": {}}]})
    assert fields["screensaver_users"] == [
        ScreenSaverPolicy(id="S-1-5-21-9", active=False, secure=False, timeout_secs=None)
    ]


def test_a_non_numeric_timeout_is_unreadable() -> None:
    hive = {"sid": "S-1-5-21-9", "policy": {"ScreenSaveTimeOut": "ten minutes"}, "settings": {}}
    _, unreadable = read(screensaver={"hives": [hive]})
    assert "ScreenSaveTimeOut is not a whole number: 'ten minutes'" in unreadable["screensaver_users"]


def test_bitlocker_volumes_and_a_machine_without_bitlocker() -> None:
    volume = {"mount": "C:", "type": "OperatingSystem", "protection": "Off", "status": "EncryptionInProgress"}
    fields, _ = read(bitlocker={"volumes": [{**volume, "percent": 42.5}]})
    assert fields["volumes"] == [
        Volume(id="C:", volume_type="OperatingSystem", protection_status="Off", encryption_percentage=42.5)
    ]
    fields, unreadable = read(bitlocker={"error": "The term 'Get-BitLockerVolume' is not recognized"})
    assert "volumes" not in fields
    assert unreadable["volumes"].startswith("BitLocker status could not be read on the machine: The term")


def task(execute: str = "shutdown.exe", arguments: str = "/s /f /t 0", **trigger: object) -> dict[str, object]:
    return {
        "path": "\\Holywell\\",
        "name": "Nightly",
        "enabled": trigger.pop("task_enabled", True),
        "actions": [{"execute": execute, "arguments": arguments}],
        "triggers": [
            {"kind": "Daily", "start": "2026-01-01T19:00:00", "interval": 1, "days": None, "enabled": True} | trigger
        ],
    }


def tasks_of(*found: dict[str, object]) -> list[ScheduledTask]:
    fields, unreadable = read(tasks={"tasks": list(found)})
    assert unreadable == {}
    return fields["logoff_tasks"]  # type: ignore[return-value]


def test_a_daily_shutdown_at_19_00() -> None:
    assert tasks_of(task()) == [
        ScheduledTask(id="\\Holywell\\Nightly", action="shutdown", daily=True, time=dt.time(19, 0))
    ]


def test_what_counts_as_daily() -> None:
    every_day, weekdays = 0b1111111, 0b0111110
    assert tasks_of(task(kind="Weekly", days=every_day))[0].daily is True
    assert tasks_of(task(kind="Weekly", days=weekdays))[0].daily is False
    assert tasks_of(task(interval=2))[0].daily is False
    assert tasks_of(task(enabled=False))[0].daily is False
    assert tasks_of(task(task_enabled=False))[0].daily is False
    assert tasks_of(task(kind="Logon"))[0] == ScheduledTask(
        id="\\Holywell\\Nightly", action="shutdown", daily=False, time=None
    )


def test_which_programs_and_switches_end_sessions() -> None:
    assert tasks_of(task(execute="%windir%\\System32\\logoff.exe", arguments=""))[0].action == "logoff"
    assert tasks_of(task(execute='"C:\\Windows\\System32\\shutdown.exe"', arguments="-r -t 0"))[0].action == "restart"
    assert tasks_of(task(arguments="/l"))[0].action == "logoff"
    assert tasks_of(task(arguments="/a"), task(arguments="/h")) == []


def test_a_time_synchronised_across_time_zones_is_judged_at_its_later_local_time() -> None:
    assert trigger_time("2026-01-01T19:00:00", LONDON) == dt.time(19, 0)
    assert trigger_time("2026-01-01T18:00:00Z", LONDON) == dt.time(19, 0)  # 19:00 BST in summer
    assert trigger_time("2026-01-01T18:59:00+00:00", LONDON) == dt.time(19, 59)
    assert trigger_time("2026-06-01T18:00:00+01:00", LONDON) == dt.time(18, 0)


DEFENDER = {
    "AMServiceEnabled": True,
    "AntivirusEnabled": True,
    "RealTimeProtectionEnabled": False,
    "AntivirusSignatureLastUpdated": "2026-11-27T03:00:00.1234567Z",
}


def test_defender_status() -> None:
    fields, _ = read(antivirus={"defender": DEFENDER, "products": []})
    assert fields == {
        "av_product": "Microsoft Defender Antivirus",
        "av_enabled": True,
        "av_realtime": False,
        "av_signatures_updated": dt.datetime(2026, 11, 27, 3, 0, 0, 123456, tzinfo=dt.UTC),
    }


def test_an_active_third_party_product_is_the_one_judged() -> None:
    products = [
        {"name": "Windows Defender", "state": 393472, "timestamp": None},
        {"name": "Sophos Anti-Virus", "state": 266240, "timestamp": "Fri, 27 Nov 2026 03:00:00 GMT"},
    ]
    fields, _ = read(antivirus={"defender": DEFENDER, "products": products})
    assert fields == {
        "av_product": "Sophos Anti-Virus",
        "av_enabled": True,
        "av_realtime": True,
        "av_signatures_updated": dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC),
    }


def test_no_anti_virus_status_at_all_is_unreadable() -> None:
    fields, unreadable = read(antivirus={"defender": None, "products": []})
    assert fields == {}
    assert set(unreadable) == {"av_product", "av_enabled", "av_realtime", "av_signatures_updated"}


def test_an_unreadable_winlogon_key_is_unknown_never_no_stored_password() -> None:
    fields, unreadable = read(system={**SYSTEM, "autoAdminLogon": None, "defaultPassword": None})
    assert "default_password_present" not in fields
    assert unreadable == {
        "autologon_enabled": "the Winlogon registry key could not be read",
        "default_password_present": "the Winlogon registry key could not be read",
    }
