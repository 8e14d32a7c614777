"""GPO links: gPLink/gPOptions parsing and the precedence list per container, on a small school estate."""

from __future__ import annotations

import pytest

from holyaudit.collectors.gpo.links import (
    AppliedGpo,
    Container,
    GpLink,
    GpLinkError,
    Gpo,
    SkippedLink,
    SkipReason,
    blocks_inheritance,
    format_gplink,
    parse_gplink,
    resolve_inheritance,
)

DOMAIN = "DC=holywell,DC=sch,DC=uk"
SCHOOL = f"OU=School,{DOMAIN}"
STAFF = f"OU=Staff,{SCHOOL}"
PUPILS = f"OU=Pupils,{SCHOOL}"
EXAMS = f"OU=Exams,{PUPILS}"


def gpo_dn(n: int) -> str:
    return f"CN={{0000000{n}-AAAA-4BBB-8CCC-0000000000{n}0}},CN=Policies,CN=System,{DOMAIN}"


def link_dn(n: int) -> str:
    """The same GPO as AD tools often write it inside gPLink: lower-case attribute names and GUID."""
    return gpo_dn(n).replace("CN=", "cn=").replace("AAAA-4BBB-8CCC", "aaaa-4bbb-8ccc")


def gplink(*entries: tuple[int, int]) -> str:
    """A gPLink value listing (GPO number, options) in string order, i.e. the last one is link order 1."""
    return "".join(f"[LDAP://{link_dn(n)};{options}]" for n, options in entries)


DEFAULT_DOMAIN_POLICY = Gpo(gpo_dn(0), "Default Domain Policy")
BASELINE = Gpo(gpo_dn(1), "Holywell Baseline")
STAFF_RELAXED = Gpo(gpo_dn(2), "Staff Relaxed Screen Lock")
OLD_KIOSK = Gpo(gpo_dn(3), "Old Kiosk")
SAFEGUARDING = Gpo(gpo_dn(4), "Safeguarding")
EXAM_LOCKDOWN = Gpo(gpo_dn(5), "Exam Hall Lockdown")
PUPIL_SCREEN_LOCK = Gpo(gpo_dn(6), "Pupil Screen Lock", flags=1)
WEB_FILTER = Gpo(gpo_dn(7), "School Web Filter")
DELETED = 8  # linked at Pupils, but the GPO itself is gone

GPOS = [
    DEFAULT_DOMAIN_POLICY,
    BASELINE,
    STAFF_RELAXED,
    OLD_KIOSK,
    SAFEGUARDING,
    EXAM_LOCKDOWN,
    PUPIL_SCREEN_LOCK,
    WEB_FILTER,
]

NONE, DISABLED, ENFORCED = 0, 1, 2

ESTATE_DOMAIN = Container.from_attributes(DOMAIN, gplink((4, ENFORCED), (1, NONE), (0, NONE)), None)
ESTATE_OUS = [
    Container.from_attributes(SCHOOL, gplink((7, ENFORCED)), "0"),
    Container.from_attributes(STAFF, gplink((2, NONE)), None),
    Container.from_attributes(PUPILS, gplink((3, DISABLED), (DELETED, NONE), (6, NONE)), None),
    Container.from_attributes(EXAMS, gplink((5, NONE)), "1"),
]


def applied(precedence: int, gpo: Gpo, linked_at: str, link_order: int, *, enforced: bool = False) -> AppliedGpo:
    return AppliedGpo(
        precedence,
        gpo.dn,
        gpo.display_name,
        linked_at,
        link_order,
        enforced,
        gpo.user_settings_enabled,
        gpo.computer_settings_enabled,
    )


@pytest.fixture(scope="module")
def estate() -> dict[str, list[AppliedGpo]]:
    resolved = resolve_inheritance(ESTATE_DOMAIN, ESTATE_OUS, GPOS)
    assert list(resolved) == [DOMAIN, SCHOOL, STAFF, PUPILS, EXAMS]
    return {dn: list(inheritance.applied) for dn, inheritance in resolved.items()}


