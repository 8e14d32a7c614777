"""GptTmpl.inf, the security template in a GPO (password policy, logon hours, registry values): read it as text.

Windows writes it as UTF-16LE with a byte order mark; Samba's tools write ASCII or UTF-8. Both are read. Sections
and keys are looked up without regard to case, as Windows does; values are kept as the raw text after ``=``, with
typed helpers for the settings holyaudit audits.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from holyaudit.collectors.gpo.registry_pol import RegType

# Sections made only of ``key = value`` lines, where a line without ``=`` is a mistake. Other sections ([Registry
# Keys], [File Security], [Service General Setting]) hold comma-separated lines and keep them as bare lines.
_KEY_VALUE_SECTIONS = frozenset(
    {
        "unicode",
        "version",
        "system access",
        "event audit",
        "kerberos policy",
        "registry values",
        "privilege rights",
        "group membership",
        "system log",
        "security log",
        "application log",
    }
)


class GptTmplError(ValueError):
    """A GptTmpl.inf that cannot be read, or a value that is not what its setting needs, at a line."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(f"GptTmpl.inf line {line}: {message}")


@dataclass(frozen=True)
class Setting:
    """One ``key = value`` line: both sides stripped of surrounding blanks, the value otherwise as written."""

    key: str
    value: str
    line: int


@dataclass(frozen=True)
class RegistryValueSetting:
    """A ``[Registry Values]`` line: ``MACHINE\\...\\InactivityTimeoutSecs=4,600`` is path, type 4, value 600.

    ``value`` is an int for REG_DWORD, a list for REG_MULTI_SZ (the comma-separated rest), and for every other type
    the text after the type's comma with one pair of surrounding double quotes removed.
    """

    path: str
    type: int
    value: str | int | list[str]
    line: int


class Section(Mapping[str, str]):
    """One ``[Section]``: its settings by key (any case), in file order, and its lines that are not ``key = value``."""

    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self._settings: dict[str, Setting] = {}
        self._bare: list[tuple[int, str]] = []

    def __getitem__(self, key: str) -> str:
        return self._settings[key.lower()].value

    def __iter__(self) -> Iterator[str]:
        return (setting.key for setting in self._settings.values())

    def __len__(self) -> int:
        return len(self._settings)

    def setting(self, key: str) -> Setting | None:
        """The setting with its line number, or None when the key is absent."""
        return self._settings.get(key.lower())

    @property
    def bare_lines(self) -> list[tuple[int, str]]:
        """(line number, text) of each line without ``=``, as in [Registry Keys] or [File Security]."""
        return list(self._bare)

    @property
    def settings(self) -> list[Setting]:
        """Every ``key = value`` line, in file order."""
        return list(self._settings.values())

    def _add_bare(self, number: int, line: str) -> None:
        self._bare.append((number, line))

    def _add(self, setting: Setting) -> None:
        earlier = self._settings.get(setting.key.lower())
        if earlier is not None:
            raise GptTmplError(f"[{self.name}] {setting.key} is set again (first on line {earlier.line})", setting.line)
        self._settings[setting.key.lower()] = setting


