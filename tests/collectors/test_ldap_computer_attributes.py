"""The computers' search asks only for the attributes the selected rules' computer parts read."""

from __future__ import annotations

import pytest

from holyaudit.audit.workflow import rule_needs
from holyaudit.collectors.ldap.collector import _COMPUTER_FIELDS, attributes_for
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile


@pytest.mark.parametrize(
    ("rule_id", "attributes"),
    [
        ("kerberos-preauth-required", ["cn", "userAccountControl"]),
        ("no-passwords-in-directory-text", ["cn", "comment", "description", "info"]),
    ],
)
def test_a_rule_judging_computers_too_asks_for_its_own_attributes_only(rule_id: str, attributes: list[str]) -> None:
    rule = load_profile(find_profile("holywell"), load_catalogue()).rule(rule_id)
    assert rule is not None
    fields = rule_needs([rule])["directory.computers"]
    assert attributes_for(fields, _COMPUTER_FIELDS, "cn") == attributes
