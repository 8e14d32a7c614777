"""Privileged groups by SID, and who is in them: read from what the DC answers, nested and primary groups included."""

from __future__ import annotations

import struct

import ldap3
import pytest

from holyaudit.collectors.dn import key
from holyaudit.collectors.dn import key as dn_key
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
GROUPS = {key(dn) for dn in (DA, ADMINISTRATORS, DNS, IT)}
ADM1, SVC, IT2 = (f"CN={name},{BASE}" for name in ("adm1", "svc", "it2"))


def fake_directory(base: str, search_filter: str, attributes: list[str], scope: str):
    """What a DC answers to the searches read_privileged makes: svc is in Domain Admins, and it2 in IT Admins,
    only through their primary groups."""
    if search_filter.startswith("(&(objectClass=group)(|"):
        assert f"(objectSid={DOMAIN}-512)" in search_filter
        assert "(objectSid=S-1-5-32-544)" in search_filter
        return [
            (DA, {"objectsid": [sid(f"{DOMAIN}-512")], "member": [IT.encode(), ADM1.encode()]}),
            (ADMINISTRATORS, {"objectsid": [sid("S-1-5-32-544")], "member": [DA.encode()]}),
        ]
    if "sAMAccountName=DnsAdmins" in search_filter:
        assert (base, scope) == (f"CN=Users,{BASE}", ldap3.LEVEL)
        return [(DNS, {})]
    if scope == ldap3.BASE:
        assert base == IT  # read by its DN as the directory wrote it
        return [(IT, {"objectsid": [sid(f"{DOMAIN}-1105")]})]
    assert search_filter == ("(&(objectCategory=person)(objectClass=user)(|(primaryGroupID=512)(primaryGroupID=1105)))")
    return [(SVC, {"primarygroupid": [b"512"]}), (IT2, {"primarygroupid": [b"1105"]})]


def test_members_come_through_nesting_and_primary_groups_with_each_groups_size() -> None:
    found = read_privileged(fake_directory, BASE, DOMAIN, GROUPS)
    both = {"Administrators": 3, "Domain Admins": 3}
    assert found.groups_of(dn_key(ADM1)) == both
    assert found.groups_of(dn_key(f"cn=SVC,{BASE}")) == both  # DNs compare as keys
    assert found.groups_of(dn_key(IT2)) == both  # its primary group is IT Admins, nested in Domain Admins
    assert found.groups_of(dn_key(f"CN=teacher,{BASE}")) == {}
    assert found.members["DnsAdmins"] == frozenset()
