"""Registry.pol, the file of registry settings in a GPO ([MS-GPREG] 2.2.1): read it, write it, fold it into values.

The file is ``PReg``, a little-endian u32 version (1), then entries ``[key;name;type;size;data]``: the brackets and
semicolons are UTF-16LE characters, key and value name are NUL-terminated UTF-16LE strings, type and size are
little-endian u32 and data is exactly ``size`` raw bytes. Entries are read by that size and never by looking for a
``]`` in the data, which may hold any byte: a DWORD of 10 is ``0a 00 00 00`` and must not end the entry early.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Literal

SIGNATURE = b"PReg"
VERSION = 1

_U32 = struct.Struct("<I")
_OPEN = "[".encode("utf-16-le")
_SEP = ";".encode("utf-16-le")
_CLOSE = "]".encode("utf-16-le")
_NUL = b"\0\0"
# Names may hold unpaired surrogates (the registry does not check); keep them rather than refuse the file.
_UTF16 = "utf-16-le"
_ERRORS = "surrogatepass"

RegistryValue = str | int | bytes | list[str]


class RegistryPolError(ValueError):
    """A Registry.pol that cannot be read: truncated or corrupt, at a byte offset."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(f"Registry.pol: {message} at byte offset {offset}")


class RegType(IntEnum):
    """The registry value types found in policy files (winnt.h ``REG_*``)."""

    NONE = 0
    SZ = 1
    EXPAND_SZ = 2
    BINARY = 3
    DWORD = 4
    DWORD_BIG_ENDIAN = 5
    MULTI_SZ = 7
    QWORD = 11


class EntryKind(StrEnum):
    """What an entry does when the Registry client-side extension applies it ([MS-GPREG] 2.2.1.2)."""

    VALUE = "value"
    KEY = "key"  # an empty value name and no data: the key is created, no value is set
    DELETE_VALUE = "delete_value"  # **del.<name>
    DELETE_ALL_VALUES = "delete_all_values"  # **delvals.: every value of the key, not its subkeys
    DELETE_VALUES = "delete_values"  # **DeleteValues: the names listed in the data, separated by ';'
    DELETE_KEYS = "delete_keys"  # **DeleteKeys: the subkeys listed in the data, separated by ';'
    SECURE_KEY = "secure_key"  # **SecureKey: data 1 gives the key the default policy ACL
    SOFT_VALUE = "soft_value"  # **soft.<name>: set the value only when it does not exist yet


# Prefix markers carry the target value name after the prefix; whole-name markers stand alone.
_PREFIX_MARKERS = {"**del.": EntryKind.DELETE_VALUE, "**soft.": EntryKind.SOFT_VALUE}
_NAME_MARKERS = {
    "**delvals.": EntryKind.DELETE_ALL_VALUES,
    "**deletevalues": EntryKind.DELETE_VALUES,
    "**deletekeys": EntryKind.DELETE_KEYS,
    "**securekey": EntryKind.SECURE_KEY,
}


@dataclass(frozen=True)
class RegistryEntry:
    """One entry of a Registry.pol, with its data exactly as stored; ``value`` decodes it by type.

    Build one from a Python value with ``RegistryEntry.of``. An entry whose data does not fit its type (a DWORD
    that is not four bytes, a string of an odd number of bytes) cannot be constructed.
    """

    key: str
    name: str
    type: int
    data: bytes

    def __post_init__(self) -> None:
        for label, text in (("key", self.key), ("value name", self.name)):
            if "\0" in text:
                raise ValueError(f"a registry {label} cannot contain NUL: {text!r}")
        if not 0 <= self.type <= 0xFFFFFFFF:
            raise ValueError(f"registry type {self.type} is not a u32")
        _decode_value(self.type, self.data)

    @classmethod
    def of(cls, key: str, name: str, type: int, value: RegistryValue) -> RegistryEntry:
        """An entry holding ``value`` encoded as ``type`` (str for strings, int for numbers, list for REG_MULTI_SZ)."""
        return cls(key, name, type, _encode_value(type, value))

    @property
    def value(self) -> RegistryValue:
        """The data decoded by type.

        REG_SZ and REG_EXPAND_SZ: str, up to the first NUL. REG_MULTI_SZ: list of str, up to the first empty string.
        REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD: unsigned int. REG_BINARY, REG_NONE and any other type: bytes.
        """
        return _decode_value(self.type, self.data)

    @property
    def kind(self) -> EntryKind:
        """What applying the entry does; markers are recognised whatever their case.

        An empty value name with data sets the key's default value, so only one without data is a key-only entry.
        """
        lowered = self.name.lower()
        if lowered in _NAME_MARKERS:
            return _NAME_MARKERS[lowered]
        for prefix, kind in _PREFIX_MARKERS.items():
            if lowered.startswith(prefix):
                return kind
        return EntryKind.KEY if self.name == "" and not self.data else EntryKind.VALUE

    @property
    def targets(self) -> tuple[str, ...]:
        """The value names (or, for **DeleteKeys, subkey names) a marker acts on; empty for other entries."""
        kind = self.kind
        if kind in (EntryKind.DELETE_VALUE, EntryKind.SOFT_VALUE):
            return (self.name[self.name.index(".") + 1 :],)
        if kind in (EntryKind.DELETE_VALUES, EntryKind.DELETE_KEYS):
            listed = self.value
            if isinstance(listed, str):
                return tuple(part for part in listed.split(";") if part)
        return ()


