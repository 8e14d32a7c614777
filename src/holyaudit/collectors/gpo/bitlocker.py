"""What Group Policy says about BitLocker on the operating-system drive: enforced, only configured, or nothing (pure).

Microsoft documents no value under ``Software\\Policies\\Microsoft\\FVE`` that makes Windows start encrypting the
OS drive: the standard BitLocker settings say *how* (encryption method and type, TPM use, recovery information
that must reach AD DS first) once something turns BitLocker on. MBAM's ``ShouldEncryptOSDrive`` (also honoured by
Configuration Manager) is the one Group Policy value that requires encryption. docs/gpo.md cites the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from holyaudit.collectors.gpo.effective import GpoContent, PolValue, SettingSpec, as_int, effective_settings
from holyaudit.collectors.gpo.links import AppliedGpo

ENFORCED = "encryption enforced by policy"
CONFIGURED = "BitLocker configured, encryption not enforced by policy"
NOTHING = "no BitLocker policy"

FVE = "Software\\Policies\\Microsoft\\FVE"
STANDARD_VALUES = (
    "EncryptionMethodWithXtsOs",
    "EncryptionMethod",
    "OSEncryptionType",
    "UseAdvancedStartup",
    "UseTPM",
    "EnableBDEWithNoTPM",
    "OSRecovery",
    "OSRequireActiveDirectoryBackup",
    "OSActiveDirectoryBackup",
)
"""The standard FVE values that concern the OS drive (BitLocker's administrative template)."""

_STANDARD = tuple(
    SettingSpec(name, name, "machine", (PolValue("machine", FVE, name),), as_int) for name in STANDARD_VALUES
)


@dataclass(frozen=True)
class BitLockerPolicy:
    """``policy`` is one of ENFORCED, CONFIGURED, NOTHING, or None when a file that could decide it was not read
    (``unreadable`` says which); ``settings`` are the standard values in force and ``settings_from`` their GPOs."""

    policy: str | None
    settings: dict[str, int] = field(default_factory=dict)
    settings_from: dict[str, str] = field(default_factory=dict)
    unreadable: str | None = None


def bitlocker_policy(
    applied: Sequence[AppliedGpo],
    contents: dict[str, GpoContent],
    required: object,
    required_unreadable: str | None,
) -> BitLockerPolicy:
    """The OS-drive policy from MBAM's ``ShouldEncryptOSDrive`` (``required``: its effective value, True, False or
    None, and why it is unknown) and the standard FVE values the ``applied`` GPOs leave in force."""
    standard = effective_settings(applied, contents, _STANDARD)
    settings = {name: value for name, value in standard.values.items() if isinstance(value, int)}
    settings_from = {name: standard.set_by[name] for name in settings}
    if required is True:
        return BitLockerPolicy(ENFORCED, settings, settings_from)
    if required_unreadable:
        return BitLockerPolicy(None, settings, settings_from, required_unreadable)
    if settings or required is False:
        # MBAM's value set to 0 is configuration too: "Operating system drive encryption settings" without
        # requiring it. A known standard value is enough; others that may or may not apply do not change that.
        return BitLockerPolicy(CONFIGURED, settings, settings_from)
    reasons = sorted(set(standard.unreadable.values()))
    if reasons:
        return BitLockerPolicy(None, settings, settings_from, "; ".join(reasons))
    return BitLockerPolicy(NOTHING, settings, settings_from)
