"""Waivers through the CLI: what is waived and what never is, expiry to the day, and the notices each waiver earns.

The estate is a snapshot collected 2026-11-20 with one rule over users (an enabled account needs a password):
kiosk01 and kiosk02 fail it, alice passes, and ``broken`` could not be read. Waivers files are written by
hand, so the file:line of every waiver and every mistake can be read off the text.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from factories import write_profile, write_rule, write_snapshot
from holyaudit.errors import ExitCode
from holyaudit.reporters.markdown import md

RULE = "test-password-required"
KIOSK_REASON = "uac is 0x220; expected uac has all bits clear of 0x20"
JUSTIFICATION = "Exam-room kiosk: logs on automatically, no password by design"
APPROVER = "Mrs J Smith (chair of governors)"


@pytest.fixture
def school(tmp_path: Path):
    """``school(*users)``: the scan arguments for the estate, with the users named (all four by default)."""
    rules = tmp_path / "rules"
    write_rule(
        rules,
        RULE,
        title="Every enabled account needs a password",
        facts="directory.users",
        parameters={},
        scope={"attr": "enabled", "op": "eq", "value": True},
        condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
    )
    write_rule(rules, "test-min-length")
    profile = write_profile(tmp_path / "profile.yaml")
    users = {
        "kiosk01": {"id": "kiosk01", "enabled": True, "uac": 0x220},
        "kiosk02": {"id": "kiosk02", "enabled": True, "uac": 0x220},
        "alice": {"id": "alice", "enabled": True, "uac": 0x200},
        "broken": {"id": "broken", "error": "access denied"},
    }

    def scan_args(*names: str) -> list[str]:
        chosen = [users[n] for n in names or users]
        snapshot = write_snapshot(
            tmp_path / "estate.json",
            {"directory.users": chosen, "directory.domain": [{"id": "school.test", "min_pwd_length": 8}]},
        )
        return ["scan", "--rules", str(rules), "--profile", str(profile), "--snapshot", str(snapshot)]

    return scan_args


REPORT_SCHEMA = json.loads(resources.files("holyaudit").joinpath("schemas/report-v4.schema.json").read_text())


def waivers_file(folder: Path, text: str, name: str = "waivers.yaml") -> Path:
    path = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def kiosk_waiver(expires: str = "2026-12-31", objects: str = "[kiosk01]") -> str:
    return (
        f"- rule: {RULE}\n"
        f"  objects: {objects}\n"
        f"  justification: '{JUSTIFICATION}'\n"
        f"  approved_by: {APPROVER}\n"
        f"  expires: {expires}\n"
    )


def objects_of(document: dict, rule_id: str = RULE) -> dict[str, tuple[str, str | None]]:
    finding = next(f for f in document["findings"] if f["rule_id"] == rule_id)
    return {o["id"]: (o["status"], o["reason"]) for o in finding["objects"]}


def finding_status(document: dict, rule_id: str = RULE) -> str:
    return next(f["status"] for f in document["findings"] if f["rule_id"] == rule_id)


def scan_json(run_cli, *args: str) -> tuple[int, dict, str]:
    result = run_cli(*args, "--format", "json")
    document = json.loads(result.out)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)
    return result.code, document, result.err


def test_a_waiver_makes_the_only_failure_waived_with_its_justification_and_exit_0(run_cli, school, tmp_path):
    base = school("kiosk01", "alice")
    code, before, _ = scan_json(run_cli, *base)
    assert code == ExitCode.NON_COMPLIANT
    assert objects_of(before) == {"kiosk01": ("FAIL", KIOSK_REASON), "alice": ("PASS", None)}

    waivers = waivers_file(tmp_path, kiosk_waiver())
    code, after, err = scan_json(run_cli, *base, "--waivers", str(waivers))
    assert code == ExitCode.COMPLIANT
    assert err == ""
    assert objects_of(after) == {
        "kiosk01": (
            "WAIVED",
            f"waived until 2026-12-31 by {APPROVER}: {JUSTIFICATION}; without the waiver: {KIOSK_REASON}",
        ),
        "alice": ("PASS", None),
    }
    assert finding_status(after) == "PASS"  # an object passed; the roll-up puts PASS before WAIVED
    assert after["summary"] == {"PASS": 2, "FAIL": 0, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0}
    assert after["waivers"] == [
        {
            "rule_id": RULE,
            "object_ids": ["kiosk01"],
            "justification": JUSTIFICATION,
            "approved_by": APPROVER,
            "expires": "2026-12-31",
            "created": None,
            "reference": None,
            "state": "applied",
            "objects_waived": ["kiosk01"],
            "where": f"{waivers}:1",
            "message": f"waives kiosk01 until 2026-12-31, approved by {APPROVER}",
        }
    ]


def test_a_rule_whose_every_object_is_waived_is_waived(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, kiosk_waiver(objects="[KIOSK01, kiosk02]"))  # names match case-insensitively
    code, document, _ = scan_json(run_cli, *school("kiosk01", "kiosk02"), "--waivers", str(waivers))
    assert code == ExitCode.COMPLIANT
    assert {k: v[0] for k, v in objects_of(document).items()} == {"kiosk01": "WAIVED", "kiosk02": "WAIVED"}
    assert finding_status(document) == "WAIVED"
    assert document["summary"]["WAIVED"] == 1


def test_the_table_shows_the_waived_object_its_justification_and_a_waivers_section(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, kiosk_waiver())
    result = run_cli(*school("kiosk01", "alice"), "--waivers", str(waivers), "--details")
    lines = [line.strip() for line in result.out.splitlines()]
    assert "• kiosk01 WAIVED: waived until 2026-12-31 by Mrs J Smith (chair of governors): Exam-room kiosk" in " ".join(
        lines
    )
    assert "Waivers" in lines
    assert f"applied {RULE}: waives kiosk01 until 2026-12-31, approved by Mrs J Smith (chair of governors)" in " ".join(
        lines
    )
    assert result.out.rstrip().endswith("exit 0: compliant")


@pytest.mark.parametrize(
    ("as_of", "status", "state", "code"),
    [
        ("2026-11-30", "WAIVED", "expiring_soon", ExitCode.COMPLIANT),
        ("2026-12-01", "WAIVED", "expiring_soon", ExitCode.COMPLIANT),
        ("2026-12-01T23:59", "WAIVED", "expiring_soon", ExitCode.COMPLIANT),
        ("2026-12-02T00:30+01:00", "WAIVED", "expiring_soon", ExitCode.COMPLIANT),  # 23:30 on 1 Dec in London
        ("2026-12-02", "FAIL", "expired", ExitCode.NON_COMPLIANT),
    ],
)
def test_expiry_is_inclusive_to_the_end_of_the_day_in_the_site_time_zone(
    run_cli, school, tmp_path, as_of, status, state, code
):
    waivers = waivers_file(tmp_path, kiosk_waiver(expires="2026-12-01"))
    got, document, _ = scan_json(run_cli, *school("kiosk01", "alice"), "--waivers", str(waivers), "--as-of", as_of)
    assert got == code
    assert objects_of(document)["kiosk01"][0] == status
    assert [w["state"] for w in document["waivers"]] == [state]


def test_an_expired_waiver_stops_applying_and_is_reported(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, kiosk_waiver(expires="2026-12-01"))
    result = run_cli(*school("kiosk01", "alice"), "--waivers", str(waivers), "--as-of", "2026-12-02")
    assert result.code == ExitCode.NON_COMPLIANT
    assert result.err.splitlines() == [
        f"warning: {waivers}:1: {RULE}: expired on 2026-12-01: no longer applies; kiosk01 fails again"
    ]
    assert f"expired {RULE}: expired on 2026-12-01: no longer applies; kiosk01 fails again ({waivers}:1)" in (
        " ".join(line.strip() for line in result.out.splitlines())
    )
    _, document, _ = scan_json(run_cli, *school("kiosk01", "alice"), "--waivers", str(waivers), "--as-of", "2026-12-02")
    assert objects_of(document)["kiosk01"] == ("FAIL", KIOSK_REASON)
    assert document["waivers"][0]["objects_waived"] == []


@pytest.mark.parametrize(
    ("as_of", "warned"),
    [("2026-11-16", False), ("2026-11-17", True), ("2026-11-30", True)],
)
def test_a_waiver_expiring_within_14_days_is_warned_about(run_cli, school, tmp_path, as_of, warned):
    waivers = waivers_file(tmp_path, kiosk_waiver(expires="2026-12-01"))
    code, document, err = scan_json(run_cli, *school("kiosk01"), "--waivers", str(waivers), "--as-of", as_of)
    assert code == ExitCode.COMPLIANT
    days = {"2026-11-16": "in 15 days", "2026-11-17": "in 14 days", "2026-11-30": "tomorrow"}[as_of]
    assert document["waivers"][0]["state"] == ("expiring_soon" if warned else "applied")
    warning = f"warning: {waivers}:1: {RULE}: waives kiosk01 until 2026-12-01, approved by {APPROVER}; expires {days}"
    assert err.splitlines() == ([warning] if warned else [])


def test_a_waiver_that_matches_nothing_is_reported_and_changes_nothing(run_cli, school, tmp_path):
    waivers = waivers_file(
        tmp_path,
        kiosk_waiver(objects="[alice, ghost]") + "- rule: test-min-length\n"
        "  objects: [school.test]\n"
        "  justification: not needed\n"
        "  approved_by: Head\n"
        "  expires: 2027-01-31\n",
    )
    code, document, err = scan_json(run_cli, *school("kiosk01", "alice"), "--waivers", str(waivers), "--only", RULE)
    assert code == ExitCode.NON_COMPLIANT
    assert objects_of(document) == {"kiosk01": ("FAIL", KIOSK_REASON), "alice": ("PASS", None)}
    assert [(w["state"], w["objects_waived"], w["message"]) for w in document["waivers"]] == [
        ("unmatched", [], "waived nothing: alice (passes), ghost (not among the objects the rule judged)"),
        ("unmatched", [], "waived nothing: rule test-min-length did not run in this scan"),
    ]
    assert err.splitlines() == [
        f"warning: {waivers}:1: {RULE}: waived nothing: alice (passes), ghost (not among the objects the rule judged)",
        f"warning: {waivers}:6: test-min-length: waived nothing: rule test-min-length did not run in this scan",
    ]


def test_a_waiver_that_waives_some_of_its_objects_names_the_rest(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, kiosk_waiver(objects="[kiosk01, alice]"))
    code, document, err = scan_json(run_cli, *school("kiosk01", "alice"), "--waivers", str(waivers))
    assert code == ExitCode.COMPLIANT
    assert document["waivers"][0]["state"] == "applied"
    assert err.splitlines() == [
        f"warning: {waivers}:1: {RULE}: waives kiosk01 until 2026-12-31, approved by {APPROVER}; "
        "did not waive alice (passes)"
    ]


def test_a_whole_rule_waiver_waives_every_failure_and_is_warned_about_as_broad(run_cli, school, tmp_path):
    text = f"- rule: {RULE}\n  justification: '{JUSTIFICATION}'\n  approved_by: Head\n  expires: 2027-01-31\n"
    waivers = waivers_file(tmp_path, text)
    code, document, err = scan_json(run_cli, *school("kiosk01", "kiosk02", "alice"), "--waivers", str(waivers))
    assert code == ExitCode.COMPLIANT
    assert {k: v[0] for k, v in objects_of(document).items()} == {
        "kiosk01": "WAIVED",
        "kiosk02": "WAIVED",
        "alice": "PASS",
    }
    assert document["waivers"][0]["object_ids"] is None
    assert document["waivers"][0]["objects_waived"] == ["kiosk01", "kiosk02"]
    assert err.splitlines() == [
        f"warning: {waivers}:1: {RULE}: waives the whole rule for every object; name the objects ('objects:') "
        "unless the whole rule is truly excepted"
    ]


def test_an_object_that_could_not_be_checked_is_never_waived(run_cli, school, tmp_path):
    whole = waivers_file(
        tmp_path, f"- rule: {RULE}\n  justification: x\n  approved_by: Head\n  expires: 2027-01-31\n", "whole.yaml"
    )
    code, document, _ = scan_json(run_cli, *school("kiosk01", "broken"), "--waivers", str(whole))
    assert code == ExitCode.INCOMPLETE  # the failure is waived; what could not be checked still counts
    assert objects_of(document) == {
        "broken": ("ERROR", "could not be read: access denied"),
        "kiosk01": ("WAIVED", f"waived until 2027-01-31 by Head: x; without the waiver: {KIOSK_REASON}"),
    }
    assert finding_status(document) == "ERROR"

    named = waivers_file(tmp_path, kiosk_waiver(objects="[broken]"), "named.yaml")
    code, document, _ = scan_json(run_cli, *school("broken"), "--waivers", str(named))
    assert code == ExitCode.INCOMPLETE
    assert objects_of(document) == {"broken": ("ERROR", "could not be read: access denied")}
    assert document["waivers"][0]["state"] == "unmatched"
    assert document["waivers"][0]["message"] == (
        "waived nothing: broken (could not be checked: an ERROR is never waived)"
    )


def test_of_two_waivers_for_one_object_the_later_expiry_applies(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, kiosk_waiver(expires="2026-12-01") + kiosk_waiver(expires="2027-06-30"))
    code, document, _ = scan_json(run_cli, *school("kiosk01"), "--waivers", str(waivers))
    assert code == ExitCode.COMPLIANT
    assert objects_of(document)["kiosk01"][1].startswith("waived until 2027-06-30 ")
    assert [(w["state"], w["message"]) for w in document["waivers"]] == [
        ("unmatched", f"waived nothing: kiosk01 (waived by {waivers}:6)"),
        ("applied", f"waives kiosk01 until 2027-06-30, approved by {APPROVER}"),
    ]


def test_hostile_text_in_a_waiver_is_shown_as_text_in_every_report(run_cli, school, tmp_path):
    hostile = "evil\\e[2Jwipe <script>alert('x')</script> [bold red]x[/] report\\u202egnp.exe"
    text = (
        f'- rule: {RULE}\n  objects: [kiosk01]\n  justification: "{hostile}"\n'
        f'  approved_by: "{hostile}"\n  expires: 2026-11-25\n'
    )
    waivers = waivers_file(tmp_path, text)
    base = [*school("kiosk01"), "--waivers", str(waivers)]
    table = run_cli(*base)
    assert "\x1b" not in table.out + table.err
    assert "\u202e" not in table.out + table.err
    assert "evil\\x1b[2Jwipe <script>alert('x')</script> [bold red]x[/]" in table.err
    assert "report\\u202egnp.exe" in table.out
    html = run_cli(*base, "--format", "html").out
    assert "<script>alert" not in html
    assert "evil\\x1b[2Jwipe &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    markdown = run_cli(*base, "--format", "markdown").out
    assert "<script>" not in markdown
    assert "\\<script\\>alert('x')\\</script\\>" in markdown
    _, document, _ = scan_json(run_cli, *base)
    raw = "evil\x1b[2Jwipe <script>alert('x')</script> [bold red]x[/] report\u202egnp.exe"
    assert (document["waivers"][0]["justification"], document["waivers"][0]["approved_by"]) == (raw, raw)


def test_every_report_format_shows_waived_objects_and_the_waivers(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, kiosk_waiver())
    base = [*school("kiosk01", "alice"), "--waivers", str(waivers)]
    html = run_cli(*base, "--format", "html").out
    assert '<section id="waivers">' in html
    assert '<span class="badge s-waived">WAIVED</span></td><td class="reason">waived until 2026-12-31 by' in html
    markdown = run_cli(*base, "--format", "markdown").out
    assert "## Waivers" in markdown
    assert (
        f"- **applied** {RULE}: waives kiosk01 until 2026-12-31, approved by {APPROVER}. "
        f"Justification: {JUSTIFICATION} ({md(waivers)}:1)"
    ) in markdown.splitlines()
    junit = run_cli(*base, "--format", "junit").out
    assert f"- kiosk01 (user) WAIVED: waived until 2026-12-31 by {APPROVER}: {JUSTIFICATION}" in junit
    rows = list(csv.DictReader(io.StringIO(run_cli(*base, "--format", "csv").out.removeprefix("\ufeff"))))
    kiosk = next(row for row in rows if row["object_id"] == "kiosk01")
    assert (kiosk["rule_status"], kiosk["object_status"]) == ("PASS", "WAIVED")
    assert (
        kiosk["reason"] == f"waived until 2026-12-31 by {APPROVER}: {JUSTIFICATION}; without the waiver: {KIOSK_REASON}"
    )


def test_waivers_come_from_the_config_then_the_environment_then_the_flag(run_cli, school, tmp_path, monkeypatch):
    base = school("kiosk01")
    site = tmp_path / "site"
    waivers_file(site, kiosk_waiver(expires="2026-12-10"))
    config = site / "holyaudit.yaml"
    config.write_text("site:\n  name: Test School\nwaivers: waivers.yaml\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the config's path is relative to the config file, not the working folder

    def expiry(*extra: str) -> str:
        document = json.loads(run_cli(*base, "--config", str(config), *extra, "--format", "json").out)
        return document["waivers"][0]["expires"]

    assert expiry() == "2026-12-10"
    monkeypatch.setenv("HOLYAUDIT_WAIVERS", str(waivers_file(tmp_path, kiosk_waiver(expires="2026-12-20"), "env.yaml")))
    assert expiry() == "2026-12-20"
    assert expiry("--waivers", str(waivers_file(tmp_path, kiosk_waiver(expires="2026-12-30"), "flag.yaml"))) == (
        "2026-12-30"
    )


def test_a_config_naming_a_missing_waivers_file_is_invalid_input(run_cli, school, tmp_path):
    config = tmp_path / "holyaudit.yaml"
    config.write_text("site:\n  name: Test School\nwaivers: nowhere.yaml\n", encoding="utf-8")
    result = run_cli(*school(), "--config", str(config))
    assert result.code == ExitCode.INVALID_INPUT
    assert (
        result.err.splitlines()[0]
        == f"error: {config}:3:10: waivers: file '{tmp_path / 'nowhere.yaml'}' does not exist"
    )


VALID = f"""\
- rule: {RULE}
  objects: [kiosk01]
  justification: Exam-room kiosk
  approved_by: Head
  expires: 2026-12-01
