"""Firewall, Remote Desktop, local administrators and removable media through the whole path: each Windows state of
tests/collectors/winrm/windows_output/cases.yaml (where the Microsoft pages are cited) played by the WS-Management
simulator and scanned with real pywinrm through the CLI, and the same probe outputs read from facts files with
``--endpoint-facts``; both must give exactly the status cases.yaml gives for that state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from endpoint_support import ACCOUNT, AS_OF, machine, statuses, write_config
from facts_files_support import WINDOWS_OUTPUT, compliant_outputs, write_facts

from holyaudit.winrm_sim import Fleet, SimHost
from holyaudit.winrm_sim.machine import (
    FVE_EFFECTIVE,
    FVE_POLICY,
    RDP_TCP,
    REMOVABLE_DISKS,
    TERMINAL_SERVER,
    TERMINAL_SERVICES_POLICY,
    GroupMember,
    NetFirewallProfile,
)

RULES = {
    "firewall": "firewall-enabled",
    "remotedesktop": "remote-desktop-secured",
    "localadmins": "local-admins-restricted",
    "removablemedia": "removable-media-protected",
}
COMPLIANT = {
    "firewall-enabled": "PASS",
    "remote-desktop-secured": "NOT_APPLICABLE",
    "local-admins-restricted": "PASS",
    "removable-media-protected": "PASS",
}
"""What the base machine gives: compliant, with Remote Desktop off."""
ONLY = [arg for rule in RULES.values() for arg in ("--only", rule)]
MANIFEST = yaml.safe_load((WINDOWS_OUTPUT / "cases.yaml").read_text(encoding="utf-8"))
DOMAIN = "S-1-5-21-3623811015-3361044348-30300820"
BUILTIN_ADMIN = GroupMember(
    objectSid="S-1-5-21-1004336348-1177238915-682003330-500",
    AccountName="HW-PC-01\\Administrator",
    ADsPath="WinNT://HOLYWELL/HW-PC-01/Administrator",
)
DOMAIN_ADMINS = GroupMember(
    objectSid=f"{DOMAIN}-512",
    AccountName="HOLYWELL\\Domain Admins",
    Class="Group",
    ADsPath="WinNT://HOLYWELL/Domain Admins",
)
BASE = machine(chassis=3)


def firewall(**profiles: tuple[str, str]) -> list[NetFirewallProfile]:
    states = {"Domain": ("True", "Block"), "Private": ("True", "Block"), "Public": ("True", "Block")} | profiles
    return [
        NetFirewallProfile(Name=name, Enabled=on, DefaultInboundAction=inbound)
        for name, (on, inbound) in states.items()
    ]


def registry(**keys: dict[str, str | int]) -> dict[str, object]:
    paths = {
        "policy": TERMINAL_SERVICES_POLICY,
        "server": TERMINAL_SERVER,
        "listener": RDP_TCP,
        "fve": FVE_EFFECTIVE,
        "fve_policy": FVE_POLICY,
        "disks": REMOVABLE_DISKS,
    }
    return {"registry": {**BASE.registry, **{paths[name]: values for name, values in keys.items()}}}


NO_FVE: dict[str, str | int] = {}
STATES: dict[str, dict[str, object]] = {
    "firewall-on": {},
    "firewall-public-off": {"firewall_profiles": firewall(Public=("False", "Block"))},
    "firewall-inbound-allow": {"firewall_profiles": firewall(Domain=("True", "Allow"))},
    "firewall-inbound-default": {
        "firewall_profiles": firewall(**dict.fromkeys(("Domain", "Private", "Public"), ("True", "NotConfigured")))
    },
    "firewall-enabled-unknown": {"firewall_profiles": firewall(Domain=("NotConfigured", "Block"))},
    "firewall-denied": {"firewall_error": "Access denied "},
    "rdp-off": {},
    "rdp-secured": registry(server={"fDenyTSConnections": 0}),
    "rdp-policy-negotiate": registry(policy={"fDenyTSConnections": 0, "SecurityLayer": 1}),
    "rdp-policy-secures": registry(
        policy={"UserAuthentication": 1, "SecurityLayer": 2},
        server={"fDenyTSConnections": 0},
        listener={"UserAuthentication": 0, "SecurityLayer": 0},
    ),
    "rdp-no-nla": registry(server={"fDenyTSConnections": 0}, listener={"UserAuthentication": 0, "SecurityLayer": 2}),
    "rdp-layer-unknown": registry(server={"fDenyTSConnections": 0}, listener={"UserAuthentication": 1}),
    "rdp-denied": {"denied_keys": [TERMINAL_SERVICES_POLICY]},
    "admins-approved": {"administrators": [BUILTIN_ADMIN, DOMAIN_ADMINS]},
    "admins-staff": {
        "administrators": [
            BUILTIN_ADMIN,
            DOMAIN_ADMINS,
            GroupMember(
                objectSid=f"{DOMAIN}-1104", AccountName="HOLYWELL\\j.smith", ADsPath="WinNT://HOLYWELL/j.smith"
            ),
        ]
    },
    "admins-orphaned": {
        "administrators": [BUILTIN_ADMIN, GroupMember(objectSid=f"{DOMAIN}-1187", ADsPath=f"WinNT://{DOMAIN}-1187")]
    },
    "admins-denied": {
        "administrators_error": 'Exception calling "Invoke" with "1" argument(s): "Access is denied.\r\n"'
    },
    "removable-bitlocker": registry(fve={"RDVDenyWriteAccess": 1}, fve_policy={"RDVDenyWriteAccess": 1}),
    "removable-policy-not-in-force": registry(fve=NO_FVE, fve_policy={"RDVDenyWriteAccess": 1}),
    "removable-storage-deny": registry(fve=NO_FVE, disks={"Deny_Write": 1}),
    "removable-none": registry(fve=NO_FVE),
    "removable-odd": registry(fve={"RDVDenyWriteAccess": 0}, disks={"Deny_Write": "1"}),
    "removable-denied": {"denied_keys": [REMOVABLE_DISKS]},
}
"""Each windows_output case of the four probes, as the machine state Windows would print that output from."""


def expected(case: str) -> dict[tuple[str, str], str]:
    """The case's verdict for its rule (from cases.yaml), the compliant one for the other three."""
    [(probe, _)] = MANIFEST["cases"][case]["outputs"].items()
    verdict = COMPLIANT | MANIFEST["cases"][case]["expect"]
    assert set(verdict) == set(RULES.values())
    assert RULES[probe] in MANIFEST["cases"][case]["expect"]
    return {(rule, case.upper()): status for rule, status in verdict.items()}


