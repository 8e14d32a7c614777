"""The settings in force in one container: what its applied GPOs' files leave behind, applied as Windows does (pure).

Windows applies the GPOs that reach a container lowest precedence first, so each one's operations land on what the
lower ones left: a value set, a value set only if it does not exist yet (``**soft.``), or a value deleted
(``**del.``, ``**delvals.``, ``**DeleteValues``, ``**DeleteKeys``). A deletion in a higher GPO removes a lower GPO's
value, and the GPO that deleted it is named as the source of its absence; a lower GPO's deletion is overridden by
a higher GPO that sets the value. Each setting has its sources inside one GPO (a GptTmpl.inf key, a Registry.pol
value); the first source listed is applied last, so it wins inside its GPO. A GPO whose file for a setting could
not be read leaves the setting *unknown* (it may be whatever that file says) until a higher GPO sets or deletes
it. GPOs whose user half (or computer half) is disabled are passed over for user (or computer) settings.

A GPO with a WMI filter applies only where the client's query says so, which the server cannot know: a setting
is worked out with and without each filtered GPO that touches it, and is *unknown* (naming the filter and its
query) unless every combination leaves the same value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.gpo.gpttmpl import GptTmpl, GptTmplError
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.registry_pol import Operation, RegistryEntry, operations_on


class GpoFile(StrEnum):
    """The files of a GPO that holyaudit reads, as paths below its ``gPCFileSysPath``."""

    TEMPLATE = "Machine\\Microsoft\\Windows NT\\SecEdit\\GptTmpl.inf"
    MACHINE_POL = "Machine\\Registry.pol"
    USER_POL = "User\\Registry.pol"


@dataclass(frozen=True)
class GpoContent:
    """What one GPO's files hold: a file absent from SYSVOL, or one its clients do not apply, is ``None`` (it sets
    nothing); ``errors`` holds, for each file that exists but could not be read or parsed, a sentence naming the
    file and the reason. ``warnings`` say which files clients do not apply and whether SYSVOL lags the directory;
    ``versions`` holds the directory's ``versionNumber`` and GPT.INI's ``Version`` (None when unreadable);
    ``wmi_filter`` describes the WMI filter that decides on each client whether the GPO applies."""

    name: str
    template: GptTmpl | None = None
    machine: tuple[RegistryEntry, ...] | None = None
    user: tuple[RegistryEntry, ...] | None = None
    errors: dict[GpoFile, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    versions: dict[str, int | None] = field(default_factory=dict)
    wmi_filter: str | None = None
    """The WMI filter it is linked to, described with its queries (or why it could not be read)."""
    wmi_filter_readable: bool = True


@dataclass(frozen=True)
class SystemAccess:
    """A ``[System Access]`` key of GptTmpl.inf."""

    key: str

    def operations(self, content: GpoContent) -> tuple[GpoFile, list[Operation]]:
        template = content.template
        return GpoFile.TEMPLATE, _set(None if template is None else template.system_access_int(self.key), self.key)


@dataclass(frozen=True)
class TemplateRegistry:
    """A ``[Registry Values]`` line of GptTmpl.inf, by its full ``MACHINE\\...`` path."""

    path: str

    def operations(self, content: GpoContent) -> tuple[GpoFile, list[Operation]]:
        template = content.template
        found = None if template is None else template.registry_value(self.path)
        return GpoFile.TEMPLATE, _set(None if found is None else found.value, self.path)


@dataclass(frozen=True)
class PolValue:
    """A value in the machine or user Registry.pol (key relative to HKLM or HKCU)."""

    half: Literal["machine", "user"]
    key: str
    name: str

    def operations(self, content: GpoContent) -> tuple[GpoFile, list[Operation]]:
        entries = content.machine if self.half == "machine" else content.user
        where = GpoFile.MACHINE_POL if self.half == "machine" else GpoFile.USER_POL
        return where, [] if entries is None else operations_on(entries, self.key, self.name)


Source = SystemAccess | TemplateRegistry | PolValue


def _set(value: str | int | list[str] | None, marker: str) -> list[Operation]:
    """A GptTmpl.inf line only ever sets its value (the security extension has no deletion markers)."""
    return [] if value is None else [Operation("set", value, marker)]


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


def as_days_or_never(value: object) -> int:
    """MaximumPasswordAge in days: 0 and -1 both mean passwords never expire, and read as 0 (the domain's 'never')."""
    number = as_int(value)
    if number < -1:
        raise ValueError(f"{value!r} is not a number of days, 0 or -1")
    return max(number, 0)


def as_lockout_minutes(value: object) -> int:
    """LockoutDuration in minutes: -1 (what GPMC writes) and 0 (what its dialog shows) both mean until an
    administrator unlocks the account, and read as -1."""
    number = as_int(value)
    if number < -1:
        raise ValueError(f"{value!r} is not a number of minutes, 0 or -1")
    return -1 if number in (-1, 0) else number


def as_count(value: object) -> int:
    """A count or a span that cannot be negative (history size, bad-password count, days, minutes)."""
    number = as_int(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


def as_loopback(value: object) -> str:
    """UserPolicyMode: 1 merge, 2 replace, 0 off ([MS-GPOL] 3.2.1.3 Policy Source Mode)."""
    number = as_int(value)
    modes = {0: "off", 1: "merge", 2: "replace"}
    if number not in modes:
        raise ValueError(f"{value!r} is not 0, 1 or 2")
    return modes[number]


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
LOOPBACK_KEY = "Software\\Policies\\Microsoft\\Windows\\System"

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
        "max_password_age_days", "MaximumPasswordAge", "machine", _access("MaximumPasswordAge"), as_days_or_never
    ),
    SettingSpec("min_password_age_days", "MinimumPasswordAge", "machine", _access("MinimumPasswordAge"), as_count),
    SettingSpec("password_history_size", "PasswordHistorySize", "machine", _access("PasswordHistorySize"), as_count),
    SettingSpec("lockout_threshold", "LockoutBadCount", "machine", _access("LockoutBadCount"), as_count),
    SettingSpec("lockout_duration_mins", "LockoutDuration", "machine", _access("LockoutDuration"), as_lockout_minutes),
    SettingSpec("lockout_window_mins", "ResetLockoutCount", "machine", _access("ResetLockoutCount"), as_count),
    SettingSpec("clear_text_password", "ClearTextPassword", "machine", _access("ClearTextPassword"), as_flag),
    SettingSpec(
        "bitlocker_os_drive_required",
        "ShouldEncryptOSDrive",
        "machine",
        (PolValue("machine", _MBAM, "ShouldEncryptOSDrive"),),
        as_flag,
    ),
    SettingSpec(
        "loopback_mode",
        "UserPolicyMode",
        "machine",
        (PolValue("machine", LOOPBACK_KEY, "UserPolicyMode"),),
        as_loopback,
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
    "max_password_age_days": "max_password_age_from",
    "min_password_age_days": "min_password_age_from",
    "password_history_size": "password_history_from",
    "lockout_threshold": "lockout_threshold_from",
    "lockout_duration_mins": "lockout_duration_from",
    "lockout_window_mins": "lockout_window_from",
    "clear_text_password": "clear_text_password_from",
    "bitlocker_os_drive_required": "bitlocker_os_drive_from",
    "loopback_mode": "loopback_mode_from",
}
"""Each setting's field -> the field naming the GPO that set it."""


@dataclass(frozen=True)
class Effective:
    """The settings in force: values by field, the GPO that set (or deleted) each, the deletions with the marker
    that made them, and why any could not be decided."""

    values: dict[str, object]
    set_by: dict[str, str]
    unreadable: dict[str, str]
    deleted: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Known:
    value: object
    gpo: str


@dataclass(frozen=True)
class _Deleted:
    gpo: str
    marker: str


@dataclass(frozen=True)
class _Unknown:
    reason: str


_State = _Known | _Deleted | _Unknown | None


def effective_settings(
    applied: Sequence[AppliedGpo], contents: dict[str, GpoContent], specs: Sequence[SettingSpec] = SETTINGS
) -> Effective:
    """The settings ``applied`` (highest precedence first) leave in force; ``contents`` by GPO DN key (``dn.key``).

    A GPO missing from ``contents`` is treated as one whose files all failed to read.
    """
    values: dict[str, object] = {}
    set_by: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    deleted: dict[str, str] = {}
    for spec in specs:
        state = _filtered_state(spec, applied, contents)
        if isinstance(state, _Known):
            values[spec.field] = state.value
            set_by[spec.field] = state.gpo
        elif isinstance(state, _Deleted):
            set_by[spec.field] = state.gpo
            deleted[spec.field] = f"{spec.label} is deleted by GPO '{state.gpo}' ({state.marker})"
        elif isinstance(state, _Unknown):
            unreadable[spec.field] = state.reason
    return Effective(values, set_by, unreadable, deleted)


CLIENT_DECIDES = "each client evaluates it"
"""Said of a readable WMI filter: a setting it leaves unknown is not a failure to read anything."""
_MOST_FILTERED = 8
"""More WMI-filtered GPOs than this touching one setting in one container are not combined: the setting is unknown."""


def _filtered_state(spec: SettingSpec, applied: Sequence[AppliedGpo], contents: dict[str, GpoContent]) -> _State:
    """The setting with every applied GPO, unless a WMI-filtered GPO that touches it could change it."""
    state = _state(spec, applied, contents, frozenset())
    filtered = []
    for gpo in applied:
        content = contents.get(dn_key(gpo.gpo_dn))
        if content is not None and content.wmi_filter and _apply_gpo(spec, content, None) is not None:
            filtered.append((gpo, content))
    if not filtered:
        return state
    outcomes = {_outcome(state)}
    if len(filtered) <= _MOST_FILTERED:
        for mask in range(1, 2 ** len(filtered)):
            skipped = frozenset(dn_key(gpo.gpo_dn) for bit, (gpo, _) in enumerate(filtered) if mask >> bit & 1)
            outcomes.add(_outcome(_state(spec, applied, contents, skipped)))
    if len(outcomes) == 1 and len(filtered) <= _MOST_FILTERED:
        return state
    named = "; ".join(f"GPO '{content.name}' has {content.wmi_filter}" for _, content in filtered)
    if all(content.wmi_filter_readable for _, content in filtered):
        return _Unknown(f"{named}: {CLIENT_DECIDES}, so whether {spec.label} applies here is not known")
    return _Unknown(f"{named}: whether {spec.label} applies here is not known")


def _outcome(state: _State) -> tuple[object, ...]:
    """What a state means for the setting's value, whichever GPO produced it."""
    if isinstance(state, _Known):
        return ("set", type(state.value).__name__, state.value)
    if isinstance(state, _Unknown):
        return ("unknown", state.reason)
    return ("absent",)


def _state(
    spec: SettingSpec, applied: Sequence[AppliedGpo], contents: dict[str, GpoContent], skipped: frozenset[str]
) -> _State:
    """The setting after the applied GPOs, lowest precedence first, except those in ``skipped`` (DN keys)."""
    state: _State = None
    for gpo in reversed(applied):
        enabled = gpo.user_settings_enabled if spec.half == "user" else gpo.computer_settings_enabled
        if not enabled or dn_key(gpo.gpo_dn) in skipped:
            continue
        content = contents.get(dn_key(gpo.gpo_dn))
        if content is None:
            state = _Unknown(f"the files of GPO '{gpo.display_name}' were not read")
            continue
        state = _apply_gpo(spec, content, state)
    return state


def _apply_gpo(spec: SettingSpec, content: GpoContent, state: _State) -> _State:
    """The setting after this GPO's sources are applied over ``state``, the first source listed last."""
    for source in reversed(spec.sources):
        try:
            where, operations = source.operations(content)
        except GptTmplError as exc:
            state = _Unknown(f"GPO '{content.name}': {exc}")
            continue
        if where in content.errors:
            state = _Unknown(f"GPO '{content.name}': {content.errors[where]}")
            continue
        for operation in operations:
            state = _apply(spec, content.name, operation, state)
    return state


def _apply(spec: SettingSpec, gpo: str, operation: Operation, state: _State) -> _State:
    if operation.action == "delete":
        return _Deleted(gpo, operation.marker)
    if operation.action == "soft" and isinstance(state, _Known | _Unknown):
        return state  # it exists (or may exist): a soft value never overwrites
    try:
        return _Known(spec.convert(operation.value), gpo)
    except ValueError as exc:
        return _Unknown(f"GPO '{gpo}' sets {spec.label} to {operation.value!r}: {exc}")
