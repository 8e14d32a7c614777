"""Security filtering's access check: who may read and apply a GPO, from DACLs built ACE by ACE."""

from __future__ import annotations

import pytest

from holyaudit.collectors.gpo.security import (
    APPLY_GROUP_POLICY,
    AUTHENTICATED_USERS,
    EVERYONE,
    GROUP_POLICY_CONTAINER_CLASS,
    Ace,
    SecurityDescriptorError,
    SecurityFilter,
    parse_dacl,
)

STAFF, PUPILS, MORGAN = "S-1-5-21-1-2-3-1102", "S-1-5-21-1-2-3-1103", "S-1-5-21-1-2-3-1114"
READ = Ace(True, AUTHENTICATED_USERS, 0x20094, 0x02)  # GPMC's Read: RP, LC, LO, RC
APPLY_AU = Ace(True, AUTHENTICATED_USERS, 0x100, 0x02, APPLY_GROUP_POLICY)
HILL = frozenset({EVERYONE, AUTHENTICATED_USERS, STAFF})
MORGAN_TOKEN = frozenset({EVERYONE, AUTHENTICATED_USERS, STAFF, MORGAN})


def test_the_default_dacl_applies_to_every_authenticated_account():
    found = SecurityFilter((READ, APPLY_AU))
    assert found.everyone_applies
    assert found.applies_to(HILL)


def test_apply_for_a_group_reaches_its_members_only():
    found = SecurityFilter((READ, Ace(True, STAFF, 0x100, 0x02, APPLY_GROUP_POLICY)))
    assert not found.everyone_applies
    assert found.applies_to(HILL)
    assert not found.applies_to(frozenset({EVERYONE, AUTHENTICATED_USERS, PUPILS}))


def test_a_deny_ahead_of_the_allow_wins_and_one_after_it_does_not():
    deny = Ace(False, MORGAN, 0x100, 0x02, APPLY_GROUP_POLICY)
    allow = Ace(True, STAFF, 0x100, 0x02, APPLY_GROUP_POLICY)
    assert not SecurityFilter((deny, READ, allow)).applies_to(MORGAN_TOKEN)
    assert SecurityFilter((deny, READ, allow)).applies_to(HILL)
    assert SecurityFilter((READ, allow, deny)).applies_to(MORGAN_TOKEN)  # the allow decided first
    assert not SecurityFilter((READ, allow, deny)).everyone_applies


def test_apply_without_read_does_not_apply():
    assert not SecurityFilter((APPLY_AU,)).applies_to(HILL)


@pytest.mark.parametrize(
    ("ace", "applies"),
    [
        (Ace(True, STAFF, 0x100, 0x02), True),  # every extended right
        (Ace(True, STAFF, 0x10000000, 0x02), True),  # GENERIC_ALL
        (Ace(True, STAFF, 0xF01FF, 0x02), True),  # full control, as Domain Admins hold it
        (Ace(True, STAFF, 0x100, 0x02, "00299570-246d-11d0-a768-00aa006e0529"), False),  # another extended right
        (Ace(True, STAFF, 0x100, 0x0A, APPLY_GROUP_POLICY), False),  # inherit-only: not for this object
        (Ace(True, STAFF, 0x100, 0x12, APPLY_GROUP_POLICY), True),  # inherited
        (Ace(True, STAFF, 0x100, 0x02, APPLY_GROUP_POLICY, GROUP_POLICY_CONTAINER_CLASS), True),
        (Ace(True, STAFF, 0x100, 0x02, APPLY_GROUP_POLICY, "bf967aba-0de6-11d0-a285-00aa003049e2"), False),
    ],
)
def test_which_aces_grant_apply_group_policy(ace: Ace, applies: bool):
    assert SecurityFilter((READ, ace)).applies_to(HILL) is applies


def test_describe_names_who_applies_it_and_who_is_denied():
    found = SecurityFilter(
        (Ace(False, MORGAN, 0x100, 0x02, APPLY_GROUP_POLICY), READ, Ace(True, STAFF, 0x100, 0x02, APPLY_GROUP_POLICY))
    )
    assert found.describe({STAFF: "Staff", MORGAN: "morgan.l"}) == "applies to Staff; denied to morgan.l"


@pytest.mark.parametrize("data", [b"", b"\x01\x00\x04\x80" + b"\x00" * 12 + b"\xff\xff\x00\x00", b"\x01"])
def test_a_malformed_or_dacl_less_descriptor_is_an_error(data: bytes):
    with pytest.raises(SecurityDescriptorError):
        parse_dacl(data)
