"""The well-known privileged groups, found by SID, and every account in them, nested membership included.

Group names are localised (Domänen-Admins, Admins du domaine), so each group is found by its well-known SID or
relative id; DnsAdmins has none (its RID is given when the DNS server is installed), so it alone is found by
name in CN=Users. Their members are read from the groups' own ``member`` values, following nested groups (told
apart by the directory's list of groups) with a base read each: a handful of small reads, answered before the
users are read, so each page of users is judged as it arrives with every group's size already known.
LDAP_MATCHING_RULE_IN_CHAIN would let the DC follow the nesting itself, but Samba answers it by walking every
object: 11-12 s a group on a 10,000-user DC, against milliseconds this way (docs/performance.md). Membership
through the primary group (``primaryGroupID``, which ``member`` and ``memberOf`` never show) is added from one
indexed search for the groups' relative ids.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import ldap3
from ldap3.utils.conv import escape_filter_chars

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.ldap import values
from holyaudit.collectors.ldap.connection import Entry

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
_GROUP_ATTRIBUTES = ["member", "objectSid"]
Search = Callable[[str, str, list[str], str], Iterable[Entry]]
"""``(base, filter, attributes, scope)``: a search's entries (scope: ldap3.SUBTREE or ldap3.BASE)."""


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

    def groups_of(self, key: str) -> dict[str, int]:
        """The privileged groups the account whose DN's key is ``key`` is in, each with its size (empty when it is
        in none)."""
        if not self.members:
            return {}
        return {name: len(found) for name, found in self.members.items() if key in found}


def read_privileged(search: Search, base: str, domain_sid: str, groups: Collection[str]) -> Privileged:
    """Find the privileged groups in the domain at ``base`` and read who is in each; ``groups`` holds the DN key of
    every group in the directory (so a member that is a group is followed, and any other member is an account)."""
    wanted = {**BUILTIN, **{f"{domain_sid}-{rid}": name for rid, name in DOMAIN_RIDS.items()}}
    found: dict[str, tuple[str, Entry]] = {}  # DN key -> (English name, the group as read)
    by_sid = "(&(objectClass=group)(|" + "".join(_sid_filter(sid) for sid in wanted) + "))"
    for dn, raw in search(base, by_sid, _GROUP_ATTRIBUTES, ldap3.SUBTREE):
        found[dn_key(dn)] = (wanted[sid_text(raw["objectsid"][0])], (dn, raw))
    by_name = f"(&(objectClass=group)(sAMAccountName={DNS_ADMINS}))"
    for dn, raw in search(f"CN=Users,{base}", by_name, _GROUP_ATTRIBUTES, ldap3.LEVEL):
        found[dn_key(dn)] = (DNS_ADMINS, (dn, raw))
    read: dict[str, dict[str, list[bytes]]] = {key: entry[1] for key, (_, entry) in found.items()}
    members: dict[str, set[str]] = {}
    inside: dict[str, set[str]] = {}  # group name -> the DN keys of every group in it, itself included
    as_written: dict[str, str] = {}  # a nested group's DN key -> its DN as the directory wrote it, to read it by
    for key, (name, _) in found.items():
        accounts, nested = members.setdefault(name, set()), inside.setdefault(name, set())
        pending = [key]
        while pending:
            group = pending.pop()
            if group in nested:
                continue
            nested.add(group)
            if group not in read:  # a nested group: its own members, and its SID for the primary groups
                entries = search(as_written[group], "(objectClass=group)", _GROUP_ATTRIBUTES, ldap3.BASE)
                read[group] = next(iter(entries), ("", {}))[1]
            for written in (values.text(v) for v in read[group].get("member", [])):
                member = dn_key(written)
                if member in groups:
                    as_written.setdefault(member, written)
                    pending.append(member)
                else:
                    accounts.add(member)
    rids = {rid: key for key, raw in read.items() if (rid := _domain_rid(raw, domain_sid)) is not None}
    if rids:
        primary = (
            "(&(objectCategory=person)(objectClass=user)(|" + "".join(f"(primaryGroupID={r})" for r in rids) + "))"
        )
        for dn, raw in search(base, primary, ["primaryGroupID"], ldap3.SUBTREE):
            primary_group = rids.get(int((raw.get("primarygroupid") or [b"0"])[0]))
            for name, nested in inside.items():
                if primary_group in nested:
                    members[name].add(dn_key(dn))
    return Privileged({name: frozenset(accounts) for name, accounts in sorted(members.items())})


def _domain_rid(raw: dict[str, list[bytes]], domain_sid: str) -> int | None:
    found = raw.get("objectsid")
    if not found:
        return None
    sid = sid_text(found[0])
    prefix, _, rid = sid.rpartition("-")
    return int(rid) if prefix == domain_sid else None
