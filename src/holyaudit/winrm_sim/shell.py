"""What cmd.exe, then powershell.exe, make of a command line a simulated remote shell receives.

WinRM's cmd shell hands each command line to cmd.exe, which refuses one over 8,191 characters. The only
program the simulator "runs" is PowerShell with ``-EncodedCommand``: it decodes the script, recognises a
probe by its marker line (see :mod:`.probes`) and prints what that probe would print. Anything else fails
the way Windows would report it.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from dataclasses import dataclass
from xml.sax.saxutils import escape

from holyaudit.winrm_sim.machine import Machine
from holyaudit.winrm_sim.probes import PROBES, probe_name, render

COMMAND_LINE_LIMIT = 8191
"""cmd.exe's longest command line, in characters."""

TOO_LONG = "The command line is too long.\r\n"


@dataclass(frozen=True)
class ReceivedCommand:
    """A command as a simulated host received it, kept so tests can see everything a scan ran."""

    command: str
    arguments: tuple[str, ...]
    script: str | None
    """The decoded ``-EncodedCommand`` script, if there was one that decoded."""

    @property
    def command_line(self) -> str:
        """The whole line cmd.exe is given: the command and its arguments, space-joined."""
        return " ".join((self.command, *self.arguments))

    @property
    def probe(self) -> str | None:
        """The probe named on the script's marker line, if any."""
        return probe_name(self.script) if self.script is not None else None


@dataclass(frozen=True)
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int


def receive(command: str, arguments: tuple[str, ...]) -> ReceivedCommand:
    """Record a command line, decoding its ``-EncodedCommand`` script if it has one."""
    tokens = " ".join((command, *arguments)).split()
    encoded = next((value for option, value in itertools.pairwise(tokens) if _is_encoded_command(option)), None)
    script = None
    if encoded is not None:
        try:
            script = base64.b64decode(encoded, validate=True).decode("utf-16-le")
        except (binascii.Error, UnicodeDecodeError):
            script = None
    return ReceivedCommand(command, arguments, script)


def run(received: ReceivedCommand, machine: Machine, limit: int | None = COMMAND_LINE_LIMIT) -> CommandResult:
    """What the command prints and its exit code, on ``machine``; ``limit=None`` lifts cmd.exe's limit."""
    if limit is not None and len(received.command_line) > limit:
        return CommandResult("", TOO_LONG, 1)
    tokens = received.command_line.split()
    program = tokens[0] if tokens else ""
    if _program_name(program) != "powershell":
        return CommandResult(
            "",
            f"'{program}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
            1,
        )
    if received.script is None:
        if any(_is_encoded_command(token) for token in tokens[1:]):
            return CommandResult(
                "",
                "Cannot process the command because the value specified with -EncodedCommand is not properly "
                "encoded. The value must be Base64 encoded.\r\n",
                1,
            )
        return CommandResult("", clixml_error("The simulator runs only scripts given with -EncodedCommand."), 1)
    name = received.probe
    if name not in PROBES:
        known = ", ".join(sorted(PROBES))
        return CommandResult(
            "",
            clixml_error(
                f"The simulator cannot run this script: its first line must be '# holyaudit-probe: <name>' "
                f"naming one of {known} (got {name!r})."
            ),
            1,
        )
    return CommandResult(render(name, machine, received.script or "") + "\r\n", "", 0)


def clixml_error(message: str) -> str:
    """An error record the way powershell.exe writes one to a redirected stderr."""
    lines = [
        message,
        "    + CategoryInfo          : NotImplemented: (:) [], RuntimeException",
        "    + FullyQualifiedErrorId : HolyauditSimulatorUnknownScript",
    ]
    records = "".join(f'<S S="Error">{escape(line)}_x000D__x000A_</S>' for line in lines)
    return (
        f'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{records}</Objs>'
    )


def _program_name(token: str) -> str:
    name = token.strip('"').replace("/", "\\").rpartition("\\")[2].casefold()
    return name.removesuffix(".exe")


def _is_encoded_command(token: str) -> bool:
    # powershell.exe takes any unambiguous prefix of a parameter name, plus the aliases -e and -ec.
    if not token.startswith(("-", "/")):
        return False
    name = token[1:].casefold()
    return name in ("e", "ec") or (len(name) >= 3 and "encodedcommand".startswith(name))
