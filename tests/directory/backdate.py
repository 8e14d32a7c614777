"""Backdate what no LDAP client may write, straight into a Samba DC's sam.ldb (run by the system python3).

Samba refuses these over LDAP: ``whenCreated`` is system-only ("can only be modified as system"),
``pwdLastSet`` takes only 0 or -1, the relax control is not registered for LDAP clients, and
replPropertyMetaData is the server's own record. Opened locally through Samba's own modules (as samba-tool
does, while the DC runs), each can be written with an internal control:

- ``relax`` for ``whenCreated``;
- DSDB_CONTROL_PASSWORD_BYPASS_LAST_SET_OID for a ``pwdLastSet`` time;
- DSDB_CONTROL_CHANGEREPLMETADATA_OID for the time an attribute last changed in replPropertyMetaData (what
  msDS-ReplAttributeMetaData and the "when was pwdLastSet set to 0" question are answered from).

Usage: ``/usr/bin/python3 backdate.py SMB_CONF SAM_LDB < changes.json``, where the JSON is a list of
``{"dn": ..., "whenCreated": "YYYYmmddHHMMSS.0Z", "pwdLastSet": NTTIME, "changed": {attribute: NTTIME}}``
(every key but ``dn`` optional). NTTIME is 100-nanosecond intervals since 1601-01-01 UTC.
"""

import json
import sys

import ldb
from samba.auth import system_session
from samba.dcerpc import drsblobs
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

BYPASS_LAST_SET = "local_oid:1.3.6.1.4.1.7165.4.3.20:0"
CHANGE_REPL_METADATA = "local_oid:1.3.6.1.4.1.7165.4.3.14:0"


def replace(db, dn, attribute, value, controls):
    message = ldb.Message(ldb.Dn(db, dn))
    message[attribute] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attribute)
    db.modify(message, controls=controls)


def set_change_times(db, dn, times):
    """Give the named attributes these originating change times in the object's replPropertyMetaData."""
    found = db.search(dn, scope=ldb.SCOPE_BASE, attrs=["replPropertyMetaData"])
    blob = ndr_unpack(drsblobs.replPropertyMetaDataBlob, found[0]["replPropertyMetaData"][0])
    attids = {db.get_attid_from_lDAPDisplayName(name): name for name in times}
    for entry in blob.ctr.array:
        if entry.attid in attids:
            entry.originating_change_time = times[attids.pop(entry.attid)]
            # Samba takes new metadata only with a fresh USN, as for any other local change.
            entry.originating_usn = entry.local_usn = db.sequence_number(ldb.SEQ_NEXT)
    if attids:
        raise SystemExit(f"{dn}: no replication metadata for {sorted(attids.values())}")
    replace(db, dn, "replPropertyMetaData", ndr_pack(blob), [CHANGE_REPL_METADATA])


def main():
    lp = LoadParm()
    lp.load(sys.argv[1])
    db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
    for change in json.load(sys.stdin):
        dn = change["dn"]
        if "whenCreated" in change:
            replace(db, dn, "whenCreated", change["whenCreated"], ["relax:0"])
        if "pwdLastSet" in change:
            replace(db, dn, "pwdLastSet", str(change["pwdLastSet"]), [BYPASS_LAST_SET])
        if "changed" in change:
            set_change_times(db, dn, {name: int(nt) for name, nt in change["changed"].items()})


if __name__ == "__main__":
    main()
