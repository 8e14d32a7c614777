"""Drift against the live estate: machines served by the simulator, judged against what the Samba DC's GPOs
set for their computer account's OU and for their signed-in user's OU."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD
from live_endpoints import write_config_with_machines

from holyaudit.winrm_sim import Fleet, SimHost

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
