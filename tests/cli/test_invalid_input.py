"""Bad input gets a clear error: every mistake is named at its file, line and column, and nothing is audited.

Each case starts from a valid rule, profile, config or snapshot written out by hand (so the line numbers can
be read off below), makes one mistake in it, and runs the real CLI from the folder holding the files, as a
network manager would. The error must point at the mistake in plain words, with exit code 3, no traceback
and nothing on stdout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from factories import rule_doc, write_profile, write_rule
from holyaudit.errors import ExitCode

# The valid documents every case starts from; expected locations count lines from 1 at their first line.
RULE = """\
id: test-min-length
title: Minimum password length is long enough
severity: high
tags: [test]
clause:
  section: "10"
  heading: Passwords
  text: Passwords must contain a minimum of six characters and be difficult to guess
facts: directory.domain
parameters:
  min_length:
    type: integer
    default: 6
    description: Fewest characters.
condition:
  attr: min_pwd_length
  op: ge
  value: {param: min_length}
rationale: Short passwords are guessed.
remediation: Set-ADDefaultDomainPasswordPolicy -MinPasswordLength 6
"""

CONDITION = "attr: min_pwd_length\n  op: ge\n  value: {param: min_length}"
"""RULE's condition (lines 16-18)."""

PROFILE = """\
name: test
title: Test profile
rules:
  test-min-length:
    severity: medium
    parameters:
      min_length: 8
"""

CONFIG = """\
site:
  name: Test School
  timezone: Europe/London
profile: holywell
"""

SNAPSHOT = """\
{
 "format": "holyaudit-snapshot",
 "snapshot_version": 1,
 "site": "Test School",
 "timezone": "Europe/London",
 "collected_at": "2026-11-20T16:30:00+00:00",
 "fact_sets": {
  "directory.domain": {
   "source": "test factory",
   "collected_at": "2026-11-20T16:30:00+00:00",
   "records": [
    {"id": "school.test", "min_pwd_length": 4}
   ]
  }
 }
}
"""


def edit(base: str, old: str, new: str) -> str:
    """``base`` with its one occurrence of ``old`` replaced: one deliberate mistake."""
    if base.count(old) != 1:
        raise ValueError(f"{old!r} occurs {base.count(old)} times in the base document")
    return base.replace(old, new)


def user_rule(condition: str) -> str:
    """RULE over user accounts with another condition (lines 1-15 unchanged, the condition from line 16)."""
    return edit(edit(RULE, "facts: directory.domain", "facts: directory.users"), CONDITION, condition)


ALSO = "also:\n  - facts: directory.computers\n    condition: {attr: enabled, op: eq, value: true}\n"
"""An ``also`` part after RULE's last line (lines 21-23): the rule judges computer accounts too."""


def also_rule(part: str = ALSO) -> str:
    return RULE + part


def with_tabs(text: str) -> str:
    """The same document indented with tabs instead of spaces (same columns)."""
    return "".join("\t" * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ") for line in text.splitlines(True))


VALIDATE_RULE = ("validate", "rule.yaml")
VALIDATE_PROFILE = ("validate", "rule.yaml", "profile.yaml")
SCAN_CONFIG = ("scan", "--config", "config.yaml", "--demo")
SCAN_SNAPSHOT = ("scan", "--rules", "rules", "--profile", "test-profile.yaml", "--snapshot", "snapshot.json")


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str | bytes]
    command: tuple[str, ...]
    where: str
    """``file:line:column`` (or ``file:line``) of the mistake, as printed."""
    message: str
    """How the message after the location begins."""
    setup: Callable[[Path], object] | None = field(default=None, compare=False)


def rule_case(name: str, text: str | bytes, where: str, message: str) -> Case:
    return Case(name, {"rule.yaml": text}, VALIDATE_RULE, f"rule.yaml:{where}", message)


