"""The PowerShell probes: valid PowerShell, read-only by construction, and short enough for cmd.exe."""

from __future__ import annotations

import base64

import pytest
import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from holyaudit.collectors.winrm.drift import DRIFT_FIELDS
from holyaudit.collectors.winrm.probes import MAX_COMMAND_LINE, PROBES, Probe, probes_for
from holyaudit.facts import Host

PARSER = Parser(Language(tree_sitter_powershell.language()))

READ_ONLY_COMMANDS = {"ConvertTo-Json", "ConvertFrom-Json", "ForEach-Object", "Where-Object", "Select-Object"}
"""Besides Get-* cmdlets: the only commands a probe may call."""
READ_ONLY_METHODS = {
    "GetValue",
    "GetValueNames",
    "Translate",
    "ToUniversalTime",
    "ToString",
    "GetCurrent",
    "GetType",
    "Split",
    "new",
}
"""The only .NET methods a probe may call freely: none of them changes anything."""
GUARDED_METHODS = {"Invoke": ("'Members'",), "InvokeMember": ("'objectSid'", "'Class'", "'ADsPath'")}
"""COM calls that can change things in general, allowed only with these first arguments: ADSI's Invoke only to
list a group's Members, InvokeMember only to get these properties (with 'GetProperty', checked separately)."""


def nodes(node: Node, kind: str) -> list[Node]:
    found = [node] if node.type == kind else []
    for child in node.children:
        found += nodes(child, kind)
    return found


def called_methods(root: Node) -> set[str]:
    """The names of the .NET methods a script calls (``[IO.File]::WriteAllText(...)`` gives WriteAllText)."""
    return {
        member.text.decode()
        for call in nodes(root, "invokation_expression")
        if any(child.type == "argument_list" for child in call.children)
        for member in call.children
        if member.type == "member_name"
    }


def guarded_calls(root: Node) -> list[tuple[str, str, str]]:
    """(method, its first argument, its second argument or '') for each call of a GUARDED_METHODS method."""
    found = []
    for call in nodes(root, "invokation_expression"):
        names = [child.text.decode() for child in call.children if child.type == "member_name"]
        arguments = [child for child in call.children if child.type == "argument_list"]
        if not names or names[0] not in GUARDED_METHODS or not arguments:
            continue
        values = [n.text.decode() for n in nodes(arguments[0], "argument_expression_list")[0].children if n.type != ","]
        found.append((names[0], values[0], values[1] if len(values) > 1 else ""))
    return found


def syntax_errors(script: str) -> list[str]:
    root = PARSER.parse(script.encode("utf-8")).root_node
    errors = [f"{n.start_point}: {n.text!r}" for n in nodes(root, "ERROR")]
    return errors + (["missing token"] if root.has_error else [])


def test_the_parser_catches_broken_powershell() -> None:
    assert syntax_errors("$a = @{ x = 1\nfunction ( {")
    assert not syntax_errors("Get-Item -LiteralPath 'HKLM:\\SOFTWARE' | ConvertTo-Json")


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_each_probe_parses_as_powershell(probe: Probe) -> None:
    assert syntax_errors(probe.script) == []


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_each_probe_calls_only_reading_commands_and_methods(probe: Probe) -> None:
    root = PARSER.parse(probe.script.encode("utf-8")).root_node
    defined = {n.text.decode() for n in nodes(root, "function_name")}
    assert all(name.startswith(("Get-", "Read-")) for name in defined)
    commands = {n.text.decode() for n in nodes(root, "command_name")}
    writers = {c for c in commands - defined - READ_ONLY_COMMANDS if not c.startswith("Get-")}
    assert writers == set()
    methods = called_methods(root)
    assert methods <= READ_ONLY_METHODS | set(GUARDED_METHODS)
    for method, first, second in guarded_calls(root):
        assert first in GUARDED_METHODS[method], (method, first)
        assert method != "InvokeMember" or second == "'GetProperty'", (method, first, second)
    assert "invoke-expression" not in probe.script.lower()
    assert "iex " not in probe.script.lower()


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_each_probe_command_line_fits_cmd_exe_with_a_quarter_to_spare(probe: Probe) -> None:
    command, args = probe.command()
    assert command == "powershell.exe"
    assert base64.b64decode(args[-1]).decode("utf-16-le") == probe.script
    assert probe.command_line_length() <= MAX_COMMAND_LINE * 3 // 4


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_each_probe_names_itself_on_its_first_line(probe: Probe) -> None:
    assert probe.script.splitlines()[0] == f"# holyaudit-probe: {probe.name}"


