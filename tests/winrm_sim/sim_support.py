"""Helpers for the simulator tests: real pywinrm clients, probe scripts, and machine factories."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from winrm.protocol import Protocol

from holyaudit.winrm_sim import Account, Machine
from holyaudit.winrm_sim.machine import (
    CURRENT_VERSION,
    DESKTOP_POLICY,
    DESKTOP_SETTINGS,
    POLICIES_SYSTEM,
    WINDOWS_11_EDUCATION,
    WINLOGON,
    AntiVirusProduct,
    BitLockerVolume,
    MpComputerStatus,
    RegistryValue,
    ScheduledTask,
)

ACCOUNT = Account("HOLYWELL", "audit", "Corr3ct-Horse")
NTLM_USER = "HOLYWELL\\audit"
POWERSHELL_ARGS = ["-NoLogo", "-NoProfile", "-NonInteractive", "-EncodedCommand"]
SID = "S-1-5-21-1004336348-1177238915-682003330-1104"


def probe_script(name: str) -> str:
    """A script the simulator recognises as probe ``name`` (the body is never run)."""
    return f"# holyaudit-probe: {name}\n$ErrorActionPreference = 'Stop'\nWrite-Output 'not run by the simulator'\n"


def encode(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def ntlm_client(
    endpoint: str,
    *,
    password: str = ACCOUNT.password,
    message_encryption: str = "auto",
    read_timeout_sec: int = 5,
    operation_timeout_sec: int = 3,
) -> Protocol:
    """NTLM; over HTTP pywinrm then encrypts every message (``message_encryption="auto"``)."""
    return Protocol(
        endpoint,
        transport="ntlm",
        username=NTLM_USER,
        password=password,
        message_encryption=message_encryption,  # type: ignore[arg-type]
        ca_trust_path=None,
        read_timeout_sec=read_timeout_sec,
        operation_timeout_sec=operation_timeout_sec,
    )


def basic_https_client(endpoint: str, ca: Path, password: str = ACCOUNT.password) -> Protocol:
    """Basic over HTTPS, validating the server certificate against the test CA."""
    return Protocol(
        endpoint,
        transport="basic",
        username=ACCOUNT.user,
        password=password,
        ca_trust_path=str(ca),
        server_cert_validation="validate",
        read_timeout_sec=5,
        operation_timeout_sec=3,
    )


def run_script(protocol: Protocol, shell_id: str, script: str) -> tuple[str, str, int]:
    """Run one script as holyaudit runs a probe; its stdout, stderr and exit code."""
    command_id = protocol.run_command(shell_id, "powershell.exe", [*POWERSHELL_ARGS, encode(script)])
    stdout, stderr, code, done = protocol.get_command_output_raw(shell_id, command_id)
    protocol.cleanup_command(shell_id, command_id)
    assert done
    return stdout.decode("cp437"), stderr.decode("cp437"), code


def desktop(
    *, active: RegistryValue | None = None, secure: RegistryValue | None = None, timeout: RegistryValue | None = None
) -> dict[str, RegistryValue]:
    values = {"ScreenSaveActive": active, "ScreenSaverIsSecure": secure, "ScreenSaveTimeOut": timeout}
    return {name: value for name, value in values.items() if value is not None}


def workstation(
    *,
    inactivity: RegistryValue | None = 600,
    auto_admin_logon: str | None = "0",
    default_password: bool = False,
    policy: dict[str, RegistryValue] | None = None,
    settings: dict[str, RegistryValue] | None = None,
    user: str | None = "HOLYWELL\\j.smith",
    bitlocker: list[BitLockerVolume] | None = None,
    bitlocker_error: str | None = None,
    tasks: list[ScheduledTask] | None = None,
    defender: MpComputerStatus | None = None,
    products: list[AntiVirusProduct] | None = None,
    chassis: list[int] | None = None,
) -> Machine:
    """A Windows 11 laptop with one signed-in user; every argument is a Windows-shaped value."""
    winlogon: dict[str, RegistryValue] = {"Shell": "explorer.exe"}
    if auto_admin_logon is not None:
        winlogon["AutoAdminLogon"] = auto_admin_logon
    if default_password:
        winlogon["DefaultPassword"] = "hunter2"
    registry: dict[str, dict[str, RegistryValue]] = {
        WINLOGON: winlogon,
        CURRENT_VERSION: dict(WINDOWS_11_EDUCATION),
        rf"HKU\{SID}": {},
    }
    if inactivity is not None:
        registry[POLICIES_SYSTEM] = {"InactivityTimeoutSecs": inactivity, "EnableLUA": 1}
    if policy is not None:
        registry[rf"HKU\{SID}\{DESKTOP_POLICY}"] = policy
    if settings is not None:
        registry[rf"HKU\{SID}\{DESKTOP_SETTINGS}"] = settings
    return Machine(
        computer_name="HW-LT-01",
        chassis_types=[10] if chassis is None else chassis,
        registry=registry,
        accounts={SID: user} if user is not None else {},
        bitlocker_volumes=[BitLockerVolume()] if bitlocker is None else bitlocker,
        bitlocker_error=bitlocker_error,
        scheduled_tasks=tasks or [],
        defender=defender,
        antivirus_products=products or [],
    )


SIGNATURES = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
