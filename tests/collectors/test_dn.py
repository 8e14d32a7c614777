"""Distinguished names are split, walked up and compared as LDAP defines them, not at every comma."""

from __future__ import annotations

import pytest
from ldap3.utils.dn import parse_dn

from holyaudit.collectors import dn

BASE = "OU=Support,OU=Staff,DC=holywell,DC=local"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (f"CN=Vance\\, Priya,{BASE}", BASE),
        (f"CN=Vance\\2C Priya,{BASE}", BASE),
        (f"CN=a\\3Db,{BASE}", BASE),
        (f"CN=Jo+UID=jo1,{BASE}", BASE),
        (f"CN=Zoë Ødegård,{BASE}", BASE),
        (f"CN=trailing\\\\,{BASE}", BASE),
        (f"CN=why\\?,{BASE}", BASE),
        ("CN=Plain,OU=Pupils,DC=holywell,DC=local", "OU=Pupils,DC=holywell,DC=local"),
        ("CN=Spaced, OU=Pupils , DC=holywell,DC=local", "OU=Pupils,DC=holywell,DC=local"),
        ("DC=local", ""),
    ],
)
def test_parent_drops_exactly_the_first_rdn(name: str, expected: str) -> None:
    assert dn.parent(name) == expected


def test_an_escaped_comma_inside_an_ou_name_stays_in_the_ou() -> None:
    assert dn.parent(f"CN=Priya,OU=Vance\\, Support,{BASE}") == f"OU=Vance\\, Support,{BASE}"


def test_a_multi_valued_rdn_is_one_rdn() -> None:
    assert dn.rdns(f"CN=Jo+UID=jo1,{BASE}")[0] == (("CN", "Jo"), ("UID", "jo1"))


def test_plain_dns_split_as_ldap3_splits_them() -> None:
    name = "CN=Pupil 01234,OU=Year 7,OU=Pupils,DC=holywell,DC=local"
    assert dn.rdns(name) == tuple(((kind, value),) for kind, value, _ in parse_dn(name, strip=True))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (f"CN=Vance\\, Priya,{BASE}", f"cn=vance\\2c priya,{BASE.lower()}"),
        ("CN=a\\3Db,DC=x", "CN=a\\=b,DC=x"),
        ("CN=Jo+UID=jo1,DC=x", "UID=JO1+CN=jo,DC=x"),
        ("CN=Zoë,DC=x", "CN=Zo\\C3\\AB,DC=x"),
        ("CN=A , OU=B,DC=x", "CN=A,OU=B,DC=x"),
    ],
)
def test_one_dn_written_two_ways_has_one_key(one: str, other: str) -> None:
    assert dn.key(one) == dn.key(other)


def test_an_escaped_comma_never_makes_one_dn_look_inside_another() -> None:
    # As text, it ends with "OU\3DStaff,DC=x" (Samba's escape of "="); as a DN it is one CN directly under DC=x.
    inside = dn.key("CN=a\\,OU\\3DStaff,DC=x")
    assert not dn.within(inside, dn.key("OU=Staff,DC=x"))
    assert dn.within(inside, dn.key("DC=x"))
    assert dn.parent_key(inside) == dn.key("DC=x")


def test_within_counts_the_object_itself_and_everything_below() -> None:
    staff = dn.key("OU=Staff,DC=x")
    assert dn.within(dn.key("CN=p,OU=Support,OU=Staff,DC=x"), staff)
    assert dn.within(staff, staff)
    assert not dn.within(dn.key("CN=p,OU=NotStaff,DC=x"), staff)


def test_first_value_and_domain_name_are_unescaped() -> None:
    assert dn.first_value(f"CN=Vance\\, Priya,{BASE}") == "Vance, Priya"
    assert dn.domain_name("DC=holywell,DC=local") == "holywell.local"
    assert dn.domain_name("OU=x,DC=sch\\2Dool,DC=uk") == "sch-ool.uk"


def test_unescape_decodes_utf8_hex_escapes() -> None:
    assert dn.unescape("Zo\\C3\\AB \\2B \\\\") == "Zoë + \\"


@pytest.mark.parametrize("text", ["CN=a,b", "not a dn", "CN=a\\", "=x,DC=y"])
def test_text_that_is_not_a_dn_has_no_parent(text: str) -> None:
    with pytest.raises(dn.InvalidDnError, match="is not a distinguished name"):
        dn.parent(text)


@pytest.mark.parametrize("text", ["CN=a,b", "not a dn", "CN=a\\"])
def test_text_that_is_not_a_dn_is_its_own_key(text: str) -> None:
    assert dn.key(text) == text


@pytest.mark.parametrize(
    "name",
    ["CN=Smith\\, J,OU=Staff,DC=holywell,DC=local", "cn=a , ou=Pupils ,dc=x", "not a dn", "CN=Zoë,OU=Y7,DC=x"],
)
def test_an_account_s_own_key_is_the_cached_key_without_entering_the_cache(name: str) -> None:
    dn.key.cache_clear()
    once = dn.key_once(name)
    assert dn.key.cache_info().currsize == 0
    assert once == dn.key(name)
