r"""server-backups-recent with the backup evidence a site declares (endpoints.backup_evidence), through the whole
path: the CLI, real pywinrm, the WS-Management simulator playing each server (it reads the declaration from the
probe's $parameters literal, as PowerShell would), the backup probe, the facts and the rule; then the same
situations as facts files (the hand-written Windows outputs of tests/collectors/winrm/windows_output, cited
there) through ``--endpoint-facts``, which must give the same findings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from endpoint_support import ACCOUNT, AS_OF, machine, verdicts, write_config, write_inventory
from facts_files_support import WINDOWS_OUTPUT, write_facts

from holyaudit.collectors.winrm.backup_evidence import BackupEvidence, backup_probe
from holyaudit.collectors.winrm.probes import PROBES
from holyaudit.winrm_sim import Fleet, Machine, SimHost
from holyaudit.winrm_sim.machine import FileItem, OperatingSystem, ScheduledTask, TaskAction, WBSummary

ONLY = ["--only", "server-backups-recent"]
SERVER_OS = OperatingSystem(Caption="Microsoft Windows Server 2022 Standard", BuildNumber="20348")
VEEAM = {"name": "Veeam Agent", "task": "\\Veeam\\Nightly backup", "hosts": ["^SRV-VEEAM-"]}
MARKER = {"file": "D:\\Backup\\last-success.txt", "categories": ["marker"]}
DECLARED = [VEEAM, MARKER]
LAST_NIGHT = dt.datetime(2026, 11, 27, 22, 0, 3, tzinfo=dt.UTC)
DENIED = "Access is denied."
TASK = "Veeam Agent (scheduled task \\Veeam\\Nightly backup)"
FILE = "file D:\\Backup\\last-success.txt"


def task(result: int = 0, last_run: dt.datetime = LAST_NIGHT, **state: Any) -> ScheduledTask:
    """The backup product's task, as Get-ScheduledTaskInfo shows its last run."""
    action = TaskAction(Execute="C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.Agent.Configurator.exe")
    return ScheduledTask(
        TaskPath="\\Veeam\\", TaskName="Nightly backup", Actions=[action], LastRunTime=last_run, LastTaskResult=result,
        **state,
    )  # fmt: skip


def server(
    tasks: list[ScheduledTask] | None = None, files: dict[str, FileItem] | None = None, wsb: bool = False
) -> Machine:
    """A Windows Server without Windows Server Backup (unless wsb), with these tasks and files."""
    summary = WBSummary(LastSuccessfulBackupTime=LAST_NIGHT, LastBackupTime=LAST_NIGHT) if wsb else None
    return machine(chassis=23).model_copy(
        update={"os": SERVER_OS, "scheduled_tasks": tasks or [], "files": files or {}, "wb_summary": summary}
    )


def marker(written: dt.datetime, **state: Any) -> dict[str, FileItem]:
    return {"D:\\Backup\\last-success.txt": FileItem(LastWriteTimeUtc=written, **state)}


