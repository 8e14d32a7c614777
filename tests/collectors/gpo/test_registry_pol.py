"""Registry.pol: our reader and writer checked against Samba's own PReg parser (python3-samba, NDR), not just itself.

Samba runs in the system Python (Debian's python3-samba) in a subprocess: it reads files we wrote, and writes files
we read. Without it these tests fail, on purpose: a skipped check would look like a passed one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from holyaudit.collectors.gpo.registry_pol import (
    EntryKind,
    Operation,
    RegistryEntry,
    RegistryPolError,
    RegType,
    decode,
    deleted_key_paths,
    encode,
    operations_on,
    secure_keys,
)

SYSTEM_PYTHON = "/usr/bin/python3"
POLICIES = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"

SAMBA_READ = """
import json, sys
from samba.ndr import ndr_unpack
from samba.dcerpc import preg

def tagged(data):
    if data is None:
        return {"none": None}
    if isinstance(data, bytes):
        return {"hex": data.hex()}
    if isinstance(data, str):
        return {"str": data}
    if isinstance(data, int):
        return {"int": data}
    return {"list": list(data)}

out = {}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        parsed = ndr_unpack(preg.file, f.read())
    out[path] = [
        {"key": e.keyname, "name": e.valuename, "type": e.type, "size": e.size, "data": tagged(e.data)}
        for e in parsed.entries
    ]
print(json.dumps(out))
"""

SAMBA_WRITE = """
import json, sys
from samba.ndr import ndr_pack
from samba.dcerpc import preg

entries = []
for spec in json.loads(sys.stdin.read()):
    e = preg.entry()
    e.keyname = spec["key"]
    e.valuename = spec["name"]
    e.type = spec["type"]
    if "str" in spec:
        e.data = spec["str"]
    elif "int" in spec:
        e.data = spec["int"]
    elif "hex" in spec:
        e.data = bytes.fromhex(spec["hex"])
    entries.append(e)
f = preg.file()
f.header.signature = "PReg"
f.header.version = 1
f.num_entries = len(entries)
f.entries = entries
sys.stdout.write(ndr_pack(f).hex())
"""


@pytest.fixture(scope="module")
def samba() -> None:
    """Fail (never skip) when Samba's parser is not there to check against."""
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", "from samba.ndr import ndr_unpack, ndr_pack; from samba.dcerpc import preg"],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.fail(f"{SYSTEM_PYTHON} not found: install python3 and python3-samba (apt-get install python3-samba)")
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.fail(
            "Samba's Python bindings are needed to check the Registry.pol reader against Samba's parser: "
            f"install them with `apt-get install python3-samba` ({reason})"
        )


def samba_read(tmp_path: Path, files: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", SAMBA_READ, *paths], capture_output=True, text=True, check=True, timeout=60
    )
    parsed: dict[str, list[dict[str, Any]]] = json.loads(done.stdout)
    return {Path(path).name: entries for path, entries in parsed.items()}


def samba_write(specs: list[dict[str, Any]]) -> bytes:
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", SAMBA_WRITE], input=json.dumps(specs), capture_output=True, text=True, check=True
    )
    return bytes.fromhex(done.stdout)


def as_samba_reads(entry: RegistryEntry) -> dict[str, Any]:
    """What Samba's preg NDR reports for an entry: strings and numbers decoded, REG_NONE data dropped, the rest raw."""
    if entry.type in (RegType.SZ, RegType.EXPAND_SZ):
        data: dict[str, Any] = {"str": entry.value}
    elif entry.type in (RegType.DWORD, RegType.DWORD_BIG_ENDIAN, RegType.QWORD):
        data = {"int": entry.value}
    elif entry.type == RegType.NONE:
        data = {"none": None}
    else:
        data = {"hex": entry.data.hex()}
    return {"key": entry.key, "name": entry.name, "type": entry.type, "size": len(entry.data), "data": data}


ESTATE_KEY = "Software\\Policies\\Holywell\\Écoles\\Žák"

