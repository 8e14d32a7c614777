"""What people and scripts read: the table, the JSON and report files, with hostile values from the directory."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from factories import rule_doc, write_profile, write_rule, write_snapshot

HOSTILE = {
    "markup": "[bold red]x[/]",
    "html": "<script>alert('x')</script>",
    "escape": "evil\x1b[2Jwipe",
    "rtl": "report\u202egnp.exe",
}


@pytest.fixture
def estate(tmp_path: Path) -> list[str]:
    """Seven users with no password required: five shown by default, two more with --details."""
    rules = tmp_path / "rules"
    write_rule(
        rules,
        "test-password-required",
        title="Every enabled account needs a password",
        facts="directory.users",
        parameters={},
        scope={"attr": "enabled", "op": "eq", "value": True},
        condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
    )
    write_rule(rules, "test-min-length", clause={**rule_doc()["clause"], "section": "4", "heading": "Viruses"})
    users = [{"id": name, "enabled": True, "uac": 0x220} for name in [*HOSTILE.values(), "a.one", "b.two", "c.three"]]
    users.append({"id": "fine", "enabled": True, "uac": 0x200})
    snapshot = write_snapshot(
        tmp_path / "s.json",
        {"directory.users": users, "directory.domain": [{"id": "school.test", "min_pwd_length": 8}]},
    )
    profile = write_profile(tmp_path / "p.yaml")
    return ["scan", "--rules", str(rules), "--profile", str(profile), "--snapshot", str(snapshot)]


def report_schema(version: int = 4) -> dict:
    text = resources.files("holyaudit").joinpath(f"schemas/report-v{version}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_json_report_validates_against_the_shipped_schema(run_cli, estate):
    result = run_cli(*estate, "--format", "json")
    document = json.loads(result.out)
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["schema_version"] == 4
    assert "waivers" not in document  # no waivers file was used
    assert document["summary"] == {"PASS": 1, "FAIL": 1, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0}


def test_json_names_the_school_and_opens_with_what_to_fix_first(run_cli, estate):
    document = json.loads(run_cli(*estate, "--format", "json").out)
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["site"] == "Test School"  # the snapshot's site: the config names none
    assert document["overview"] == {
        "objects_failing": {"critical": 0, "high": 7, "medium": 0, "low": 0},
        "objects_not_checked": 0,
        "objects_not_checked_by_kind": {},
        "rules_not_checked": 0,
        "rules_passing": 1,
        "objects": {"PASS": 2, "FAIL": 7, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0},
        "fix_first": [
            {
                "rule_id": "test-password-required",
                "severity": "high",
                "objects": 7,
                "sentence": "Every enabled account needs a password: 7 accounts fail. First step: "
                "Set-ADDefaultDomainPasswordPolicy -MinPasswordLength 6.",
            }
        ],
    }


def test_the_version_2_schema_still_ships_for_readers_of_reports_without_the_school():
    old = report_schema(2)
    assert old["properties"]["schema_version"] == {"const": 2}
    assert "site" not in old["properties"]


def test_the_version_1_schema_still_ships_for_readers_of_old_reports():
    old = report_schema(1)
    assert old["properties"]["schema_version"] == {"const": 1}
    assert "waivers" not in old["properties"]


def test_json_lists_exact_objects_with_status_observed_and_expected(run_cli, estate):
    document = json.loads(run_cli(*estate, "--format", "json").out)
    finding = next(f for f in document["findings"] if f["rule_id"] == "test-password-required")
    assert finding["status"] == "FAIL"
    assert {o["id"]: o["status"] for o in finding["objects"]} == {
        **dict.fromkeys([*HOSTILE.values(), "a.one", "b.two", "c.three"], "FAIL"),
        "fine": "PASS",
    }
    fine = next(o for o in finding["objects"] if o["id"] == "fine")
    assert fine == {
        "id": "fine",
        "kind": "user",
        "status": "PASS",
        "observed": {"enabled": True, "uac": 0x200},
        "expected": "uac has all bits clear of 0x20",
        "reason": None,
        "context": {},
        "message": None,
    }


def test_json_keeps_hostile_values_byte_for_byte_but_escaped(run_cli, estate):
    result = run_cli(*estate, "--format", "json")
    assert result.out.isascii()
    assert "\x1b" not in result.out
    ids = {o["id"] for f in json.loads(result.out)["findings"] for o in f["objects"]}
    assert set(HOSTILE.values()) <= ids


def test_table_groups_by_clause_and_shows_status_in_words(run_cli, estate):
    out = run_cli(*estate).out
    assert out.index("§4 Viruses") < out.index("§10 Passwords")
    assert "FAIL" in out
    assert "PASS" in out
    assert "7 of 8 users fail" in out
    assert "2 rules: 1 FAIL, 1 PASS" in out
    assert out.rstrip().endswith("exit 1: non-compliant")


def test_table_gives_a_passing_rule_one_line_and_its_message_only_with_details(run_cli, estate):
    section = run_cli(*estate).out.split("§4 Viruses\n")[1].split("\n\n")[0]
    assert section == "PASS high test-min-length: Minimum password length is long enough"
    detailed = run_cli(*estate, "--details").out.split("§4 Viruses\n")[1].split("\n\n")[0].splitlines()
    assert detailed[0] == "PASS high Minimum password length is long enough"
    assert detailed[1].startswith("  test-min-length: ")


def test_table_prints_markup_and_html_literally_and_escapes_control_characters(run_cli, estate):
    out = run_cli(*estate, "--details").out
    assert "[bold red]x[/]" in out
    assert "<script>alert('x')</script>" in out
    assert "\x1b" not in out
    assert "evil\\x1b[2Jwipe" in out
    assert "\u202e" not in out
    assert "report\\u202egnp.exe" in out


def test_table_shows_three_offenders_then_says_how_many_more_and_what_they_are(run_cli, estate):
    out = run_cli(*estate).out
    assert [line.lstrip()[:2] for line in out.splitlines() if line.startswith("  • ")] == ["• "] * 3
    assert "… and 4 more not listed (4 FAIL): --details lists all" in out.splitlines()
    detailed = run_cli(*estate, "--details").out
    assert len([line for line in detailed.splitlines() if line.startswith("  • ")]) == 7
    assert "more not listed" not in detailed
    for name in ("a.one", "b.two", "c.three"):
        assert name in detailed


def test_output_file_is_written_whole_and_stdout_stays_clean(run_cli, estate, tmp_path):
    target = tmp_path / "reports" / "audit.json"
    result = run_cli(*estate, "--format", "json", "--output", str(target))
    assert result.code == 1
    assert result.out == ""
    assert f"report written to {target}; exit 1: non-compliant" in result.err.replace("\n", "")
    assert json.loads(target.read_text(encoding="utf-8"))["schema_version"] == 4
    assert [p.name for p in target.parent.iterdir()] == ["audit.json"]


def test_every_output_format_has_a_reporter():
    from holyaudit.reporters.interface import OutputFormat, Reporter, reporter_for

    for fmt in OutputFormat:
        assert isinstance(reporter_for(fmt), Reporter)


def test_output_to_a_device_writes_through_it_and_leaves_it_a_device(run_cli, estate):
    result = run_cli(*estate, "--format", "json", "--output", "/dev/null")
    assert result.code == 1
    assert Path("/dev/null").is_char_device()
