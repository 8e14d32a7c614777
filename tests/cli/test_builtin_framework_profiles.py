"""The built-in framework profiles load, name their source, quote their framework for every rule and run the demo."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from holyaudit.engine.loader import builtin_profiles_dir, load_catalogue, load_profile

CE_SOURCE = "https://www.cyberessentials.ncsc.gov.uk/requirements-for-it-infrastructure"
DFE_SOURCE = (
    "https://www.gov.uk/guidance/meeting-digital-and-technology-standards-in-schools-and-colleges/"
    "cyber-security-standards-for-schools-and-colleges"
)
FRAMEWORKS = {
    "cyber-essentials": ("Cyber Essentials: Requirements for IT Infrastructure", CE_SOURCE),
    "dfe-cyber-standards": ("Cyber security standards for schools and colleges", DFE_SOURCE),
}
DOCS = Path(__file__).parents[2] / "docs" / "frameworks.md"


def builtin_profile_names() -> list[str]:
    return sorted(path.stem for path in builtin_profiles_dir().glob("*.yaml"))


def test_the_framework_profiles_are_shipped():
    assert set(FRAMEWORKS) <= set(builtin_profile_names())


@pytest.mark.parametrize("name", builtin_profile_names())
def test_every_builtin_profile_loads_against_the_catalogue(name):
    profile = load_profile(builtin_profiles_dir() / f"{name}.yaml", load_catalogue())
    assert profile.name == name
    assert profile.selected


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_a_framework_profile_quotes_its_framework_for_every_rule_it_selects(name):
    # A rule without the framework's own clause would be reported with the school policy's words
    # under the framework's attribution line.
    profile = load_profile(builtin_profiles_dir() / f"{name}.yaml", load_catalogue())
    unquoted = sorted(rule.id for rule in profile.rules if rule.id in profile.selected and rule.profile_clause is None)
    assert unquoted == []


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_every_quoted_clause_is_recorded_word_for_word_in_the_framework_docs(name):
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    docs = " ".join(" ".join(line.removeprefix("> ") for line in lines).split())  # quotations wrap as "> " lines
    profile = load_profile(builtin_profiles_dir() / f"{name}.yaml", load_catalogue())
    for rule in profile.rules:
        if rule.profile_clause is not None:
            assert " ".join(rule.profile_clause.text.split()) in docs, rule.id


def test_cyber_essentials_clauses_name_the_published_themes_by_their_place_in_its_list():
    # The verified page lists the themes in this order; the clause sections number them so.
    themes = ["Firewalls", "Secure configuration", "User access control", "Malware protection", "Patch management"]
    profile = load_profile(builtin_profiles_dir() / "cyber-essentials.yaml", load_catalogue())
    for rule in profile.rules:
        if rule.profile_clause is not None:
            clause = rule.profile_clause
            assert clause.section == str(themes.index(clause.heading) + 1), rule.id


def cell(table: str, heading: str, next_heading: str, row: str) -> str:
    """The text of one table cell, its wrapped lines joined: the column under ``heading`` in the row ``row``."""
    lines = table.splitlines()
    header = next(line for line in lines if heading in line and next_heading in line)
    start, end = header.index(heading), header.index(next_heading)
    second_column = [match.start() for match in re.finditer(r"\S+", header)][1]
    first = next(i for i, line in enumerate(lines) if line.strip().startswith(row))
    parts = [lines[first][start:end].strip()]
    for line in lines[first + 1 :]:
        if line[:second_column].strip():  # the next row begins
            break
        parts.append(line[start:end].strip())
    return " ".join(part for part in parts if part)


def test_profiles_list_shows_each_framework_and_its_source(run_cli):
    result = run_cli("profiles", "list")
    assert result.code == 0
    for name, (framework, source) in FRAMEWORKS.items():
        shown = cell(result.out, "Framework", "Rules", name)
        assert shown.startswith(framework), shown
        assert shown.replace(" ", "").endswith(source), shown  # a long address wraps inside its cell


def test_profiles_show_cyber_essentials_lists_rules_with_the_framework_clause_and_protective_values(run_cli):
    result = run_cli("profiles", "show", "cyber-essentials")
    assert result.code == 0
    assert "Framework: Cyber Essentials: Requirements for IT Infrastructure (HTML edition, undated" in result.out
    rows = {line.split()[0]: line for line in result.out.splitlines() if line.strip().startswith("password-minimum")}
    assert "§3 User access" in rows["password-minimum-length"]
    assert "min_length=12" in rows["password-minimum-length"]


def test_cyber_essentials_requires_twelve_characters_and_forces_no_expiry():
    profile = load_profile(builtin_profiles_dir() / "cyber-essentials.yaml", load_catalogue())
    assert profile.spec.rules["password-minimum-length"].parameters == {"min_length": 12}
    assert profile.spec.rules["fine-grained-password-minimum"].parameters == {"min_length": 12}
    # The scheme removed regular password changes: no rule that ages passwords out is selected.
    assert not {"staff-passwords-expire", "generic-password-age", "privileged-password-age"} & profile.selected


def test_demo_scan_against_cyber_essentials_quotes_the_framework_with_its_source(run_cli):
    result = run_cli("scan", "--demo", "--profile", "cyber-essentials", "--format", "json")
    document = json.loads(result.out)
    schema = json.loads(resources.files("holyaudit").joinpath("schemas/report-v4.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["profile"] == "cyber-essentials"
    assert document["framework"]["source"] == CE_SOURCE
    assert document["framework"]["licence"].startswith("© Crown copyright.")
    findings = {f["rule_id"]: f for f in document["findings"]}
    assert set(findings) == {
        "password-minimum-length",
        "fine-grained-password-minimum",
        "password-not-required",
        "leaver-accounts-disabled",
        "dormant-accounts",
        "autologon-no-stored-password",
        "antivirus-up-to-date",
        "privileged-accounts-separate",
        "local-admin-passwords-managed",
        "no-passwords-in-directory-text",
        "account-lockout",
        "reversible-encryption-disabled",
        "kerberos-preauth-required",
        "no-passwords-in-sysvol",
        "gpo-firewall-on",
        "firewall-enabled",
        "remote-desktop-secured",
        "local-admins-restricted",
        "stale-computer-accounts",
        "unsupported-operating-system",
        "os-supported",
        "updates-current",
    }
    assert "staff-passwords-expire" not in findings, "Cyber Essentials advises against forced expiry"
    assert {findings[rule]["clause"]["heading"] for rule in ("gpo-firewall-on", "firewall-enabled")} == {"Firewalls"}
    assert {findings[rule]["clause"]["heading"] for rule in ("os-supported", "updates-current")} == {"Patch management"}
    assert findings["updates-current"]["title"] == "Machines have every Windows update out more than 14 days"
    assert {f["clause"]["source"] for f in findings.values()} == {CE_SOURCE}
    assert findings["password-minimum-length"]["clause"]["heading"] == "User access control"
    assert findings["antivirus-up-to-date"]["clause"]["heading"] == "Malware protection"
    # The demo domain's seven characters pass Holywell's six but fail the scheme's twelve.
    assert findings["password-minimum-length"]["status"] == "FAIL"
    assert result.code == 1


def test_demo_table_against_cyber_essentials_attributes_the_quoted_words(run_cli):
    result = run_cli("scan", "--demo", "--profile", "cyber-essentials")
    assert result.code == 1
    text = " ".join(result.out.split())
    assert "Clauses quoted from Cyber Essentials: Requirements for IT Infrastructure (HTML edition" in text
    assert CE_SOURCE in text
    assert "§3 User access control" in result.out
    assert "§10 Passwords" not in result.out


def test_demo_scan_against_the_dfe_standards_quotes_the_firewall_standard_under_the_open_government_licence(run_cli):
    result = run_cli("scan", "--demo", "--profile", "dfe-cyber-standards", "--format", "json")
    document = json.loads(result.out)
    assert document["framework"]["source"] == DFE_SOURCE
    assert document["framework"]["licence"] == (
        "Contains public sector information licensed under the Open Government Licence v3.0."
    )
    findings = {f["rule_id"]: f for f in document["findings"]}
    assert set(findings) == {"gpo-firewall-on", "firewall-enabled"}
    heading = "Protect all devices on every network with a properly configured boundary or software firewall"
    assert findings["gpo-firewall-on"]["clause"] == {
        "section": "1",
        "heading": heading,
        "text": "block inbound unauthenticated connections by default",
        "source": DFE_SOURCE,
    }
    assert findings["firewall-enabled"]["clause"]["text"] == (
        "protect every device with a correctly configured boundary, or software firewall, or a device that performs "
        "the same function"
    )
    # The demo has an OU whose Group Policy leaves the firewall off on public networks, and a machine with it off.
    assert {f["status"] for f in findings.values()} == {"FAIL"}
    assert result.code == 1