# Every shape the reader must survive, with the decoded value each must give.
CASES: list[tuple[RegistryEntry, object]] = [
    (RegistryEntry.of(POLICIES, "ScreenSaveTimeOut", RegType.SZ, "600"), "600"),
    (RegistryEntry.of(POLICIES, "LineFeedDword", RegType.DWORD, 10), 10),
    (RegistryEntry.of(POLICIES, "AllLineFeeds", RegType.DWORD, 0x0A0A0A0A), 0x0A0A0A0A),
    (RegistryEntry.of(POLICIES, "CloseBracketBytes", RegType.DWORD, 0x005D005D), 0x005D005D),
    (RegistryEntry.of(POLICIES, "BigEndian", RegType.DWORD_BIG_ENDIAN, 10), 10),
    (RegistryEntry.of(POLICIES, "Quota", RegType.QWORD, 2**40 + 10), 2**40 + 10),
    (RegistryEntry.of(POLICIES, "Paths", RegType.MULTI_SZ, ["C:\\Windows", "Ünïcødé"]), ["C:\\Windows", "Ünïcødé"]),
    (RegistryEntry.of(POLICIES, "Wallpaper", RegType.EXPAND_SZ, "%SystemRoot%\\web.jpg"), "%SystemRoot%\\web.jpg"),
    (RegistryEntry.of(POLICIES, "Delimiters", RegType.BINARY, b"]\0[\0;\0\n"), b"]\0[\0;\0\n"),
    (RegistryEntry.of(POLICIES, "Blank", RegType.SZ, ""), ""),
    (RegistryEntry(ESTATE_KEY, "", RegType.NONE, b""), b""),
    (RegistryEntry.of(ESTATE_KEY, "Zeitüberschreitung", RegType.DWORD, 900), 900),
    (RegistryEntry.of(POLICIES, "**del.ScreenSaveTimeOut", RegType.SZ, " "), " "),
    (RegistryEntry.of(POLICIES, "**delvals.", RegType.SZ, " "), " "),
    (RegistryEntry.of(POLICIES, "**DeleteValues", RegType.SZ, "Blank;Paths"), "Blank;Paths"),
    (RegistryEntry.of(POLICIES, "**SecureKey", RegType.DWORD, 1), 1),
]


def test_samba_reads_what_we_write_entry_for_entry(samba: None, tmp_path: Path) -> None:
    entries = [entry for entry, _ in CASES]
    single = {f"single-{i}.pol": encode([entry]) for i, entry in enumerate(entries)}
    seen = samba_read(tmp_path, {"all.pol": encode(entries), **single})
    assert seen["all.pol"] == [as_samba_reads(entry) for entry in entries]
    for i, entry in enumerate(entries):
        assert seen[f"single-{i}.pol"] == [as_samba_reads(entry)]


