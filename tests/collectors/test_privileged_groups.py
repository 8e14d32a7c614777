"""Privileged groups by SID, and who is in them: read from what the DC answers, nested and primary groups included."""

from __future__ import annotations

import struct

import pytest

from holyaudit.collectors.ldap.privileged import read_privileged, sid_text

DOMAIN = "S-1-5-21-1-2-3"
BASE = "DC=school,DC=test"


def sid(text: str) -> bytes:
    parts = [int(p) for p in text.split("-")[1:]]
    revision, authority, subs = parts[0], parts[1], parts[2:]
    return bytes([revision, len(subs)]) + authority.to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def test_sid_text_reads_a_binary_sid() -> None:
    assert sid_text(sid("S-1-5-32-544")) == "S-1-5-32-544"
    assert sid_text(sid(f"{DOMAIN}-512")) == f"{DOMAIN}-512"


@pytest.mark.parametrize("raw", [b"", b"\x01\x02\x00\x00\x00\x00\x00\x05\x20\x00\x00\x00", b"\x02" + b"\x00" * 7])
def test_sid_text_refuses_what_is_not_a_sid(raw: bytes) -> None:
    with pytest.raises(ValueError, match="not a SID"):
        sid_text(raw)


DA = f"CN=Domain Admins,CN=Users,{BASE}"
ADMINISTRATORS = f"CN=Administrators,CN=Builtin,{BASE}"
DNS = f"CN=DnsAdmins,CN=Users,{BASE}"
IT = f"CN=IT Admins,OU=Groups,{BASE}"
GROUP, USER = b"268435456", b"805306368"  # sAMAccountType: a security group, a user


def fake_directory(base: str, search_filter: str, attributes: list[str]):
    """What a DC answers to the searches read_privileged makes."""
    if search_filter.startswith("(&(objectClass=group)(|"):
        assert f"(objectSid={DOMAIN}-512)" in search_filter
        assert "(objectSid=S-1-5-32-544)" in search_filter
        return [(DA, {"objectsid": [sid(f"{DOMAIN}-512")]}), (ADMINISTRATORS, {"objectsid": [sid("S-1-5-32-544")]})]
    if "sAMAccountName=DnsAdmins" in search_filter:
        assert base == f"CN=Users,{BASE}"
        return [(DNS, {})]
    if search_filter.startswith("(memberOf:1.2.840.113556.1.4.1941:="):
        group = search_filter.removeprefix("(memberOf:1.2.840.113556.1.4.1941:=").removesuffix(")")
        members = {
            DA.lower(): [(IT, {"samaccounttype": [GROUP], "objectsid": [sid(f"{DOMAIN}-1105")]}),
                         (f"CN=adm1,{BASE}", {"samaccounttype": [USER]})],
            ADMINISTRATORS.lower(): [(DA, {"samaccounttype": [GROUP], "objectsid": [sid(f"{DOMAIN}-512")]}),
                                     (IT, {"samaccounttype": [GROUP], "objectsid": [sid(f"{DOMAIN}-1105")]}),
                                     (f"CN=adm1,{BASE}", {"samaccounttype": [USER]})],
            DNS.lower(): [],
        }  # fmt: skip
        return members[group.lower()]
    assert "primaryGroupID" in search_filter
    return [(f"CN=svc,{BASE}", {"primarygroupid": [b"512"]}), (f"CN=it2,{BASE}", {"primarygroupid": [b"1105"]})]


def test_members_come_through_nesting_and_primary_groups_with_each_groups_size() -> None:
    found = read_privileged(fake_directory, BASE, DOMAIN)
    assert found.groups_of(f"CN=adm1,{BASE}") == {"Administrators": 3, "Domain Admins": 3}
    assert found.groups_of(f"cn=SVC,{BASE}") == {"Administrators": 3, "Domain Admins": 3}  # DNs compare as keys
    # it2's primary group is IT Admins, which is nested in both.
    assert found.groups_of(f"CN=it2,{BASE}") == {"Administrators": 3, "Domain Admins": 3}
    assert found.groups_of(f"CN=teacher,{BASE}") == {}
    assert found.members["DnsAdmins"] == frozenset()
