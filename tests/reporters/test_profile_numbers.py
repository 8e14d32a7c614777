"""A profile that changes a rule's numbers sees its numbers in the rule's title, rationale and remediation, in every
format: each numeric parameter of every built-in rule is changed here, and Holywell's wording must not leak."""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

import pytest

from holyaudit.engine.loader import load_catalogue


class Numbers(NamedTuple):
    parameters: str
    title: str
    holywell_title: str | None
    """None for a rule whose title states none of its numbers."""
    rationale: tuple[str, ...]
    remediation: tuple[str, ...]


RULES = {
    "dormant-accounts": Numbers(
        "{max_idle_days: 90}",
        "Enabled accounts have been used in the last 90 days",
        "Enabled accounts have been used in the last 60 days",
        ("The policy gives no number of days; this profile allows 90. The rule's default, 60, is longer",),
        ("Search-ADAccount -AccountInactive -TimeSpan 90.00:00:00 -UsersOnly | Where-Object Enabled",),
    ),
    "leaver-accounts-disabled": Numbers(
        "{grace_days: 3}",
        "Leavers' accounts are disabled within 3 days of leaving",
        "Leavers' accounts are disabled within 7 days of leaving",
        ('"Within one week" is read as 3 days', "an account disabled on day 3 is in time"),
        ("make disabling accounts part of the leavers' checklist so it happens within 3 days",),
    ),
    "antivirus-up-to-date": Numbers(
        "{max_signature_age_days: 5}",
        "Anti-virus is on, scanning in real time and updated in the last 5 days",
        "Anti-virus is on, scanning in real time and updated in the last 3 days",
        ("signatures no more than 5 calendar days old",),
        (),
    ),
    "server-backups-recent": Numbers(
        "{max_age_days: 2}",
        "Servers show a successful backup in the last 2 days",
        "Servers show a successful backup in the last 3 days",
        ("a successful backup no more than 2 calendar days before the audit",),
        (),
    ),
    "temporary-password-changed": Numbers(
        "{max_days: 4}",
        "Temporary passwords are replaced within 4 days",
        "Temporary passwords are replaced within 7 days",
        ("this profile allows 4 calendar days",),
        (),
    ),
    "generic-password-age": Numbers(
        "{max_age_days: 30}",
        "Generic account passwords are changed at least every 30 days",
        "Generic account passwords are changed at least every 42 days",
        ("at most 30 calendar days old", "so day 30 passes and the next day fails"),
        ("a fine-grained policy of 30 days", "New-ADFineGrainedPasswordPolicy -MaxPasswordAge 30.00:00:00"),
    ),
    "logoff-task-scheduled": Numbers(
        '{logoff_time: "18:30"}',
        "Each machine ends its users' sessions daily by 18:30",
        "Each machine ends its users' sessions daily by 19:00",
        ("end the signed-in users' sessions every day by 18:30", "18:30 passes, a minute later fails"),
        ("New-ScheduledTaskTrigger -Daily -At 18:30", "the task runs at 18:30 local time in both seasons"),
    ),
    "logon-hours-curfew": Numbers(
        '{logoff_time: "18:45", earliest_logon: "07:15"}',
        "Staff and pupil accounts cannot log on between 18:45 and 07:15",
        "Staff and pupil accounts cannot log on between 19:00 and 06:00",
        ("this profile takes 07:15", "a map that stops at 18:45 in winter"),
        ("logon is permitted only from 07:15 until an hour before 18:45",),
    ),
    "screensaver-locking": Numbers(
        "{max_idle_secs: 300}",
        "Machines lock after at most 300 seconds of inactivity",
        "Machines lock after at most 600 seconds of inactivity",
        ("this profile allows 300 seconds", "300 passes, one second more fails"),
        ('"Interactive logon: Machine inactivity limit" = 300 seconds', '"Screen saver timeout" = 300.'),
    ),
    "gpo-screensaver-locking": Numbers(
        "{max_idle_secs: 420}",
        "Group Policy gives every OU of staff or pupils a locking screensaver within 420 seconds",
        "Group Policy gives every OU of staff or pupils a locking screensaver within 600 seconds",
        ("ScreenSaveTimeOut of at most 420 seconds (420 passes, one second more fails",),
        ('"Screen saver timeout" = 420,', '"Interactive logon: Machine inactivity limit" = 420 for every OU'),
    ),
    "password-minimum-length": Numbers(
        "{min_length: 9}",
        "Domain minimum password length is at least 9 characters",
        "Domain minimum password length is at least 6 characters",
        (),
        ("Set-ADDefaultDomainPasswordPolicy -Identity <domain> -MinPasswordLength 9",),
    ),
    "fine-grained-password-minimum": Numbers(
        "{min_length: 11}",
        "Fine-grained password policies require at least 11 characters",
        "Fine-grained password policies require at least 6 characters",
        (),
        ("Set-ADFineGrainedPasswordPolicy -Identity <PSO name> -MinPasswordLength 11",),
    ),
    "privileged-accounts-separate": Numbers(
        "{max_idle_days: 45}",
        "Every member of a privileged group is an enabled, used, dedicated admin account",
        None,
        ("hold no everyday role (['staff', 'pupil']) and have been used within 45 days",),
        (),
    ),
    "privileged-password-age": Numbers(
        "{max_age_days: 200, krbtgt_max_age_days: 90}",
        "Privileged accounts' passwords are changed within 200 days, and krbtgt's within 90",
        "Privileged accounts' passwords are changed within 365 days, and krbtgt's within 180",
        ("at least once a year (200 days)", "so it is held to 90 days"),
        (),
    ),
    "local-admin-passwords-managed": Numbers(
        "{max_overdue_days: 30}",
        "Local admin passwords are LAPS-managed, changed at most 30 days late",
        "Local admin passwords are LAPS-managed, changed at most 42 days late",
        ("must not be more than 30 days overdue",),
        ('"Password Settings" (age 30 days or less)',),
    ),
    "account-lockout": Numbers(
        "{max_attempts: 5}",
        "The domain and every fine-grained policy lock an account after at most 5 failed attempts",
        "The domain and every fine-grained policy lock an account after at most 10 failed attempts",
        ("so this profile allows 5, the protective reading",),
        ('Set "Account lockout threshold" to between 1 and 5', "-LockoutThreshold 5 -LockoutDuration 00:15:00"),
    ),
    "stale-computer-accounts": Numbers(
        "{max_idle_days: 120}",
        "Enabled computer accounts have signed in within the last 120 days",
        "Enabled computer accounts have signed in within the last 90 days",
        ("an enabled account with no logon for 120 days",),
        ("Search-ADAccount -AccountInactive -TimeSpan 120.00:00:00 -ComputersOnly | Where-Object Enabled",),
    ),
    "unsupported-operating-system": Numbers(
        # The title states no number: the rationale's window is the one that must follow the profile.
        "{signed_in_within_days: 45}",
        "Computers in use run a Windows release Microsoft still services",
        "signed in within the last 60 days",
        ("every enabled computer account that signed in within the last 45 days",),
        (),
    ),
    "updates-current": Numbers(
        "{max_age_days: 7}",
        "Machines have every Windows update out more than 7 days",
        "Machines have every Windows update out more than 14 days",
        ("lacks a cumulative update released more than 7 whole calendar days before the audit",),
        (),
    ),
}
PROFILE = "name: strict\ntitle: Stricter than the policy\nrules:\n" + "".join(
    f"  {rule_id}:\n    parameters: {numbers.parameters}\n" for rule_id, numbers in RULES.items()
)