def test_we_read_what_samba_writes_and_write_the_same_bytes(samba: None, tmp_path: Path) -> None:
    specs: list[dict[str, Any]] = [
        {"key": POLICIES, "name": "ScreenSaveTimeOut", "type": 1, "str": "600"},
        {"key": POLICIES, "name": "LineFeedDword", "type": 4, "int": 10},
        {"key": POLICIES, "name": "AllLineFeeds", "type": 4, "int": 0x0A0A0A0A},
        {"key": POLICIES, "name": "BigEndian", "type": 5, "int": 0x0A},
        {"key": POLICIES, "name": "Quota", "type": 11, "int": 2**40 + 10},
        {"key": POLICIES, "name": "Wallpaper", "type": 2, "str": "%SystemRoot%\\web.jpg"},
        {"key": POLICIES, "name": "Delimiters", "type": 3, "hex": "5d005b003b000a"},
        {
            "key": POLICIES,
            "name": "Paths",
            "type": 7,
            "hex": "a".encode("utf-16-le").hex() + "0000" + "e900" + "0000" * 2,
        },
        {"key": POLICIES, "name": "Blank", "type": 1, "str": ""},
        {"key": ESTATE_KEY, "name": "", "type": 0},
        {"key": ESTATE_KEY, "name": "Zeitüberschreitung", "type": 4, "int": 900},
        {"key": POLICIES, "name": "**del.ScreenSaveTimeOut", "type": 1, "str": " "},
        {"key": POLICIES, "name": "**delvals.", "type": 1, "str": " "},
    ]
    packed = samba_write(specs)

    read = decode(packed)

    assert [(e.key, e.name, e.type, e.value) for e in read] == [
        (POLICIES, "ScreenSaveTimeOut", 1, "600"),
        (POLICIES, "LineFeedDword", 4, 10),
        (POLICIES, "AllLineFeeds", 4, 0x0A0A0A0A),
        (POLICIES, "BigEndian", 5, 10),
        (POLICIES, "Quota", 11, 2**40 + 10),
        (POLICIES, "Wallpaper", 2, "%SystemRoot%\\web.jpg"),
        (POLICIES, "Delimiters", 3, b"]\0[\0;\0\n"),
        (POLICIES, "Paths", 7, ["a", "é"]),
        # Samba stores a string with its terminating NUL, an empty one too.
        (POLICIES, "Blank", 1, ""),
        (ESTATE_KEY, "", 0, b""),
        (ESTATE_KEY, "Zeitüberschreitung", 4, 900),
        (POLICIES, "**del.ScreenSaveTimeOut", 1, " "),
        (POLICIES, "**delvals.", 1, " "),
    ]
    assert next(e.data for e in read if e.name == "Blank") == b"\0\0"
    assert encode(read) == packed
    assert samba_read(tmp_path, {"samba.pol": packed})["samba.pol"] == [as_samba_reads(e) for e in read]


def test_decoded_values_by_type() -> None:
    assert [entry.value for entry, _ in CASES] == [value for _, value in CASES]


def test_writer_round_trips_byte_for_byte() -> None:
    entries = [entry for entry, _ in CASES]
    assert decode(encode(entries)) == entries
    assert encode(decode(encode(entries))) == encode(entries)


def test_header_only_file_has_no_entries() -> None:
    assert decode(b"PReg\x01\x00\x00\x00") == []
    assert encode([]) == b"PReg\x01\x00\x00\x00"


def test_markers_are_kept_as_entries_with_their_kind_and_targets() -> None:
    entries = [
        RegistryEntry.of("K", "Plain", RegType.DWORD, 1),
        RegistryEntry("K", "", RegType.NONE, b""),
        RegistryEntry.of("K", "**del.ScreenSaveTimeOut", RegType.SZ, " "),
        RegistryEntry.of("K", "**DEL.Shouted", RegType.SZ, " "),
        RegistryEntry.of("K", "**delvals.", RegType.SZ, " "),
        RegistryEntry.of("K", "**DeleteValues", RegType.SZ, "A;B;"),
        RegistryEntry.of("K", "**DeleteKeys", RegType.SZ, "Sub;Other"),
        RegistryEntry.of("K", "**SecureKey", RegType.DWORD, 1),
        RegistryEntry.of("K", "**soft.Gentle", RegType.DWORD, 5),
        RegistryEntry.of("K", "", RegType.SZ, "the key's default value"),
    ]
    assert [(e.kind, e.targets) for e in decode(encode(entries))] == [
        (EntryKind.VALUE, ()),
        (EntryKind.KEY, ()),
        (EntryKind.DELETE_VALUE, ("ScreenSaveTimeOut",)),
        (EntryKind.DELETE_VALUE, ("Shouted",)),
        (EntryKind.DELETE_ALL_VALUES, ()),
        (EntryKind.DELETE_VALUES, ("A", "B")),
        (EntryKind.DELETE_KEYS, ("Sub", "Other")),
        (EntryKind.SECURE_KEY, ()),
        (EntryKind.SOFT_VALUE, ("Gentle",)),
        (EntryKind.VALUE, ()),
    ]


