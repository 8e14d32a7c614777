"""The encryption requirements a machine received (MDM's RequireDeviceEncryption, MBAM's ShouldEncryptOSDrive),
read by the real probe over real pywinrm from the WS-Management simulator playing each machine's registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from endpoint_support import ACCOUNT, machine, write_config

from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import MBAM_POLICY, MDM_BITLOCKER

DENIED = "Requested registry access is not allowed."


def with_keys(keys: dict[str, dict[str, str | int]], **update: object) -> Machine:
    base = machine()
    return base.model_copy(update={"registry": {**base.registry, **keys}, **update})


MACHINES = {
    "LT-INTUNE": with_keys({MDM_BITLOCKER: {"RequireDeviceEncryption": 1, "AllowWarningForOtherDiskEncryption": 0}}),
    "LT-MBAM": with_keys({MBAM_POLICY: {"ShouldEncryptOSDrive": 1}}),
    "LT-NEITHER": with_keys({MDM_BITLOCKER: {"RequireDeviceEncryption": 0}}),
    "LT-DENIED": with_keys({}, bitlocker_policy_error=DENIED),
}


def test_each_machine_reports_the_encryption_requirement_it_received(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    hosts = [
        SimHost(address=f"127.0.2.{index}", name=name, machine=found.model_copy(update={"computer_name": name}))
        for index, (name, found) in enumerate(MACHINES.items(), start=10)
    ]
    snapshot = tmp_path / "snapshot.json"
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm")
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]["endpoints.hosts"]["records"]
    fields = ("mdm_require_device_encryption", "mbam_should_encrypt_os_drive")
    assert {r["id"]: tuple(r.get(f) for f in fields) for r in records} == {
        "LT-INTUNE": (True, False),
        "LT-MBAM": (False, True),
        "LT-NEITHER": (False, False),
        "LT-DENIED": (None, None),
    }
    denied = next(r for r in records if r["id"] == "LT-DENIED")
    assert {f: denied["unreadable"][f] for f in fields} == dict.fromkeys(
        fields, f"the BitLocker policy keys could not be read: {DENIED}"
    )
    assert all(r["volumes"][0]["protection_status"] == "On" for r in records)
