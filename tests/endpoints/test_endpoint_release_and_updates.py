"""os-supported and updates-current through the whole path: the CLI, real pywinrm, the WS-Management simulator
playing each machine, the system probe's CurrentVersion values, the facts and the rules; then the same machines
as facts files (the hand-written Windows outputs of tests/collectors/winrm/windows_output, cited there) through
``--endpoint-facts``, which must give the same findings.

Judged on 30 June 2026, a week after holyaudit's update list was last checked (2026-06-23), so a machine with the
June update passes updates-current; the list ending too early is tests/rules/updates-current's and the demo's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from endpoint_support import ACCOUNT, WINDOWS_11_24H2, machine, verdicts, write_config, write_inventory
from facts_files_support import WINDOWS_OUTPUT, write_facts

from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import CURRENT_VERSION, OperatingSystem
from holyaudit.winrm_sim.machine import RegistryValue as Value

AS_OF = "2026-06-30T12:00:00+01:00"
RULES = ["os-supported", "updates-current"]
ONLY = [arg for rule in RULES for arg in ("--only", rule)]
WINDOWS_10_PRO = {
    "EditionID": "Professional",
    "CurrentBuild": "19045",
    "CurrentBuildNumber": "19045",
    "UBR": 6456,
    "DisplayVersion": "22H2",
    "InstallationType": "Client",
    "ProductName": "Windows 10 Pro",
}
SERVER_2022 = {
    "EditionID": "ServerStandard",
    "CurrentBuild": "20348",
    "CurrentBuildNumber": "20348",
    "UBR": 5256,
    "DisplayVersion": "21H2",
    "InstallationType": "Server",
    "ProductName": "Windows Server 2022 Standard",
}
INSIDER = WINDOWS_11_24H2 | {"EditionID": "Professional", "CurrentBuild": "26120", "CurrentBuildNumber": "26120"}
DENIED = "Requested registry access is not allowed."


def running(caption: str, build: str, values: dict[str, Value] | None, *, denied: bool = False) -> Machine:
    """A machine that otherwise complies, running the given release (its CurrentVersion values)."""
    base = machine()
    registry = dict(base.registry)
    if values is not None:
        registry[CURRENT_VERSION] = values
    return base.model_copy(
        update={
            "os": OperatingSystem(Caption=caption, BuildNumber=build),
            "registry": registry,
            "denied_keys": [CURRENT_VERSION] if denied else [],
        }
    )


WINDOWS_11 = "Microsoft Windows 11 Education"
# Each machine over WinRM, and the hand-written Windows output its facts file holds (the system probe's).
CASES: dict[str, tuple[Machine, str]] = {
    "CL-24H2": (running(WINDOWS_11, "26100", WINDOWS_11_24H2), "win11-24h2-education"),
    "CL-STALLED": (running(WINDOWS_11, "26100", WINDOWS_11_24H2 | {"UBR": 7171}), "win11-24h2-stalled"),
    "OFF-WIN10": (running("Microsoft Windows 10 Pro", "19045", WINDOWS_10_PRO), "win10-22h2-pro"),
    "OFF-WIN10-ESU-UPDATES": (
        running("Microsoft Windows 10 Pro", "19045", WINDOWS_10_PRO | {"UBR": 7417}),
        "win10-22h2-pro-esu",
    ),
    "SRV-2022": (
        running("Microsoft Windows Server 2022 Standard", "20348", SERVER_2022).model_copy(
            update={"chassis_types": [23]}
        ),
        "server-2022",
    ),
    "CL-INSIDER": (running("Microsoft Windows 11 Pro", "26120", INSIDER), "insider-build"),
    "CL-DENIED": (running(WINDOWS_11, "26100", None, denied=True), "version-denied"),
}
EXPECTED = {
    ("os-supported", "CL-24H2"): "PASS",
    ("updates-current", "CL-24H2"): "PASS",
    ("os-supported", "CL-STALLED"): "PASS",
    ("updates-current", "CL-STALLED"): "FAIL",
    ("os-supported", "OFF-WIN10"): "FAIL",
    ("updates-current", "OFF-WIN10"): "FAIL",
    ("os-supported", "OFF-WIN10-ESU-UPDATES"): "FAIL",
    ("updates-current", "OFF-WIN10-ESU-UPDATES"): "PASS",
    ("os-supported", "SRV-2022"): "PASS",
    ("updates-current", "SRV-2022"): "PASS",
    ("os-supported", "CL-INSIDER"): "ERROR",
    ("updates-current", "CL-INSIDER"): "ERROR",
    ("os-supported", "CL-DENIED"): "ERROR",
    ("updates-current", "CL-DENIED"): "ERROR",
}
UNKNOWN_BUILD = (
    "Windows 11 Professional (Home and Pro) build 26120 is not in holyaudit's lifecycle table "
    "(src/holyaudit/data/windows-lifecycle.yaml)"
)
NOT_READ = f"the CurrentVersion registry key could not be read: {DENIED}"
REASONS = {
    ("os-supported", "CL-INSIDER"): f"os_support_ends could not be read: {UNKNOWN_BUILD}",
    ("updates-current", "CL-INSIDER"): f"os_update_missing could not be read: {UNKNOWN_BUILD}; "
    f"os_oldest_missing_update could not be read: {UNKNOWN_BUILD}; "
    f"os_updates_listed_until could not be read: {UNKNOWN_BUILD}; "
    f"os_updates_after_list could not be read: {UNKNOWN_BUILD}",
    ("os-supported", "CL-DENIED"): f"os_support_ends could not be read: {NOT_READ}; "
    f"os_esu_ends could not be read: {NOT_READ}; os_edition_id could not be read: {NOT_READ}",
    ("updates-current", "CL-DENIED"): f"os_update_missing could not be read: {NOT_READ}; "
    f"os_oldest_missing_update could not be read: {NOT_READ}; "
    f"os_updates_listed_until could not be read: {NOT_READ}; "
    f"os_updates_after_list could not be read: {NOT_READ}",
}
ENDED = (
    "runs Windows 10, version 22H2 (Home and Pro), serviced by Microsoft until 14 Oct 2025 (259 days ago): no "
    "security updates since"
)
MESSAGES = {
    ("updates-current", "CL-STALLED"): (
        "lacks the cumulative update released 9 Dec 2025 (build 26100.7462), 203 days ago (limit 14)"
    ),
    ("os-supported", "OFF-WIN10"): ENDED,
    ("updates-current", "OFF-WIN10"): (
        "lacks the cumulative update released 11 Nov 2025 (build 19045.6575), 231 days ago (limit 14)"
    ),
    ("os-supported", "OFF-WIN10-ESU-UPDATES"): ENDED,
}


UNCATEGORISED: dict[str, list[str]] = {name: [] for name in CASES}
"""The inventory's machines, in no category."""


