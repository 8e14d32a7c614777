"""Each way real Windows answers that once gave a wrong verdict, through the whole path: the CLI, real pywinrm,
the WS-Management simulator playing the machine, the probes, the facts and the rules. The Windows-side facts
(and the Microsoft pages they come from) are in tests/collectors/winrm/windows_output/cases.yaml; here the
same situations are machines on the wire, and the scan must give exactly these statuses."""

from __future__ import annotations

from pathlib import Path

from endpoint_support import ACCOUNT, AS_OF, SID, machine, statuses, write_config

from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import (
    DESKTOP_POLICY,
    WINLOGON,
    AntiVirusProduct,
    BitLockerError,
    MpComputerStatus,
    ScheduledTask,
    TaskAction,
    TaskSettings,
    TaskTrigger,
)

RULES = [
    "antivirus-up-to-date",
    "autologon-no-stored-password",
    "laptop-encryption",
    "logoff-task-scheduled",
    "screensaver-locking",
]
ENTRA_SID = "S-1-12-1-3570919734-1282373437-2345923734-1726386562"
SIGNED = MpComputerStatus(AntivirusSignatureLastUpdated="2026-11-28T02:10:11Z")
PASSIVE = SIGNED.model_copy(update={"AMRunningMode": "Passive Mode"})
DEFENDER_OFF = AntiVirusProduct(productState=0x060100)


def changed(base: Machine, **update: object) -> Machine:
    return base.model_copy(update=update)


def with_registry(base: Machine, keys: dict[str, dict[str, str | int]]) -> Machine:
    return changed(base, registry={**base.registry, **keys})


def task(arguments: str = "/s /f /t 0", *, start: str = "2026-01-01T18:30:00", **settings: bool) -> ScheduledTask:
    return ScheduledTask(
        TaskPath="\\Holywell\\",
        TaskName="Nightly",
        Settings=TaskSettings(**({"DisallowStartIfOnBatteries": False, "StopIfGoingOnBatteries": False} | settings)),
        Actions=[TaskAction(Execute="shutdown.exe", Arguments=arguments)],
        Triggers=[TaskTrigger(StartBoundary=start, DaysInterval=1)],
    )


DESKTOP = machine(chassis=3)
NO_LIMIT = machine(chassis=3, inactivity=None)
HIVE_POLICY = rf"HKU\{SID}\{DESKTOP_POLICY}"
LOCKING = {"ScreenSaveActive": "1", "ScreenSaverIsSecure": "1", "ScreenSaveTimeOut": "600"}