def exempt_rule(reason: str) -> str:
    """RULE with an exemption whose reason (line 17, column 11) is ``reason``; lines 1-15 unchanged."""
    exemption = f"not_applicable:\n  when: {{attr: min_pwd_length, op: eq, value: 0}}\n  reason: {reason}\n"
    return edit(RULE, "condition:\n", exemption + "condition:\n")


def scanned_rule_case(name: str, text: str, where: str, message: str) -> Case:
    """A rule mistake met by ``scan``, which loads rules through the same path as ``validate``."""

    def setup(folder: Path) -> None:
        (folder / "rules").mkdir()
        (folder / "rules" / "rule.yaml").write_text(text, encoding="utf-8")

    return Case(name, {}, ("scan", "--rules", "rules", "--demo"), f"rules/rule.yaml:{where}", message, setup)


def profile_case(name: str, text: str, where: str, message: str) -> Case:
    return Case(name, {"rule.yaml": RULE, "profile.yaml": text}, VALIDATE_PROFILE, f"profile.yaml:{where}", message)


def config_case(name: str, text: str, where: str, message: str) -> Case:
    return Case(name, {"config.yaml": text}, SCAN_CONFIG, f"config.yaml:{where}", message)


def _snapshot_inputs(folder: Path) -> None:
    """The custom rule and a profile from the factories, so only the snapshot can be wrong."""
    write_rule(folder / "rules")
    write_profile(folder / "test-profile.yaml")


def snapshot_case(name: str, text: str | bytes, where: str, message: str) -> Case:
    return Case(name, {"snapshot.json": text}, SCAN_SNAPSHOT, f"snapshot.json:{where}", message, _snapshot_inputs)