def test_domain_link_order_one_is_the_last_gplink_entry_and_enforced_leads(estate: dict[str, list[AppliedGpo]]) -> None:
    assert estate[DOMAIN] == [
        applied(1, SAFEGUARDING, DOMAIN, 3, enforced=True),
        applied(2, DEFAULT_DOMAIN_POLICY, DOMAIN, 1),
        applied(3, BASELINE, DOMAIN, 2),
    ]


def test_a_lower_link_overrides_the_domain_baseline(estate: dict[str, list[AppliedGpo]]) -> None:
    assert estate[STAFF] == [
        applied(1, SAFEGUARDING, DOMAIN, 3, enforced=True),
        applied(2, WEB_FILTER, SCHOOL, 1, enforced=True),
        applied(3, STAFF_RELAXED, STAFF, 1),
        applied(4, DEFAULT_DOMAIN_POLICY, DOMAIN, 1),
        applied(5, BASELINE, DOMAIN, 2),
    ]


def test_disabled_and_dangling_links_do_not_apply(estate: dict[str, list[AppliedGpo]]) -> None:
    assert estate[PUPILS] == [
        applied(1, SAFEGUARDING, DOMAIN, 3, enforced=True),
        applied(2, WEB_FILTER, SCHOOL, 1, enforced=True),
        applied(3, PUPIL_SCREEN_LOCK, PUPILS, 1),
        applied(4, DEFAULT_DOMAIN_POLICY, DOMAIN, 1),
        applied(5, BASELINE, DOMAIN, 2),
    ]
    assert estate[PUPILS][2].user_settings_enabled is False
    assert estate[PUPILS][2].computer_settings_enabled is True


def test_blocked_inheritance_keeps_only_enforced_links_from_above(estate: dict[str, list[AppliedGpo]]) -> None:
    assert estate[EXAMS] == [
        applied(1, SAFEGUARDING, DOMAIN, 3, enforced=True),
        applied(2, WEB_FILTER, SCHOOL, 1, enforced=True),
        applied(3, EXAM_LOCKDOWN, EXAMS, 1),
    ]


def test_skipped_links_say_why() -> None:
    resolved = resolve_inheritance(ESTATE_DOMAIN, ESTATE_OUS, GPOS)
    assert resolved[PUPILS].skipped == (
        SkippedLink(link_dn(DELETED), None, PUPILS, 2, SkipReason.GPO_NOT_FOUND),
        SkippedLink(link_dn(3), "Old Kiosk", PUPILS, 3, SkipReason.LINK_DISABLED),
    )
    assert resolved[EXAMS].skipped == (
        SkippedLink(link_dn(0), "Default Domain Policy", DOMAIN, 1, SkipReason.INHERITANCE_BLOCKED, EXAMS),
        SkippedLink(link_dn(1), "Holywell Baseline", DOMAIN, 2, SkipReason.INHERITANCE_BLOCKED, EXAMS),
        SkippedLink(link_dn(6), "Pupil Screen Lock", PUPILS, 1, SkipReason.INHERITANCE_BLOCKED, EXAMS),
        SkippedLink(link_dn(DELETED), None, PUPILS, 2, SkipReason.INHERITANCE_BLOCKED, EXAMS),
        SkippedLink(link_dn(3), "Old Kiosk", PUPILS, 3, SkipReason.LINK_DISABLED),
    )
    assert resolved[STAFF].skipped == ()


def test_a_block_higher_up_also_holds_below_it() -> None:
    resolved = resolve_inheritance(
        Container(DOMAIN, tuple(parse_gplink(gplink((1, NONE))))),
        [Container(SCHOOL, block_inheritance=True), Container(PUPILS, tuple(parse_gplink(gplink((6, NONE)))))],
        GPOS,
    )
    assert [gpo.display_name for gpo in resolved[PUPILS].applied] == ["Pupil Screen Lock"]
    assert resolved[PUPILS].skipped == (
        SkippedLink(link_dn(1), "Holywell Baseline", DOMAIN, 1, SkipReason.INHERITANCE_BLOCKED, SCHOOL),
    )