_TEXT_TYPES = (RegType.SZ, RegType.EXPAND_SZ, RegType.MULTI_SZ)
_NUMBERS: dict[int, tuple[int, Literal["little", "big"]]] = {
    RegType.DWORD: (4, "little"),
    RegType.DWORD_BIG_ENDIAN: (4, "big"),
    RegType.QWORD: (8, "little"),
}


def _text(data: bytes) -> str:
    if len(data) % 2:
        raise ValueError(f"a string of {len(data)} bytes is not UTF-16LE")
    return data.decode(_UTF16, _ERRORS)


def _fixed(data: bytes, size: int, label: str) -> bytes:
    if len(data) != size:
        raise ValueError(f"{label} data is {len(data)} bytes, not {size}")
    return data


def _decode_value(type: int, data: bytes) -> RegistryValue:
    if type in (RegType.SZ, RegType.EXPAND_SZ):
        return _text(data).split("\0", 1)[0]
    if type == RegType.MULTI_SZ:
        strings: list[str] = []
        for part in _text(data).split("\0"):
            if part == "":
                break
            strings.append(part)
        return strings
    if type in _NUMBERS:
        size, order = _NUMBERS[type]
        return int.from_bytes(_fixed(data, size, _type_name(type)), order)
    return data


def _encode_value(type: int, value: RegistryValue) -> bytes:
    if type in (RegType.SZ, RegType.EXPAND_SZ) and isinstance(value, str):
        if "\0" in value:
            raise ValueError(f"a registry string cannot contain NUL: {value!r}")
        return (value + "\0").encode(_UTF16, _ERRORS)
    if type == RegType.MULTI_SZ and isinstance(value, list):
        if any(part == "" or "\0" in part for part in value):
            raise ValueError(f"REG_MULTI_SZ strings must be non-empty and without NUL: {value!r}")
        return "".join(part + "\0" for part in [*value, ""]).encode(_UTF16, _ERRORS)
    if type in _NUMBERS and isinstance(value, int) and not isinstance(value, bool):
        size, order = _NUMBERS[type]
        if not 0 <= value < 1 << (8 * size):
            raise ValueError(f"{_type_name(type)} value {value} does not fit in {size} unsigned bytes")
        return value.to_bytes(size, order)
    if type not in _TEXT_TYPES and type not in _NUMBERS and isinstance(value, bytes):
        return value
    raise ValueError(f"cannot store {value!r} as registry type {_type_name(type)}")


def _type_name(type: int) -> str:
    try:
        return f"REG_{RegType(type).name}"
    except ValueError:
        return f"type {type}"


