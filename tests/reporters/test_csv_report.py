"""The CSV report: one row per object result, readable by Excel, with no formula a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest
from sample_results import FORMULA, SCHOOL, hostile_result, sample_result

from holyaudit.reporters.csv import HEADER, CsvReporter, neutralise
from holyaudit.reporters.interface import RenderOptions


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_csv_has_one_row_per_object_and_one_for_each_rule_without_objects():
    """Each row names the school first, and the failing rule's place in the fix-first list last."""
    text = CsvReporter().render(sample_result(), RenderOptions())
    required = [SCHOOL, "test-password-required", "Every enabled account needs a password", "10", "high", "FAIL"]
    reason = "uac is 0x220; expected uac has all bits clear of 0x20"
    expected = "uac has all bits clear of 0x20"
    assert rows(text) == [
        list(HEADER),
        [*required, "a.one", "user", "FAIL", reason, '{"enabled":true,"uac":544}', expected, '{"name":"Al"}', "1"],
        [*required, "b.two", "user", "FAIL", reason, '{"enabled":true,"uac":544}', expected, "", "1"],
        [
            *required,
            "kiosk",
            "user",
            "WAIVED",
            "waived until 2026-12-31: exam-room kiosk (approved by J. Head)",
            '{"enabled":true,"uac":512}',
            expected,
            "",
            "1",
        ],
        [*required, "fine", "user", "PASS", "", '{"enabled":true,"uac":512}', expected, "", "1"],
        [
            SCHOOL,
            "test-antivirus",
            "Anti-virus is up to date",
            "8",
            "medium",
            "ERROR",
            "",
            "",
            "",
            "endpoints.hosts was not collected: connection refused",
            "",
            "",
            "",
            "",
        ],
        [
            SCHOOL,
            "test-min-length",
            "Minimum password length is long enough",
            "10",
            "high",
            "PASS",
            "school.test",
            "domain",
            "PASS",
            "",
            '{"min_pwd_length":8}',
            "min_pwd_length ≥ 6",
            "",
            "",
        ],
        [
            SCHOOL,
            "test-leavers",
            "Leavers' accounts are disabled",
            "10",
            "low",
            "NOT_APPLICABLE",
            "",
            "",
            "",
            "no users in scope",
            "",
            "",
            "",
            "",
        ],
    ]


def test_csv_starts_with_a_byte_order_mark_for_excel_and_ends_lines_with_crlf():
    text = CsvReporter().render(sample_result(), RenderOptions())
    assert text.startswith("\ufeffsite,rule_id,rule_title,clause_section,severity,rule_status,object_id,")
    assert text.count("\r\n") == 8
    assert "\n" not in text.replace("\r\n", "")


def test_csv_puts_an_apostrophe_before_every_cell_a_spreadsheet_would_evaluate():
    table = rows(CsvReporter().render(hostile_result(), RenderOptions()))
    formula_row = next(r for r in table if r[6].endswith(FORMULA))
    assert formula_row[6] == "'" + FORMULA
    assert formula_row[12] == '{"display_name":"=HYPERLINK(\\"http://evil.example\\",\\"click\\")"}'
    cells = [cell for row in table for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_only_cells_that_start_like_a_formula(cell, safe):
    assert neutralise(cell) == safe


def test_csv_shows_control_and_bidi_characters_as_visible_escapes():
    text = CsvReporter().render(hostile_result(), RenderOptions())
    assert "\x1b" not in text
    assert "\u202e" not in text
    ids = [row[6] for row in rows(text)[1:]]
    assert {row[0] for row in rows(text)[1:]} == {"School <script>document.title='PWNED'</script> report\\u202egnp.exe"}
    assert "evil\\x1b[2Jwipe" in ids
    assert "report\\u202egnp.exe" in ids
