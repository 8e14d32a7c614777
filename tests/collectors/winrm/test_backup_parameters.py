"""Declared backup evidence reaches the backup probe as data: one single-quoted literal, whatever the names hold,
read back exactly by the simulator (as PowerShell reads such a literal), and never a longer command than cmd.exe
takes; the declarations in the config are checked when it loads."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from test_probes import PARSER, nodes, syntax_errors

from holyaudit.collectors.winrm.backup_evidence import BackupEvidence, backup_probe, evidence_for
from holyaudit.collectors.winrm.interpret import host_fields
from holyaudit.collectors.winrm.probes import MAX_COMMAND_LINE, PROBES, powershell_literal
from holyaudit.winrm_sim import shell
from holyaudit.winrm_sim.machine import FileItem, Machine, ScheduledTask

HOSTILE_TASK = "\\Backups 'nightly'\\Run $(Stop-Computer -Force) `whoami`; & calc \u2018x\u2019 \u00e9t\u00e9"
HOSTILE_FILE = "D:\\Backup\\it's $(Remove-Item -Recurse D) `n; & del \u2019y\u2019.txt"
LAST_NIGHT = dt.datetime(2026, 11, 27, 22, 0, tzinfo=dt.UTC)
DEFAULT = next(probe for probe in PROBES if probe.name == "backup")


def commands(script: str) -> set[str]:
    return {n.text.decode() for n in nodes(PARSER.parse(script.encode("utf-8")).root_node, "command_name")}


def test_a_powershell_literal_doubles_every_character_powershell_reads_as_a_single_quote() -> None:
    assert powershell_literal("it's") == "'it''s'"
    assert (
        powershell_literal("\u2018a\u2019 \u201ab\u201b $(x) `y")
        == "'\u2018\u2018a\u2019\u2019 \u201a\u201ab\u201b\u201b $(x) `y'"
    )


@pytest.mark.parametrize("declared", [{"task": HOSTILE_TASK}, {"file": HOSTILE_FILE}], ids=["task", "file"])
def test_hostile_names_stay_one_string_and_run_nothing(declared: dict[str, str]) -> None:
    evidence = BackupEvidence.model_validate(declared)
    probe = backup_probe([evidence])
    script = probe.script

    assert syntax_errors(script) == []
    assert commands(script) == commands(DEFAULT.script)  # no Stop-Computer, Remove-Item, whoami or calc
    line = script.splitlines()[1]
    assert line.startswith("$parameters = '")
    assert script.replace(line, "") == DEFAULT.script.replace(DEFAULT.script.splitlines()[1], "")
    literals = nodes(PARSER.parse(line.encode("utf-8")).root_node, "verbatim_string_characters")
    assert [literal.text.decode() for literal in literals] == [line.removeprefix("$parameters = ")]
    assert line.isascii()  # non-ASCII is \\u-escaped JSON, so no typographic quote reaches the literal
    assert probe.command_line_length() <= MAX_COMMAND_LINE


def test_the_simulator_reads_back_exactly_the_names_declared() -> None:
    task_path, _, task_name = HOSTILE_TASK.rpartition("\\")
    machine = Machine(
        scheduled_tasks=[
            ScheduledTask(TaskPath=f"{task_path}\\", TaskName=task_name, LastRunTime=LAST_NIGHT, LastTaskResult=0)
        ],
        files={HOSTILE_FILE: FileItem(LastWriteTimeUtc=LAST_NIGHT)},
    )
    for declared in ({"task": HOSTILE_TASK}, {"file": HOSTILE_FILE}):
        evidence = BackupEvidence.model_validate(declared)
        command, args = backup_probe([evidence]).command()
        result = shell.run(shell.receive(command, tuple(args)), machine)
        assert result.exit_code == 0, result.stderr
        fields, unreadable = host_fields({"backup": json.loads(result.stdout)}, ZoneInfo("UTC"), evidence)
        assert unreadable == {}
        assert fields["backup_succeeded"] is True
        assert fields["backup_last_success"] == LAST_NIGHT


def test_the_first_declaration_that_applies_judges_a_machine() -> None:
    by_name = BackupEvidence.model_validate({"task": "\\Veeam\\Nightly", "hosts": ["^SRV-FS"]})
    by_category = BackupEvidence.model_validate({"file": "D:\\ok.txt", "categories": ["nas"]})
    both = BackupEvidence.model_validate({"file": "E:\\ok.txt", "hosts": ["^SRV-"], "categories": ["nas"]})
    everyone = BackupEvidence.model_validate({"file": "C:\\ok.txt"})
    declared = [by_name, both, by_category]
    assert evidence_for(declared, "SRV-FS01", ["nas"]) is by_name
    assert evidence_for(declared, "SRV-DB01", ["nas"]) is both
    assert evidence_for(declared, "NAS-GW", ["nas"]) is by_category
    assert evidence_for(declared, "SRV-DB01", ["server"]) is None
    assert evidence_for([*declared, everyone], "SRV-DB01", ["server"]) is everyone


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"name": "x"}, "give exactly one of task (a scheduled task) or file (a file on the machine)"),
        ({"task": "\\a", "file": "C:\\a"}, "give exactly one of task"),
        ({"task": "Veeam"}, "is not a task's full path"),
        ({"task": "\\Veeam\\"}, "is not a task's full path"),
        ({"task": "\\Veeam\\Job*"}, "a task path cannot hold any of"),
        ({"task": "\\Veeam\\a\nb"}, "holds a control character"),
        ({"file": "\\\\server\\share\\ok.txt"}, "is not a file on the machine's own drives"),
        ({"file": "backup.txt"}, "is not a file on the machine's own drives"),
        ({"file": "C:\\" + "a" * 300}, "longer than 260 characters"),
        ({"file": "C:\\" + "\u00e9" * 250}, "over cmd.exe's 8191: shorten the path"),
        ({"file": "C:\\ok", "hosts": ["("]}, "invalid regular expression"),
        ({"file": "C:\\ok", "servers": ["x"]}, "Extra inputs are not permitted"),
    ],
)
def test_a_broken_declaration_is_refused_when_the_config_loads(declared: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("*", r"\*").replace("(", r"\(").replace(")", r"\)")):
        BackupEvidence.model_validate(declared)


def test_from_a_script_that_read_every_declaration_a_machine_is_judged_by_its_own() -> None:
    veeam = BackupEvidence.model_validate({"task": "\\Veeam\\Nightly", "hosts": ["^SRV-FS"]})
    marker = BackupEvidence.model_validate({"file": "D:\\ok.txt"})
    output = {
        "wsbInstalled": False,
        "wsb": None,
        "wsbError": None,
        "declared": [
            {"kind": "task", "taskPath": "\\veeam\\", "taskName": "NIGHTLY", "path": None,
             "lastRun": "2026-11-20T22:00:00.0000000Z", "result": 0},
            {"kind": "file", "taskPath": None, "taskName": None, "path": "D:\\OK.txt",
             "lastWrite": "2026-11-27T22:00:00.0000000Z", "folder": False},
        ],
    }  # fmt: skip
    zone = ZoneInfo("UTC")
    assert host_fields({"backup": output}, zone, veeam)[0]["backup_last_success"] == dt.datetime(
        2026, 11, 20, 22, tzinfo=dt.UTC
    )
    assert host_fields({"backup": output}, zone, marker)[0]["backup_last_success"] == LAST_NIGHT.replace(minute=0)
