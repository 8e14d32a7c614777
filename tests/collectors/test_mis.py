"""The MIS leavers export: read as schools' spreadsheets write it, and merged with the directory's users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from holyaudit.collectors.mis import MisExportError, merge_leavers, read_export
from holyaudit.collectors.mis_source import MisSettings
from holyaudit.errors import InvalidInputError
from holyaudit.facts import User


def export(tmp_path: Path, text: str, encoding: str = "utf-8-sig") -> MisSettings:
    path = tmp_path / "leavers.csv"
    path.write_bytes(text.encode(encoding))
    return MisSettings(leavers_csv=path)


def test_reads_uk_dates_with_a_byte_order_mark_and_names_unreadable_lines(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\r\nahmed.n,13/11/2026\r\nbennett.c,TBC\r\n")).leavers
    assert [(r.key, r.leaving_date, r.problem) for r in rows] == [
        ("ahmed.n", dt.date(2026, 11, 13), None),
        ("bennett.c", None, "MIS export line 3: cannot read leaving date 'TBC'"),
    ]


def test_windows_spreadsheet_encoding_is_understood(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\nbront\u00eb.a,01/09/2026\n", encoding="cp1252")).leavers
    assert rows[0].key == "bront\u00eb.a"


def test_missing_column_says_which_columns_there_are(tmp_path):
    with pytest.raises(InvalidInputError) as raised:
        read_export(export(tmp_path, "Username,Left\nahmed.n,13/11/2026\n"))
    assert str(raised.value) == (
        f"{tmp_path / 'leavers.csv'}:1: the column 'Leaving Date' is not there (columns: Username, Left)"
    )


def test_missing_file_is_an_export_error(tmp_path):
    with pytest.raises(MisExportError, match="cannot read the MIS leavers export"):
        read_export(MisSettings(leavers_csv=tmp_path / "absent.csv"))


def test_merge_takes_the_earlier_date_and_keeps_leavers_with_no_account(tmp_path):
    rows = read_export(export(tmp_path, "Username,Leaving Date\nAHMED.N,13/11/2026\nghost.x,01/11/2026\n")).leavers
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
    rows = read_export(export(tmp_path, "Username,Leaving Date\nbennett.c,30/10/2026\n")).leavers
    user = User(id="bennett.c", enabled=True, unreadable={"leaving_date": "cannot read 'TBC' as a date"})
    (merged,) = merge_leavers([user], rows, "sAMAccountName")
    assert merged.leaving_date == dt.date(2026, 10, 30)
    assert merged.unreadable == {}


def test_a_blank_leaving_date_is_not_a_leaver_and_is_counted(tmp_path):
    result = read_export(export(tmp_path, "Username,Leaving Date\nstill.here,\nahmed.n,13/11/2026\nalso.here, \n"))
    assert [(r.key, r.leaving_date, r.problem) for r in result.leavers] == [("ahmed.n", dt.date(2026, 11, 13), None)]
    assert result.blank == 2
    assert result.summary() == "1 leavers read; 2 rows with no leaving date (not leavers)"


def test_a_date_not_in_the_configured_format_is_a_problem_for_that_person_and_counted(tmp_path):
    result = read_export(export(tmp_path, "Username,Leaving Date\nahmed.n,08/31/2026\nbennett.c,31/08/2026\n"))
    assert [(r.key, r.leaving_date, r.problem) for r in result.leavers] == [
        ("ahmed.n", None, "MIS export line 2: cannot read leaving date '08/31/2026'"),
        ("bennett.c", dt.date(2026, 8, 31), None),
    ]
    assert result.summary() == "1 leavers read; 1 rows whose leaving date cannot be read (line 2)"


def test_a_person_in_several_rows_is_one_leaver_with_the_earliest_date_or_the_problem(tmp_path):
    text = (
        "Username,Leaving Date\nahmed.n,13/11/2026\nAHMED.N,01/11/2026\nahmed.n,\n"
        "bennett.c,01/10/2026\nbennett.c,TBC\nbennett.c,01/09/2026\n"
    )
    result = read_export(export(tmp_path, text))
    assert [(r.key, r.line, r.leaving_date, r.problem) for r in result.leavers] == [
        ("AHMED.N", 3, dt.date(2026, 11, 1), None),
        ("bennett.c", 6, None, "MIS export line 6: cannot read leaving date 'TBC'"),
    ]


def test_lines_are_counted_from_where_a_row_starts_even_after_a_quoted_line_break(tmp_path):
    text = 'Username,Note,Leaving Date\nahmed.n,"two\nlines",01/11/2026\nbennett.c,,TBC\n'
    (_, unreadable) = read_export(MisSettings(leavers_csv=export(tmp_path, text).leavers_csv)).leavers
    assert unreadable.problem == "MIS export line 4: cannot read leaving date 'TBC'"


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        (b"", "", "the export is empty: expected a header line naming the columns 'Username' and 'Leaving Date'"),
        (b"\r\n \r\n", "", "the export is empty: expected a header line naming the columns 'Username'"),
        (b"Username,Username,Leaving Date\n", ":1", "the column 'Username' is twice"),
        (b"Username,Leaving Date\nahmed.n,01/\x0011/2026\n", ":2:12", "a NUL character: this is not a CSV text file"),
        ("Username,Leaving Date\n".encode("utf-16"), ":1:4", "a NUL character: this is not a CSV text file"),
        (
            b"Username,Leaving Date\nahmed.n,01/11/2026\n" + b"x" * 200_000 + b",01/11/2026\n",
            ":3",
            "cannot be read as CSV: field larger than field limit (131072)",
        ),
    ],
    ids=["empty", "blank-lines-only", "repeated-column", "nul-byte", "utf-16", "field-over-the-csv-limit"],
)
def test_an_export_that_is_not_a_csv_with_the_columns_is_invalid_input_at_its_line(tmp_path, content, where, message):
    path = tmp_path / "leavers.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as raised:
        read_export(MisSettings(leavers_csv=path))
    assert str(raised.value).startswith(f"{path}{where}: {message}")
