"""The SYSVOL files that could store a credential, searched over SMB: ``gpo.sysvol_files``.

Every domain user can read SYSVOL, so a password left there is a password given to every pupil. The walk covers
the whole ``Policies`` tree (every GPO, linked or not) and ``scripts`` (the NETLOGON share) below
``\\\\<server>\\SYSVOL\\<domain DNS name>``, and reads only files ``secrets.kind_of`` names (GPP XML, scripts,
scripts.ini). The work is bounded: a file over ``MAX_FILE_BYTES`` is not read, and after ``MAX_FILES`` files or
``MAX_FOLDERS`` folders the walk stops; what was not searched is a record that cannot be judged (ERROR), never a
pass. The search itself is ``secrets.credentials_in``; no value it finds is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from holyaudit.collectors.gpo import secrets
from holyaudit.collectors.gpo.sysvol import Sysvol, SysvolFileError
from holyaudit.collectors.interface import Tally
from holyaudit.facts import SysvolFile

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Larger files are not read (GPP XML and logon scripts are kilobytes): ERROR, naming the size."""
MAX_FILES = 5_000
"""Files read at most in one scan; the rest are one ERROR record."""
MAX_FOLDERS = 20_000
"""Folders listed at most in one scan (a school has tens of GPOs, each a dozen folders)."""
MAX_DEPTH = 16
"""Folders nested deeper than this below Policies or scripts are not listed (a loop, or not Group Policy)."""
ROOTS = ("Policies", "scripts")


@dataclass
class _Walk:
    sysvol: Sysvol
    share_root: str
    """``\\\\server\\SYSVOL``: record ids are the paths below it."""
    gpo_names: Mapping[str, str]
    tally: Tally
    records: list[SysvolFile] = field(default_factory=list)
    files: int = 0
    folders: int = 0
    stopped: str | None = None

    def folder(self, path: str, depth: int) -> None:
        if self.stopped:
            return
        if self.folders >= MAX_FOLDERS or depth > MAX_DEPTH:
            why = f"more than {MAX_FOLDERS} folders" if self.folders >= MAX_FOLDERS else f"nested over {MAX_DEPTH} deep"
            self.stopped = f"{self._id(path)} and whatever follows it were not searched: {why}"
            return
        self.folders += 1
        try:
            entries = self.sysvol.entries(path)
        except SysvolFileError as exc:
            self.records.append(SysvolFile(id=self._id(path), error=f"the folder could not be listed: {exc}"))
            return
        for entry in sorted(entries, key=lambda e: e.name.lower()):
            child = f"{path}\\{entry.name}"
            if entry.is_folder:
                self.folder(child, depth + 1)
            elif (kind := secrets.kind_of(entry.name)) is not None:
                self.file(child, kind, entry.size)
            if self.stopped:
                return

    def file(self, path: str, kind: str, size: int) -> None:
        if self.files >= MAX_FILES:
            self.stopped = f"{self._id(path)} and whatever follows it were not searched: more than {MAX_FILES} files"
            return
        self.files += 1
        self.tally.add("files searched for passwords")
        known: dict[str, object] = {"id": self._id(path), "file_type": kind, "gpo": self._gpo(path), "size": size}
        if size > MAX_FILE_BYTES:
            why = f"{size} bytes, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit: not searched"
            self.records.append(SysvolFile.model_validate({**known, "unreadable": {"credentials_found": why}}))
            return
        try:
            data = self.sysvol.read(path)
            if data is None:
                raise SysvolFileError("it disappeared while SYSVOL was being searched")
            if len(data) > MAX_FILE_BYTES:
                raise SysvolFileError(f"it grew past the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit while being read")
            found = secrets.credentials_in(path.rsplit("\\", 1)[-1], data)
        except (SysvolFileError, secrets.UnreadableFile) as exc:
            why = f"could not be searched: {exc}"
            self.records.append(SysvolFile.model_validate({**known, "unreadable": {"credentials_found": why}}))
            return
        credentials = [str(f) for f in found]
        self.records.append(
            SysvolFile.model_validate({**known, "credentials": credentials, "credentials_found": len(found)})
        )

    def _id(self, path: str) -> str:
        return path.removeprefix(self.share_root).lstrip("\\")

    def _gpo(self, path: str) -> str | None:
        """The display name of the GPO whose folder (``Policies\\{GUID}``) holds the file."""
        parts = self._id(path).split("\\")  # <domain>, Policies, {GUID}, ..., the file
        if len(parts) > 3 and parts[1].lower() == "policies":
            guid = parts[2].upper()
            return self.gpo_names.get(guid, f"{parts[2]} (no GPO in the directory has this folder)")
        return None


def scan(sysvol: Sysvol, domain: str, gpo_names: Mapping[str, str], tally: Tally) -> list[SysvolFile]:
    """Search ``Policies`` and ``scripts`` below ``\\\\<server>\\SYSVOL\\<domain>``; ``gpo_names`` maps each GPO's
    folder name (``{GUID}``, upper case) to its display name."""
    share_root = f"\\\\{sysvol.server}\\SYSVOL"
    walk = _Walk(sysvol, share_root, gpo_names, tally)
    for root in ROOTS:
        walk.folder(f"{share_root}\\{domain}\\{root}", 0)
    if walk.stopped:
        walk.records.append(SysvolFile(id=f"{domain} (search limit)", error=walk.stopped))
    return walk.records
