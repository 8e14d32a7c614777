"""A scan asks collectors only for the fields its selected rules read."""

from __future__ import annotations

from holyaudit.audit.workflow import rule_needs, select_rules
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile


def needs_for(*rule_ids: str) -> dict[str, frozenset[str]]:
    profile = load_profile(find_profile("holywell"), load_catalogue())
    return rule_needs(select_rules(profile, list(rule_ids), []))


def test_curfew_needs_only_logon_hours_enabled_and_categories():
    assert needs_for("logon-hours-curfew") == {
        "directory.users": frozenset({"id", "display_name", "enabled", "categories", "logon_hours"})
    }


def test_leaver_rule_needs_the_dates_and_the_account_state():
    assert needs_for("leaver-accounts-disabled") == {
        "directory.users": frozenset({"id", "display_name", "in_directory", "enabled", "leaving_date", "disabled_at"})
    }


def test_fields_of_several_rules_are_merged_per_fact_set():
    needs = needs_for("password-minimum-length", "password-complexity", "bitlocker-key-escrowed")
    assert needs == {
        "directory.domain": frozenset({"id", "min_pwd_length", "pwd_properties"}),
        "directory.computers": frozenset({"id", "enabled", "categories", "bitlocker_key_escrowed"}),
    }
