"""The built-in rule catalogue as a whole: stable ids, policy wording, profile coverage and example cases."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from holyaudit.engine.loader import (
    Catalogue,
    builtin_rules_dir,
    find_profile,
    load_catalogue,
    load_profile,
    rule_files,
)
from holyaudit.engine.schema import Rule

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "docs" / "policy" / "holywell-data-security-policy.txt"
CASES_DIR = Path(__file__).parent
AREAS = {"passwords", "accounts", "logoff", "encryption", "endpoints", "antivirus", "gpo"}
CATALOGUE_IDS = {
    "gpo-screensaver-locking",
    "gpo-force-logoff",
    "gpo-password-settings-agree",
    "gpo-bitlocker-laptops",
    "gpo-endpoint-drift",
    "password-minimum-length",
    "password-complexity",
    "fine-grained-password-minimum",
    "password-not-required",
    "leaver-accounts-disabled",
    "dormant-accounts",
    "generic-password-age",
    "temporary-password-changed",
    "logon-hours-curfew",
    "force-logoff-enabled",
    "bitlocker-key-escrowed",
    "screensaver-locking",
    "laptop-encryption",
    "logoff-task-scheduled",
    "autologon-no-stored-password",
    "antivirus-up-to-date",
    "privileged-accounts-separate",
    "privileged-password-age",
    "local-admin-passwords-managed",
    "no-passwords-in-directory-text",
    "firewall-enabled",
    "remote-desktop-secured",
    "local-admins-restricted",
    "removable-media-protected",
    "personal-data-machines-encrypted",
    "server-backups-recent",
    "account-lockout",
    "reversible-encryption-disabled",
    "kerberos-preauth-required",
    "staff-passwords-expire",
    "stale-computer-accounts",
    "gpo-removable-media-encrypted",
    "gpo-firewall-on",
    "unsupported-operating-system",
    "no-passwords-in-sysvol",
    "os-supported",
    "updates-current",
}
PEOPLE_NAMED_IN_POLICY = ("Linda", "Blake", "Coert", "Straaten")


@cache
def _catalogue() -> Catalogue:
    return load_catalogue()


def _rules() -> list[Rule]:
    return sorted(_catalogue().rules.values(), key=lambda r: r.id)


def _normalised(text: str) -> str:
    """Policy wording compared as words: bold markers dropped, runs of whitespace made one space."""
    return " ".join(text.replace("**", "").split())


def _case_statuses(rule: Rule, facts: str) -> set[str]:
    """The statuses the rule's cases expect of records of ``facts`` (the rule's own set, or an ``also`` part's)."""
    path = CASES_DIR / rule.id / "cases.yaml"
    if not path.is_file():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {case["expect"] for case in data["cases"] if case.get("facts", rule.spec.facts) == facts}


def test_catalogue_holds_exactly_the_contracted_rule_ids() -> None:
    assert set(_catalogue().rules) == CATALOGUE_IDS


def test_every_rule_file_loads_as_its_own_rule() -> None:
    files = rule_files(builtin_rules_dir())
    assert sorted(r.path.resolve() for r in _rules()) == sorted(p.resolve() for p in files)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_rule_file_is_named_by_its_id_in_a_policy_area_folder(rule: Rule) -> None:
    assert (rule.path.name, rule.path.parent.name in AREAS) == (f"{rule.id}.yaml", True)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_rule_has_pass_and_fail_cases_for_each_fact_set_it_judges(rule: Rule) -> None:
    for part in (rule, *rule.also):
        assert {"PASS", "FAIL"} <= _case_statuses(rule, part.spec.facts), part.spec.facts


def test_every_case_folder_names_a_built_in_rule() -> None:
    folders = {path.name for path in CASES_DIR.iterdir() if path.is_dir() and not path.name.startswith("_")}
    assert folders == set(_catalogue().rules)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_clause_is_quoted_verbatim_from_the_policy(rule: Rule) -> None:
    policy = _normalised(POLICY.read_text(encoding="utf-8"))
    assert _normalised(rule.spec.clause.text) in policy


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_clause_quotes_no_person_by_name(rule: Rule) -> None:
    words = set(re.findall(r"\w+", rule.spec.clause.text))
    assert words.isdisjoint(PEOPLE_NAMED_IN_POLICY)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_rule_explains_why_and_how_to_fix(rule: Rule) -> None:
    assert (bool(rule.spec.rationale.strip()), bool(rule.spec.remediation.strip())) == (True, True)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_rule_puts_every_failure_into_plain_words(rule: Rule) -> None:
    for part in (rule, *rule.also):
        assert part.messages, "a rule gives its failing objects a message in plain English, in every part"
        assert part.messages[-1].when is None, "the last message has no `when`, so no failure goes without words"
        for message in part.messages:
            words = re.sub(r"\{\w+\}", "", message.text)  # the text a person reads, placeholders aside
            raw = {name for name in part.record_type.model_fields if "_" in name and name in words}
            assert (raw, "0x" in words) == (set(), False), message.text


# The numbers the Holywell policy states (19:00 log-off, six characters), as a rule's own words might repeat them.
POLICY_NUMBERS = re.compile(r"\b19[:.]00\b|\bsix\b|\b6 characters\b|\bat least 6\b", re.IGNORECASE)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_rule_states_no_policy_number_but_through_its_parameters(rule: Rule) -> None:
    """A profile with other numbers must not read Holywell's in a rule's explanation: a number a rule states is a
    ``{parameter}`` (the clause, the policy's own words, is exempt)."""
    for key in ("title", "rationale", "remediation"):
        words = re.sub(r"\{\w+\}", "", getattr(rule.spec, key))
        assert POLICY_NUMBERS.findall(words) == [], f"{key} states a number of the policy's"


def test_holywell_profile_selects_every_rule() -> None:
    profile = load_profile(find_profile("holywell"), _catalogue())
    assert (profile.selected, set(profile.spec.rules)) == (frozenset(CATALOGUE_IDS), CATALOGUE_IDS)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.id)
def test_holywell_profile_states_every_parameter_explicitly(rule: Rule) -> None:
    settings = load_profile(find_profile("holywell"), _catalogue()).spec.rules[rule.id]
    given = set(settings.parameters) if settings else set()
    assert given == set(rule.spec.parameters)
