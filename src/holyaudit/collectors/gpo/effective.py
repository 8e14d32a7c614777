"""The settings in force in one container: what its applied GPOs' files say, highest precedence first (pure).

Each audited setting has its sources inside one GPO, tried in order (a GptTmpl.inf key, a Registry.pol value).
Walking the applied GPOs from the highest precedence down, the first GPO that configures the setting decides
it. A GPO whose file for that setting could not be read decides it too, as *unknown*: the setting may be
whatever that file says, so it is never taken from a lower GPO instead. GPOs whose user half (or computer half)
is disabled are passed over for user (or computer) settings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.gpo.gpttmpl import GptTmpl, GptTmplError
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.registry_pol import RegistryValue


class GpoFile(StrEnum):
    """The files of a GPO that holyaudit reads, as paths below its ``gPCFileSysPath``."""

    TEMPLATE = "Machine\\Microsoft\\Windows NT\\SecEdit\\GptTmpl.inf"
    MACHINE_POL = "Machine\\Registry.pol"
    USER_POL = "User\\Registry.pol"


@dataclass(frozen=True)
class GpoContent:
    """What one GPO's files hold: a file absent from SYSVOL is ``None`` (it sets nothing); ``errors`` holds, for
    each file that exists but could not be read or parsed, a sentence naming the file and the reason."""

    name: str
    template: GptTmpl | None = None
    machine: dict[tuple[str, str], RegistryValue] | None = None
    user: dict[tuple[str, str], RegistryValue] | None = None
    errors: dict[GpoFile, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SystemAccess:
    """A ``[System Access]`` key of GptTmpl.inf."""

    key: str

    def find(self, content: GpoContent) -> tuple[GpoFile, object | None]:
        template = content.template
        return GpoFile.TEMPLATE, None if template is None else template.system_access_int(self.key)


@dataclass(frozen=True)
class TemplateRegistry:
    """A ``[Registry Values]`` line of GptTmpl.inf, by its full ``MACHINE\\...`` path."""

    path: str

    def find(self, content: GpoContent) -> tuple[GpoFile, object | None]:
        template = content.template
        found = None if template is None else template.registry_value(self.path)
        return GpoFile.TEMPLATE, None if found is None else found.value


@dataclass(frozen=True)
class PolValue:
    """A value in the machine or user Registry.pol (key relative to HKLM or HKCU)."""

    half: Literal["machine", "user"]
    key: str
    name: str

    def find(self, content: GpoContent) -> tuple[GpoFile, object | None]:
        values = content.machine if self.half == "machine" else content.user
        where = GpoFile.MACHINE_POL if self.half == "machine" else GpoFile.USER_POL
        return where, None if values is None else values.get((self.key.lower(), self.name.lower()))


Source = SystemAccess | TemplateRegistry | PolValue


def as_int(value: object) -> int:
    """A number from a DWORD or from digits in a string (Registry.pol stores screen-saver values as REG_SZ)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"{value!r} is not a number")


def as_flag(value: object) -> bool:
    """1 is on and 0 is off, as a DWORD or as the strings "1" / "0"; anything else is not a flag."""
    number = as_int(value)
    if number not in (0, 1):
        raise ValueError(f"{value!r} is not 0 or 1")
    return number == 1


@dataclass(frozen=True)
class SettingSpec:
    """One audited setting: the fact field it fills, the GPO half it belongs to, where it is read and how."""

    field: str
    label: str
    half: Literal["machine", "user"]
    sources: tuple[Source, ...]
    convert: Callable[[object], object]


_SCREENSAVER = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
_SYSTEM = "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
_MBAM = "Software\\Policies\\Microsoft\\FVE\\MDOPBitLockerManagement"

_TEMPLATE_INACTIVITY = TemplateRegistry(f"MACHINE\\{_SYSTEM}\\InactivityTimeoutSecs")


def _user(name: str) -> tuple[Source, ...]:
    return (PolValue("user", _SCREENSAVER, name),)


def _access(key: str) -> tuple[Source, ...]:
    return (SystemAccess(key),)