def test_strings_end_at_the_first_nul_and_lists_at_the_first_empty_string() -> None:
    assert RegistryEntry("K", "v", RegType.SZ, "ab\0cd\0".encode("utf-16-le")).value == "ab"
    assert RegistryEntry("K", "v", RegType.SZ, b"").value == ""
    assert RegistryEntry("K", "v", RegType.MULTI_SZ, "a\0\0b\0\0".encode("utf-16-le")).value == ["a"]
    assert RegistryEntry("K", "v", RegType.MULTI_SZ, "a\0b".encode("utf-16-le")).value == ["a", "b"]
    assert RegistryEntry("K", "v", RegType.MULTI_SZ, b"").value == []
    assert RegistryEntry.of("K", "v", RegType.MULTI_SZ, []).data == b"\0\0"


def test_unknown_types_keep_their_raw_bytes() -> None:
    assert RegistryEntry.of("K", "v", 6, b"\x01\x02").value == b"\x01\x02"


def entry_bytes(key: str, name: str, type: int, size: int, data: bytes) -> bytes:
    def text(value: str) -> bytes:
        return (value + "\0").encode("utf-16-le")

    sep = ";".encode("utf-16-le")
    return b"".join(
        [
            "[".encode("utf-16-le"),
            text(key),
            sep,
            text(name),
            sep,
            type.to_bytes(4, "little"),
            sep,
            size.to_bytes(4, "little"),
            sep,
            data,
            "]".encode("utf-16-le"),
        ]
    )


HEADER = b"PReg\x01\x00\x00\x00"
# In a one-entry file for key "K" and value "v" the data starts at byte 8 + 2+4 + 2+4 + 2+4 + 2+4 + 2 = 34.
DATA_AT = 34


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Registry.pol: the PReg signature needs 4 bytes but only 0 are left at byte offset 0"),
        (b"PRex\x01\x00\x00\x00", "Registry.pol: the signature is b'PRex', not b'PReg' at byte offset 0"),
        (b"PReg\x02\x00\x00\x00", "Registry.pol: version 2 is not 1 at byte offset 4"),
        (b"PReg\x01\x00", "Registry.pol: the version needs 4 bytes but only 2 are left at byte offset 4"),
        (HEADER + b"\x00", "Registry.pol: '[' opening an entry needs 2 bytes but only 1 are left at byte offset 8"),
        (HEADER + b"x\x00", "Registry.pol: expected '[' opening an entry at byte offset 8"),
        (HEADER + "[K".encode("utf-16-le"), "Registry.pol: the key name has no terminating NUL at byte offset 10"),
        (
            HEADER + entry_bytes("K", "v", 4, 4, b"\x0a\x00\x00\x00")[:-4],
            "Registry.pol: the data needs 4 bytes but only 2 are left at byte offset 34",
        ),
        (
            HEADER + entry_bytes("K", "v", 3, 100, b"\x0a\x00"),
            "Registry.pol: the data needs 100 bytes but only 4 are left at byte offset 34",
        ),
        (
            HEADER + entry_bytes("K", "v", 4, 4, b"\x0a\x00\x00\x00")[:-2] + b";\x00",
            "Registry.pol: expected ']' closing the entry at byte offset 38",
        ),
        (
            HEADER + entry_bytes("K", "v", 4, 2, b"\x0a\x00"),
            "Registry.pol: K\\v: REG_DWORD data is 2 bytes, not 4 at byte offset 34",
        ),
        (
            HEADER + entry_bytes("K", "v", 1, 3, b"a\x00b"),
            "Registry.pol: K\\v: a string of 3 bytes is not UTF-16LE at byte offset 34",
        ),
    ],
)
def test_corrupt_files_name_the_byte_offset(data: bytes, message: str) -> None:
    with pytest.raises(RegistryPolError) as caught:
        decode(data)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_entries_refuse_values_their_type_cannot_hold() -> None:
    with pytest.raises(ValueError, match=r"^REG_DWORD value -1 does not fit in 4 unsigned bytes$"):
        RegistryEntry.of("K", "v", RegType.DWORD, -1)
    with pytest.raises(ValueError, match=r"^cannot store 'x' as registry type REG_DWORD$"):
        RegistryEntry.of("K", "v", RegType.DWORD, "x")
    with pytest.raises(ValueError, match=r"^REG_MULTI_SZ strings must be non-empty and without NUL: \['a', ''\]$"):
        RegistryEntry.of("K", "v", RegType.MULTI_SZ, ["a", ""])
    with pytest.raises(ValueError, match=r"^a registry value name cannot contain NUL: 'a\\x00b'$"):
        RegistryEntry("K", "a\0b", RegType.NONE, b"")
    with pytest.raises(ValueError, match=r"^REG_QWORD data is 4 bytes, not 8$"):
        RegistryEntry("K", "v", RegType.QWORD, b"\0\0\0\0")