def test_parse_gplink_in_link_order() -> None:
    value = f"[LDAP://{link_dn(0)};0][ldap://{link_dn(1)};1] [Ldap://{link_dn(2)};3]"
    assert parse_gplink(value) == [
        GpLink(link_dn(2), 3, 1),
        GpLink(link_dn(1), 1, 2),
        GpLink(link_dn(0), 0, 3),
    ]
    assert [(link.disabled, link.enforced) for link in parse_gplink(value)] == [
        (True, True),
        (True, False),
        (False, False),
    ]


def test_blank_or_absent_gplink_has_no_links() -> None:
    assert parse_gplink(None) == []
    assert parse_gplink("") == []
    assert parse_gplink(" ") == []


def test_format_gplink_writes_link_order_one_last() -> None:
    value = gplink((4, ENFORCED), (1, NONE), (0, NONE))
    assert format_gplink(parse_gplink(value)) == value
    assert format_gplink([GpLink("cn=b", 0, 1), GpLink("cn=a", 2, 2)]) == "[LDAP://cn=a;2][LDAP://cn=b;0]"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("LDAP://cn=x;0", "gPLink is not a list of [LDAP://<GPO DN>;<options>] at character 1: 'LDAP://cn=x;0'"),
        ("[LDAP://cn=x;0", "gPLink is not a list of [LDAP://<GPO DN>;<options>] at character 1: '[LDAP://cn=x;0'"),
        ("[cn=x;0]", "gPLink is not a list of [LDAP://<GPO DN>;<options>] at character 1: '[cn=x;0]'"),
        (
            "[LDAP://cn=x;zero]",
            "gPLink is not a list of [LDAP://<GPO DN>;<options>] at character 1: '[LDAP://cn=x;zero]'",
        ),
        ("[LDAP://cn=x;0]junk", "gPLink is not a list of [LDAP://<GPO DN>;<options>] at character 16: 'junk'"),
        ("[LDAP://;0]", "gPLink is not a list of [LDAP://<GPO DN>;<options>] at character 1: '[LDAP://;0]'"),
    ],
)
def test_malformed_gplink_is_an_error(value: str, message: str) -> None:
    with pytest.raises(GpLinkError) as caught:
        parse_gplink(value)
    assert str(caught.value) == message


def test_gpoptions_bit_zero_blocks_inheritance() -> None:
    assert [blocks_inheritance(value) for value in (None, "0", 0, "1", 1, 3)] == [False, False, False, True, True, True]
    with pytest.raises(GpLinkError, match=r"^gPOptions is not an integer: 'yes'$"):
        blocks_inheritance("yes")


def test_containers_must_nest_under_the_domain() -> None:
    with pytest.raises(GpLinkError) as caught:
        resolve_inheritance(Container(DOMAIN), [Container(PUPILS)], GPOS)
    assert str(caught.value) == (
        f"{PUPILS}: the container ou=school,dc=holywell,dc=sch,dc=uk above it was not given, "
        "so the links it passes down are unknown"
    )
    with pytest.raises(GpLinkError) as caught:
        resolve_inheritance(Container(DOMAIN), [Container("OU=Elsewhere,DC=other,DC=uk")], GPOS)
    assert str(caught.value) == f"OU=Elsewhere,DC=other,DC=uk is not inside the domain {DOMAIN}"


def test_dns_compare_without_case_or_blanks_and_respect_escaped_commas() -> None:
    smith = f"OU=Smith\\, J,{STAFF}"
    resolved = resolve_inheritance(
        Container(DOMAIN.upper()),
        [
            Container(SCHOOL.lower().replace(",", ", ")),
            Container(STAFF),
            Container(smith, tuple(parse_gplink(gplink((2, NONE))))),
        ],
        GPOS,
    )
    assert [gpo.display_name for gpo in resolved[smith].applied] == ["Staff Relaxed Screen Lock"]
