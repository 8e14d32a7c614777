"""The standalone endpoint script: every probe, run on the machine itself, its answers written to a share.

Assembled from ``Get-HolyauditFacts.ps1`` and the probes the WinRM collector sends (``probes.PROBES``), so each
probe is defined once. ``holyaudit endpoints script`` writes it out for a school to sign and deploy, and
``facts_files.py`` reads what it writes.
"""

from __future__ import annotations

from importlib import resources

from holyaudit import __version__
from holyaudit.collectors.winrm.probes import PROBES

FORMAT = "holyaudit-endpoint-facts"
FORMAT_VERSION = 1
SCRIPT_NAME = "Get-HolyauditFacts.ps1"


def script_version() -> str:
    return f"holyaudit {__version__}"


def probe_block(name: str, source: str) -> str:
    """One probe as the script holds it: its source, unchanged, as a script block run in a scope of its own."""
    return f"$probes['{name}'] = {{\n{source.rstrip()}\n}}"


def standalone_script() -> str:
    """The whole script, with Windows line endings (what Windows tools, and signing, expect)."""
    template = resources.files(__package__).joinpath(SCRIPT_NAME).read_text(encoding="utf-8")
    blocks = "\n".join(probe_block(probe.name, probe.script) for probe in PROBES)
    text = template.replace("@VERSION@", script_version()).replace("@PROBES@", blocks)
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
