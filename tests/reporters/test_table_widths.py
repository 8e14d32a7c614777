"""The table as a terminal shows it at 80, 120 and 200 columns, for the demo and for an estate with long names,
compared with the text kept in ``table_snapshots/``. After a deliberate change to the table, write them again
with ``HOLYAUDIT_UPDATE_SNAPSHOTS=1 python -m pytest tests/reporters/test_table_widths.py`` and read the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from holyaudit.reporters.table import OBJECT_BUDGET

SNAPSHOTS = Path(__file__).parent / "table_snapshots"
WIDTHS = (80, 120, 200)
SCREEN = 50


def table_at(run_cli, monkeypatch: pytest.MonkeyPatch, width: int, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run_cli(*args)
    assert result.code == 1
    return result.out


def matches_snapshot(text: str, name: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("HOLYAUDIT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"the table differs from {path}"


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_table_at_each_width(run_cli, monkeypatch, width):
    text = table_at(run_cli, monkeypatch, width, "scan", "--demo", "--no-history")
    matches_snapshot(text, f"demo-{width}")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    if width == 80:
        assert len(lines) <= 4 * SCREEN, "the demo's table fits four screens of 50 lines at 80 columns"


def test_every_failing_rule_keeps_its_status_severity_title_id_and_counts_at_80_columns(run_cli, monkeypatch):
    findings = json.loads(run_cli("scan", "--demo", "--no-history", "--format", "json").out)["findings"]
    lines = table_at(run_cli, monkeypatch, 80, "scan", "--demo", "--no-history").splitlines()
    words = " ".join(" ".join(lines).split())  # a wrapped line read on, as the eye does
    failing = [f for f in findings if f["status"] == "FAIL"]
    assert len(failing) == 41
    for finding in failing:
        assert f"FAIL {finding['severity']} {finding['title']} {finding['rule_id']}: {finding['message']}" in words
    assert len([line for line in lines if line.startswith("  • ")]) == OBJECT_BUDGET
    assert [line.split(", collected")[0] for line in lines[2:5]] == [
        "  ldap://dc1.holywell.demo (demo)",
        "  winrm (demo)",
        "  ldap://dc1.holywell.demo (demo) + SYSVOL",
    ]
    assert lines[5] == "", "each source on one line"


@pytest.mark.parametrize("width", WIDTHS)
def test_long_names_are_cut_at_a_word_on_one_line_and_whole_with_details(run_cli, monkeypatch, long_names, width):
    text = table_at(run_cli, monkeypatch, width, *long_names)
    matches_snapshot(text, f"long-names-{width}")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    objects = [line for line in lines if line.startswith("  • ")]
    assert len(objects) == 3
    assert all(line.endswith("…") for line in objects) or width == 200
    detailed = table_at(run_cli, monkeypatch, width, *long_names, "--details")
    assert "x" * 150 in detailed.replace("\n", "").replace(" ", "")
    assert "(Supply, Maths)" in detailed


def test_could_not_be_checked_notes_wrap_at_words_within_80_columns(run_cli, monkeypatch, tmp_path):
    text = table_at(run_cli, monkeypatch, 80, "scan", "--demo", "--history", str(tmp_path / "h.sqlite3"))
    notes = text[text.index("Could not be checked, with when history last saw each compliant:") :].splitlines()[1:-1]
    assert max(len(line) for line in notes) <= 80
    assert notes[-3:] == [
        "  bennett.c (user, leaver-accounts-disabled): cannot tell whether the rule",
        "    applies: leaving_date could not be read: cannot parse 'TBC' as dd/mm/yyyy;",
        "    never seen compliant in history",
    ]
    # Each note starts a line two spaces in; its continuation lines, four. 31 machines: the four the other rules
    # could not check, and every reached one updates-current cannot judge on the demo's day (its update list ends
    # months before).
    assert [line[:4].strip()[:2] for line in notes if not line.startswith("    ")] == ["HW"] * 31 + ["be"]
