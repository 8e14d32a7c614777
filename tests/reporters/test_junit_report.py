"""The JUnit XML report: one test case per rule, for CI dashboards, always well-formed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sample_results import ESCAPE, HOSTILE, RTL, SCRIPT, hostile_result, sample_result

from holyaudit.reporters.interface import RenderOptions
from holyaudit.reporters.junit import JunitReporter

SAMPLE_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="holyaudit" tests="4" failures="1" errors="1" skipped="1">
  <testsuite name="St Hild's C of E Primary" tests="4" failures="1" errors="1" skipped="1" \
timestamp="2026-11-20T16:30:00">
    <properties>
      <property name="site" value="St Hild's C of E Primary" />
      <property name="overall" value="non-compliant; 4 rules: 1 FAIL, 1 ERROR, 1 N/A, 1 PASS; objects: 2 FAIL, \
1 WAIVED, 2 PASS" />
      <property name="objects_failing" value="2 (0 critical, 2 high, 0 medium, 0 low)" />
      <property name="could_not_be_checked" value="1 rule whose facts were not collected" />
      <property name="rules_passing" value="1 of 4" />
      <property name="fix_first:1" value="high: Every enabled account needs a password: 2 accounts fail. First \
step: Run `Set-ADUser -PasswordNotRequired $false` for each account." />
      <property name="profile" value="holywell" />
      <property name="as_of" value="2026-11-20T16:30:00+00:00" />
      <property name="timezone" value="Europe/London" />
      <property name="tool_version" value="0.1.0" />
      <property name="source:directory.users" value="ldaps://dc1.school.test" />
      <property name="source:endpoints.hosts" value="winrm; not collected: connection refused on port 5986" />
    </properties>
    <testcase classname="§10 Passwords" name="test-password-required">
      <failure message="2 of 4 users fail, 1 waived, 1 pass" type="high">Every enabled account needs a password
§10 Passwords: Passwords must contain a minimum of six characters
severity: high
2 of 4 users fail, 1 waived, 1 pass
- a.one (user) FAIL: uac is 0x220; expected uac has all bits clear of 0x20 [name: Al]
- b.two (user) FAIL: uac is 0x220; expected uac has all bits clear of 0x20
- kiosk (user) WAIVED: waived until 2026-12-31: exam-room kiosk (approved by J. Head)
remediation: Run `Set-ADUser -PasswordNotRequired $false` for each account.
</failure>
    </testcase>
    <testcase classname="§8 Infrastructure" name="test-antivirus">
      <error message="endpoints.hosts was not collected: connection refused" type="medium">Anti-virus is up to date
§8 Infrastructure: anti-virus is kept up-to-date on all machines
severity: medium
endpoints.hosts was not collected: connection refused
remediation: Update-MpSignature
</error>
    </testcase>
    <testcase classname="§10 Passwords" name="test-min-length" />
    <testcase classname="§10 Zombie accounts" name="test-leavers">
      <skipped message="no users in scope" />
    </testcase>
  </testsuite>
</testsuites>
"""


def test_junit_has_one_case_per_rule_fail_as_failure_error_as_error_not_applicable_as_skipped(monkeypatch):
    monkeypatch.setattr("holyaudit.reporters.junit.__version__", "0.1.0")
    assert JunitReporter().render(sample_result(), RenderOptions()) == SAMPLE_XML


def test_junit_counts_agree_with_the_cases_in_the_common_schema_shape():
    root = ET.fromstring(JunitReporter().render(sample_result(), RenderOptions()))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    for element in (root, suite):
        assert element.get("tests") == str(len(cases))
        assert element.get("failures") == str(len([c for c in cases if c.find("failure") is not None]))
        assert element.get("errors") == str(len([c for c in cases if c.find("error") is not None]))
        assert element.get("skipped") == str(len([c for c in cases if c.find("skipped") is not None]))
    assert [c.get("name") for c in cases] == [
        "test-password-required",
        "test-antivirus",
        "test-min-length",
        "test-leavers",
    ]


def test_junit_stays_well_formed_and_keeps_hostile_values_as_text():
    text = JunitReporter().render(hostile_result(), RenderOptions())
    root = ET.fromstring(text)  # a raw ESC would make this XML 1.0 document unparsable
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "<script>" not in text
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert root.find("testsuite/testcase").get("name") == f"test-{SCRIPT}"
    listed = [line for line in (failure.text or "").splitlines() if line.startswith("- ")]
    shown = {ESCAPE: "evil\\x1b[2Jwipe", RTL: "report\\u202egnp.exe"}
    assert listed == [
        f"- {shown.get(v, v)} (user) FAIL: display_name is {shown.get(v, v)} [display_name: {shown.get(v, v)}]"
        for v in HOSTILE
    ]
