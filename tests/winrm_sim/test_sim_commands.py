"""What the simulated shell does with each command: cmd.exe's command-line limit, PowerShell's handling of
scripts it cannot run, the shell's code page, and a record of everything received."""

from __future__ import annotations

import pytest
from sim_support import ACCOUNT, POWERSHELL_ARGS, encode, ntlm_client, probe_script, run_script, workstation
from winrm.exceptions import WSManFaultError

from holyaudit.winrm_sim import Fleet, SimHost
from holyaudit.winrm_sim.shell import TOO_LONG, ReceivedCommand, receive, run


@pytest.fixture
def fleet():
    with Fleet([SimHost(address="127.0.0.3", machine=workstation())], credentials=[ACCOUNT]) as fleet:
        yield fleet


def long_probe(name: str, length: int) -> str:
    """A probe script padded with a comment to ``length`` characters."""
    script = probe_script(name)
    return script + "#" * (length - len(script))


def test_a_script_whose_command_line_exceeds_8191_characters_is_too_long_and_a_short_one_runs(fleet) -> None:
    protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
    shell_id = protocol.open_shell()
    too_long = long_probe("bitlocker", 3100)
    assert len(" ".join(["powershell.exe", *POWERSHELL_ARGS, encode(too_long)])) > 8191
    assert run_script(protocol, shell_id, too_long) == ("", "The command line is too long.\r\n", 1)
    stdout, stderr, code = run_script(protocol, shell_id, probe_script("bitlocker"))
    assert (stderr, code) == ("", 0)
    assert stdout.startswith('{"volumes":')


@pytest.mark.parametrize(("length", "too_long"), [(8191, False), (8192, True)])
def test_the_limit_counts_the_command_and_its_space_joined_arguments(length: int, too_long: bool) -> None:
    prefix = ["-NoProfile", "-EncodedCommand", encode(probe_script("system"))]
    base = len(" ".join(["powershell.exe", *prefix]))
    command = receive("powershell.exe", (*prefix, "-" * (length - base - 1)))
    assert len(command.command_line) == length
    result = run(command, workstation())
    assert (result.stderr == TOO_LONG, result.exit_code) == (too_long, 1 if too_long else 0)


def test_the_limit_can_be_lifted() -> None:
    with Fleet([SimHost(address="127.0.0.3")], credentials=[ACCOUNT], command_line_limit=None) as fleet:
        protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
        _, stderr, code = run_script(protocol, protocol.open_shell(), long_probe("bitlocker", 3100))
        assert (stderr, code) == ("", 0)


@pytest.mark.parametrize(
    ("script", "named"),
    [
        ("Get-Process | Stop-Process\n", "None"),
        ("# holyaudit-probe: registry-write\nSet-ItemProperty\n", "'registry-write'"),
    ],
)
def test_a_script_that_is_not_a_known_probe_fails_with_a_powershell_error_and_exit_1(
    fleet, script: str, named: str
) -> None:
    protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
    stdout, stderr, code = run_script(protocol, protocol.open_shell(), script)
    assert (stdout, code) == ("", 1)
    assert stderr.startswith('#< CLIXML\r\n<Objs Version="1.1.0.1"')
    assert f"(got {named})" in stderr


def test_a_program_other_than_powershell_is_not_recognized_by_cmd(fleet) -> None:
    protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
    shell_id = protocol.open_shell()
    command_id = protocol.run_command(shell_id, "ipconfig", ["/all"])
    stdout, stderr, code, _ = protocol.get_command_output_raw(shell_id, command_id)
    assert (stdout, code) == (b"", 1)
    assert (
        stderr
        == b"'ipconfig' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    )


def test_every_command_is_recorded_with_its_command_line_and_decoded_script(fleet) -> None:
    protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
    shell_id = protocol.open_shell()
    scripts = [probe_script("system"), probe_script("tasks"), "Remove-Item C:\\ -Recurse\n"]
    for script in scripts:
        run_script(protocol, shell_id, script)
    protocol.close_shell(shell_id)
    assert fleet.commands("127.0.0.3") == [
        ReceivedCommand("powershell.exe", (" ".join([*POWERSHELL_ARGS, encode(script)]),), script) for script in scripts
    ]
    assert [command.probe for command in fleet.commands("127.0.0.3")] == ["system", "tasks", None]
    assert fleet.commands("127.0.0.3")[0].command_line == " ".join(
        ["powershell.exe", *POWERSHELL_ARGS, encode(scripts[0])]
    )


def test_output_is_encoded_in_the_shells_code_page() -> None:
    machine = workstation(user="HOLYWELL\\zoë.o'neill", policy={})
    with Fleet([SimHost(address="127.0.0.3", machine=machine)], credentials=[ACCOUNT]) as fleet:
        protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
        outputs = []
        for codepage in (437, 65001):
            shell_id = protocol.open_shell(codepage=codepage)
            command_id = protocol.run_command(
                shell_id, "powershell.exe", [*POWERSHELL_ARGS, encode(probe_script("screensaver"))]
            )
            outputs.append(protocol.get_command_output_raw(shell_id, command_id)[0])
    assert b"zo\\u0027" not in outputs[0]
    assert 'HOLYWELL\\\\zo\x89.o\\u0027neill"'.encode("latin-1") in outputs[0]
    assert 'HOLYWELL\\\\zoë.o\\u0027neill"'.encode() in outputs[1]


def test_a_request_for_a_shell_that_does_not_exist_is_a_wsman_fault(fleet) -> None:
    protocol = ntlm_client(fleet.endpoint("127.0.0.3"))
    with pytest.raises(WSManFaultError) as raised:
        protocol.run_command("4B1D5E6F-0000-0000-0000-000000000000", "powershell.exe", ["-EncodedCommand", "AA=="])
    assert (raised.value.code, raised.value.wsman_fault_code, raised.value.fault_subcode) == (
        500,
        2150858843,
        "w:InvalidSelectors",
    )