def test_operations_on_one_value_are_listed_in_file_order_whatever_the_case() -> None:
    key = "Software\\Policies\\Holywell"
    entries = [
        RegistryEntry.of(key, "Kept", RegType.DWORD, 1),
        RegistryEntry.of(key, "Other", RegType.DWORD, 2),
        RegistryEntry.of(key.upper(), "**del.kept", RegType.SZ, " "),
        RegistryEntry.of(key, "**DeleteValues", RegType.SZ, "Other;KEPT"),
        RegistryEntry.of(key, "**soft.Kept", RegType.DWORD, 9),
        RegistryEntry(key, "", RegType.NONE, b""),
        RegistryEntry.of(key, "**SecureKey", RegType.DWORD, 1),
        RegistryEntry.of(key, "**delvals.", RegType.SZ, " "),
        RegistryEntry.of(key + "\\Sub", "Kept", RegType.DWORD, 3),
        RegistryEntry.of(key, "KEPT", RegType.DWORD, 11),
    ]
    assert operations_on(entries, key.lower(), "kept") == [
        Operation("set", 1, "Kept"),
        Operation("delete", None, "**del.kept"),
        Operation("delete", None, "**DeleteValues"),
        Operation("soft", 9, "**soft.Kept"),
        Operation("delete", None, "**delvals."),
        Operation("set", 11, "KEPT"),
    ]
    assert secure_keys(entries) == [key]


def test_delvals_deletes_the_keys_values_but_not_its_subkeys() -> None:
    key = "Software\\Policies\\Holywell"
    entries = [RegistryEntry.of(key, "**delvals.", RegType.SZ, " ")]
    assert operations_on(entries, key, "Any") == [Operation("delete", None, "**delvals.")]
    assert operations_on(entries, key + "\\Sub", "Any") == []


def test_deletekeys_takes_full_paths_as_gpmc_writes_them_and_relative_ones() -> None:
    key = "Software\\Policies\\Holywell"
    full = RegistryEntry.of(key, "**DeleteKeys", RegType.SZ, f"{key}\\Desktop;System\\Vendor;Software\\Other")
    relative = RegistryEntry.of(key, "**DeleteKeys", RegType.SZ, "Desktop;Sub\\Deeper")
    assert deleted_key_paths(full) == (
        "software\\policies\\holywell\\desktop",
        "system\\vendor",
        "software\\other",
    )
    assert deleted_key_paths(relative) == (
        "software\\policies\\holywell\\desktop",
        "software\\policies\\holywell\\sub\\deeper",
    )
    deleted = [Operation("delete", None, "**DeleteKeys")]
    for entry in (full, relative):
        assert operations_on([entry], f"{key}\\Desktop", "v") == deleted
        assert operations_on([entry], f"{key}\\DESKTOP\\Below", "v") == deleted  # subkeys go with the key
        assert operations_on([entry], f"{key}\\Desktops", "v") == []  # a name that merely starts the same
        assert operations_on([entry], key, "v") == []  # the key holding the marker stays
    assert deleted_key_paths(RegistryEntry.of(key, "v", RegType.SZ, "Desktop")) == ()


def test_a_securekey_of_zero_secures_nothing() -> None:
    assert secure_keys([RegistryEntry.of("K", "**SecureKey", RegType.DWORD, 0)]) == []
