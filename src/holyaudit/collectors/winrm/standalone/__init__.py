"""The standalone endpoint script: every probe, run on the machine itself, its answers written to a share.

Assembled from ``Get-HolyauditFacts.ps1`` and the probes the WinRM collector sends (``probes.PROBES``), so each
probe is defined once. ``holyaudit endpoints script`` writes it out for a school to sign and deploy, and
``facts_files.py`` reads what it writes. Its backup probe carries every backup evidence declaration of the config
it is written from: the script runs the same on every machine, and holyaudit picks each machine's declaration
when it reads the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from holyaudit import __version__
from holyaudit.collectors.winrm.backup_evidence import BackupEvidence, backup_probe
from holyaudit.collectors.winrm.probes import PROBES

FORMAT = "holyaudit-endpoint-facts"
FORMAT_VERSION = 1
SCRIPT_NAME = "Get-HolyauditFacts.ps1"


def script_version() -> str:
    return f"holyaudit {__version__}"


def probe_block(name: str, source: str) -> str:
    """One probe as the script holds it: its source, unchanged, as a script block run in a scope of its own."""
    return f"$probes['{name}'] = {{\n{source.rstrip()}\n}}"


def standalone_script(backup_evidence: Sequence[BackupEvidence] = ()) -> str:
    """The whole script, with Windows line endings (what Windows tools, and signing, expect), its backup probe
    told ``backup_evidence``."""
    template = resources.files(__package__).joinpath(SCRIPT_NAME).read_text(encoding="utf-8")
    probes = [backup_probe(backup_evidence) if p.name == "backup" and backup_evidence else p for p in PROBES]
    blocks = "\n".join(probe_block(probe.name, probe.script) for probe in probes)
    text = template.replace("@VERSION@", script_version()).replace("@PROBES@", blocks)
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
