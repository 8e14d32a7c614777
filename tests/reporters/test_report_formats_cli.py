"""``holyaudit scan --format html|junit|csv|markdown``: each report, written whole, with the scan's exit code."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from factories import write_profile, write_rule, write_snapshot
from holyaudit.reporters.interface import OutputFormat

HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(
    ("fmt", "start"),
    [
        ("html", '<!DOCTYPE html>\n<html lang="en">\n'),
        ("junit", '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="holyaudit" tests="'),
        ("csv", "\ufeffsite,rule_id,rule_title,clause_section,severity,rule_status,object_id,object_kind,"),
        ("markdown", "# Holywell Primary School (demo)\n\nData security compliance: **non-compliant** · "),
    ],
)
def test_demo_report_is_written_to_the_output_file_and_the_scan_exits_1(run_cli, tmp_path, fmt, start):
    target = tmp_path / f"report.{fmt}"
    result = run_cli("scan", "--demo", "--format", fmt, "--output", str(target))
    assert result.code == 1
    assert result.out == ""
    assert f"report written to {target}; exit 1: non-compliant" in result.err.replace("\n", "")
    assert target.read_text(encoding="utf-8").startswith(start)
    assert list(tmp_path.glob(f".{target.name}*")) == []  # no temporary file left behind


def test_every_format_is_offered_by_scan(run_cli):
    assert {f.value for f in OutputFormat} == {"table", "json", "html", "junit", "csv", "markdown"}
    for fmt in OutputFormat:
        assert run_cli("scan", "--demo", "--format", fmt.value, "--output", "/dev/null").code == 1


def test_markdown_goes_to_stdout_without_the_table_verdict_line(run_cli):
    result = run_cli("scan", "--demo", "--format", "markdown")
    assert result.code == 1
    assert result.out.startswith("# Holywell Primary School (demo)\n\nData security compliance: **non-compliant** · ")
    assert "exit 1" not in result.out


@pytest.fixture
def estate(tmp_path: Path) -> list[str]:
    """A user whose display name is a spreadsheet formula, one fine user, and no endpoint facts at all."""
    rules = tmp_path / "rules"
    write_rule(
        rules,
        "test-password-required",
        facts="directory.users",
        parameters={},
        condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
        context=["display_name"],
    )
    write_rule(
        rules,
        "test-antivirus",
        facts="endpoints.hosts",
        parameters={},
        condition={"attr": "av_enabled", "op": "eq", "value": True},
        clause={"section": "8", "heading": "Infrastructure", "text": "anti-virus is kept up-to-date"},
    )
    snapshot = write_snapshot(
        tmp_path / "s.json",
        {
            "directory.users": [
                {"id": "-bad", "display_name": HOSTILE_NAME, "enabled": True, "uac": 0x220},
                {"id": "fine", "enabled": True, "uac": 0x200},
            ],
            "endpoints.hosts": [],
        },
        errors={"endpoints.hosts": "connection refused"},
    )
    profile = write_profile(tmp_path / "p.yaml")
    return ["scan", "--rules", str(rules), "--profile", str(profile), "--snapshot", str(snapshot)]


def test_csv_from_a_real_scan_neutralises_formulas_and_keeps_the_rule_that_could_not_be_checked(run_cli, estate):
    result = run_cli(*estate, "--format", "csv")
    assert result.code == 1
    table = list(csv.reader(io.StringIO(result.out.removeprefix("\ufeff"), newline="")))
    assert [(r[0], r[1], r[5], r[6], r[8], r[12], r[13]) for r in table[1:]] == [
        ("Test School", "test-antivirus", "ERROR", "", "", "", ""),
        (
            "Test School",
            "test-password-required",
            "FAIL",
            "'-bad",
            "FAIL",
            '{"display_name":"=HYPERLINK(\\"http://evil.example\\",\\"click\\")"}',
            "1",
        ),
        ("Test School", "test-password-required", "FAIL", "fine", "PASS", '{"display_name":null}', "1"),
    ]


def test_junit_from_a_real_scan_counts_the_failure_and_the_error(run_cli, estate, tmp_path):
    target = tmp_path / "junit.xml"
    assert run_cli(*estate, "--format", "junit", "--output", str(target)).code == 1
    suite = ET.parse(target).getroot().find("testsuite")
    assert suite is not None
    assert [suite.get(count) for count in ("tests", "failures", "errors", "skipped")] == ["2", "1", "1", "0"]
    failure = suite.find("testcase[@name='test-password-required']/failure")
    assert failure is not None
    assert "- -bad (user) FAIL: " in (failure.text or "")
    assert f"[display_name: {HOSTILE_NAME}]" in (failure.text or "")
