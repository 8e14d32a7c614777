"""Leavers from the school's MIS: a CSV export, a second source of leaving dates beside the directory.

The export is matched to directory users by sAMAccountName, userPrincipalName or employeeID (config). A
leaver found in the MIS but not in the directory is kept as a record of its own (``in_directory: false``),
never dropped, so the report shows it. Where both sources give a date, the earlier one counts: it is the
one that makes the account due for removal sooner.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from holyaudit.collectors.mis_source import MisSettings
from holyaudit.facts import User


@dataclass(frozen=True)
class MisLeaver:
    key: str
    line: int
    leaving_date: dt.date | None
    problem: str | None = None


class MisExportError(Exception):
    """The export cannot be read at all."""


def read_export(settings: MisSettings) -> list[MisLeaver]:
    text = _text(settings.leavers_csv)
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    for column in (settings.username_column, settings.leaving_date_column):
        if column not in columns:
            raise MisExportError(f"{settings.leavers_csv}: no column {column!r} (columns: {', '.join(columns)})")
    leavers = []
    for row in reader:
        key = (row.get(settings.username_column) or "").strip()
        if not key:
            continue
        written = (row.get(settings.leaving_date_column) or "").strip()
        date = _date(written, settings.date_formats)
        problem = None if date else f"MIS export line {reader.line_num}: cannot read leaving date {written!r}"
        leavers.append(MisLeaver(key, reader.line_num, date, problem))
    return leavers


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MisExportError(f"cannot read the MIS leavers export {path}: {exc.strerror}") from None
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
                        id=leaver.key,
                        in_directory=False,
                        enabled=False,  # no account, so nobody can log on with it
                        leaving_date=leaver.leaving_date,
                        unreadable=unreadable,
                    )
                )
        return absent


def _with_mis_date(user: User, leaver: MisLeaver) -> User:
    if leaver.leaving_date is None:
        if user.leaving_date is not None:
            return user  # the directory's date is readable; the export's unreadable copy adds nothing
        return user.model_copy(update={"unreadable": {**user.unreadable, "leaving_date": leaver.problem or ""}})
    dates = [d for d in (user.leaving_date, leaver.leaving_date) if d is not None]
    unreadable = {k: v for k, v in user.unreadable.items() if k != "leaving_date"}
    return user.model_copy(update={"leaving_date": min(dates), "unreadable": unreadable})
