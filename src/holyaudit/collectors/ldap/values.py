"""Decoding Active Directory's attribute encodings into plain Python values.

Pure functions over the raw bytes LDAP returns, so they can be tested on their own.
"""

from __future__ import annotations

import datetime as dt
import struct

_EPOCH_1601 = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
_NEVER = {0, 0x7FFFFFFFFFFFFFFF}

UAC_ACCOUNTDISABLE = 0x2
UAC_PASSWD_NOTREQD = 0x20
UAC_DONT_EXPIRE_PASSWORD = 0x10000
UAC_DOMAIN_CONTROLLER = 0x2000 | 0x4000000
"""SERVER_TRUST_ACCOUNT (a writable DC) or PARTIAL_SECRETS_ACCOUNT (a read-only DC)."""

ATTID_USER_ACCOUNT_CONTROL = 0x00090008  # userAccountControl, 1.2.840.113556.1.4.8
ATTID_PWD_LAST_SET = 0x00090060  # pwdLastSet, 1.2.840.113556.1.4.96


def text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def integer(raw: bytes) -> int:
    return int(raw)


def filetime(raw: bytes) -> dt.datetime | None:
    """A FILETIME (100 ns intervals since 1601-01-01 UTC); 0 and the maximum mean "never"."""
    value = int(raw)
    if value in _NEVER or value < 0:
        return None
    return _EPOCH_1601 + dt.timedelta(microseconds=value // 10)


def generalized_time(raw: bytes) -> dt.datetime:
    """LDAP GeneralizedTime as AD writes it: ``20261128190000.0Z`` (read by hand: strptime costs five times as
    much, and whenCreated is read for every user). Raises ValueError for anything else."""
    if len(raw) < 14 or not raw[:14].isdigit():
        raise ValueError(f"not a GeneralizedTime: {raw[:32]!r}")
    return dt.datetime(
        int(raw[0:4]), int(raw[4:6]), int(raw[6:8]), int(raw[8:10]), int(raw[10:12]), int(raw[12:14]), tzinfo=dt.UTC
    )


def interval_days(raw: bytes) -> int:
    """A negative 100 ns interval (maxPwdAge) as whole days; 0 or "never" (the minimum int64) is 0."""
    value = int(raw)
    if value == -0x8000000000000000 or value == 0:
        return 0
    return abs(value) // (10_000_000 * 86_400)


def interval_minutes(raw: bytes) -> int:
    """A negative 100 ns interval (lockoutDuration, lockOutObservationWindow) as whole minutes; "never" (the
    minimum int64, as Microsoft documents for an account locked until an administrator unlocks it) is -1."""
    value = int(raw)
    if value == -0x8000000000000000:
        return -1
    return abs(value) // (10_000_000 * 60)


def force_logoff(raw: bytes) -> bool:
    """forceLogoff is the delay before sessions are ended when logon hours expire; 0 means at once."""
    return int(raw) == 0


def logon_hours(raw: bytes | None) -> str:
    """The 21-byte weekly map as 42 hex digits; an absent attribute permits every hour."""
    if raw is None:
        return "ff" * 21
    return raw.hex()


def dstime(value: int) -> dt.datetime:
    """A DSTIME: whole seconds since 1601-01-01 UTC (MS-DRSR 5.51), as Windows and Samba both write it.

    A value too large to be seconds (after the year 9999) is read as 100 ns units instead, so a blob from a
    source that wrote a FILETIME there is still understood.
    """
    seconds = value // 10_000_000 if value > 253_402_300_799 + 11_644_473_600 else value
    return _EPOCH_1601 + dt.timedelta(seconds=seconds)


_META_HEADER = struct.Struct("<IIII")
_META_ENTRY = struct.Struct("<IIQ16sqq")


def repl_change_times(raw: bytes, wanted: frozenset[int] | None = None) -> dict[int, dt.datetime]:
    """Originating change time per attribute id, from a replPropertyMetaData blob.

    Layout: u32 version (1), u32 reserved, u32 count, u32 reserved, then ``count`` 48-byte entries of
    {u32 attid, u32 version, u64 originating change time (DSTIME), 16-byte invocation GUID,
    i64 originating USN, i64 local USN}. Raises ValueError for a blob that does not fit that layout.

    With ``wanted``, only those attributes' entries are decoded, each found by searching the blob for its
    attribute id at an entry boundary (a user's blob has about 40 entries; a scan wants two of them).
    """
    if len(raw) < _META_HEADER.size:
        raise ValueError("replPropertyMetaData is shorter than its header")
    version, _, count, _ = _META_HEADER.unpack_from(raw)
    if version != 1 or len(raw) != _META_HEADER.size + count * _META_ENTRY.size:
        raise ValueError(f"unexpected replPropertyMetaData (version {version}, {count} entries, {len(raw)} bytes)")
    if wanted is None:
        return {attid: dstime(changed) for attid, _, changed, *_ in _META_ENTRY.iter_unpack(raw[_META_HEADER.size :])}
    times = {}
    for attid in wanted:
        needle = _NEEDLES.get(attid) or _NEEDLES.setdefault(attid, _ATTID.pack(attid))
        at = raw.find(needle, _META_HEADER.size)
        while at != -1 and (at - _META_HEADER.size) % _META_ENTRY.size:  # the bytes, but inside another field
            at = raw.find(needle, at + 1)
        if at != -1:
            times[attid] = dstime(_CHANGE_TIME.unpack_from(raw, at + 8)[0])
    return times


_ATTID = struct.Struct("<I")
_NEEDLES: dict[int, bytes] = {}
"""Each attribute id as its four bytes in a blob, packed once."""
_CHANGE_TIME = struct.Struct("<Q")
