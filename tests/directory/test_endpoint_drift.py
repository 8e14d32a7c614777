"""Drift against the live estate: machines served by the simulator, judged against what the Samba DC's GPOs
set for their computer account's OU and for their signed-in user's OU: the inactivity limit, the screensaver and
the removable-media policies."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, LOAN_OU
from gpo_estate import DESKTOP_USB, FVE, LAPTOP_BITLOCKER, GpoSpec, added_gpo, removed_gpo
from live_endpoints import write_config_with_machines

from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType
from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import FVE_EFFECTIVE, REMOVABLE_DISKS, REMOVABLE_STORAGE, RegistryValue

sys.path.insert(0, str(Path(__file__).parents[1] / "endpoints"))
from endpoint_support import ACCOUNT, machine

PUPIL = "HOLYWELL\\brown.a"  # in OU=Pupils, where 'Pupil Relaxed' sets ScreenSaveTimeOut 1800
RELAXED = {"ScreenSaveActive": "1", "ScreenSaverIsSecure": "1", "ScreenSaveTimeOut": "1800"}
STAFF = "HOLYWELL\\jones.b"  # in OU=Staff, where 'Staff Screen Wipe' deletes the screensaver key (**DeleteKeys)


def test_drift_names_the_setting_the_gpo_and_the_machine(
    samba_dc, seeded_gpos, run_cli, tmp_path: Path, tls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    machines = {  # all in OU=Laptops, where the enforced 'Device Lock' sets InactivityTimeoutSecs 900
        "HW-LT-01": machine(inactivity=900, user=PUPIL, screensaver=RELAXED),
        "HW-LT-02": machine(inactivity=600, user=PUPIL, screensaver=RELAXED),
        "HW-LT-03": machine(inactivity=900, user=PUPIL, screensaver={**RELAXED, "ScreenSaveTimeOut": "600"}),
        # The deleted values are still in the staff user's policy key: Group Policy has not removed them.
        "HW-LT-04": machine(inactivity=900, user=STAFF, screensaver={"ScreenSaverIsSecure": "1"}),
        # The policy key is empty, as the deletion leaves it: nothing there, which is what Group Policy says.
        "HW-LT-05": machine(inactivity=900, user=STAFF, screensaver={}),
    }
    hosts = [SimHost(address=f"127.0.0.{2 + i}", name=n, machine=m) for i, (n, m) in enumerate(machines.items())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config_with_machines(samba_dc, tmp_path, fleet, tls.ca)
        result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "gpo-endpoint-drift")
    assert result.code == 1, result.err
    objects = json.loads(result.out)["findings"][0]["objects"]
    laptops = next(o["context"]["policy_ou"] for o in objects)
    assert laptops.startswith("OU=Laptops,")
    assert sorted((o["id"], o["status"], o["context"]["policy_drift"]) for o in objects) == [
        ("HW-LT-01", "PASS", []),
        ("HW-LT-02", "FAIL", ["InactivityTimeoutSecs: the machine has 600, GPO 'Device Lock' sets 900"]),
        ("HW-LT-03", "FAIL", [f"ScreenSaveTimeOut for {PUPIL}: the machine has 600, GPO 'Pupil Relaxed' sets 1800"]),
        (
            "HW-LT-04",
            "FAIL",
            [f"ScreenSaverIsSecure for {STAFF}: the machine's policy key has 1, GPO 'Staff Screen Wipe' deletes it"],
        ),
        ("HW-LT-05", "PASS", []),
    ]


BITLOCKER_WRITE = "Deny write access to removable drives not protected by BitLocker (RDVDenyWriteAccess)"
DISKS_WRITE = "Removable Disks: Deny write access (Deny_Write)"
USB_CLEANUP = GpoSpec(
    "Loan USB Cleanup",
    # What Set-GPRegistryValue -Disable writes: the value is deleted on every computer the GPO reaches.
    machine=(RegistryEntry.of(FVE, "**del.RDVDenyWriteAccess", RegType.SZ, " "),),
)


@pytest.fixture
def loan_usb_cleanup(samba_dc, seeded_gpos) -> Iterator[None]:
    """For this test only: OU=Loan (which blocks inheritance) gets a GPO deleting RDVDenyWriteAccess."""
    guid = added_gpo(samba_dc, USB_CLEANUP, LOAN_OU)
    try:
        yield
    finally:
        removed_gpo(samba_dc, guid, LOAN_OU)


def holding(keys: dict[str, dict[str, RegistryValue] | None]) -> Machine:
    """A compliant machine (inactivity limit 900, as the enforced 'Device Lock' sets) with these removable-media
    keys instead of its own (None: the key is not there)."""
    base = machine(inactivity=900)
    registry = {key: values for key, values in {**base.registry, **keys}.items() if values is not None}
    return base.model_copy(update={"registry": registry})


def test_removable_media_drift_names_the_setting_the_gpo_and_the_machine(
    samba_dc, loan_usb_cleanup: None, run_cli, tmp_path: Path, tls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    machines = {
        # OU=Laptops: 'Laptop BitLocker' sets RDVDenyWriteAccess 1.
        "HW-LT-01": holding({FVE_EFFECTIVE: {"RDVDenyWriteAccess": 1}}),
        "HW-LT-02": holding({FVE_EFFECTIVE: {"RDVDenyWriteAccess": 0}}),
        "HW-LT-03": holding({FVE_EFFECTIVE: None}),
        # OU=Desktops: 'Desktop USB' sets Removable Disks Deny_Write 1 and nothing sets BitLocker's value or the
        # all-classes Deny_All, so HW-DT-01's 0 and 1 there are not compared.
        "HW-DT-01": holding(
            {
                FVE_EFFECTIVE: {"RDVDenyWriteAccess": 0},
                REMOVABLE_DISKS: {"Deny_Write": 1},
                REMOVABLE_STORAGE: {"Deny_All": 1},
            }
        ),
        "HW-DT-02": holding({REMOVABLE_DISKS: {"Deny_Write": 0}}),
        # OU=Loan: 'Loan USB Cleanup' deletes RDVDenyWriteAccess, which the machine still holds in force.
        "HW-LT-05": holding({FVE_EFFECTIVE: {"RDVDenyWriteAccess": 1}}),
    }
    hosts = [SimHost(address=f"127.0.0.{2 + i}", name=n, machine=m) for i, (n, m) in enumerate(machines.items())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config_with_machines(samba_dc, tmp_path, fleet, tls.ca)
        result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "gpo-endpoint-drift")
    assert result.code == 1, result.err
    objects = json.loads(result.out)["findings"][0]["objects"]
    assert sorted((o["id"], o["status"], o["context"]["policy_drift"]) for o in objects) == [
        ("HW-DT-01", "PASS", []),
        ("HW-DT-02", "FAIL", [f"{DISKS_WRITE}: the machine has 0, GPO '{DESKTOP_USB}' sets 1"]),
        ("HW-LT-01", "PASS", []),
        ("HW-LT-02", "FAIL", [f"{BITLOCKER_WRITE}: the machine has 0, GPO '{LAPTOP_BITLOCKER}' sets 1"]),
        ("HW-LT-03", "FAIL", [f"{BITLOCKER_WRITE}: the machine has nothing set, GPO '{LAPTOP_BITLOCKER}' sets 1"]),
        ("HW-LT-05", "FAIL", [f"{BITLOCKER_WRITE}: the machine has 1, GPO '{USB_CLEANUP.name}' deletes it"]),
    ]
    assert {o["id"]: o["message"] for o in objects if o["status"] == "FAIL"} == dict.fromkeys(
        ["HW-DT-02", "HW-LT-02", "HW-LT-03", "HW-LT-05"],
        "its screen saver, inactivity or removable-media settings differ from what its Group Policy sets",
    )