class GptTmpl(Mapping[str, Section]):
    """A parsed GptTmpl.inf: sections by name (any case), with helpers for the settings holyaudit reads."""

    def __init__(self, sections: list[Section]) -> None:
        self._sections = {section.name.lower(): section for section in sections}

    def __getitem__(self, name: str) -> Section:
        return self._sections[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return (section.name for section in self._sections.values())

    def __len__(self) -> int:
        return len(self._sections)

    def value(self, section: str, key: str) -> str | None:
        """The raw text of ``key`` in ``section``, or None when either is absent."""
        found = self._sections.get(section.lower())
        return None if found is None else found.get(key)

    def system_access_int(self, key: str) -> int | None:
        """An integer from ``[System Access]``; None when not configured, an error naming the line if not a number."""
        section = self._sections.get("system access")
        setting = None if section is None else section.setting(key)
        if setting is None:
            return None
        try:
            return int(setting.value)
        except ValueError:
            raise GptTmplError(
                f"[System Access] {setting.key} is not an integer: {setting.value!r}", setting.line
            ) from None

    @property
    def minimum_password_length(self) -> int | None:
        return self.system_access_int("MinimumPasswordLength")

    @property
    def password_complexity(self) -> int | None:
        """1 when passwords must meet complexity requirements, 0 when not."""
        return self.system_access_int("PasswordComplexity")

    @property
    def maximum_password_age(self) -> int | None:
        """Days; -1 or 0 means passwords never expire."""
        return self.system_access_int("MaximumPasswordAge")

    @property
    def force_logoff_when_hour_expire(self) -> int | None:
        """1 when sessions are ended as logon hours expire, 0 when not."""
        return self.system_access_int("ForceLogoffWhenHourExpire")

    def registry_values(self) -> list[RegistryValueSetting]:
        """Every ``[Registry Values]`` line, in file order; an error names the first line that is not ``type,value``."""
        section = self._sections.get("registry values")
        if section is None:
            return []
        return [_registry_value(setting) for setting in section.settings]

    def registry_value(self, path: str) -> RegistryValueSetting | None:
        """The ``[Registry Values]`` line for ``path`` (any case), or None when it is not configured."""
        section = self._sections.get("registry values")
        setting = None if section is None else section.setting(path)
        return None if setting is None else _registry_value(setting)


def _registry_value(setting: Setting) -> RegistryValueSetting:
    type_text, comma, rest = setting.value.partition(",")
    if not comma or not type_text.strip().isdigit():
        raise GptTmplError(f"[Registry Values] {setting.key} is not 'type,value': {setting.value!r}", setting.line)
    type = int(type_text)
    value: str | int | list[str]
    if type == RegType.DWORD:
        try:
            value = int(rest)
        except ValueError:
            raise GptTmplError(
                f"[Registry Values] {setting.key} REG_DWORD is not an integer: {rest!r}", setting.line
            ) from None
    elif type == RegType.MULTI_SZ:
        value = [part for part in rest.split(",") if part]
    else:
        value = rest[1:-1] if len(rest) >= 2 and rest[0] == rest[-1] == '"' else rest
    return RegistryValueSetting(setting.key, type, value, setting.line)


def _text(data: bytes) -> str:
    """The file's text: UTF-16 by byte order mark or NUL bytes, else UTF-8 (which ASCII is)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif b"\0" in data:
        encoding = "utf-16-le"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].decode(encoding, errors="replace").count("\n") + 1
        raise GptTmplError(f"not valid {encoding.upper()} text", line) from e


def decode(data: bytes) -> GptTmpl:
    """Parse a GptTmpl.inf; raises ``GptTmplError`` naming the line of the first malformed one.

    Malformed: a setting before any section, a section header without its ``]`` or name, an empty key, a key set
    twice in one section, and a line without ``=`` in a section made of ``key = value`` lines. Blank lines and
    ``;`` comments are skipped. A section that appears twice continues where it left off.
    """
    sections: dict[str, Section] = {}
    current: Section | None = None
    for number, raw in enumerate(_text(data).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            if not line.endswith("]") or not line[1:-1].strip():
                raise GptTmplError(f"section header {line!r} is not '[Name]'", number)
            name = line[1:-1].strip()
            current = sections.setdefault(name.lower(), Section(name, number))
            continue
        if current is None:
            raise GptTmplError(f"{line!r} comes before any [Section]", number)
        key, equals, value = line.partition("=")
        if not equals:
            if current.name.lower() in _KEY_VALUE_SECTIONS:
                raise GptTmplError(f"[{current.name}] line {line!r} is not 'key = value'", number)
            current._add_bare(number, line)
            continue
        if not key.strip():
            raise GptTmplError(f"[{current.name}] line {line!r} has no key before '='", number)
        current._add(Setting(key.strip(), value.strip(), number))
    return GptTmpl(list(sections.values()))
