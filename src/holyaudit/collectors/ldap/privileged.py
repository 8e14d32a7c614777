"""The well-known privileged groups, found by SID, and every account in them, nested membership included.

Group names are localised (Domänen-Admins, Admins du domaine), so each group is found by its well-known SID or
relative id; DnsAdmins has none (its RID is given when the DNS server is installed), so it alone is found by
name in CN=Users. Members are read with LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941), which the DC
expands through nested groups itself: one small search per group, answered before the users are read, so each
page of users can be judged as it arrives with the groups' sizes already known. Membership through the primary
group (``primaryGroupID``, which ``memberOf`` and ``member`` never show) is added from one more search.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ldap3.utils.conv import escape_filter_chars

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.ldap.connection import Entry

IN_CHAIN = "1.2.840.113556.1.4.1941"
"""LDAP_MATCHING_RULE_IN_CHAIN: ``(memberOf:<this>:=<group DN>)`` matches the group's members at any depth."""

BUILTIN = {
    "S-1-5-32-544": "Administrators",
    "S-1-5-32-548": "Account Operators",
    "S-1-5-32-549": "Server Operators",
    "S-1-5-32-550": "Print Operators",
    "S-1-5-32-551": "Backup Operators",
}
"""Built-in groups by their fixed SID, under the English names the findings use."""
DOMAIN_RIDS = {
    512: "Domain Admins",
    518: "Schema Admins",
    519: "Enterprise Admins",
    520: "Group Policy Creator Owners",
}
"""Domain groups by their relative id (the domain's SID, then this). Schema and Enterprise Admins exist only in
the forest root domain."""
DNS_ADMINS = "DnsAdmins"
"""No fixed RID: found by sAMAccountName in CN=Users, where the DNS server's installation creates it."""
PRIMARY_GROUP_FILTER = "(&(objectCategory=person)(objectClass=user)(!(primaryGroupID=513))(!(primaryGroupID=514)))"
"""People whose primary group is not Domain Users or Domain Guests: the few whose primary group may be privileged."""

Search = Callable[[str, str, list[str]], Iterable[Entry]]
"""``(base, filter, attributes)``: a subtree search's entries."""


def sid_text(raw: bytes) -> str:
    """A binary SID (MS-DTYP 2.4.2.2) as ``S-1-5-21-...``; ValueError if it is not one."""
    if len(raw) < 8 or raw[0] != 1 or len(raw) != 8 + 4 * raw[1]:
        raise ValueError(f"not a SID: {raw.hex()}")
    authority = int.from_bytes(raw[2:8], "big")
    subs = struct.unpack(f"<{raw[1]}I", raw[8:])
    return "-".join(["S-1", str(authority), *map(str, subs)])


def _sid_filter(sid: str) -> str:
    return f"(objectSid={escape_filter_chars(sid)})"


@dataclass(frozen=True)
class Privileged:
    """Each privileged group's members (DN keys, accounts only) by the group's English name."""

    members: dict[str, frozenset[str]]

    def groups_of(self, dn: str) -> dict[str, int]:
        """The privileged groups an account is in, each with its size (empty when it is in none)."""
        key = dn_key(dn)
        return {name: len(found) for name, found in self.members.items() if key in found}


def read_privileged(search: Search, base: str, domain_sid: str) -> Privileged:
    """Find the privileged groups in the domain at ``base`` and read who is in each."""
    wanted = {**BUILTIN, **{f"{domain_sid}-{rid}": name for rid, name in DOMAIN_RIDS.items()}}
    groups: dict[str, str] = {}  # DN key -> English name
    by_filter = "(&(objectClass=group)(|" + "".join(_sid_filter(sid) for sid in wanted) + "))"
    for dn, raw in search(base, by_filter, ["objectSid"]):
        sid = sid_text(raw["objectsid"][0])
        groups[dn_key(dn)] = wanted[sid]
    dns_filter = f"(&(objectClass=group)(sAMAccountName={DNS_ADMINS}))"
    for dn, _ in search(f"CN=Users,{base}", dns_filter, ["1.1"]):
        groups[dn_key(dn)] = DNS_ADMINS
    members: dict[str, set[str]] = {}
    nested: dict[str, set[str]] = {}  # group name -> the DN keys of every group inside it, itself included
    rids: dict[int, str] = {}  # relative id -> DN key, for the groups whose RID may be someone's primary group
    for group_dn, name in groups.items():
        found, inside = members.setdefault(name, set()), nested.setdefault(name, {group_dn})
        chain = f"(memberOf:{IN_CHAIN}:={escape_filter_chars(group_dn)})"
        for dn, raw in search(base, chain, ["objectSid", "sAMAccountType"]):
            if _is_group(raw):
                inside.add(dn_key(dn))
                if (rid := _domain_rid(raw, domain_sid)) is not None:
                    rids[rid] = dn_key(dn)
            else:
                found.add(dn_key(dn))
    rids.update({rid: dn for dn, name in groups.items() for rid, n in DOMAIN_RIDS.items() if n == name})
    for dn, raw in search(base, PRIMARY_GROUP_FILTER, ["primaryGroupID"]):
        primary_rid = raw.get("primarygroupid")
        primary = rids.get(int(primary_rid[0])) if primary_rid else None
        if primary is None:
            continue
        for name, inside in nested.items():
            if primary in inside:
                members[name].add(dn_key(dn))
    return Privileged({name: frozenset(found) for name, found in sorted(members.items())})


def _is_group(raw: dict[str, list[bytes]]) -> bool:
    """SAM_GROUP_OBJECT (0x10000000) and SAM_ALIAS_OBJECT (0x20000000) and their non-security kinds."""
    kind = raw.get("samaccounttype") or [b"0"]
    return 0x10000000 <= int(kind[0]) < 0x30000000


def _domain_rid(raw: dict[str, list[bytes]], domain_sid: str) -> int | None:
    found = raw.get("objectsid")
    if not found:
        return None
    sid = sid_text(found[0])
    prefix, _, rid = sid.rpartition("-")
    return int(rid) if prefix == domain_sid else None