def every_expected() -> dict[tuple[str, str], str]:
    return {key: status for case in STATES for key, status in expected(case).items()}


def test_every_windows_output_case_of_the_four_probes_is_played() -> None:
    probes = {
        name
        for name, case in MANIFEST["cases"].items()
        if set(case["outputs"]) & set(RULES) and set(case["outputs"]) <= set(RULES)
    }
    assert probes == set(STATES)


def test_each_state_over_winrm_gives_the_windows_output_verdict(run_cli, tmp_path: Path, password: str) -> None:
    hosts = [
        SimHost(
            address=f"127.0.2.{index}",
            name=case.upper(),
            machine=BASE.model_copy(update={"computer_name": case.upper(), **update}),
        )
        for index, (case, update) in enumerate(STATES.items(), start=10)
    ]
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=20)
        result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *ONLY)
    assert statuses(result.out) == every_expected()
    assert result.code == 1, result.err


def test_the_same_outputs_in_facts_files_give_the_same_verdicts(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    # The age limit counts from when the scan runs, not from --as-of: written an hour ago.
    produced = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for case in STATES:
        [(probe, file)] = MANIFEST["cases"][case]["outputs"].items()
        outputs = compliant_outputs() | {probe: (WINDOWS_OUTPUT / file).read_text(encoding="utf-8").strip()}
        write_facts(
            facts,
            case.upper(),
            computer=case.upper(),
            produced_at=f"{produced:%Y-%m-%dT%H:%M:%S}.0000000Z",
            outputs=outputs,
        )
    config = tmp_path / "holyaudit.yaml"
    inventory = tmp_path / "machines.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": [{"name": case.upper()} for case in STATES]}), encoding="utf-8")
    config.write_text(
        yaml.safe_dump(
            {
                "site": {"name": "Holywell test", "timezone": "Europe/London"},
                "endpoints": {"winrm": False, "from_directory": False, "inventory": inventory.name},
            }
        ),
        encoding="utf-8",
    )
    result = run_cli(
        "scan", "--config", str(config), "--endpoint-facts", str(facts), "--as-of", AS_OF, "--format", "json", *ONLY
    )
    assert statuses(result.out) == every_expected()
    assert result.code == 1, result.err