class _Reader:
    """A cursor over the file bytes whose every failure names the offset it reached."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int, what: str) -> bytes:
        if self.pos + size > len(self.data):
            raise RegistryPolError(f"{what} needs {size} bytes but only {len(self.data) - self.pos} are left", self.pos)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def expect(self, token: bytes, what: str) -> None:
        start = self.pos
        if self.take(len(token), what) != token:
            raise RegistryPolError(f"expected {what}", start)

    def u32(self, what: str) -> int:
        value: int = _U32.unpack(self.take(4, what))[0]
        return value

    def string(self, what: str) -> str:
        start = self.pos
        end = start
        while True:
            end = self.data.find(_NUL, end)
            if end < 0:
                raise RegistryPolError(f"{what} has no terminating NUL", start)
            if (end - start) % 2 == 0:
                break
            end += 1
        self.pos = end + 2
        return self.data[start:end].decode(_UTF16, _ERRORS)


def decode(data: bytes) -> list[RegistryEntry]:
    """Every entry of a Registry.pol, in file order; raises ``RegistryPolError`` if the file is not whole."""
    reader = _Reader(data)
    if reader.take(4, "the PReg signature") != SIGNATURE:
        raise RegistryPolError(f"the signature is {data[:4]!r}, not {SIGNATURE!r}", 0)
    version = reader.u32("the version")
    if version != VERSION:
        raise RegistryPolError(f"version {version} is not {VERSION}", 4)
    entries: list[RegistryEntry] = []
    while reader.pos < len(data):
        reader.expect(_OPEN, "'[' opening an entry")
        key = reader.string("the key name")
        reader.expect(_SEP, "';' after the key name")
        name = reader.string("the value name")
        reader.expect(_SEP, "';' after the value name")
        type = reader.u32("the value type")
        reader.expect(_SEP, "';' after the value type")
        size = reader.u32("the data size")
        reader.expect(_SEP, "';' after the data size")
        data_at = reader.pos
        value_data = reader.take(size, "the data")
        reader.expect(_CLOSE, "']' closing the entry")
        try:
            entries.append(RegistryEntry(key, name, type, value_data))
        except ValueError as e:
            raise RegistryPolError(f"{key}\\{name}: {e}", data_at) from e
    return entries


def encode(entries: Iterable[RegistryEntry]) -> bytes:
    """A Registry.pol holding ``entries`` in order; ``decode(encode(entries)) == list(entries)``."""
    parts = [SIGNATURE, _U32.pack(VERSION)]
    for entry in entries:
        parts += [
            _OPEN,
            (entry.key + "\0").encode(_UTF16, _ERRORS),
            _SEP,
            (entry.name + "\0").encode(_UTF16, _ERRORS),
            _SEP,
            _U32.pack(entry.type),
            _SEP,
            _U32.pack(len(entry.data)),
            _SEP,
            entry.data,
            _CLOSE,
        ]
    return b"".join(parts)


# The top-level keys below HKLM and HKCU that a **DeleteKeys path may start from: GPMC writes each subkey to delete
# as a full path ("Software\\Policies\\Vendor\\Sub"); hand-written files may name it relative to the entry's key.
_HIVE_ROOTS = ("software\\", "system\\")


def deleted_key_paths(entry: RegistryEntry) -> tuple[str, ...]:
    """The lower-cased full paths of the keys a ``**DeleteKeys`` entry removes (with their subkeys); else empty.

    A listed path that starts at the hive (``Software\\...`` or ``System\\...``), or with the entry's own key, is a
    full path; any other is a subkey of the entry's key.
    """
    if entry.kind != EntryKind.DELETE_KEYS:
        return ()
    key = entry.key.lower().strip("\\")
    paths = []
    for target in entry.targets:
        listed = target.lower().strip("\\")
        full = listed.startswith(_HIVE_ROOTS) or listed == key or listed.startswith(key + "\\")
        paths.append(listed if full else f"{key}\\{listed}")
    return tuple(paths)


@dataclass(frozen=True)
class Operation:
    """What one entry does to one value: ``set`` it, ``soft``-set it (only if it does not exist yet), or ``delete``
    it. ``marker`` is the entry's value name as written (``**del.ScreenSaveTimeOut``), to show as evidence."""

    action: Literal["set", "soft", "delete"]
    value: RegistryValue | None
    marker: str


def operations_on(entries: Iterable[RegistryEntry], key: str, name: str) -> list[Operation]:
    """Every operation ``entries`` make on the value (``key``, ``name``), in file order; key and name in any case.

    What each entry does, as the Registry client-side extension applies it ([MS-GPREG] 2.2.1.2; Microsoft's
    "Registry Policy File Format" lists the markers): a value sets (key, name); ``**del.<name>`` deletes it, as does
    ``**DeleteValues`` listing the name; ``**delvals.`` deletes every value of the key but not its subkeys';
    ``**DeleteKeys`` deletes the keys it lists (``deleted_key_paths``) with their subkeys; ``**soft.<name>`` sets
    (key, name) only if it does not exist yet. Key-only entries and ``**SecureKey`` change no value. Keys and names
    compare without regard to case, like the registry.
    """
    key, name = key.lower(), name.lower()
    found: list[Operation] = []
    for entry in entries:
        kind = entry.kind
        same_key = entry.key.lower() == key
        if kind == EntryKind.VALUE and same_key and entry.name.lower() == name:
            found.append(Operation("set", entry.value, entry.name))
        elif kind == EntryKind.SOFT_VALUE and same_key and entry.targets[0].lower() == name:
            found.append(Operation("soft", entry.value, entry.name))
        elif (
            (kind in (EntryKind.DELETE_VALUE, EntryKind.DELETE_VALUES) and same_key and name in _lowered(entry.targets))
            or (kind == EntryKind.DELETE_ALL_VALUES and same_key)
            or any(key == gone or key.startswith(gone + "\\") for gone in deleted_key_paths(entry))
        ):
            found.append(Operation("delete", None, entry.name))
    return found


def secure_keys(entries: Iterable[RegistryEntry]) -> list[str]:
    """The keys a ``**SecureKey`` entry with data 1 gives the default policy ACL, in file order."""
    return [entry.key for entry in entries if entry.kind == EntryKind.SECURE_KEY and entry.value == 1]


def _lowered(names: Iterable[str]) -> set[str]:
    return {name.lower() for name in names}