# Each server over WinRM, its categories, and the hand-written Windows output its facts file holds.
CASES: dict[str, tuple[Machine, list[str], str]] = {
    "SRV-VEEAM-OK": (server([task()]), ["server"], "task-ok"),
    "SRV-VEEAM-FAIL": (server([task(result=1)]), ["server"], "task-failed"),
    "SRV-VEEAM-NEVER": (server([task(0x41303, dt.datetime(1999, 11, 30, tzinfo=dt.UTC))]), ["server"], "task-never"),
    "SRV-VEEAM-RUNNING": (
        server([task(0x41301, dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC))]),
        ["server"],
        "task-running",
    ),
    "SRV-VEEAM-GONE": (server([]), ["server"], "task-missing"),
    "SRV-VEEAM-DENIED": (server([task(unreadable=DENIED)]), ["server"], "task-denied"),
    "SRV-MARK-OK": (
        server(files=marker(dt.datetime(2026, 11, 27, 23, 41, 17, 552000, tzinfo=dt.UTC))),
        ["server", "marker"],
        "file-recent",
    ),
    "SRV-MARK-OLD": (
        server(files=marker(dt.datetime(2026, 11, 19, 23, 40, 2, 118000, tzinfo=dt.UTC))),
        ["server", "marker"],
        "file-old",
    ),
    "SRV-MARK-GONE": (server(), ["server", "marker"], "file-missing"),
    "SRV-MARK-DENIED": (
        server(files=marker(LAST_NIGHT, error="Access to the path 'D:\\Backup\\last-success.txt' is denied.")),
        ["server", "marker"],
        "file-denied",
    ),
    # No declaration applies: Windows Server Backup stays the evidence, recent here; none at all on the other.
    "SRV-WSB": (server(wsb=True), ["server"], "wsb-recent"),
    "SRV-NOTHING": (server(), ["server"], "wsb-absent"),
}
NO_WSB = "no recognised backup evidence: Windows Server Backup is not installed (no Get-WBSummary)"
RUNNING = (
    f"{TASK} is running now (LastTaskResult 0x41301): whether its last backup succeeded is not known until it "
    "ends; audit again later"
)
TASK_GONE = (
    f"no recognised backup evidence: {TASK} does not exist on the machine (The system cannot find the file specified.)"
)
TASK_DENIED = f"no recognised backup evidence: {TASK} could not be read (Access is denied.)"
FILE_GONE = (
    f"no recognised backup evidence: {FILE} does not exist on the machine (Cannot find path "
    "'D:\\Backup\\last-success.txt' because it does not exist.)"
)
FILE_DENIED = (
    f"no recognised backup evidence: {FILE} could not be read (Access to the path 'D:\\Backup\\last-success.txt' "
    "is denied.)"
)


def both(reason: str) -> str:
    return f"backup_succeeded could not be read: {reason}; backup_last_success could not be read: {reason}"


EXPECTED = {
    "SRV-VEEAM-OK": "PASS",
    "SRV-VEEAM-FAIL": "FAIL",
    "SRV-VEEAM-NEVER": "FAIL",
    "SRV-VEEAM-RUNNING": "ERROR",
    "SRV-VEEAM-GONE": "ERROR",
    "SRV-VEEAM-DENIED": "ERROR",
    "SRV-MARK-OK": "PASS",
    "SRV-MARK-OLD": "FAIL",
    "SRV-MARK-GONE": "ERROR",
    "SRV-MARK-DENIED": "ERROR",
    "SRV-WSB": "PASS",
    "SRV-NOTHING": "ERROR",
}
REASONS = {
    "SRV-VEEAM-RUNNING": both(RUNNING),
    "SRV-VEEAM-GONE": both(TASK_GONE),
    "SRV-VEEAM-DENIED": both(TASK_DENIED),
    "SRV-MARK-GONE": both(FILE_GONE),
    "SRV-MARK-DENIED": both(FILE_DENIED),
    "SRV-NOTHING": f"backup_succeeded could not be read: {NO_WSB}; backup_last_success could not be read: {NO_WSB}",
}
MESSAGES = {
    "SRV-VEEAM-FAIL": f"{TASK} shows no successful backup: its last run ended with 0x00000001",
    "SRV-VEEAM-NEVER": f"{TASK} shows no successful backup: it has never run",
    "SRV-MARK-OLD": "last successful backup 9 days ago (limit 3)",
}
EVIDENCE = {
    **dict.fromkeys([name for name in CASES if name.startswith("SRV-VEEAM-")], TASK),
    **dict.fromkeys([name for name in CASES if name.startswith("SRV-MARK-")], FILE),
    "SRV-WSB": "Windows Server Backup",
}
"""Which evidence judged each server, as the finding's context names it (none for SRV-NOTHING)."""


CATEGORIES = {name: categories for name, (_, categories, _) in CASES.items()}
"""The inventory's categories of each server."""