CASES = [
    # --- YAML itself ---
    rule_case(
        "unclosed-quote",
        edit(RULE, "title: Minimum", 'title: "Minimum'),
        "2:8",
        "invalid YAML: quoted text that starts here runs on to line 6, where the file stops making sense; "
        "is its closing quote missing?",
    ),
    rule_case(
        "unclosed-quote-at-end",
        RULE + 'tags: ["test\n',
        "21:8",
        "invalid YAML: quoted text that starts here is never closed",
    ),
    rule_case(
        "unclosed-brace",
        edit(RULE, "value: {param: min_length}", "value: {param: min_length"),
        "19:10",
        "invalid YAML: expected ',' or '}', but got ':' (in a { } mapping that starts at line 18, column 10)",
    ),
    rule_case(
        "unclosed-bracket-at-end",
        RULE + "tags: [test\n",
        "21:7",
        "invalid YAML: a [ ] list that starts here is never closed",
    ),
    rule_case(
        "colon-in-unquoted-value",
        edit(RULE, "title: Minimum password", "title: Passwords: minimum"),
        "2:17",
        "invalid YAML: a ': ' here would start a mapping; put a value that contains ': ' in quotes",
    ),
    rule_case(
        "tab-indentation",
        edit(RULE, "  section:", "\tsection:"),
        "6:1",
        "invalid YAML: a tab character cannot be used here; indent YAML with spaces, not tabs",
    ),
    rule_case(
        "duplicate-key",
        edit(RULE, "severity: high\n", "severity: high\nseverity: low\n"),
        "4:1",
        "invalid YAML: duplicate key 'severity' (first at line 3)",
    ),
    rule_case(
        "list-as-key",
        edit(RULE, "tags: [test]", "[test]: tags"),
        "4:1",
        "invalid YAML: a key must be a single value, not a list or mapping",
    ),
    rule_case(
        "control-character",
        edit(RULE, "long enough", "long\x07enough"),
        "2:39",
        "invalid YAML: control character U+0007 is not allowed",
    ),
    rule_case(
        "not-utf8",
        edit(RULE, "Fewest characters.", "Fewest caractères.").encode("latin-1"),
        "14:31",
        "file is not UTF-8 text: byte 0xe8 cannot be decoded (save the file as UTF-8)",
    ),
    rule_case(
        "top-level-list",
        "- id: test-min-length\n",
        "1:1",
        "expected a YAML mapping (key: value lines) at the top level, but found a list",
    ),
    rule_case(
        "empty-file",
        "",
        "1:1",
        "expected a YAML mapping (key: value lines) at the top level, but the file is empty",
    ),
    # --- the rule's shape ---
    rule_case("unknown-top-level-key", edit(RULE, "severity:", "severty:"), "3:1", "unknown key 'severty'"),
    rule_case(
        "id-not-kebab-case",
        edit(RULE, "id: test-min-length", "id: Test_Min_Length"),
        "1:5",
        "id: 'Test_Min_Length' is not a valid rule id: use lower-case words joined by hyphens",
    ),
    rule_case(
        "unknown-severity",
        edit(RULE, "severity: high", "severity: urgent"),
        "3:11",
        "severity: 'urgent' is not one of 'low', 'medium', 'high' or 'critical'",
    ),
    rule_case(
        "missing-clause",
        edit(RULE, RULE[RULE.index("clause:") : RULE.index("facts:")], ""),
        "1:1",
        "clause: required key is missing",
    ),
    rule_case(
        "clause-missing-text",
        edit(RULE, "  text: Passwords must contain a minimum of six characters and be difficult to guess\n", ""),
        "6:3",
        "clause.text: required key is missing",
    ),
    rule_case(
        "unknown-fact-set",
        edit(RULE, "facts: directory.domain", "facts: directory.domains"),
        "9:8",
        "facts: unknown fact set 'directory.domains' (known: directory.domain,",
    ),
    rule_case(
        "unknown-parameter-type",
        edit(RULE, "type: integer", "type: int"),
        "12:11",
        "parameters.min_length.type: 'int' is not one of 'integer', 'number',",
    ),
    rule_case(
        "parameter-default-is-text",
        edit(RULE, "default: 6", "default: six"),
        "13:14",
        "parameters.min_length.default: expected integer, got 'six'",
    ),
    rule_case(
        "parameter-default-is-fractional",
        edit(RULE, "default: 6", "default: 6.5"),
        "13:14",
        "parameters.min_length.default: expected integer, got 6.5",
    ),
    # --- the condition ---
    rule_case(
        "unknown-operator",
        edit(RULE, "op: ge", "op: gte"),
        "17:7",
        "condition: unknown operator 'gte' (known: bits_clear, bits_set,",
    ),
    rule_case(
        "operator-missing-value",
        edit(RULE, "  value: {param: min_length}\n", ""),
        "16:3",
        "condition: operator 'ge' needs a 'value'",
    ),
    rule_case(
        "exists-given-a-value",
        edit(RULE, "op: ge", "op: exists"),
        "18:3",
        "condition: operator 'exists' takes no 'value'",
    ),
    rule_case(
        "misspelt-condition-key",
        edit(RULE, "value: {param", "vaule: {param"),
        "18:3",
        "condition: unknown key 'vaule' (a condition is attr/op/value,",
    ),
    rule_case(
        "unknown-attribute",
        edit(RULE, "attr: min_pwd_length", "attr: min_password_length"),
        "16:9",
        "condition: domain facts have no attribute 'min_password_length' (known: id, base_dn,",
    ),
    rule_case(
        "unknown-parameter-reference",
        edit(RULE, "{param: min_length}", "{param: min_len}"),
        "18:18",
        "condition: unknown parameter 'min_len' (declared: min_length)",
    ),
    rule_case(
        "bad-regex",
        user_rule("attr: ou\n  op: matches\n  value: '^(Staff'"),
        "18:10",
        "value for 'matches': invalid regular expression '^(Staff': missing ), unterminated subpattern",
    ),
    rule_case(
        "impossible-repeat",
        user_rule("attr: ou\n  op: matches\n  value: 'a{4294967296}'"),
        "18:10",
        "value for 'matches': invalid regular expression 'a{4294967296}': the repetition number is too large",
    ),
    rule_case(
        "regex-backreference",
        user_rule("attr: ou\n  op: not_matches\n  value: '(x+)\\1'"),
        "18:10",
        "value for 'not_matches': regular expression '(x+)\\\\1' cannot be matched in linear time "
        "(invalid escape sequence: \\1); backreferences, lookaround and repeats of more than 1000 are not supported",
    ),
    rule_case(
        "regex-lookahead",
        user_rule("attr: id\n  op: matches\n  value: '^(?!svc-)'"),
        "18:10",
        "value for 'matches': regular expression '^(?!svc-)' cannot be matched in linear time "
        "(invalid perl operator: (?!)",
    ),
    scanned_rule_case(
        "regex-backreference-scanned",
        user_rule("attr: ou\n  op: matches\n  value: '(x+)\\1'"),
        "18:10",
        "value for 'matches': regular expression '(x+)\\\\1' cannot be matched in linear time",
    ),
    profile_case(
        "profile-regex-backreference",
        "name: test\ntitle: Test profile\nrules:\n  dormant-accounts:\n    parameters:\n"
        "      excluded_pattern: '^(svc)-\\1'\n",
        "6:25",
        "dormant-accounts.excluded_pattern: regular expression '^(svc)-\\\\1' cannot be matched in linear time",
    ),
    rule_case(
        "reason-unbalanced-brace",
        exempt_rule('"no password of {min_length characters"'),
        "17:11",
        "not_applicable.reason: unbalanced brace: write a parameter as {name} and a literal brace as {{ or }}",
    ),
    rule_case(
        "reason-lone-closing-brace",
        exempt_rule('"min_length} characters"'),
        "17:11",
        "not_applicable.reason: unbalanced brace:",
    ),
    rule_case(
        "reason-format-spec",
        exempt_rule('"fewer than {min_length:>999999999} characters"'),
        "17:11",
        "not_applicable.reason: {min_length:>999999999}: a parameter is shown as it is, without a format; "
        "write it as {min_length}",
    ),
    rule_case(
        "reason-conversion",
        exempt_rule('"fewer than {min_length!r} characters"'),
        "17:11",
        "not_applicable.reason: {min_length!r}: a parameter is shown as it is, without a format;",
    ),
    rule_case(
        "reason-positional",
        exempt_rule('"fewer than {} characters"'),
        "17:11",
        "not_applicable.reason: '{}' names no parameter; write a parameter as {name}",
    ),
    rule_case(
        "reason-attribute",
        exempt_rule('"fewer than {min_length.real} characters"'),
        "17:11",
        "not_applicable.reason: {min_length.real} is not a parameter name; write a parameter as {name}",
    ),
    scanned_rule_case(
        "reason-format-spec-scanned",
        exempt_rule('"fewer than {min_length:d} characters"'),
        "17:11",
        "not_applicable.reason: {min_length:d}: a parameter is shown as it is, without a format;",
    ),
    scanned_rule_case(
        "reason-positional-scanned",
        exempt_rule('"fewer than {} characters"'),
        "17:11",
        "not_applicable.reason: '{}' names no parameter;",
    ),
    rule_case(
        "hours-denied-from-25",
        user_rule("attr: logon_hours\n  op: hours_denied\n  value: {from: '25:00', to: '06:00'}"),
        "18:10",
        "value for 'hours_denied': expected a time of day as 'HH:MM' (24-hour), got '25:00'",
    ),
    rule_case(
        "every-over-a-list-of-text",
        user_rule("every:\n    in: groups\n    check: {attr: id, op: exists}"),
        "17:9",
        "condition.every.in: 'groups' is not a list of records in user facts",
    ),
    rule_case(
        "all-with-empty-list",
        edit(RULE, CONDITION, "all: []"),
        "16:8",
        "condition.all: expected a non-empty list of conditions",
    ),
    rule_case(
        "all-and-any-in-one-mapping",
        edit(
            RULE,
            CONDITION,
            "all:\n    - {attr: min_pwd_length, op: ge, value: 6}\n  any: [{attr: id, op: exists}]",
        ),
        "16:3",
        "condition: 'all' must be alone in its mapping (also found ['any'])",
    ),
    rule_case(
        "not-applicable-reason-names-unknown-parameter",
        RULE + "not_applicable:\n  when: {attr: min_pwd_length, op: missing}\n  reason: no {limit} is set\n",
        "23:11",
        "not_applicable.reason: unknown parameter {limit}",
    ),
    rule_case(
        "title-names-unknown-parameter",
        edit(RULE, "title: Minimum password length is long enough", "title: Passwords have {limit} characters"),
        "2:8",
        "title: unknown parameter {limit}",
    ),
    rule_case(
        "rationale-has-unbalanced-brace",
        edit(RULE, "Short passwords are guessed.", "Short passwords {are guessed."),
        "19:12",
        "rationale: unbalanced brace: write a parameter as {name} and a literal brace as {{ or }}",
    ),
    rule_case(
        "remediation-formats-a-parameter",
        edit(RULE, "-MinPasswordLength 6", "-MinPasswordLength {min_length:>3}"),
        "20:14",
        "remediation: {min_length:>3}: a parameter is shown as it is, without a format; write it as {min_length}",
    ),
    rule_case(
        "message-names-days-ago-of-a-number",
        RULE + "messages:\n  text: set {min_pwd_length_days_ago} days ago\n",
        "22:9",
        "messages.text: unknown parameter or attribute {min_pwd_length_days_ago}",
    ),
    rule_case(
        "message-names-words-no-operator-of-the-condition-offers",
        RULE + "messages:\n  text: permits {min_pwd_length_permitted}\n",
        "22:9",
        "messages.text: unknown parameter or attribute {min_pwd_length_permitted}",
    ),
    rule_case(
        "message-names-a-parameter-that-is-also-an-attribute",
        edit(RULE, "  min_length:\n", "  min_pwd_length:\n").replace("{param: min_length}", "{param: min_pwd_length}")
        + "messages:\n  text: only {min_pwd_length}\n",
        "22:9",
        "messages.text: {min_pwd_length} names both a parameter and an attribute",
    ),
    rule_case(
        "message-formats-an-attribute",
        RULE + "messages:\n  - when: {attr: min_pwd_length, op: lt, value: 4}\n    text: only {min_pwd_length!r}\n",
        "23:11",
        "messages[0].text: {min_pwd_length!r}: a parameter is shown as it is, without a format; "
        "write it as {min_pwd_length}",
    ),
    rule_case(
        "message-when-names-unknown-attribute",
        RULE + "messages:\n  when: {attr: min_pwd_lenght, op: lt, value: 4}\n  text: short\n",
        "22:16",
        "messages.when: domain facts have no attribute 'min_pwd_lenght'",
    ),
    Case(
        "duplicate-rule-id-across-files",
        {"first.yaml": RULE, "second.yaml": edit(RULE, "title: Minimum", "title: Another minimum")},
        ("validate", "first.yaml", "second.yaml"),
        "second.yaml:1:5",
        "duplicate rule id 'test-min-length' (also defined in first.yaml)",
    ),
    # --- profiles ---
    profile_case(
        "profile-names-missing-rule",
        PROFILE + "  no-such-rule:\n",
        "8:3",
        "rules: no rule with id 'no-such-rule' in the catalogue",
    ),
    profile_case(
        "profile-overrides-unknown-parameter",
        edit(PROFILE, "min_length: 8", "min_len: 8"),
        "7:7",
        "rule 'test-min-length' has no parameter 'min_len' (parameters: min_length)",
    ),
    profile_case(
        "profile-override-is-text",
        edit(PROFILE, "min_length: 8", 'min_length: "six"'),
        "7:19",
        "test-min-length.min_length: expected integer, got 'six'",
    ),
    profile_case(
        "profile-override-is-fractional",
        edit(PROFILE, "min_length: 8", "min_length: 6.5"),
        "7:19",
        "test-min-length.min_length: expected integer, got 6.5",
    ),
    profile_case("profile-unknown-key", edit(PROFILE, "rules:", "rule:"), "3:1", "unknown key 'rule'"),
    profile_case(
        "profile-unknown-key-in-rule-settings",
        edit(PROFILE, "severity: medium", "severty: medium"),
        "5:5",
        "unknown key 'severty' in rules.test-min-length",
    ),
    profile_case(
        "profile-unknown-severity",
        edit(PROFILE, "severity: medium", "severity: urgent"),
        "5:15",
        "rules.test-min-length.severity: 'urgent' is not one of 'low', 'medium', 'high' or 'critical'",
    ),
    profile_case(
        "profile-unknown-tag",
        PROFILE + "tags: [passwrods]\n",
        "8:8",
        "tags: no rule carries tag 'passwrods'",
    ),
    profile_case(
        "profile-name-with-spaces",
        edit(PROFILE, "name: test", "name: Test Profile"),
        "1:7",
        "name: 'Test Profile' is not a valid profile name",
    ),
    # --- the site config ---
    config_case("config-unknown-key", edit(CONFIG, "profile:", "profle:"), "4:1", "unknown key 'profle'"),
    config_case(
        "config-unknown-key-in-site",
        edit(CONFIG, "timezone:", "timezon:"),
        "3:3",
        "unknown key 'timezon' in site",
    ),
    config_case(
        "config-unknown-time-zone",
        edit(CONFIG, "Europe/London", "Europe/Londn"),
        "3:13",
        "site.timezone: unknown time zone 'Europe/Londn' (use an IANA name such as Europe/London)",
    ),
    config_case(
        "config-site-is-text",
        edit(CONFIG, "site:\n  name: Test School\n  timezone: Europe/London", "site: Test School"),
        "1:7",
        "site: expected a mapping of keys and values (got 'Test School')",
    ),
    config_case(
        "config-names-missing-profile",
        edit(CONFIG, "profile: holywell", "profile: holywel"),
        "4:10",
        "profile: no profile named 'holywel' (built-in: ",
    ),
    config_case(
        "config-names-missing-rule-folder",
        CONFIG + "rules: [site-rules]\n",
        "5:9",
        "rules: folder 'site-rules' does not exist",
    ),
    # --- snapshots ---
    snapshot_case(
        "snapshot-missing-comma",
        edit(SNAPSHOT, '"Test School",', '"Test School"'),
        "5:2",
        "invalid JSON: Expecting ',' delimiter",
    ),
    snapshot_case(
        "snapshot-trailing-comma",
        edit(SNAPSHOT, '"min_pwd_length": 4}', '"min_pwd_length": 4},'),
        "12:47",
        "invalid JSON: trailing comma (JSON allows no comma after the last item)",
    ),
    snapshot_case(
        "snapshot-record-wrong-type",
        edit(SNAPSHOT, '"min_pwd_length": 4', '"min_pwd_length": "four"'),
        "12:45",
        "fact_sets.directory.domain.records.0.min_pwd_length: expected a whole number (got 'four')",
    ),
    snapshot_case(
        "snapshot-tab-indented-record-wrong-type",
        with_tabs(edit(SNAPSHOT, '"min_pwd_length": 4', '"min_pwd_length": "four"')),
        "12:45",
        "fact_sets.directory.domain.records.0.min_pwd_length: expected a whole number (got 'four')",
    ),
    snapshot_case(
        "snapshot-record-unknown-attribute",
        edit(SNAPSHOT, '"min_pwd_length"', '"min_pwd_len"'),
        "12:27",
        "unknown key 'min_pwd_len' in fact_sets.directory.domain.records.0",
    ),
    snapshot_case(
        "snapshot-unknown-fact-set",
        edit(SNAPSHOT, '"directory.domain": {', '"directory.domains": {'),
        "8:24",
        "fact_sets: unknown fact set 'directory.domains' (known: directory.domain,",
    ),
    snapshot_case(
        "snapshot-bad-date",
        edit(
            SNAPSHOT,
            '"collected_at": "2026-11-20T16:30:00+00:00",\n "fact',
            '"collected_at": "yesterday",\n "fact',
        ),
        "6:18",
        "collected_at: Input should be a valid datetime",
    ),
    snapshot_case(
        "snapshot-unknown-time-zone",
        edit(SNAPSHOT, "Europe/London", "Europe/Londn"),
        "5:14",
        "timezone: unknown time zone 'Europe/Londn' (use an IANA name such as Europe/London)",
    ),
    snapshot_case(
        "snapshot-wrong-format",
        edit(SNAPSHOT, '"holyaudit-snapshot"', '"holyaudit-snap"'),
        "2:12",
        "format: 'holyaudit-snap' is not one of 'holyaudit-snapshot'",
    ),
    snapshot_case(
        "snapshot-top-level-list",
        "[]\n",
        "1:1",
        "expected a JSON object {...} at the top level, but found a list",
    ),
    snapshot_case(
        "snapshot-not-utf8",
        edit(SNAPSHOT, "Test School", "École Test").encode("latin-1"),
        "4:11",
        "file is not UTF-8 text: byte 0xc9 cannot be decoded",
    ),
    # --- a rule judging another fact set too (also) ---
    rule_case(
        "also-attribute-of-the-rule-s-own-set",
        also_rule(edit(ALSO, "attr: enabled, op: eq, value: true", "attr: min_pwd_length, op: ge, value: 6")),
        "23:23",
        "also[0].condition: computer facts have no attribute 'min_pwd_length' (known: id, dns_host_name,",
    ),
    rule_case(
        "also-the-rule-s-own-set-again",
        also_rule(edit(ALSO, "directory.computers", "directory.domain")),
        "22:12",
        "also[0].facts: directory.domain is judged already; a rule judges each fact set once",
    ),
    rule_case(
        "also-unknown-fact-set",
        also_rule(edit(ALSO, "directory.computers", "directory.computer")),
        "22:12",
        "also.0.facts: unknown fact set 'directory.computer'",
    ),
    rule_case(
        "also-context-of-another-set",
        also_rule(ALSO + "    context: [display_name]\n"),
        "24:15",
        "also[0].context: computer facts have no attribute 'display_name'",
    ),
    rule_case(
        "also-message-names-another-set-s-attribute",
        also_rule(ALSO + "    messages: {text: 'is {min_pwd_length}'}\n"),
        "24:22",
        "also[0].messages.text: unknown parameter or attribute {min_pwd_length}",
    ),
]


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a fresh folder, so messages show the short relative paths a user would type."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def assert_nothing_audited(result) -> None:
    assert result.code == ExitCode.INVALID_INPUT == 3, result.err
    assert "nothing was audited" in result.err
    assert "Traceback" not in result.err + result.out
    assert result.out == ""


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_mistake_is_reported_at_its_place_and_nothing_is_audited(run_cli, in_folder, case):
    write(in_folder, case.files)
    if case.setup:
        case.setup(in_folder)
    result = run_cli(*case.command)
    assert_nothing_audited(result)
    assert f"error: {case.where}: {case.message}" in result.err


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


