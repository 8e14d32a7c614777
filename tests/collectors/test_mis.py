"""The MIS leavers export: read as schools' spreadsheets write it, and merged with the directory's users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from holyaudit.collectors.mis import MisExportError, merge_leavers, read_export
from holyaudit.collectors.mis_source import MisSettings
from holyaudit.facts import User


def export(tmp_path: Path, text: str, encoding: str = "utf-8-sig") -> MisSettings:
    path = tmp_path / "leavers.csv"
    path.write_bytes(text.encode(encoding))
    return MisSettings(leavers_csv=path)


def test_reads_uk_dates_with_a_byte_order_mark_and_names_unreadable_lines(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\r\nahmed.n,13/11/2026\r\nbennett.c,TBC\r\n"))
    assert [(r.key, r.leaving_date, r.problem) for r in rows] == [
        ("ahmed.n", dt.date(2026, 11, 13), None),
        ("bennett.c", None, "MIS export line 3: cannot read leaving date 'TBC'"),
    ]


def test_windows_spreadsheet_encoding_is_understood(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\nbront\u00eb.a,01/09/2026\n", encoding="cp1252"))
    assert rows[0].key == "bront\u00eb.a"


def test_missing_column_says_which_columns_there_are(tmp_path):
    with pytest.raises(MisExportError, match="no column 'Leaving Date' \\(columns: Username, Left\\)"):
        read_export(export(tmp_path, "Username,Left\nahmed.n,13/11/2026\n"))


def test_missing_file_is_an_export_error(tmp_path):
    with pytest.raises(MisExportError, match="cannot read the MIS leavers export"):
        read_export(MisSettings(leavers_csv=tmp_path / "absent.csv"))


def test_merge_takes_the_earlier_date_and_keeps_leavers_with_no_account(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\nAHMED.N,13/11/2026\nghost.x,01/11/2026\n"))
    users = [
        User(id="ahmed.n", enabled=True, leaving_date=dt.date(2026, 11, 20)),
        User(id="still.here", enabled=True),
    ]
    merged = {u.id: u for u in merge_leavers(users, rows, "sAMAccountName")}
    assert merged["ahmed.n"].leaving_date == dt.date(2026, 11, 13)
    assert merged["still.here"].leaving_date is None
    ghost = merged["ghost.x"]
    assert (ghost.in_directory, ghost.enabled, ghost.leaving_date) == (False, False, dt.date(2026, 11, 1))


def test_readable_mis_date_replaces_an_unreadable_directory_date(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\nbennett.c,30/10/2026\n"))
    user = User(id="bennett.c", enabled=True, unreadable={"leaving_date": "cannot read 'TBC' as a date"})
    (merged,) = merge_leavers([user], rows, "sAMAccountName")
    assert merged.leaving_date == dt.date(2026, 10, 30)
    assert merged.unreadable == {}