def assert_exact(report: str) -> None:
    found, errors, failures = verdicts(report)
    rule = "server-backups-recent"
    assert found == {(rule, name): status for name, status in EXPECTED.items()}
    assert errors == {(rule, name): reason for name, reason in REASONS.items()}
    assert failures == {(rule, name): message for name, message in MESSAGES.items()}
    objects = next(f for f in json.loads(report)["findings"] if f["rule_id"] == rule)["objects"]
    shown = {o["id"]: o["context"]["backup_evidence"] for o in objects if o.get("context", {}).get("backup_evidence")}
    assert shown == EVIDENCE


def test_each_declared_evidence_state_over_winrm_gives_its_exact_status(run_cli, tmp_path: Path, password: str) -> None:
    hosts = [
        SimHost(address=f"127.0.3.{index}", name=name, machine=found.model_copy(update={"computer_name": name}))
        for index, (name, (found, _, _)) in enumerate(CASES.items(), start=10)
    ]
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(
            tmp_path, fleet, transport="http", auth="ntlm", deadline=10, extra={"backup_evidence": DECLARED}
        )
        write_inventory(tmp_path, CATEGORIES, fleet)
        result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *ONLY)
        sent = {name: [c.script for c in fleet.commands(name) if c.probe == "backup"] for name in CASES}

    assert result.code == 1, result.err
    assert_exact(result.out)
    # Each server was told only the declaration that applies to it; the others got the probe as it ships.
    assert sent == {name: [told(name)] for name in CASES}


def told(name: str) -> str:
    """The backup probe a server should be sent."""
    declared = VEEAM if name.startswith("SRV-VEEAM-") else MARKER if name.startswith("SRV-MARK-") else None
    if declared is None:
        return next(probe for probe in PROBES if probe.name == "backup").script
    return backup_probe([BackupEvidence.model_validate(declared)]).script


def test_the_same_states_as_facts_files_give_the_same_findings(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    produced = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    for name, (_, _, backup) in CASES.items():
        outputs = {
            "system": (WINDOWS_OUTPUT / "server.system.json").read_text(encoding="utf-8").strip(),
            "backup": (WINDOWS_OUTPUT / f"{backup}.backup.json").read_text(encoding="utf-8").strip(),
        }
        write_facts(facts, name, computer=name, produced_at=produced, outputs=outputs)
    write_inventory(tmp_path, CATEGORIES)
    section = {"winrm": False, "from_directory": False, "inventory": "machines.yaml", "backup_evidence": DECLARED}
    config = tmp_path / "holyaudit.yaml"
    settings = {"site": {"name": "Holywell test", "timezone": "Europe/London"}, "endpoints": section}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")

    result = run_cli(
        "scan", "--config", str(config), "--endpoint-facts", str(facts), "--as-of", AS_OF, "--format", "json", *ONLY
    )

    assert result.code == 1, result.err
    assert_exact(result.out)


def test_a_broken_declaration_is_exit_3_naming_its_line(run_cli, tmp_path: Path) -> None:
    (tmp_path / "machines.yaml").write_text("hosts: [{name: SRV-FS01}]\n", encoding="utf-8")
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        "site: {name: Holywell test, timezone: Europe/London}\n"
        "endpoints:\n"
        "  winrm: false\n"
        "  from_directory: false\n"
        "  inventory: machines.yaml\n"
        "  backup_evidence:\n"
        "    - task: '\\Veeam\\Nightly backup'\n"
        "    - task: Nightly backup\n"
        "    - file: '\\\\nas\\backups\\ok.txt'\n",
        encoding="utf-8",
    )

    result = run_cli("scan", "--config", str(config), "--endpoint-facts", str(tmp_path), *ONLY)

    assert result.code == 3
    assert result.err.splitlines()[:2] == [
        f"error: {config}:8:13: endpoints.backup_evidence.1.task: 'Nightly backup' is not a task's full path: give "
        "it as Task Scheduler shows it, e.g. \\Veeam\\Nightly",
        f"error: {config}:9:13: endpoints.backup_evidence.2.file: '\\\\nas\\backups\\ok.txt' is not a file on the "
        "machine's own drives: give a path such as D:\\Backup\\last-ok.txt",
    ]
    assert "Traceback" not in result.err