def assert_exact(report: str) -> None:
    found, errors, failures = verdicts(report)
    assert found == EXPECTED
    assert errors == REASONS
    assert failures == MESSAGES


def test_each_release_over_winrm_gives_its_exact_status_reason_and_message(
    run_cli, tmp_path: Path, password: str
) -> None:
    hosts = [
        SimHost(address=f"127.0.3.{index}", name=name, machine=found.model_copy(update={"computer_name": name}))
        for index, (name, (found, _)) in enumerate(CASES.items(), start=10)
    ]
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=10)
        write_inventory(tmp_path, UNCATEGORISED, fleet)
        result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *ONLY)

    assert result.code == 1, result.err
    assert_exact(result.out)


def test_the_same_releases_as_facts_files_give_the_same_findings(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    produced = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    for name, (_, system) in CASES.items():
        outputs = {"system": (WINDOWS_OUTPUT / f"{system}.system.json").read_text(encoding="utf-8").strip()}
        write_facts(facts, name, computer=name, produced_at=produced, outputs=outputs)
    write_inventory(tmp_path, UNCATEGORISED)
    section = {"winrm": False, "from_directory": False, "inventory": "machines.yaml"}
    config = tmp_path / "holyaudit.yaml"
    settings = {"site": {"name": "Holywell test", "timezone": "Europe/London"}, "endpoints": section}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")

    result = run_cli(
        "scan", "--config", str(config), "--endpoint-facts", str(facts), "--as-of", AS_OF, "--format", "json", *ONLY
    )

    assert result.code == 1, result.err
    assert_exact(result.out)
