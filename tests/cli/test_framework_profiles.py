"""A profile that audits against a published framework quotes the framework's clauses, with their source."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from factories import write_profile, write_rule, write_snapshot

FRAMEWORK = {
    "name": "Example Standard",
    "version": "v1.0, May 2026",
    "source": "https://standards.example/requirements",
    "licence": "Contains public sector information licensed under the Open Government Licence v3.0.",
}
QUOTED = {"section": "4", "heading": "User access control", "text": "Set a minimum password length of at least 12."}


@pytest.fixture
def estate(tmp_path: Path) -> dict[str, Path]:
    """Two rules, one failing domain; the framework profile quotes its own clause for one rule only."""
    rules = tmp_path / "rules"
    write_rule(rules, "test-min-length")
    write_rule(rules, "test-min-length-again", title="Minimum length again")
    snapshot = write_snapshot(tmp_path / "s.json", {"directory.domain": [{"id": "school.test", "min_pwd_length": 4}]})
    framework = write_profile(
        tmp_path / "framework.yaml",
        {"test-min-length": {"parameters": {"min_length": 12}, "clause": QUOTED}, "test-min-length-again": None},
        framework=FRAMEWORK,
    )
    policy = write_profile(tmp_path / "policy.yaml", {"test-min-length": None})
    return {"rules": rules, "snapshot": snapshot, "framework": framework, "policy": policy}


def scan(run_cli, estate: dict[str, Path], profile: str, *options: str) -> str:
    sources = ["--rules", str(estate["rules"]), "--snapshot", str(estate["snapshot"])]
    result = run_cli("scan", *sources, "--profile", str(estate[profile]), *options)
    assert result.code == 1, result.err
    return result.out


def test_json_quotes_the_framework_clause_with_its_source_and_names_the_framework(run_cli, estate):
    document = json.loads(scan(run_cli, estate, "framework", "--format", "json"))
    schema = json.loads(resources.files("holyaudit").joinpath("schemas/report-v4.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["framework"] == FRAMEWORK
    clauses = {f["rule_id"]: f["clause"] for f in document["findings"]}
    assert clauses["test-min-length"] == {**QUOTED, "source": FRAMEWORK["source"]}
    # A rule the profile gives no clause for keeps its own policy clause, with no source.
    assert clauses["test-min-length-again"] == {
        "section": "10",
        "heading": "Passwords",
        "text": "Passwords must contain a minimum of six characters and be difficult to guess",
        "source": None,
    }


def test_a_policy_profile_has_no_framework(run_cli, estate):
    document = json.loads(scan(run_cli, estate, "policy", "--format", "json"))
    assert document["framework"] is None
    assert document["findings"][0]["clause"]["source"] is None


def test_every_human_format_attributes_the_quoted_words(run_cli, estate):
    line = (
        "Clauses quoted from Example Standard (v1.0, May 2026), https://standards.example/requirements. "
        "Contains public sector information licensed under the Open Government Licence v3.0."
    )
    table = scan(run_cli, estate, "framework")
    assert line in " ".join(table.split())  # wrapped at the terminal's 120 columns
    assert "§4 User access control" in table
    markdown = scan(run_cli, estate, "framework", "--format", "markdown")
    assert line in markdown.replace("\\", "")
    html = scan(run_cli, estate, "framework", "--format", "html")
    assert '<blockquote class="policy" cite="https://standards.example/requirements">' in html
    assert 'Source: <a href="https://standards.example/requirements">' in html
    junit = scan(run_cli, estate, "framework", "--format", "junit")
    assert 'name="framework" value="Clauses quoted from Example Standard' in junit
    assert "Clauses quoted" not in scan(run_cli, estate, "policy")


def test_profiles_show_lists_each_rule_with_the_clause_it_is_judged_by(run_cli, estate):
    shown = run_cli("profiles", "show", str(estate["framework"]), "--rules", str(estate["rules"])).out
    assert "Framework: Example Standard (v1.0, May 2026), https://standards.example/requirements" in shown
    rows = {line.split()[0]: line for line in shown.splitlines() if line.strip().startswith("test-")}
    assert "§4 User access control" in rows["test-min-length"]
    assert "min_length=12" in rows["test-min-length"]
    assert "§10 Passwords" in rows["test-min-length-again"]


def test_rules_show_quotes_the_framework_clause(run_cli, estate):
    rules, profile = str(estate["rules"]), str(estate["framework"])
    shown = run_cli("rules", "show", "test-min-length", "--rules", rules, "--profile", profile).out
    assert "Example Standard §4 User access control" in shown
    assert "“Set a minimum password length of at least 12.”" in shown
    assert "Source: https://standards.example/requirements" in shown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"framework": {**FRAMEWORK, "source": "http://insecure.example/"}}, "framework.source"),
        ({"framework": {k: v for k, v in FRAMEWORK.items() if k != "licence"}}, "framework.licence"),
        ({"rules": {"test-min-length": {"clause": {"section": "4", "heading": "x"}}}}, "clause.text"),
    ],
)
def test_a_broken_framework_is_a_load_error_naming_the_file(run_cli, estate, tmp_path, change, message):
    broken = write_profile(
        tmp_path / "broken.yaml", **{"rules": {"test-min-length": None}, "framework": FRAMEWORK, **change}
    )
    result = run_cli(
        "scan", "--rules", str(estate["rules"]), "--profile", str(broken), "--snapshot", str(estate["snapshot"]),
    )  # fmt: skip
    assert result.code == 3
    assert str(broken) in result.err
    assert message in result.err
    assert "Traceback" not in result.err