def test_base_rule_is_the_factory_rule():
    assert yaml.safe_load(RULE) == rule_doc()


@pytest.mark.parametrize(
    ("files", "command", "expected_code"),
    [
        ({"rule.yaml": RULE}, VALIDATE_RULE, 0),
        ({"rule.yaml": user_rule("attr: ou\n  op: matches\n  value: '^OU=Staff'")}, VALIDATE_RULE, 0),
        ({"rule.yaml": exempt_rule('"{{min_length}} is {min_length}"')}, VALIDATE_RULE, 0),
        ({"rule.yaml": also_rule()}, VALIDATE_RULE, 0),
        ({"rule.yaml": RULE, "profile.yaml": PROFILE}, VALIDATE_PROFILE, 0),
        ({"config.yaml": CONFIG}, SCAN_CONFIG, 1),
        ({"snapshot.json": SNAPSHOT}, SCAN_SNAPSHOT, 1),
        ({"snapshot.json": with_tabs(SNAPSHOT)}, SCAN_SNAPSHOT, 1),
    ],
    ids=["rule", "user-rule", "exempt-rule", "also-rule", "profile", "config", "snapshot", "tab-indented-snapshot"],
)
def test_unedited_inputs_are_valid(run_cli, in_folder, files, command, expected_code):
    """Each case above is one mistake away from these, so only that mistake can cause its error."""
    write(in_folder, files)
    _snapshot_inputs(in_folder)
    result = run_cli(*command)
    assert result.code == expected_code, result.err
    assert "error:" not in result.err


