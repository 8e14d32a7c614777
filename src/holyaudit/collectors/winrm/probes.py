"""The read-only PowerShell probes the endpoint collector runs, and the command line each one becomes.

Each probe is a short script in ``probes/<name>.ps1`` that prints one line of JSON. They run one after another
as separate commands in one remote shell, each as ``powershell.exe ... -EncodedCommand <base64 UTF-16LE>``.
Several short commands rather than one long script because cmd.exe, which WinRM starts commands through,
refuses a command line over 8,191 characters ("The command line is too long."), and base64 of UTF-16LE makes
a script about 2.7 times longer: no probe may come near that (a test checks every probe's full command line).
A scan runs only the probes whose facts the selected rules read.

A probe that takes parameters (the backup probe: the evidence a site declares) holds them as JSON in one
single-quoted PowerShell string on its second line, ``$parameters = '...'``; ``Probe.with_parameters`` replaces
that literal, so a value from the config is only ever data.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

MAX_COMMAND_LINE = 8191
"""cmd.exe's limit on a whole command line, in characters."""

POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoLogo", "-NoProfile", "-NonInteractive", "-EncodedCommand")
PARAMETERS_LINE = re.compile(r"^\$parameters = '[^'\n]*'$", re.MULTILINE)
"""A probe's default parameters, on its second line."""
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
"""What PowerShell reads as a single quote: the apostrophe and the typographic single quotes
(https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_quoting_rules;
the language specification's single-quote-character; ``CodeGeneration.EscapeSingleQuotedStringContent``)."""


def powershell_literal(text: str) -> str:
    """``text`` as a single-quoted PowerShell string: nothing in it is expanded or run, and each character
    PowerShell reads as a single quote is doubled, which is how such a string holds one."""
    return "'" + "".join(char * 2 if char in SINGLE_QUOTES else char for char in text) + "'"


@dataclass(frozen=True)
class Probe:
    name: str
    fields: frozenset[str]
    """The Host fields made from its output."""
    parameters: str | None = None
    """JSON for the probe's ``$parameters`` line, replacing its default; None keeps the default."""

    @property
    def script(self) -> str:
        script = _script(self.name)
        if self.parameters is None:
            return script
        line = f"$parameters = {powershell_literal(self.parameters)}"
        return PARAMETERS_LINE.sub(lambda _: line, script, count=1)

    def with_parameters(self, parameters: str) -> Probe:
        """This probe told ``parameters`` (JSON). ValueError for a probe that takes none."""
        if not PARAMETERS_LINE.search(_script(self.name)):
            raise ValueError(f"the {self.name} probe takes no parameters")
        return replace(self, parameters=parameters)

    def command(self) -> tuple[str, list[str]]:
        """The command and arguments that run this probe in a remote shell."""
        encoded = base64.b64encode(self.script.encode("utf-16-le")).decode("ascii")
        return POWERSHELL, [*POWERSHELL_ARGS, encoded]

    def command_line_length(self) -> int:
        command, args = self.command()
        return len(" ".join([command, *args]))


PROBES: tuple[Probe, ...] = (
    Probe(
        "system",
        frozenset(
            {
                "os",
                "os_build",
                "os_edition_id",
                "os_installation_type",
                "os_display_version",
                "os_product_name",
                "os_ubr",
                "os_release",
                "os_support_ends",
                "os_esu_ends",
                "os_lifecycle_source",
                "os_update_missing",
                "os_oldest_missing_update",
                "os_oldest_missing_build",
                "os_updates_listed_until",
                "os_updates_after_list",
                "chassis_types",
                "inactivity_timeout_secs",
                "autologon_enabled",
                "autologon_user",
                "autologon_count",
                "force_autologon",
                "default_password_present",
            }
        ),
    ),
    Probe("screensaver", frozenset({"screensaver_users"})),
    Probe("bitlocker", frozenset({"volumes", "mdm_require_device_encryption", "mbam_should_encrypt_os_drive"})),
    Probe("tasks", frozenset({"logoff_tasks"})),
    Probe(
        "antivirus",
        frozenset(
            {
                "av_product",
                "av_enabled",
                "av_realtime",
                "av_signatures_updated",
                "av_signatures_current",
                "av_running_mode",
            }
        ),
    ),
    Probe("firewall", frozenset({"firewall_profiles"})),
    Probe("remotedesktop", frozenset({"rdp_enabled", "rdp_nla_required", "rdp_security_layer"})),
    Probe("localadmins", frozenset({"local_admins"})),
    Probe(
        "removablemedia",
        frozenset(
            {
                "removable_bitlocker_write_denied",
                "removable_write_denied",
                "removable_write_needs_bitlocker",
                "removable_disks_write_denied",
                "removable_storage_all_denied",
            }
        ),
    ),
    Probe("backup", frozenset({"backup_evidence", "backup_succeeded", "backup_last_success", "backup_failure"})),
)


def probes_for(fields: frozenset[str]) -> list[Probe]:
    """The probes that must run to fill the given Host fields, in a fixed order."""
    return [probe for probe in PROBES if probe.fields & fields]


@cache
def _script(name: str) -> str:
    return resources.files(__package__).joinpath("probes").joinpath(f"{name}.ps1").read_text(encoding="utf-8")