"""


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (VALID.replace(RULE, "test-no-such-rule"), "1:9", "rule: no rule with id 'test-no-such-rule' in the catalogue"),
        (VALID.replace("  justification: Exam-room kiosk\n", ""), "1:3", "justification: required key is missing"),
        (VALID.replace("  expires: 2026-12-01\n", ""), "1:3", "expires: required key is missing"),
        (VALID.replace("  approved_by: Head\n", ""), "1:3", "approved_by: required key is missing"),
        (VALID.replace("Exam-room kiosk", "'  '"), "3:18", "justification: must not be empty"),
        (VALID.replace("2026-12-01", "1 Dec 2026"), "5:12", "expires: expected a date as YYYY-MM-DD"),
        (VALID.replace("2026-12-01", "2026-12-01 10:00"), "5:12", "expires: expected a date as YYYY-MM-DD"),
        (VALID.replace("2026-12-01", "2026-02-30"), "5:12", "invalid YAML: '2026-02-30' looks like a date but is not"),
        (VALID.replace("[kiosk01]", "[]"), "2:12", "objects: "),
        (VALID.replace("approved_by", "approved"), "4:3", "unknown key 'approved'"),
        (f"rule: {RULE}\n", "1:1", "expected a YAML list of waivers"),
    ],
)
def test_a_bad_waivers_file_is_invalid_input_at_its_line(run_cli, school, tmp_path, text, where, message):
    waivers = waivers_file(tmp_path, text)
    result = run_cli(*school(), "--waivers", str(waivers))
    assert result.code == ExitCode.INVALID_INPUT
    assert result.out == ""
    assert f"error: {waivers}:{where}: {message}" in result.err


def test_an_empty_waivers_file_waives_nothing_and_says_so(run_cli, school, tmp_path):
    waivers = waivers_file(tmp_path, "# no waivers this term\n")
    code, document, err = scan_json(run_cli, *school("kiosk01"), "--waivers", str(waivers))
    assert (code, document["waivers"], err) == (ExitCode.NON_COMPLIANT, [], "")
    table = run_cli(*school("kiosk01"), "--waivers", str(waivers)).out
    assert "Waivers\n  the waivers file has none\n" in table