def words(text: str) -> str:
    return " ".join(text.split())


def test_every_numeric_parameter_of_the_catalogue_is_changed_here() -> None:
    numeric = {
        rule.id
        for rule in load_catalogue().rules.values()
        for param in rule.spec.parameters.values()
        if param.type in ("integer", "time")
    }
    assert numeric == set(RULES)


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "strict.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def scan(run_cli, profile: Path, fmt: str) -> str:
    result = run_cli("scan", "--demo", "--profile", str(profile), "--format", fmt)
    assert result.code == 1
    for numbers in RULES.values():
        assert numbers.holywell_title is None or numbers.holywell_title not in words(result.out)
    return result.out


def test_table_states_the_profiles_numbers(run_cli, profile):
    table = words(scan(run_cli, profile, "table"))
    for numbers in RULES.values():
        assert numbers.title in table


def test_json_states_the_profiles_numbers(run_cli, profile):
    findings = {f["rule_id"]: f for f in json.loads(scan(run_cli, profile, "json"))["findings"]}
    assert {rule_id: findings[rule_id]["title"] for rule_id in RULES} == {k: n.title for k, n in RULES.items()}
    for rule_id, numbers in RULES.items():
        for phrase in numbers.remediation:
            assert phrase in words(findings[rule_id]["remediation"])


def test_html_states_the_profiles_numbers(run_cli, profile):
    page = words(scan(run_cli, profile, "html"))
    for numbers in RULES.values():
        assert f'<h3><span class="badge s-fail">FAIL</span> {html.escape(numbers.title)}</h3>' in page
        for phrase in numbers.remediation:
            assert html.escape(phrase) in page


def test_markdown_states_the_profiles_numbers(run_cli, profile):
    lines = scan(run_cli, profile, "markdown").splitlines()
    for rule_id, numbers in RULES.items():
        assert f"### FAIL {rule_id}: {numbers.title}" in lines


def test_csv_states_the_profiles_numbers(run_cli, profile):
    rows = list(csv.DictReader(io.StringIO(scan(run_cli, profile, "csv").lstrip("\ufeff"))))
    titles = {rule_id: {row["rule_title"] for row in rows if row["rule_id"] == rule_id} for rule_id in RULES}
    assert titles == {rule_id: {numbers.title} for rule_id, numbers in RULES.items()}


def test_junit_states_the_profiles_numbers(run_cli, profile):
    root = ET.fromstring(scan(run_cli, profile, "junit").encode("utf-8"))
    first_lines = {(f.text or "").splitlines()[0] for f in root.iter("failure")}
    assert {numbers.title for numbers in RULES.values()} <= first_lines


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rules_show_states_the_profiles_numbers(run_cli, profile, rule_id):
    numbers = RULES[rule_id]
    shown = run_cli("rules", "show", rule_id, "--profile", str(profile))
    assert shown.code == 0
    assert shown.out.splitlines()[0] == f"{rule_id} — {numbers.title}"
    text = words(shown.out)
    for phrase in (*numbers.rationale, *numbers.remediation):
        assert phrase in text
    assert numbers.holywell_title is None or numbers.holywell_title not in text


def test_rules_list_states_the_profiles_numbers(run_cli, profile, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # each title whole on its row
    listed = run_cli("rules", "list", "--profile", str(profile))
    assert listed.code == 0
    rows = [words(line) for line in listed.out.splitlines()]
    for rule_id, numbers in RULES.items():
        assert any(row.startswith(f"{rule_id} ") and f" {numbers.title} yes" in row for row in rows), rule_id
