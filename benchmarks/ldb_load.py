"""Load an LDIF file into a stopped Samba DC's sam.ldb through Samba's own modules (run by the system python3).

Usage: ``TDB_NO_FSYNC=1 /usr/bin/python3 ldb_load.py SMB_CONF SAM_LDB FILE.ldif``. Records are adds unless
they say ``changetype: modify``. Samba's modules give each object what an LDAP add would (objectSid from the
RID pool, replPropertyMetaData, whenCreated, back links); the password-bypass control lets ``pwdLastSet`` carry
a time.

Each record is its own transaction. One transaction for everything (what ``ldbadd`` does with a file) is much
slower for thousands of records: ldb merges every operation's index changes into the transaction's growing
index cache, so the cost per record grows with the transaction. The 11,300 records of 10,000 users on a
2-core machine: 209 s in one ldbadd, 75 s in ldbadd files of 1,000 records, 50-65 s one transaction each.
"""

import sys
import time
from pathlib import Path

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

BYPASS_LAST_SET = "local_oid:1.3.6.1.4.1.7165.4.3.20:0"


def main() -> None:
    smb_conf, sam_ldb, ldif = sys.argv[1:4]
    lp = LoadParm()
    lp.load(smb_conf)
    db = SamDB(url=sam_ldb, session_info=system_session(), lp=lp)
    text = Path(ldif).read_text(encoding="utf-8")
    started = time.monotonic()
    for done, (changetype, message) in enumerate(db.parse_ldif(text), start=1):
        try:
            if changetype == ldb.CHANGETYPE_MODIFY:
                db.modify(message)
            else:
                db.add(message, controls=[BYPASS_LAST_SET])
        except ldb.LdbError as exc:
            raise SystemExit(f"{message.dn}: {exc.args[-1]}") from None
        if done % 2000 == 0:
            print(f"  {done} records, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