def test_the_guard_catches_a_com_call_that_writes() -> None:
    root = PARSER.parse(
        b"$g.psbase.Invoke('Add', 'WinNT://x'); $t.InvokeMember('Name', 'SetProperty', $null, $o, $v)"
    ).root_node
    assert guarded_calls(root) == [("Invoke", "'Add'", "'WinNT://x'"), ("InvokeMember", "'Name'", "'SetProperty'")]


def test_every_host_fact_comes_from_exactly_one_probe() -> None:
    from_collector = {"id", "unreadable", "error", "address", "connection", "categories"} | DRIFT_FIELDS
    from_collector |= {"source", "facts_file", "facts_produced_at"}
    probed = [field for probe in PROBES for field in probe.fields]
    assert sorted(probed) == sorted(set(probed))
    assert set(probed) == set(Host.model_fields) - from_collector


def test_only_the_probes_a_rule_needs_are_run() -> None:
    assert [p.name for p in probes_for(frozenset({"default_password_present"}))] == ["system"]
    assert [p.name for p in probes_for(frozenset({"volumes", "chassis_types", "categories"}))] == [
        "system",
        "bitlocker",
    ]
    assert probes_for(frozenset({"categories"})) == []


def test_the_local_admins_probe_only_lists_members_and_gets_their_properties() -> None:
    probe = next(p for p in PROBES if p.name == "localadmins")
    assert guarded_calls(PARSER.parse(probe.script.encode("utf-8")).root_node) == [
        ("Invoke", "'Members'", ""),
        ("InvokeMember", "'objectSid'", "'GetProperty'"),
        ("InvokeMember", "'Class'", "'GetProperty'"),
        ("InvokeMember", "'ADsPath'", "'GetProperty'"),
    ]


POWERSHELL_7_TOKENS = {"??", "??=", "?.", "?[", "&&", "||", "?"}
"""Operators Windows PowerShell 5.1 does not have: null-coalescing and null-conditional (??, ??=, ?., ?[), the
pipeline chain operators (&&, ||) and the ternary operator (a ? b : c), all added in PowerShell 7
(https://learn.microsoft.com/en-us/powershell/scripting/whats-new/what-s-new-in-powershell-70)."""
POWERSHELL_7_PARAMETERS = {"-parallel", "-ashashtable", "-escapehandling"}
"""ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable and ConvertTo-Json -EscapeHandling: PowerShell 6+ only."""


def tokens(node: Node) -> list[str]:
    """The script's tokens outside comments and strings."""
    if node.type in ("comment", "string_literal", "expandable_string_literal", "verbatim_string_characters"):
        return []
    if not node.children:
        return node.text.decode().split()
    return [token for child in node.children for token in tokens(child)]


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_each_probe_uses_nothing_only_powershell_7_has(probe: Probe) -> None:
    found = tokens(PARSER.parse(probe.script.encode("utf-8")).root_node)
    assert POWERSHELL_7_TOKENS.isdisjoint(found)
    assert POWERSHELL_7_PARAMETERS.isdisjoint(token.lower() for token in found)


def test_the_powershell_7_check_sees_each_operator() -> None:
    for script in ("$a = $b ?? 1", "$a = $b ? 1 : 2", "Get-Item x && Get-Item y", "$a = $b?.Name"):
        found = tokens(PARSER.parse(script.encode("utf-8")).root_node)
        assert not POWERSHELL_7_TOKENS.isdisjoint(found), (script, found)
    assert "-Parallel" in tokens(PARSER.parse(b"1..3 | ForEach-Object -Parallel { $_ }").root_node)
