"""The SYSVOL walk's bounds and bookkeeping over an in-memory folder tree (the live walk over SMB is proved on the
Samba DC in tests/directory/test_sysvol_rules.py): what is over a limit or unreadable is an ERROR record, never
left out, and each file is named by its path below the share and its GPO."""

from __future__ import annotations

import pytest

from holyaudit.collectors.gpo import sysvol_files
from holyaudit.collectors.gpo.sysvol import Entry, SysvolFileError
from holyaudit.collectors.interface import Tally

GUID = "{31B2F340-016D-11D2-945F-00C04FB984F9}"


class Tree:
    """Folders (path -> entries) and files (path -> bytes) below \\\\dc\\SYSVOL, read as Sysvol reads them."""

    server = "dc"

    def __init__(self, files: dict[str, bytes], denied: frozenset[str] = frozenset()) -> None:
        self.files = {f"\\\\dc\\SYSVOL\\{path}": data for path, data in files.items()}
        self.denied = {f"\\\\dc\\SYSVOL\\{path}" for path in denied}

    def entries(self, path: str) -> list[Entry]:
        if path in self.denied:
            raise SysvolFileError("access denied (STATUS_ACCESS_DENIED): the audit account may not read it")
        children: dict[str, Entry] = {}
        for name, data in self.files.items():
            if name.startswith(path + "\\"):
                first, _, rest = name[len(path) + 1 :].partition("\\")
                children[first] = Entry(first, bool(rest), 0 if rest else len(data))
        return list(children.values())

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)


def scan(tree: Tree) -> dict[str, object]:
    records = sysvol_files.scan(tree, "school.test", {GUID: "Default Domain Policy"}, Tally("gpo", None))  # type: ignore[arg-type]
    return {r.id: r.error or r.unreadable.get("credentials_found") or r.credentials for r in records}


def test_files_are_named_below_the_share_with_their_gpo_and_other_files_are_not_read():
    tree = Tree(
        {
            f"school.test\\Policies\\{GUID}\\User\\Preferences\\Drives\\Drives.xml": b'<D><P cpassword="x"/></D>',
            f"school.test\\Policies\\{GUID}\\Machine\\Registry.pol": b"PReg",
            "school.test\\scripts\\logon.bat": b"net use H: \\\\srv\\home",
        }
    )
    records = sysvol_files.scan(tree, "school.test", {GUID: "Default Domain Policy"}, Tally("gpo", None))  # type: ignore[arg-type]
    assert [(r.id, r.gpo, r.credentials_found) for r in records] == [
        (f"school.test\\Policies\\{GUID}\\User\\Preferences\\Drives\\Drives.xml", "Default Domain Policy", 1),
        ("school.test\\scripts\\logon.bat", None, 0),
    ]


def test_a_folder_that_cannot_be_listed_is_an_error_record():
    tree = Tree(
        {"school.test\\scripts\\private\\a.bat": b"", "school.test\\Policies\\x.txt": b""},
        frozenset({"school.test\\scripts\\private"}),
    )
    assert scan(tree) == {
        "school.test\\scripts\\private": (
            "the folder could not be listed: access denied (STATUS_ACCESS_DENIED): the audit account may not read it"
        )
    }


def test_a_file_over_the_size_limit_is_not_read_and_is_unreadable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sysvol_files, "MAX_FILE_BYTES", 1024 * 1024)
    big, fits = b"#" * (1024 * 1024 + 1), b"#" * 1024 * 1024
    tree = Tree({"school.test\\scripts\\big.ps1": big, "school.test\\Policies\\p.bat": fits})
    assert scan(tree) == {
        "school.test\\Policies\\p.bat": [],
        "school.test\\scripts\\big.ps1": "1048577 bytes, over the 1 MiB limit: not searched",
    }


def test_past_the_file_limit_the_walk_stops_with_an_error_record_naming_where(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sysvol_files, "MAX_FILES", 2)
    tree = Tree({f"school.test\\scripts\\s{n}.bat": b"" for n in range(4)} | {"school.test\\Policies\\a.bat": b""})
    assert scan(tree) == {
        "school.test\\Policies\\a.bat": [],
        "school.test\\scripts\\s0.bat": [],
        "school.test (search limit)": (
            "school.test\\scripts\\s1.bat and whatever follows it were not searched: more than 2 files"
        ),
    }


def test_folders_nested_past_the_depth_limit_stop_the_walk(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sysvol_files, "MAX_DEPTH", 1)
    tree = Tree({"school.test\\scripts\\a\\b\\deep.bat": b"", "school.test\\scripts\\a\\ok.bat": b""})
    assert scan(tree) == {
        "school.test (search limit)": (
            "school.test\\scripts\\a\\b and whatever follows it were not searched: nested over 1 deep"
        )
    }
