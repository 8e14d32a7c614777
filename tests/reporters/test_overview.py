"""What every report opens with: the school, objects failing by severity, objects not checked, rules passing,
and the failing rules in the order to fix them, in each format as its reader meets it."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from sample_results import AS_OF, INFRASTRUCTURE, PASSWORDS, ZOMBIES

from holyaudit.models import AuditResult, Finding, ObjectResult, Severity, Status
from holyaudit.reporters.csv import CsvReporter
from holyaudit.reporters.html import HtmlReporter
from holyaudit.reporters.interface import RenderOptions
from holyaudit.reporters.json import JsonReporter
from holyaudit.reporters.junit import JunitReporter
from holyaudit.reporters.markdown import MarkdownReporter
from holyaudit.reporters.overview import first_step
from holyaudit.reporters.table import TableReporter

SCHOOL = "Ashby Fields Academy"


def obj(object_id: str, kind: str, status: Status) -> ObjectResult:
    return ObjectResult(
        id=object_id, kind=kind, status=status, expected="x", reason=None if status is Status.PASS else "r"
    )


def rule(rule_id: str, severity: Severity, objects: list[ObjectResult], remediation: str, title: str) -> Finding:
    statuses = {o.status for o in objects}
    status = next(s for s in (Status.FAIL, Status.ERROR, Status.PASS) if s in statuses)
    return Finding(
        rule_id=rule_id,
        title=title,
        status=status,
        severity=severity,
        clause=ZOMBIES if rule_id == "leavers" else PASSWORDS if rule_id == "no-password" else INFRASTRUCTURE,
        tags=[],
        message=f"{rule_id} message",
        remediation=remediation,
        objects=objects,
    )


def estate() -> AuditResult:
    """Every rule that fails also has objects it could not check, so no rule is ERROR, yet five objects were not
    checked; one account fails both a critical and a high rule."""
    users, hosts = "user", "host"
    leavers = rule(
        "leavers",
        Severity.CRITICAL,
        [
            *(obj(name, users, Status.FAIL) for name in "abc"),
            obj("d", users, Status.ERROR),
            obj("e", users, Status.PASS),
        ],
        "Disable each account in Active Directory Users and Computers (or delete it). Then tell the office.",
        "Leavers' accounts are disabled",
    )
    antivirus = rule(
        "antivirus",
        Severity.HIGH,
        [obj("HW-1", hosts, Status.FAIL), *(obj(f"HW-{n}", hosts, Status.ERROR) for n in range(2, 6))],
        "Run `Update-MpSignature. Then` on the machine. Check again tomorrow.",
        "Anti-virus is up to date",
    )
    no_password = rule(
        "no-password",
        Severity.HIGH,
        [obj("a", users, Status.FAIL), obj("f", users, Status.FAIL), obj("g", users, Status.FAIL)],
        "Clear the flag",
        "Every account needs a password",
    )
    length = rule("length", Severity.LOW, [obj("school.test", "domain", Status.PASS)], "n/a", "Long passwords")
    return AuditResult(
        as_of=AS_OF,
        timezone="Europe/London",
        profile="strict",
        site=SCHOOL,
        sources=[],
        findings=[antivirus, leavers, length, no_password],
    )


def test_first_step_is_the_first_sentence_without_asides_and_never_cut_inside_code():
    assert first_step("Disable it now (or delete it). Then tell the office.") == "Disable it now."
    assert first_step("Run `Update-MpSignature. Then` on the machine. Check again.") == (
        "Run `Update-MpSignature. Then` on the machine."
    )
    assert first_step("Clear the flag") == "Clear the flag."
    assert (
        first_step("Use `Set-X -Y (Get-Z)` first, carefully (see below).") == "Use `Set-X -Y (Get-Z)` first, carefully."
    )


def test_table_at_80_columns_opens_with_the_school_counts_and_fix_first_in_order():
    table = TableReporter().render(estate(), RenderOptions(width=80))
    lines = [line.rstrip() for line in table.splitlines()]
    assert lines[:13] == [
        SCHOOL,
        "holyaudit 0.1.0 · profile strict · as of 2026-11-20 16:30 GMT (Europe/London)",
        "",
        "Overall: non-compliant",
        "Objects failing: 6 (3 critical, 3 high, 0 medium, 0 low)",
        "Could not be checked: 5 objects (4 machines, 1 account)",
        "Rules passing: 1 of 4",
        "",
        "Fix first",
        "1. critical Leavers' accounts are disabled: 3 accounts fail. First step: Disable",
        "   each account in Active Directory Users and Computers. (leavers)",
        "2. high Every account needs a password: 3 accounts fail. First step: Clear the",
        "   flag. (no-password)",
    ]
    assert lines[13:15] == [
        "3. high Anti-virus is up to date: 1 machine fails. First step: Run",
        "   `Update-MpSignature. Then` on the machine. (antivirus)",
    ]
    assert lines[15:17] == ["", "§8 Infrastructure"], "then the detailed sections, in policy-clause order"
    assert lines[-1] == "4 rules: 3 FAIL, 1 PASS; objects: 6 FAIL, 5 ERROR, 2 PASS"
    assert max(len(line) for line in lines) <= 80


def test_json_overview_counts_objects_by_severity_and_never_hides_what_was_not_checked():
    document = json.loads(JsonReporter().render(estate(), RenderOptions()))
    assert document["site"] == SCHOOL
    assert document["summary"]["ERROR"] == 0, "no rule is ERROR: each one that could not check an object failed"
    overview = document["overview"]
    assert overview["objects"]["ERROR"] == 5
    assert overview["objects_failing"] == {"critical": 3, "high": 3, "medium": 0, "low": 0}
    assert overview["objects_not_checked"] == 5
    assert overview["objects_not_checked_by_kind"] == {"host": 4, "user": 1}
    assert overview["rules_passing"] == 1
    assert [(i["rule_id"], i["severity"], i["objects"]) for i in overview["fix_first"]] == [
        ("leavers", "critical", 3),
        ("no-password", "high", 3),
        ("antivirus", "high", 1),
    ]


def test_html_opens_with_the_school_the_counts_with_objects_and_the_fix_first_list():
    page = HtmlReporter().render(estate(), RenderOptions())
    assert f"<title>{SCHOOL}: data security compliance, 2026-11-20</title>" in page
    assert f"<header>\n<h1>{SCHOOL}</h1>\n" in page
    assert (
        "<tr><th>Objects failing</th><td>6 (3 critical, 3 high, 0 medium, 0 low)</td></tr>\n"
        "<tr><th>Could not be checked</th><td>5 objects (4 machines, 1 account)</td></tr>\n"
        "<tr><th>Rules passing</th><td>1 of 4</td></tr>\n"
    ) in page
    # The status table counts objects beside rules: ERROR is 0 rules but 5 objects, never just "ERROR 0".
    assert '<tr><td><span class="badge s-error">ERROR</span></td><td>0</td><td>5</td>' in page
    items = page[page.index('<ol class="fix-first">') : page.index("</ol>")]
    assert [line.split("</span> ", 1)[1].split(". First step")[0] for line in items.splitlines()[1:]] == [
        "Leavers&#x27; accounts are disabled: 3 accounts fail",
        "Every account needs a password: 3 accounts fail",
        "Anti-virus is up to date: 1 machine fails",
    ]
    assert page.index('id="fix-first"') < page.index('id="summary"') < page.index('class="clause"')


def test_markdown_and_junit_name_the_school_and_give_the_counts_and_the_order():
    markdown = MarkdownReporter().render(estate(), RenderOptions())
    assert markdown.startswith(f"# {SCHOOL}\n")
    assert "**Could not be checked:** 5 objects (4 machines, 1 account)\\\n" in markdown
    assert (
        "## Fix first\n\n"
        "1. **critical** Leavers' accounts are disabled: 3 accounts fail. First step: Disable each account in Active "
        "Directory Users and Computers. (leavers)\n"
        "2. **high** Every account needs a password: 3 accounts fail. First step: Clear the flag. (no-password)\n"
        "3. **high** Anti-virus is up to date: 1 machine fails. First step: Run \\`Update-MpSignature. Then\\` on the "
        "machine. (antivirus)\n"
    ) in markdown
    suite = ET.fromstring(JunitReporter().render(estate(), RenderOptions())).find("testsuite")
    assert suite is not None
    assert suite.get("name") == SCHOOL
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["objects_failing"] == "6 (3 critical, 3 high, 0 medium, 0 low)"
    assert properties["could_not_be_checked"] == "5 objects (4 machines, 1 account)"
    assert [properties[f"fix_first:{n}"].split(":")[:2] for n in (1, 2, 3)] == [
        ["critical", " Leavers' accounts are disabled"],
        ["high", " Every account needs a password"],
        ["high", " Anti-virus is up to date"],
    ]


def test_csv_names_the_school_on_every_row_and_ranks_the_failing_rules():
    rows = list(csv.DictReader(io.StringIO(CsvReporter().render(estate(), RenderOptions()).removeprefix("\ufeff"))))
    assert {row["site"] for row in rows} == {SCHOOL}
    assert {row["rule_id"]: row["fix_first"] for row in rows} == {
        "leavers": "1",
        "no-password": "2",
        "antivirus": "3",
        "length": "",
    }


@pytest.mark.parametrize("width", [80, 120, 200])
def test_demo_table_opens_with_the_school_and_the_counts_at_every_width(run_cli, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    lines = [line.rstrip() for line in run_cli("scan", "--demo", "--no-history").out.splitlines()]
    assert lines[0] == "Holywell Primary School (demo)"
    start = lines.index("Overall: non-compliant")
    assert lines[start : start + 5] == [
        "Overall: non-compliant",
        "Objects failing: 67 (7 critical, 35 high, 23 medium, 2 low)",
        "Could not be checked: 32 objects (31 machines, 1 account)",
        "Rules passing: 1 of 42",
        "",
    ]
    assert lines[start + 5] == "Fix first"
    assert lines[start + 6].startswith("1. critical Leavers' accounts are disabled within 7 days of leaving: 3")
    assert lines[-2:] == [
        "42 rules: 41 FAIL, 1 PASS; objects: 67 FAIL, 32 ERROR, 32 N/A, 145 PASS",
        "exit 1: non-compliant",
    ]
    assert max(len(line) for line in lines) <= width
