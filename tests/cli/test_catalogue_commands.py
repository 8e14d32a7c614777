"""The commands a network manager uses to read the catalogue and profiles, and the demo they try first."""

from __future__ import annotations

import json
from pathlib import Path

from factories import write_profile
from holyaudit.engine.loader import builtin_profiles_dir, builtin_rules_dir, rule_files


def builtin_ids() -> set[str]:
    return {path.stem for path in rule_files(builtin_rules_dir())}


def test_demo_scan_reports_every_builtin_rule_and_exits_non_compliant(run_cli):
    result = run_cli("scan", "--demo", "--format", "json")
    assert result.code == 1
    findings = {f["rule_id"]: f["status"] for f in json.loads(result.out)["findings"]}
    assert set(findings) == builtin_ids()
    assert findings["password-minimum-length"] == "PASS"
    assert findings["leaver-accounts-disabled"] == "FAIL"


def test_demo_table_is_grouped_by_clause_and_ends_with_the_verdict(run_cli):
    result = run_cli("scan", "--demo")
    assert result.code == 1
    for heading in ("§8 Infrastructure", "§10 Passwords", "§10 Zombie accounts", "§14 School ICT equipment"):
        assert heading in result.out
    assert "PSO-Supply-Teachers FAIL: lets the accounts it governs use passwords shorter" in result.out
    assert "… and 151 more not listed (47 FAIL, 72 ERROR, 32 N/A): --details lists all" in result.out  # bennett.c:
    assert "• bennett.c ERROR" in run_cli("scan", "--demo", "--details").out
    assert result.out.rstrip().endswith("exit 1: non-compliant")


def test_tag_narrows_the_profile_and_only_picks_one_rule(run_cli):
    tagged = json.loads(run_cli("scan", "--demo", "--tag", "leavers", "--format", "json").out)
    assert {f["rule_id"] for f in tagged["findings"]} == {"leaver-accounts-disabled", "dormant-accounts"}
    only = run_cli("scan", "--demo", "--only", "password-minimum-length")
    assert only.code == 0
    assert "1 rule: 1 PASS; objects: 1 PASS" in only.out


def test_rules_list_names_every_rule_with_its_severity_under_the_profile(run_cli):
    result = run_cli("rules", "list")
    assert result.code == 0
    for rule_id in builtin_ids():
        assert rule_id in result.out


def test_rules_list_at_80_columns_keeps_ids_whole_and_sorts_sections_as_numbers(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = run_cli("rules", "list").out.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line.split() for line in lines[4:] if line.startswith("  ") and line[2] != " "]
    assert sorted(row[0] for row in rows) == sorted(builtin_ids()), "every id whole, on its own row's first line"
    sections = [row[2] for row in rows]
    assert sections == sorted(sections, key=lambda section: [int(part) for part in section.split(".")])
    assert sections[0] == "6"
    assert sections[-1] == "16"  # gpo-firewall-on (section 16, Systems and access)


def test_rules_show_gives_clause_rationale_remediation_and_parameters_in_effect(run_cli, tmp_path: Path):
    stricter = write_profile(
        tmp_path / "stricter.yaml",
        rules={"leaver-accounts-disabled": {"parameters": {"grace_days": 2}, "severity": "high"}},
    )
    default = run_cli("rules", "show", "leaver-accounts-disabled")
    assert default.code == 0
    assert "removed from the system within one week" in default.out.replace("\n", " ")
    assert "grace_days = 7:" in default.out
    for part in ("Rationale", "Remediation", "Disable-ADAccount"):
        assert part in default.out
    custom = run_cli("rules", "show", "leaver-accounts-disabled", "--profile", str(stricter))
    assert "grace_days = 2 (rule default 7):" in custom.out
    assert "Severity: high" in custom.out


def test_rules_show_unknown_id_is_a_usage_error(run_cli):
    result = run_cli("rules", "show", "no-such-rule")
    assert result.code == 2
    assert "no rule with id 'no-such-rule'" in result.err


def test_profiles_list_and_show(run_cli):
    listed = run_cli("profiles", "list")
    assert listed.code == 0
    assert "holywell" in listed.out
    shown = run_cli("profiles", "show", "holywell")
    assert shown.code == 0
    assert "leaver-accounts-disabled" in shown.out
    assert "grace_days=7" in shown.out


def test_validate_with_no_paths_checks_the_builtin_catalogue_and_profiles(run_cli):
    result = run_cli("validate")
    assert result.code == 0
    profiles = len(list(builtin_profiles_dir().glob("*.yaml")))
    assert profiles == 3  # holywell, cyber-essentials and dfe-cyber-standards
    assert f"ok: {len(builtin_ids())} rule file(s), {profiles} profile(s) are valid" in result.out


def test_validate_checks_a_waivers_file_against_the_catalogue(run_cli, tmp_path: Path):
    good = tmp_path / "waivers.yaml"
    good.write_text(
        "- rule: password-not-required\n  objects: [exam-kiosk]\n  justification: Exam kiosk\n"
        "  approved_by: Chair of governors\n  expires: 2026-12-01\n"
    )
    ok = run_cli("validate", str(good))
    assert ok.code == 0, ok.err
    assert "and 1 waivers file(s) are valid" in ok.out
    bad = tmp_path / "bad-waivers.yaml"
    bad.write_text(good.read_text().replace("password-not-required", "no-such-rule"))
    refused = run_cli("validate", str(bad))
    assert refused.code == 3
    assert f"{bad}:1:9:" in refused.err
    assert "no-such-rule" in refused.err


def test_profile_override_changes_the_verdict_at_the_boundary(run_cli, tmp_path: Path):
    """The demo's day-8 leaver fails under one week and passes when a profile allows nine days."""
    lenient = write_profile(
        tmp_path / "lenient.yaml", rules={"leaver-accounts-disabled": {"parameters": {"grace_days": 9}}}
    )
    strict = json.loads(run_cli("scan", "--demo", "--only", "leaver-accounts-disabled", "--format", "json").out)
    relaxed = json.loads(
        run_cli(
            "scan",
            "--demo",
            "--profile",
            str(lenient),
            "--only",
            "leaver-accounts-disabled",
            "--format",
            "json",
        ).out
    )

    def status(document: dict, user: str) -> str:
        return next(o["status"] for o in document["findings"][0]["objects"] if o["id"] == user)

    assert status(strict, "o'brien.k") == "FAIL"
    assert status(relaxed, "o'brien.k") == "PASS"
