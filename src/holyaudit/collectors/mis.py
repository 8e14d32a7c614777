"""Leavers from the school's MIS: a CSV export, a second source of leaving dates beside the directory.

The export is matched to directory users by sAMAccountName, userPrincipalName or employeeID (config). A
leaver found in the MIS but not in the directory is kept as a record of its own (``in_directory: false``),
never dropped, so the report shows it; its id is its MIS key, or ``mis:<key>`` when matching on employeeID
(see ``absent_id``). Where both sources give a date, the earlier one counts: it is the one that makes the
account due for removal sooner.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from holyaudit.collectors.mis_source import MisSettings
from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import User
from holyaudit.inputfile import MIB, UnreadableFileError, read_regular_file

if TYPE_CHECKING:
    import _csv


SIZE_LIMIT = 32 * MIB
"""The largest export read (checked before reading): some 500,000 rows."""


@dataclass(frozen=True)
class MisLeaver:
    key: str
    line: int
    leaving_date: dt.date | None
    problem: str | None = None


@dataclass(frozen=True)
class MisExport:
    """The leavers in an export: each person once, with a leaving date or the reason it cannot be read."""

    leavers: list[MisLeaver]
    blank: int = 0
    """Rows that name a person but give no leaving date: not leavers."""

    @property
    def unreadable(self) -> list[MisLeaver]:
        return [leaver for leaver in self.leavers if leaver.problem]

    def summary(self) -> str:
        """What ``config check`` says of the export: how many leavers, and how many rows are unreadable or blank."""
        parts = [f"{len(self.leavers) - len(self.unreadable)} leavers read"]
        if unreadable := self.unreadable:
            shown = ", ".join(f"line {leaver.line}" for leaver in unreadable[:3])
            more = ", ..." if len(unreadable) > 3 else ""
            parts.append(f"{len(unreadable)} rows whose leaving date cannot be read ({shown}{more})")
        if self.blank:
            parts.append(f"{self.blank} rows with no leaving date (not leavers)")
        return "; ".join(parts)


class MisExportError(Exception):
    """The export cannot be opened or read at all (missing, no permission): a source that failed."""


def read_export(settings: MisSettings) -> MisExport:
    """The export's leavers. A row whose leaving date is empty is not a leaver; one whose date cannot be read in
    any of the configured formats is a leaver with a problem (ERROR for that person). A person in several rows
    is one leaver: with the earliest date, or the problem if any row has one.

    An export that cannot be opened is a MisExportError (its source failed: every leaving date is unknown). One
    that is not a CSV file with the configured columns (no header, a missing column, a NUL character, a field
    larger than the CSV reader takes) is an InvalidInputError naming the file and line.
    """
    path = settings.leavers_csv
    text = _text(path)
    if (nul := text.find("\x00")) >= 0:
        line, column = text.count("\n", 0, nul) + 1, nul - text.rfind("\n", 0, nul)
        message = "a NUL character: this is not a CSV text file (save the export as CSV, UTF-8 or Windows)"
        raise InvalidInputError([Problem(path, line, column, message)])
    reader = csv.reader(io.StringIO(text))
    try:
        return _rows(settings, reader)
    except csv.Error as exc:
        raise InvalidInputError([Problem(path, reader.line_num, None, f"cannot be read as CSV: {exc}")]) from exc


def _rows(settings: MisSettings, reader: _csv.Reader) -> MisExport:
    path = settings.leavers_csv
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    wanted = (settings.username_column, settings.leaving_date_column)
    if header is None:
        message = f"the export is empty: expected a header line naming the columns {wanted[0]!r} and {wanted[1]!r}"
        raise InvalidInputError([Problem(path, None, None, message)])
    columns = [cell.strip() for cell in header]
    for column in wanted:
        if columns.count(column) != 1:
            found = "twice" if column in columns else f"not there (columns: {', '.join(columns)})"
            raise InvalidInputError([Problem(path, reader.line_num, None, f"the column {column!r} is {found}")])
    key_at, date_at = (columns.index(column) for column in wanted)
    by_key: dict[str, MisLeaver] = {}
    blank, start = 0, reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        key = row[key_at].strip() if key_at < len(row) else ""
        if not key:
            continue
        written = row[date_at].strip() if date_at < len(row) else ""
        if not written:
            blank += 1
            continue
        date = _date(written, settings.date_formats)
        problem = None if date else f"MIS export line {line}: cannot read leaving date {written!r}"
        leaver = MisLeaver(key, line, date, problem)
        by_key[key.casefold()] = _one_of(by_key.get(key.casefold()), leaver)
    return MisExport(list(by_key.values()), blank)


def _one_of(seen: MisLeaver | None, leaver: MisLeaver) -> MisLeaver:
    """Of two rows for one person, the one with a problem (fail closed), else the earlier date."""
    if seen is None or seen.problem:
        return seen or leaver
    if leaver.problem or (leaver.leaving_date and seen.leaving_date and leaver.leaving_date < seen.leaving_date):
        return leaver
    return seen


def check_export(settings: MisSettings) -> tuple[bool, str]:
    """``config check``'s line for the export: whether every leaving date in it can be read, and its summary.
    An export that is not a CSV with the configured columns raises InvalidInputError, as a scan would."""
    try:
        export = read_export(settings)
    except MisExportError as exc:
        return False, str(exc)
    return not export.unreadable, f"{settings.leavers_csv}: {export.summary()}"


def _text(path: Path) -> str:
    try:
        data = read_regular_file(path, SIZE_LIMIT)
    except UnreadableFileError as exc:
        reason = exc.__cause__.strerror if isinstance(exc.__cause__, OSError) else exc.problems[0].message
        raise MisExportError(f"cannot read the MIS leavers export {path}: {reason}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # spreadsheet exports on Windows


def _date(written: str, formats: Sequence[str]) -> dt.date | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(written, fmt).date()
        except ValueError:
            continue
    return None


def _match_key(user: User, match_on: str) -> str | None:
    value = {"sAMAccountName": user.id, "userPrincipalName": user.upn, "employeeID": user.employee_id}[match_on]
    return value.casefold() if value else None


def merge_leavers(users: Sequence[User], leavers: Sequence[MisLeaver], match_on: str) -> list[User]:
    """Users with MIS leaving dates added, plus a record for each MIS leaver with no directory account."""
    merge = LeaverMerge(leavers, match_on)
    return merge.users(users) + merge.absent()


class LeaverMerge:
    """The export's leaving dates merged into users batch by batch, as the directory is read.

    Merging the same user object again gives the same merged object, so a batch merged (and judged) as it
    arrived and the whole fact set merged at the end give the very same records. ``unreadable`` is why the export
    could not be read at all: every user's leaving date is then marked unreadable.
    """

    def __init__(self, leavers: Sequence[MisLeaver], match_on: str, unreadable: str | None = None) -> None:
        self.leavers = leavers
        self.match_on = match_on
        self.unreadable = unreadable
        self._by_key = {leaver.key.casefold(): leaver for leaver in leavers}
        self._matched: set[str] = set()
        self._merged: dict[int, tuple[User, User]] = {}
        """Per user merged (by ``id``, with the user itself, which keeps the id from being reused): the result."""

    def users(self, users: Sequence[User]) -> list[User]:
        return [self._one(user) for user in users]

    def _one(self, user: User) -> User:
        done = self._merged.get(id(user))
        if done is not None and done[0] is user:
            return done[1]
        merged = self._merge(user)
        self._merged[id(user)] = (user, merged)
        return merged

    def _merge(self, user: User) -> User:
        if self.unreadable is not None:
            return user.model_copy(update={"unreadable": {**user.unreadable, "leaving_date": self.unreadable}})
        key = _match_key(user, self.match_on)
        leaver = self._by_key.get(key) if key else None
        if leaver is None:
            return user
        self._matched.add(leaver.key.casefold())
        return _with_mis_date(user, leaver)

    def absent(self) -> list[User]:
        """A record for each MIS leaver that no user merged so far matched: call it once every user is merged."""
        absent = []
        for leaver in self.leavers:
            if leaver.key.casefold() not in self._matched:
                unreadable = {"leaving_date": leaver.problem} if leaver.problem else {}
                absent.append(
                    User(
                        id=absent_id(leaver.key, self.match_on),
                        in_directory=False,
                        enabled=False,  # no account, so nobody can log on with it
                        leaving_date=leaver.leaving_date,
                        unreadable=unreadable,
                    )
                )
        return absent


MIS_ONLY_PREFIX = "mis:"


def absent_id(key: str, match_on: str) -> str:
    """The id of an MIS leaver with no directory account: never the id of a directory user.

    User ids are sAMAccountNames. An unmatched sAMAccountName key is no user's (it would have matched), and a
    userPrincipalName holds "@", which no sAMAccountName can, so both are kept as they are. An employeeID may be
    any text, another user's sAMAccountName included, so it is written ``mis:<employeeID>``: ":" is one of the
    characters a sAMAccountName cannot hold.
    """
    return f"{MIS_ONLY_PREFIX}{key}" if match_on == "employeeID" else key


def _with_mis_date(user: User, leaver: MisLeaver) -> User:
    if leaver.leaving_date is None:
        if user.leaving_date is not None:
            return user  # the directory's date is readable; the export's unreadable copy adds nothing
        return user.model_copy(update={"unreadable": {**user.unreadable, "leaving_date": leaver.problem or ""}})
    dates = [d for d in (user.leaving_date, leaver.leaving_date) if d is not None]
    unreadable = {k: v for k, v in user.unreadable.items() if k != "leaving_date"}
    return user.model_copy(update={"leaving_date": min(dates), "unreadable": unreadable})
