"""A profile that changes a rule's number sees that number in the rule's title and remediation, in every format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PROFILE = """\
name: strict
title: Stricter than the policy
rules:
  dormant-accounts:
    parameters: {max_idle_days: 90}
  leaver-accounts-disabled:
    parameters: {grace_days: 3}
"""
DORMANT = "Enabled accounts have been used in the last 90 days"
LEAVERS = "Leavers' accounts are disabled within 3 days of leaving"
TIMESPAN = "Search-ADAccount -AccountInactive -TimeSpan 90.00:00:00 -UsersOnly | Where-Object Enabled"
DEFAULT_WORDS = ("in the last 60 days", "within 7 days of leaving", "TimeSpan 60.")


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "strict.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def scan(run_cli, profile: Path, fmt: str) -> str:
    result = run_cli("scan", "--demo", "--profile", str(profile), "--format", fmt)
    assert result.code == 1
    for words in DEFAULT_WORDS:
        assert words not in result.out
    return result.out


def test_table_states_the_profiles_numbers(run_cli, profile):
    lines = scan(run_cli, profile, "table").splitlines()
    assert [line for line in lines if line.strip() in (DORMANT, LEAVERS)] == [f"  {LEAVERS}", f"  {DORMANT}"]


def test_json_states_the_profiles_numbers(run_cli, profile):
    findings = {f["rule_id"]: f for f in json.loads(scan(run_cli, profile, "json"))["findings"]}
    assert (findings["dormant-accounts"]["title"], findings["leaver-accounts-disabled"]["title"]) == (DORMANT, LEAVERS)
    assert f"`{TIMESPAN}`" in findings["dormant-accounts"]["remediation"]


def test_html_states_the_profiles_numbers(run_cli, profile):
    page = scan(run_cli, profile, "html")
    assert f'<h3><span class="badge s-fail">FAIL</span> {DORMANT}</h3>' in page
    assert f'<h3><span class="badge s-fail">FAIL</span> {LEAVERS.replace(chr(39), "&#x27;")}</h3>' in page
    assert f"<code>{TIMESPAN}</code>" in page


def test_markdown_states_the_profiles_numbers(run_cli, profile):
    lines = scan(run_cli, profile, "markdown").splitlines()
    assert f"### FAIL dormant-accounts: {DORMANT}" in lines
    assert f"### FAIL leaver-accounts-disabled: {LEAVERS}" in lines


def test_csv_states_the_profiles_numbers(run_cli, profile):
    rows = list(csv.DictReader(io.StringIO(scan(run_cli, profile, "csv").lstrip("\ufeff"))))
    titles = {row["rule_id"]: {r["rule_title"] for r in rows if r["rule_id"] == row["rule_id"]} for row in rows}
    assert (titles["dormant-accounts"], titles["leaver-accounts-disabled"]) == ({DORMANT}, {LEAVERS})


def test_junit_states_the_profiles_numbers(run_cli, profile):
    root = ET.fromstring(scan(run_cli, profile, "junit").encode("utf-8"))
    first_lines = {(f.text or "").splitlines()[0] for f in root.iter("failure")}
    assert {DORMANT, LEAVERS} <= first_lines


def test_rules_show_and_list_state_the_profiles_numbers(run_cli, profile):
    shown = run_cli("rules", "show", "dormant-accounts", "--profile", str(profile))
    assert shown.code == 0
    assert shown.out.splitlines()[0] == f"dormant-accounts — {DORMANT}"
    words = " ".join(shown.out.split())
    assert "The policy gives no number of days; this profile allows 90. The rule's default, 60, is longer" in words
    assert f"To list candidates run `{TIMESPAN}`." in words
    listed = run_cli("rules", "list", "--profile", str(profile))
    assert listed.code == 0
    rows = [" ".join(line.split()) for line in listed.out.splitlines()]
    assert f"dormant-accounts medium 10 {DORMANT} yes" in rows
    assert f"leaver-accounts-disabled critical 10 {LEAVERS} yes" in rows
