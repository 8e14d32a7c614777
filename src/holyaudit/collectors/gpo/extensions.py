"""Which of a GPO's files its clients apply, and whether SYSVOL has caught up with the directory (pure).

Windows runs a client-side extension for a GPO only if the extension's GUID is listed in the GPO's
``gPCMachineExtensionNames`` (computer half) or ``gPCUserExtensionNames`` (user half) ([MS-GPOL] 1.8, 2.2):
each ``[...]`` group lists a CSE GUID followed by its tool extension GUIDs, so only the first GUID of a group names
an extension that runs. The GUIDs are Microsoft's (KB 216357; [MS-GPREG] for the Registry extension).

``versionNumber`` on the GPO's container and ``Version`` in its ``GPT.INI`` are bumped together by an editor;
they differ while SYSVOL has not replicated the change (or after a bad restore).
"""

from __future__ import annotations

import re

from holyaudit.collectors.gpo import gpttmpl
from holyaudit.collectors.gpo.effective import GpoFile

REGISTRY_CSE = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
SECURITY_CSE = "{827D319E-6EAC-11D2-A4EA-00C04F79F83A}"

_GROUP = re.compile(r"\[([^\[\]]*)\]")
_GUID = re.compile(r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}")

NEEDS = {
    GpoFile.TEMPLATE: (SECURITY_CSE, "Security", "gPCMachineExtensionNames"),
    GpoFile.MACHINE_POL: (REGISTRY_CSE, "Registry", "gPCMachineExtensionNames"),
    GpoFile.USER_POL: (REGISTRY_CSE, "Registry", "gPCUserExtensionNames"),
}
"""Each file -> the extension that applies it, its name, and the attribute that must list it."""


def client_extensions(names: str | None) -> frozenset[str]:
    """The CSE GUIDs (upper case, braced) an extension-names attribute lists: the first GUID of each group."""
    found = set()
    for group in _GROUP.findall(names or ""):
        first = _GUID.match(group.strip())
        if first:
            found.add(first.group(0).upper())
    return frozenset(found)


def not_applied(present: set[GpoFile], machine_names: str | None, user_names: str | None) -> dict[GpoFile, str]:
    """For each file in ``present`` whose extension the GPO does not list, why clients do not apply it."""
    listed = {
        "gPCMachineExtensionNames": client_extensions(machine_names),
        "gPCUserExtensionNames": client_extensions(user_names),
    }
    reasons = {}
    for file in sorted(present):
        guid, extension, attribute = NEEDS[file]
        if guid not in listed[attribute]:
            reasons[file] = (
                f"{file.value} is not applied by clients: the {extension} extension {guid} is not listed in {attribute}"
            )
    return reasons


def gpt_ini_version(data: bytes) -> int | None:
    """``[General] Version`` of a GPT.INI, or None when it has none or it is not a number."""
    try:
        text = gpttmpl.decode(data).value("General", "Version")
        return None if text is None else int(text)
    except (gpttmpl.GptTmplError, ValueError):
        return None


def version_warning(name: str, directory: int | None, gpt_ini: int | None) -> str | None:
    """A sentence when the directory's and SYSVOL's versions of a GPO disagree (or one cannot be read)."""
    if directory is not None and directory == gpt_ini:
        return None
    return (
        f"GPO '{name}': versionNumber in the directory is {_shown(directory)} but GPT.INI's Version is "
        f"{_shown(gpt_ini)}: SYSVOL may not have replicated, so clients may apply other settings"
    )


def _shown(version: int | None) -> str:
    return "unreadable" if version is None else str(version)