def test_every_problem_in_every_rule_file_is_reported_in_one_run(run_cli, in_folder):
    rules = in_folder / "rules"
    rules.mkdir()
    write(
        rules,
        {
            "a-bad-yaml.yaml": edit(RULE, "title: Minimum", 'title: "Minimum'),
            "b-two-mistakes.yaml": edit(edit(RULE, "severity:", "severty:"), "op: ge", "op: gte"),
            "c-bad-parameter.yaml": edit(edit(RULE, "test-min-length", "test-other"), "default: 6", "default: six"),
            "d-fine.yaml": edit(RULE, "test-min-length", "test-fine"),
        },
    )
    result = run_cli("validate", "rules")
    assert_nothing_audited(result)
    reported = [line for line in result.err.splitlines() if line.startswith("error: rules/")]
    expected = [
        "error: rules/a-bad-yaml.yaml:2:8: invalid YAML: quoted text that starts here runs on to line 6, "
        "where the file stops making sense; is its closing quote missing?",
        "error: rules/b-two-mistakes.yaml:1:1: severity: required key is missing",
        "error: rules/b-two-mistakes.yaml:3:1: unknown key 'severty'",
        "error: rules/b-two-mistakes.yaml:17:7: condition: unknown operator 'gte' (known: ",
        "error: rules/c-bad-parameter.yaml:13:14: parameters.min_length.default: expected integer, got 'six'",
    ]
    assert len(reported) == len(expected), result.err
    assert all(line.startswith(start) for line, start in zip(reported, expected, strict=True)), result.err


