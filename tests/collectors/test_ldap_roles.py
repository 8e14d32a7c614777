"""Site roles from the config's selectors: by OU (the DN ends with it), group (nested included) or name."""

from __future__ import annotations

from holyaudit.collectors.dn import key
from holyaudit.collectors.ldap.collector import Roles
from holyaudit.collectors.ldap.source import Selector

ROLES = Roles(
    {
        "staff": Selector(groups=["Staff"]),
        "pupil": Selector(ous=["OU=Pupils, OU=Holywell,DC=holywell,DC=test"]),
        "generic": Selector(ous=["OU=Generic,OU=Holywell,DC=holywell,DC=test"], groups=["Generic Accounts"]),
        "builtin": Selector(name_pattern="^(Administrator|Guest|krbtgt)$"),
    }
)


def test_an_ou_matches_its_objects_whatever_the_case_and_spacing():
    dn = "CN=pupil.00001,ou=pupils,OU=Holywell , DC=holywell,DC=test"
    assert ROLES.of("pupil.00001", key(dn), []) == ["pupil"]


def test_an_ou_does_not_match_an_ou_whose_name_merely_ends_the_same():
    assert ROLES.of("x", key("CN=x,OU=ExPupils,OU=Holywell,DC=holywell,DC=test"), []) == []


def test_groups_are_matched_by_name_case_insensitively_and_roles_keep_config_order():
    dn = "CN=smith.j,OU=Generic,OU=Holywell,DC=holywell,DC=test"
    assert ROLES.of("smith.j", key(dn), ["STAFF", "Domain Users"]) == ["staff", "generic"]


def test_a_name_pattern_is_searched_in_the_account_name():
    assert ROLES.of("krbtgt", key("CN=krbtgt,CN=Users,DC=holywell,DC=test"), []) == ["builtin"]
    assert ROLES.of("krbtgt2", key("CN=krbtgt2,CN=Users,DC=holywell,DC=test"), []) == []
