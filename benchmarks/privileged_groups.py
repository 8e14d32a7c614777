"""What finding the privileged groups' members costs, two ways, over the school-sized Samba DC.

- in code (what the collector does, ``collectors/ldap/privileged.py``): the groups found by SID with their
  ``member`` values, a base read of each nested group, and one indexed search for the primary groups;
- in chain: LDAP_MATCHING_RULE_IN_CHAIN, ``(memberOf:1.2.840.113556.1.4.1941:=<group>)``, one search per
  privileged group, the DC following the nesting itself.

Prints the best of ``--runs`` for each (the in-chain searches once each: on Samba they take seconds). Run:
``python benchmarks/privileged_groups.py`` (the DC is the one ``ldap_scale.py`` builds and caches, on port 636;
only one such DC runs at a time).
"""

from __future__ import annotations

import argparse
import ssl
import time
from collections.abc import Callable

import ldap3
import scale_dc
from estate import AUDIT_PASSWORD, AUDIT_USER

from holyaudit.collectors.dn import key
from holyaudit.collectors.ldap.connection import Entry
from holyaudit.collectors.ldap.privileged import read_privileged, sid_text

IN_CHAIN = "1.2.840.113556.1.4.1941"


def searcher(conn: ldap3.Connection) -> Callable[[str, str, list[str], str], list[Entry]]:
    def search(base: str, search_filter: str, attributes: list[str], scope: str = ldap3.SUBTREE) -> list[Entry]:
        found = conn.extend.standard.paged_search(
            base, search_filter, search_scope=scope, attributes=attributes, paged_size=1000, generator=False
        )
        return [
            (e["dn"], {k.lower(): v for k, v in e["raw_attributes"].items()})
            for e in found
            if e["type"] == "searchResEntry"
        ]

    return search


def seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dc = scale_dc.seeded_dc(scale_dc.Sizes(args.users, args.users // 10)).dc
    dc.start()
    try:
        tls = ldap3.Tls(ca_certs_file=str(dc.ca_file), validate=ssl.CERT_REQUIRED)
        server = ldap3.Server(dc.host, port=dc.port, use_ssl=True, tls=tls, get_info=ldap3.NONE)
        user = f"{AUDIT_USER}@{dc.dns_domain}"
        conn = ldap3.Connection(server, user=user, password=AUDIT_PASSWORD, auto_bind=True, receive_timeout=600)
        search, base = searcher(conn), dc.base_dn
        domain_sid = sid_text(search(base, "(objectClass=*)", ["objectSid"], ldap3.BASE)[0][1]["objectsid"][0])
        groups = {key(dn) for dn, _ in search(base, "(objectClass=group)", ["1.1"])}
        found = read_privileged(search, base, domain_sid, groups)
        in_code = min(seconds(lambda: read_privileged(search, base, domain_sid, groups)) for _ in range(args.runs))
        by_sid = search(base, "(&(objectClass=group)(|(objectSid=S-1-5-32-544)(objectSid=" + domain_sid + "-512)))", [])
        chain = {dn: seconds(lambda dn=dn: search(base, f"(memberOf:{IN_CHAIN}:={dn})", ["1.1"])) for dn, _ in by_sid}
        conn.unbind()
    finally:
        dc.stop()
    print(f"privileged groups: {', '.join(f'{name} {len(members)}' for name, members in found.members.items())}")
    print(
        f"in code:  all {len(found.members)} groups, nesting and primary groups  {in_code:8.3f} s (best of {args.runs})"
    )
    for dn, took in chain.items():
        print(f"in chain: {dn.split(',')[0]:<36} {took:8.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
