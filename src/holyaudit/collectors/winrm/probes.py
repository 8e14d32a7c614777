"""The read-only PowerShell probes the endpoint collector runs, and the command line each one becomes.

Each probe is a short script in ``probes/<name>.ps1`` that prints one line of JSON. They run one after another
as separate commands in one remote shell, each as ``powershell.exe ... -EncodedCommand <base64 UTF-16LE>``.
Several short commands rather than one long script because cmd.exe, which WinRM starts commands through,
refuses a command line over 8,191 characters ("The command line is too long."), and base64 of UTF-16LE makes
a script about 2.7 times longer: no probe may come near that (a test checks every probe's full command line).
A scan runs only the probes whose facts the selected rules read.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from importlib import resources

MAX_COMMAND_LINE = 8191
"""cmd.exe's limit on a whole command line, in characters."""

POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoLogo", "-NoProfile", "-NonInteractive", "-EncodedCommand")


@dataclass(frozen=True)
class Probe:
    name: str
    fields: frozenset[str]
    """The Host fields made from its output."""

    @property
    def script(self) -> str:
        return _script(self.name)

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
    Probe("removablemedia", frozenset({"removable_bitlocker_write_denied", "removable_write_denied"})),
    Probe("backup", frozenset({"backup_evidence", "backup_succeeded", "backup_last_success"})),
)


def probes_for(fields: frozenset[str]) -> list[Probe]:
    """The probes that must run to fill the given Host fields, in a fixed order."""
    return [probe for probe in PROBES if probe.fields & fields]


@cache
def _script(name: str) -> str:
    return resources.files(__package__).joinpath("probes").joinpath(f"{name}.ps1").read_text(encoding="utf-8")
