"""The standalone endpoint script: valid PowerShell, holding exactly the probes WinRM sends, written by the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from test_probes import (
    GUARDED_METHODS,
    PARSER,
    READ_ONLY_COMMANDS,
    READ_ONLY_METHODS,
    called_methods,
    guarded_calls,
    nodes,
    syntax_errors,
)

from holyaudit import __version__
from holyaudit.collectors.winrm.backup_evidence import BackupEvidence, backup_probe
from holyaudit.collectors.winrm.probes import PROBES
from holyaudit.collectors.winrm.standalone import probe_block, standalone_script

ENVELOPE_COMMANDS = {"Join-Path", "New-Object"}
"""Besides the probes' own: what the script around them calls to name and write its file."""


def test_the_script_parses_as_powershell() -> None:
    assert syntax_errors(standalone_script()) == []


def test_the_script_holds_each_probe_unchanged_and_nothing_else_runs_as_a_probe() -> None:
    text = standalone_script().replace("\r\n", "\n")
    for probe in PROBES:
        assert text.count(probe_block(probe.name, probe.script)) == 1, probe.name
    assert re.findall(r"^\$probes\['([a-z]+)'\] = \{$", text, flags=re.MULTILINE) == [p.name for p in PROBES]
    assert re.findall(r"^# holyaudit-probe: ([a-z]+)$", text, flags=re.MULTILINE) == [p.name for p in PROBES]


def test_the_script_records_machine_time_and_version_and_writes_one_file_named_for_the_machine() -> None:
    text = standalone_script()
    assert f"$scriptVersion = 'holyaudit {__version__}'" in text
    for line in (
        "computer = $env:COMPUTERNAME",
        "producedAt = [DateTime]::UtcNow.ToString('o')",
        "format = 'holyaudit-endpoint-facts'",
        "formatVersion = 1",
        '$path = Join-Path -Path $Destination -ChildPath "$($env:COMPUTERNAME).json"',
    ):
        assert re.search(rf"^ *{re.escape(line)}\r$", text, flags=re.MULTILINE), line
    assert "@PROBES@" not in text
    assert "@VERSION@" not in text


def test_the_script_is_ascii_with_windows_line_ends_so_windows_powershell_reads_it_as_written() -> None:
    # Windows PowerShell 5.1 reads a script without a byte-order mark in the ANSI code page.
    data = standalone_script().encode("ascii")
    assert data.count(b"\n") == data.count(b"\r\n") > 100


def test_endpoints_script_writes_the_script(run_cli, tmp_path: Path) -> None:
    output = tmp_path / "Get-HolyauditFacts.ps1"
    result = run_cli("endpoints", "script", "--output", str(output))
    assert (result.code, result.out, result.err) == (0, "", "")
    assert output.read_bytes() == standalone_script().encode("ascii")

    printed = run_cli("endpoints", "script")
    assert printed.code == 0
    assert printed.out == standalone_script().replace("\r\n", "\n")


def test_around_the_probes_the_script_writes_only_its_one_file() -> None:
    root = PARSER.parse(standalone_script().encode("utf-8")).root_node
    commands = {n.text.decode() for n in nodes(root, "command_name")}
    defined = {n.text.decode() for n in nodes(root, "function_name")}
    others = {c for c in commands - defined - READ_ONLY_COMMANDS - ENVELOPE_COMMANDS if not c.startswith("Get-")}
    assert others == set()
    methods = called_methods(root)
    assert methods - READ_ONLY_METHODS - set(GUARDED_METHODS) == {"WriteAllText"}
    for method, first, second in guarded_calls(root):
        assert first in GUARDED_METHODS[method], (method, first)
        assert method != "InvokeMember" or second == "'GetProperty'", (method, first, second)
    assert standalone_script().count("WriteAllText(") == 1


def test_endpoints_script_with_a_config_carries_every_declared_backup_evidence(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        "site: {name: Holywell test, timezone: Europe/London}\n"
        "endpoints:\n"
        "  winrm: false\n"
        "  from_directory: false\n"
        "  inventory: machines.yaml\n"
        "  backup_evidence:\n"
        "    - {name: Veeam Agent, task: '\\Veeam\\Nightly backup', hosts: ['^SRV-FS']}\n"
        "    - {file: 'D:\\Backup\\it''s ok.txt', categories: [server]}\n",
        encoding="utf-8",
    )
    (tmp_path / "machines.yaml").write_text("hosts: [{name: SRV-FS01}]\n", encoding="utf-8")
    declared = [
        BackupEvidence(name="Veeam Agent", task="\\Veeam\\Nightly backup", hosts=["^SRV-FS"]),
        BackupEvidence(file="D:\\Backup\\it's ok.txt", categories=["server"]),
    ]

    result = run_cli("endpoints", "script", "--config", str(config))

    assert (result.code, result.err) == (0, "")
    assert result.out == standalone_script(declared).replace("\r\n", "\n")
    text = standalone_script(declared).replace("\r\n", "\n")
    assert text.count(probe_block("backup", backup_probe(declared).script)) == 1
    assert syntax_errors(text) == []
    assert text.isascii()
    # Every other probe is unchanged.
    for probe in PROBES:
        assert probe.name == "backup" or text.count(probe_block(probe.name, probe.script)) == 1, probe.name