SETTINGS = (
    SettingSpec("screensaver_active", "ScreenSaveActive", "user", _user("ScreenSaveActive"), as_flag),
    SettingSpec("screensaver_secure", "ScreenSaverIsSecure", "user", _user("ScreenSaverIsSecure"), as_flag),
    SettingSpec("screensaver_timeout_secs", "ScreenSaveTimeOut", "user", _user("ScreenSaveTimeOut"), as_int),
    SettingSpec(
        "inactivity_timeout_secs",
        "InactivityTimeoutSecs",
        "machine",
        (_TEMPLATE_INACTIVITY, PolValue("machine", _SYSTEM, "InactivityTimeoutSecs")),
        as_int,
    ),
    SettingSpec(
        "force_logoff_when_hour_expire",
        "ForceLogoffWhenHourExpire",
        "machine",
        _access("ForceLogoffWhenHourExpire"),
        as_flag,
    ),
    SettingSpec("min_password_length", "MinimumPasswordLength", "machine", _access("MinimumPasswordLength"), as_int),
    SettingSpec("password_complexity", "PasswordComplexity", "machine", _access("PasswordComplexity"), as_flag),
    SettingSpec(
        "bitlocker_os_drive_required",
        "ShouldEncryptOSDrive",
        "machine",
        (PolValue("machine", _MBAM, "ShouldEncryptOSDrive"),),
        as_flag,
    ),
)
"""What is read, in which order inside one GPO (GptTmpl.inf before the machine Registry.pol)."""

SOURCE_SUFFIX = {
    "screensaver_active": "screensaver_active_from",
    "screensaver_secure": "screensaver_secure_from",
    "screensaver_timeout_secs": "screensaver_timeout_from",
    "inactivity_timeout_secs": "inactivity_timeout_from",
    "force_logoff_when_hour_expire": "force_logoff_from",
    "min_password_length": "min_password_length_from",
    "password_complexity": "password_complexity_from",
    "bitlocker_os_drive_required": "bitlocker_os_drive_from",
}
"""Each setting's field -> the field naming the GPO that set it."""


@dataclass(frozen=True)
class Effective:
    """The settings in force: values by field, the GPO that set each, and why any could not be decided."""

    values: dict[str, object]
    set_by: dict[str, str]
    unreadable: dict[str, str]


def effective_settings(
    applied: Sequence[AppliedGpo], contents: dict[str, GpoContent], specs: Sequence[SettingSpec] = SETTINGS
) -> Effective:
    """The settings ``applied`` (highest precedence first) leave in force; ``contents`` by GPO DN key (``dn.key``).

    A GPO missing from ``contents`` is treated as one whose files all failed to read.
    """
    values: dict[str, object] = {}
    set_by: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for spec in specs:
        for gpo in applied:
            enabled = gpo.user_settings_enabled if spec.half == "user" else gpo.computer_settings_enabled
            if not enabled:
                continue
            content = contents.get(dn_key(gpo.gpo_dn))
            if content is None:
                unreadable[spec.field] = f"the files of GPO '{gpo.display_name}' were not read"
                break
            decided = _decide(spec, content)
            if decided is None:
                continue
            if isinstance(decided, _Unknown):
                unreadable[spec.field] = decided.reason
            else:
                values[spec.field] = decided.value
                set_by[spec.field] = gpo.display_name
            break
    return Effective(values, set_by, unreadable)


@dataclass(frozen=True)
class _Known:
    value: object


@dataclass(frozen=True)
class _Unknown:
    reason: str


def _decide(spec: SettingSpec, content: GpoContent) -> _Known | _Unknown | None:
    """What this GPO says about the setting: a value, unknown (its file is unreadable or the value bad), or nothing."""
    for source in spec.sources:
        try:
            where, raw = source.find(content)
        except GptTmplError as exc:
            return _Unknown(f"GPO '{content.name}': {exc}")
        if where in content.errors:
            return _Unknown(f"GPO '{content.name}': {content.errors[where]}")
        if raw is None:
            continue
        try:
            return _Known(spec.convert(raw))
        except ValueError as exc:
            return _Unknown(f"GPO '{content.name}' sets {spec.label} to {raw!r}: {exc}")
    return None
