"""Decoding Active Directory's encodings: pure functions, tested on bytes built the way AD lays them out."""

from __future__ import annotations

import datetime as dt
import struct
import uuid

import pytest

from holyaudit.collectors.ldap import values

UTC = dt.UTC


def filetime_of(moment: dt.datetime) -> bytes:
    return str(int((moment - dt.datetime(1601, 1, 1, tzinfo=UTC)).total_seconds()) * 10_000_000).encode()


def metadata_blob(entries: dict[int, int]) -> bytes:
    """A replPropertyMetaData blob: header then 48-byte entries (attid, version, DSTIME, GUID, USNs)."""
    body = b"".join(
        struct.pack("<IIQ16sqq", attid, 1, changed, uuid.uuid4().bytes, 1000 + i, 1000 + i)
        for i, (attid, changed) in enumerate(entries.items())
    )
    return struct.pack("<IIII", 1, 0, len(entries), 0) + body


def dstime_of(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1601, 1, 1, tzinfo=UTC)).total_seconds())


def test_filetime_round_trips_and_never_is_none():
    moment = dt.datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    assert values.filetime(filetime_of(moment)) == moment
    assert values.filetime(b"0") is None
    assert values.filetime(b"9223372036854775807") is None


def test_generalized_time_as_ad_writes_it():
    assert values.generalized_time(b"20261128190001.0Z") == dt.datetime(2026, 11, 28, 19, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "days"),
    [(b"-36288000000000", 42), (b"-9223372036854775808", 0), (b"0", 0), (b"-863999999999", 0)],
)
def test_max_password_age_interval_in_whole_days(raw, days):
    assert values.interval_days(raw) == days


@pytest.mark.parametrize(
    ("raw", "minutes"),
    [(b"-18000000000", 30), (b"-9223372036854775808", -1), (b"0", 0), (b"-599999999", 0)],
)
def test_lockout_intervals_in_whole_minutes_and_never_as_minus_one(raw, minutes):
    assert values.interval_minutes(raw) == minutes


def test_force_logoff_zero_means_at_once_and_never_means_off():
    assert values.force_logoff(b"0") is True
    assert values.force_logoff(b"-9223372036854775808") is False


def test_absent_logon_hours_permit_every_hour():
    assert values.logon_hours(None) == "ff" * 21
    assert values.logon_hours(bytes.fromhex("80ff07" * 7)) == "80ff07" * 7


def test_replication_metadata_gives_each_attributes_change_time_in_seconds():
    disabled = dt.datetime(2026, 11, 13, 9, 15, 7, tzinfo=UTC)
    reset = dt.datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    blob = metadata_blob(
        {values.ATTID_USER_ACCOUNT_CONTROL: dstime_of(disabled), values.ATTID_PWD_LAST_SET: dstime_of(reset)}
    )
    assert values.repl_change_times(blob) == {
        values.ATTID_USER_ACCOUNT_CONTROL: disabled,
        values.ATTID_PWD_LAST_SET: reset,
    }


def test_replication_time_written_as_100ns_units_is_still_understood():
    disabled = dt.datetime(2026, 11, 13, 9, 15, 7, tzinfo=UTC)
    blob = metadata_blob({values.ATTID_USER_ACCOUNT_CONTROL: dstime_of(disabled) * 10_000_000})
    assert values.repl_change_times(blob)[values.ATTID_USER_ACCOUNT_CONTROL] == disabled


@pytest.mark.parametrize(
    "blob",
    [b"", struct.pack("<IIII", 2, 0, 0, 0), struct.pack("<IIII", 1, 0, 2, 0) + b"\0" * 48],
    ids=["empty", "wrong version", "truncated"],
)
def test_malformed_replication_metadata_is_refused(blob):
    with pytest.raises(ValueError, match="replPropertyMetaData"):
        values.repl_change_times(blob)


@pytest.mark.parametrize("raw", [b"", b"2026112819000", b"2026-11-28 19:00:00Z", b"20261328190000.0Z", b"TBC"])
def test_generalized_time_refuses_anything_else(raw):
    with pytest.raises(ValueError, match=r"GeneralizedTime|month must be"):
        values.generalized_time(raw)


def test_wanted_change_times_are_found_at_entry_boundaries_only():
    """The attribute id's bytes inside another entry's GUID or USN are not mistaken for that attribute's entry."""
    disabled = dt.datetime(2026, 11, 13, 9, 15, 7, tzinfo=UTC)
    decoy = struct.pack("<I", values.ATTID_USER_ACCOUNT_CONTROL)
    other = struct.pack("<IIQ16sqq", 0x00090001, 1, 99, decoy * 4, 7, 7)  # uac's id in the GUID field
    wanted = struct.pack("<IIQ16sqq", values.ATTID_USER_ACCOUNT_CONTROL, 3, dstime_of(disabled), b"\0" * 16, 8, 8)
    blob = struct.pack("<IIII", 1, 0, 2, 0) + other + wanted
    uac_only = frozenset({values.ATTID_USER_ACCOUNT_CONTROL})
    assert values.repl_change_times(blob, uac_only) == {values.ATTID_USER_ACCOUNT_CONTROL: disabled}
    assert values.repl_change_times(blob, frozenset({values.ATTID_PWD_LAST_SET})) == {}
    both = values.repl_change_times(blob)
    assert both[values.ATTID_USER_ACCOUNT_CONTROL] == disabled
    assert set(both) == {0x00090001, values.ATTID_USER_ACCOUNT_CONTROL}