MACHINES: dict[str, Machine] = {
    # §1.1 Sysinternals Autologon: AutoAdminLogon 1, DefaultUserName, the password an LSA secret.
    "WIN-AUTOLOGON": changed(
        DESKTOP,
        registry={**DESKTOP.registry, WINLOGON: {"AutoAdminLogon": "1", "DefaultUserName": "hall-display"}},
    ),
    # §1.2 another product, active, whose definitions are out of date; and one whose state does not decode.
    "WIN-AV-STALE": changed(
        DESKTOP,
        defender=PASSIVE,
        antivirus_products=[DEFENDER_OFF, AntiVirusProduct(displayName="Sophos Anti-Virus", productState=0x041010)],
    ),
    "WIN-AV-ODD": changed(
        DESKTOP, antivirus_products=[AntiVirusProduct(displayName="Sophos Anti-Virus", productState=0x042000)]
    ),
    # §1.3 passive Defender and nothing else; the same on a server, which has no Security Center.
    "WIN-PASSIVE": changed(DESKTOP, defender=PASSIVE, antivirus_products=[DEFENDER_OFF]),
    "SRV-PASSIVE": changed(DESKTOP, defender=PASSIVE, security_center=False),
    # §1.4 screen saver enabled, locking, timed, but none selected (no SCRNSAVE.EXE), no machine limit.
    "WIN-NO-SAVER": with_registry(NO_LIMIT, {HIVE_POLICY: LOCKING}),
    # §2 the audit account's own hive (no screen saver) is left out; an Entra ID user's hive is judged.
    "WIN-ENTRA": changed(
        with_registry(
            NO_LIMIT,
            {
                HIVE_POLICY: {**LOCKING, "SCRNSAVE.EXE": "scrnsave.scr"},
                rf"HKU\{ENTRA_SID}\{DESKTOP_POLICY}": {**LOCKING, "SCRNSAVE.EXE": "scrnsave.scr"},
                rf"HKU\{Machine.model_fields['session_sid'].default}\Control Panel\Desktop": {},
            },
        ),
        accounts={SID: "HOLYWELL\\j.smith", ENTRA_SID: "AzureAD\\JaneSmith"},
    ),
    # §2 a hive that cannot be read: ERROR for that user, not FAIL.
    "WIN-HIVE-DENIED": changed(NO_LIMIT, unreadable_hives={SID: "Requested registry access is not allowed."}),
    # §1.5 shutdown /l run as SYSTEM; a shutdown whose /t delay takes it past 19:00; a laptop's task that keeps
    # Task Scheduler's battery defaults.
    "WIN-LOGOFF-SYSTEM": changed(DESKTOP, scheduled_tasks=[task("/l")]),
    "WIN-LATE-DELAY": changed(DESKTOP, scheduled_tasks=[task("/s /t 3600")]),
    "LT-AC-ONLY": changed(
        machine(), scheduled_tasks=[task(DisallowStartIfOnBatteries=True, StopIfGoingOnBatteries=True)]
    ),
    # §1.6 ChassisTypes null: unknown, not a desktop.
    "WIN-NO-CHASSIS": changed(DESKTOP, chassis_types=None),
    # §2 a BOM before every probe's JSON; one BitLocker volume with an error; a task with no triggers.
    "WIN-BOM": changed(DESKTOP, bom=True),
    "LT-VOLUME-ERROR": changed(machine(), bitlocker_volume_errors=[BitLockerError(Message="The device is not ready.")]),
    "WIN-NO-TRIGGERS": changed(
        DESKTOP, scheduled_tasks=[task().model_copy(update={"TaskName": "On demand", "Triggers": None}), task()]
    ),
}

EXPECTED: dict[str, dict[str, str]] = {
    "WIN-AUTOLOGON": {"autologon-no-stored-password": "FAIL"},
    "WIN-AV-STALE": {"antivirus-up-to-date": "FAIL"},
    "WIN-AV-ODD": {"antivirus-up-to-date": "ERROR"},
    "WIN-PASSIVE": {"antivirus-up-to-date": "FAIL"},
    "SRV-PASSIVE": {"antivirus-up-to-date": "ERROR"},
    "WIN-NO-SAVER": {"screensaver-locking": "FAIL"},
    "WIN-ENTRA": {},
    "WIN-HIVE-DENIED": {"screensaver-locking": "ERROR"},
    "WIN-LOGOFF-SYSTEM": {"logoff-task-scheduled": "FAIL"},
    "WIN-LATE-DELAY": {"logoff-task-scheduled": "FAIL"},
    "LT-AC-ONLY": {"logoff-task-scheduled": "FAIL"},
    "WIN-NO-CHASSIS": {"laptop-encryption": "ERROR"},
    "WIN-BOM": {},
    "LT-VOLUME-ERROR": {"laptop-encryption": "ERROR"},
    "WIN-NO-TRIGGERS": {},
}
"""Per machine, the rules whose status is not the compliant one; every other endpoint rule must PASS (or, for
laptop-encryption on a desktop, leave the machine out)."""


def test_each_windows_situation_gives_its_exact_verdict_through_the_cli(run_cli, tmp_path: Path, password: str) -> None:
    hosts = [
        SimHost(address=f"127.0.1.{index}", name=name, machine=changed(found, computer_name=name))
        for index, (name, found) in enumerate(MACHINES.items(), start=10)
    ]
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=10)
        result = run_cli(
            "scan", "--config", str(config), "--as-of", AS_OF, "--format", "json",
            *[arg for rule in RULES for arg in ("--only", rule)],
        )  # fmt: skip
    found = statuses(result.out)
    expected = {}
    for name in MACHINES:
        portable = MACHINES[name].chassis_types == [10]
        for rule in RULES:
            if rule == "laptop-encryption" and not portable and rule not in EXPECTED[name]:
                continue
            expected[(rule, name)] = EXPECTED[name].get(rule, "PASS")
    assert len(found) == len(expected) == 63
    assert found == expected
    assert result.code == 1, result.err