def test_every_problem_in_a_profile_is_reported_in_one_run(run_cli, in_folder):
    profile = edit(
        edit(PROFILE, "min_length: 8", "min_length: six\n      max_age: 3"),
        "rules:\n",
        "rules:\n  no-such-rule:\n",
    )
    write(in_folder, {"rule.yaml": RULE, "profile.yaml": profile})
    result = run_cli(*VALIDATE_PROFILE)
    assert_nothing_audited(result)
    assert [line for line in result.err.splitlines() if line.startswith("error:")] == [
        "error: profile.yaml:4:3: rules: no rule with id 'no-such-rule' in the catalogue",
        "error: profile.yaml:8:19: test-min-length.min_length: expected integer, got 'six'",
        "error: profile.yaml:9:7: rule 'test-min-length' has no parameter 'max_age' (parameters: min_length)",
    ]


def test_long_messages_are_never_wrapped(run_cli, in_folder, monkeypatch):
    """One problem per line, however narrow the terminal, so editors and grep can use the location."""
    monkeypatch.setenv("COLUMNS", "40")
    write(in_folder, {"rule.yaml": edit(RULE, "op: ge", "op: gte")})
    result = run_cli(*VALIDATE_RULE)
    assert_nothing_audited(result)
    assert "error: rule.yaml:17:7: condition: unknown operator 'gte' (known: bits_clear," in result.err
    assert "within_days)\n" in result.err
