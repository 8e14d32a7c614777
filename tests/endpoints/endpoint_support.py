"""Helpers for the endpoint tests: Windows-shaped machines, and a site config that points at a fleet."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import yaml

from holyaudit.winrm_sim import Account, Fleet, Machine
from holyaudit.winrm_sim.machine import (
    CURRENT_VERSION,
    DESKTOP_POLICY,
    FVE_EFFECTIVE,
    POLICIES_SYSTEM,
    RDP_TCP,
    TERMINAL_SERVER,
    WINLOGON,
    BitLockerVolume,
    MpComputerStatus,
    OperatingSystem,
    RegistryValue,
    ScheduledTask,
    TaskAction,
    TaskSettings,
    TaskTrigger,
)

ACCOUNT = Account("HOLYWELL", "audit-winrm", "Winrm-Secr3t-Pa55")
USER = "HOLYWELL\\audit-winrm"
SID = "S-1-5-21-1004336348-1177238915-682003330-1104"
AS_OF = "2026-11-28T12:00:00+00:00"
SIGNATURES = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
WINDOWS_11_24H2: dict[str, RegistryValue] = {
    "EditionID": "Education",
    "CurrentBuild": "26100",
    "CurrentBuildNumber": "26100",
    "UBR": 8655,
    "DisplayVersion": "24H2",
    "InstallationType": "Client",
    "ProductName": "Windows 10 Education",
}


def machine(
    *,
    name: str = "HW-LT-01",
    chassis: int = 10,
    inactivity: int | None = 600,
    screensaver: dict[str, RegistryValue] | None = None,
    default_password: bool = False,
    protection: str = "On",
    percent: float = 100.0,
    logoff_at: str | None = "2026-01-01T18:30:00",
    signatures: dt.datetime = SIGNATURES,
    realtime: bool = True,
    user: str = "HOLYWELL\\j.smith",
) -> Machine:
    """A Windows 11 machine with one signed-in user; by default it complies with every endpoint rule."""
    winlogon: dict[str, RegistryValue] = {"Shell": "explorer.exe", "AutoAdminLogon": "0"}
    if default_password:
        winlogon |= {"AutoAdminLogon": "1", "DefaultPassword": "not-to-be-read"}
    registry: dict[str, dict[str, RegistryValue]] = {
        WINLOGON: winlogon,
        rf"HKU\{SID}": {},
        # Remote Desktop off, as Windows installs it, secured should it be turned on; unencrypted USB sticks read-only.
        TERMINAL_SERVER: {"fDenyTSConnections": 1},
        RDP_TCP: {"UserAuthentication": 1, "SecurityLayer": 2},
        FVE_EFFECTIVE: {"RDVDenyWriteAccess": 1},
        # Windows 11 24H2 Education with the June 2026 update, the last in holyaudit's update list.
        CURRENT_VERSION: WINDOWS_11_24H2,
    }
    if inactivity is not None:
        registry[POLICIES_SYSTEM] = {"InactivityTimeoutSecs": inactivity}
    if screensaver is not None:
        registry[rf"HKU\{SID}\{DESKTOP_POLICY}"] = screensaver
    tasks = []
    if logoff_at is not None:
        trigger = TaskTrigger(StartBoundary=logoff_at, DaysInterval=1)
        action = TaskAction(Execute="shutdown.exe", Arguments="/s /f /t 0")
        on_battery = TaskSettings(DisallowStartIfOnBatteries=False, StopIfGoingOnBatteries=False)
        tasks = [
            ScheduledTask(
                TaskPath="\\Holywell\\",
                TaskName="Nightly shutdown",
                Settings=on_battery,
                Actions=[action],
                Triggers=[trigger],
            )
        ]
    return Machine(
        computer_name=name,
        os=OperatingSystem(Caption="Microsoft Windows 11 Education", BuildNumber="26100"),
        chassis_types=[chassis],
        registry=registry,
        accounts={SID: user},
        bitlocker_volumes=[
            BitLockerVolume(
                ProtectionStatus=protection,
                EncryptionPercentage=percent,
                VolumeStatus="FullyEncrypted" if percent == 100 else "EncryptionInProgress",
            )
        ],
        scheduled_tasks=tasks,
        defender=MpComputerStatus(AntivirusSignatureLastUpdated=signatures, RealTimeProtectionEnabled=realtime),
    )


def write_config(
    folder: Path,
    fleet: Fleet,
    *,
    transport: str = "https",
    auth: str = "basic",
    ca_file: Path | None = None,
    deadline: float = 20,
    extra: dict[str, object] | None = None,
) -> Path:
    """A site config whose inventory lists every host of the fleet (name, address, port)."""
    inventory = folder / "machines.yaml"
    hosts = [{"name": h.name or h.address, "address": h.address, "port": h.port} for h in fleet.hosts]
    inventory.write_text(yaml.safe_dump({"hosts": hosts}), encoding="utf-8")
    endpoints: dict[str, object] = {
        "transport": transport,
        "auth": auth,
        "user": USER,
        "from_directory": False,
        "inventory": inventory.name,
        "deadline_seconds": deadline,
        "connect_timeout_seconds": 3,
    }
    if ca_file is not None:
        endpoints["ca_file"] = str(ca_file)
    config = folder / "holyaudit.yaml"
    settings = {"site": {"name": "Holywell test", "timezone": "Europe/London"}, "endpoints": endpoints | (extra or {})}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def statuses(report: str) -> dict[tuple[str, str], str]:
    """(rule id, object id) -> status, for every object result in a JSON report."""
    data = json.loads(report)
    return {
        (finding["rule_id"], result["id"]): result["status"]
        for finding in data["findings"]
        for result in finding["objects"]
    }


def verdicts(report: str) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """Statuses, the reasons of errors, and the messages of failures, by (rule id, host)."""
    objects = [(f["rule_id"], o) for f in json.loads(report)["findings"] for o in f["objects"]]
    errors = {(rule, o["id"]): o["reason"] for rule, o in objects if o["status"] == "ERROR"}
    failures = {(rule, o["id"]): o["message"] for rule, o in objects if o["status"] == "FAIL"}
    return statuses(report), errors, failures


def write_inventory(
    folder: Path, categories: Mapping[str, list[str]], fleet: Fleet | None = None
) -> list[dict[str, object]]:
    """``machines.yaml`` in ``folder``: each host named in ``categories`` (at the fleet's address, if given), in
    the categories given for it, if any."""
    where = {h.name: {"address": h.address, "port": h.port} for h in fleet.hosts} if fleet else {}
    hosts = [
        {"name": name, **where.get(name, {}), **({"categories": listed} if listed else {})}
        for name, listed in categories.items()
    ]
    (folder / "machines.yaml").write_text(yaml.safe_dump({"hosts": hosts}), encoding="utf-8")
    return hosts
