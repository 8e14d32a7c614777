"""Security tokens of the directory's users and computers, for security filtering: each account's SIDs.

A Group Policy client checks a GPO's DACL against the policy target's token ([MS-GPOL] 3.2.5.1.6): the account's
own SID, every group it is in directly or through nested groups, its primary group (Domain Users, Domain
Computers, Domain Controllers: ``primaryGroupID``, which ``memberOf`` leaves out) and the well-known SIDs every
signed-in principal holds (Everyone, Authenticated Users; Enterprise Domain Controllers for a DC). Two paged
searches (groups, then accounts) give all of it; the nesting is worked out here, not one ``tokenGroups`` read per
account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ldap3

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.gpo.security import AUTHENTICATED_USERS, ENTERPRISE_DCS, EVERYONE
from holyaudit.collectors.ldap import values
from holyaudit.collectors.ldap.connection import paged_search

_DOMAIN_CONTROLLERS_RID = 516


def sid_text(raw: bytes) -> str:
    """``S-1-5-21-...`` from a binary SID ([MS-DTYP] 2.4.2.2)."""
    if len(raw) < 8 or len(raw) != 8 + 4 * raw[1]:
        raise ValueError(f"not a SID: {raw.hex()}")
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i : 12 + 4 * i], "little") for i in range(raw[1])]
    return "-".join(["S", str(raw[0]), str(authority), *map(str, subs)])


@dataclass(frozen=True)
class Tokens:
    """Each account's SIDs by lower-case sAMAccountName, and a name for each group's SID (for findings)."""

    by_account: dict[str, frozenset[str]]
    names: dict[str, str]

    def token(self, account: str) -> frozenset[str] | None:
        return self.by_account.get(account.lower())


def read_tokens(connection: ldap3.Connection, base: str, page_size: int) -> Tokens:
    """Every user's and computer's token, from the groups' and accounts' ``objectSid`` and ``memberOf``."""
    group_sid: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    names = {EVERYONE: "Everyone", AUTHENTICATED_USERS: "Authenticated Users", ENTERPRISE_DCS: "Enterprise DCs"}
    for dn, raw in paged_search(
        connection, base, "(objectClass=group)", ["objectSid", "memberOf", "sAMAccountName"], page_size
    ):
        sid = _sid(raw)
        if sid is None:
            continue
        group_sid[dn_key(dn)] = sid
        parents[dn_key(dn)] = [dn_key(values.text(p)) for p in raw.get("memberof", [])]
        name = raw.get("samaccountname")
        names[sid] = values.text(name[0]) if name else dn
    by_account: dict[str, frozenset[str]] = {}
    for _dn, raw in paged_search(
        connection,
        base,
        "(|(objectCategory=person)(objectClass=computer))",
        ["objectSid", "memberOf", "sAMAccountName", "primaryGroupID"],
        page_size,
    ):
        sid, sam = _sid(raw), raw.get("samaccountname")
        if sid is None or not sam:
            continue
        token = {sid, EVERYONE, AUTHENTICATED_USERS}
        direct = (values.text(p) for p in raw.get("memberof", []))
        token.update(group_sid[g] for g in _close(direct, parents) if g in group_sid)
        primary = raw.get("primarygroupid")
        if primary and primary[0].isdigit():
            rid = int(primary[0])
            token.add(f"{sid.rsplit('-', 1)[0]}-{rid}")
            if rid == _DOMAIN_CONTROLLERS_RID:
                token.add(ENTERPRISE_DCS)
        by_account[values.text(sam[0]).lower()] = frozenset(token)
        names[sid] = values.text(sam[0])

    return Tokens(by_account, names)


def _close(direct: Iterable[str], parents: dict[str, list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    pending = [dn_key(d) for d in direct]
    while pending:
        dn = pending.pop()
        if dn not in seen:
            seen[dn] = None
            pending.extend(parents.get(dn, []))
    return list(seen)


def _sid(raw: dict[str, list[bytes]]) -> str | None:
    found = raw.get("objectsid")
    try:
        return sid_text(found[0]) if found else None
    except ValueError:
        return None
