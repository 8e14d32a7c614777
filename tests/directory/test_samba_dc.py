"""The Samba DC harness: a real DC on loopback that svc-audit reaches only over verified LDAPS, holding the
seeded estate with the values planted, backdated ones included."""

from __future__ import annotations

import csv
import datetime as dt
import ssl
import struct
from collections.abc import Iterator
from pathlib import Path

import ldap3
import pytest
from estate import (
    AUDIT,
    AUDIT_PASSWORD,
    AUDIT_USER,
    COMPUTERS,
    DISABLED,
    DOMAIN_SETTINGS,
    LEAVING_DATE_ATTRIBUTE,
    LONDON,
    MIS_ONLY_LEAVER,
    PEOPLE,
    PRIVILEGED_MEMBERS,
    PSOS,
    Computer,
    Person,
    computer_dn,
    group_dn,
    leaving_text,
    nt_time,
    person_dn,
    pso_dn,
)
from expected import DC_ID, DNS_ACCOUNT, DOMAIN_ID, EXPECTED
from ldap3.core.exceptions import LDAPSocketOpenError
from samba_dc import SambaDC
from seed import leavers_csv, write_config

from holyaudit.collectors.ldap.source import LeavingDate
from holyaudit.config import load_settings

RULES = Path(__file__).parents[2] / "rules"
USER_ACCOUNT_CONTROL_ATTID = 0x00090008
PWD_LAST_SET_ATTID = 0x00090060


@pytest.fixture
def audit(samba_dc: SambaDC) -> Iterator[ldap3.Connection]:
    """svc-audit's connection, as holyaudit makes it."""
    with samba_dc.connection(f"{AUDIT_USER}@{samba_dc.dns_domain}", AUDIT_PASSWORD) as conn:
        yield conn


def read(conn: ldap3.Connection, dn: str, *attributes: str) -> dict[str, list[bytes]]:
    conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=list(attributes))
    return conn.response[0]["raw_attributes"]


def children(conn: ldap3.Connection, dn: str, object_class: str, *attributes: str) -> list[dict[str, list[bytes]]]:
    conn.search(dn, f"(objectClass={object_class})", ldap3.LEVEL, attributes=list(attributes) or ["1.1"])
    return [entry["raw_attributes"] for entry in conn.response if entry["type"] == "searchResEntry"]


def change_times(blob: bytes) -> dict[int, dt.datetime]:
    """attid -> when the attribute last changed, from a replPropertyMetaData value.

    NDR layout: version 1, reserved, count, reserved (4 bytes each), then 48-byte entries beginning attid,
    version and the originating change time (seconds since 1601).
    """
    version, _, count, _ = struct.unpack_from("<4I", blob)
    assert version == 1
    entries = (struct.unpack_from("<IIQ", blob, 16 + 48 * index) for index in range(count))
    return {attid: dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=s) for attid, _, s in entries}


def generalized_time(raw: bytes) -> dt.datetime:
    return dt.datetime.strptime(raw.decode(), "%Y%m%d%H%M%S.0Z").replace(tzinfo=dt.UTC)


def to_second(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def test_svc_audit_binds_over_ldaps_checking_the_certificate(audit: ldap3.Connection) -> None:
    assert audit.bound
    assert isinstance(audit.socket, ssl.SSLSocket)
    assert ("IP Address", "127.0.0.1") in audit.socket.getpeercert()["subjectAltName"]


def test_rootdse_gives_the_base_dn(audit: ldap3.Connection, samba_dc: SambaDC) -> None:
    rootdse = read(audit, "", "defaultNamingContext", "dnsHostName")
    assert rootdse["defaultNamingContext"] == [samba_dc.base_dn.encode()]
    assert rootdse["dnsHostName"] == [b"dc1.holywell.test"]


def test_certificate_signed_by_another_ca_fails_the_tls_handshake(samba_dc: SambaDC) -> None:
    server = samba_dc.server(ca_file=samba_dc.untrusted_ca_file)
    with pytest.raises(LDAPSocketOpenError, match="CERTIFICATE_VERIFY_FAILED"):
        ldap3.Connection(server, user=f"{AUDIT_USER}@{samba_dc.dns_domain}", password=AUDIT_PASSWORD, auto_bind=True)


def test_simple_bind_on_plain_ldap_is_refused(samba_dc: SambaDC) -> None:
    server = ldap3.Server(samba_dc.host, port=389, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, user=f"{AUDIT_USER}@{samba_dc.dns_domain}", password=AUDIT_PASSWORD)
    assert not conn.bind()
    assert conn.result["description"] == "strongerAuthRequired"
    conn.unbind()


def test_reading_the_whole_domain_moves_no_usn(audit: ldap3.Connection, samba_dc: SambaDC) -> None:
    before = samba_dc.highest_committed_usn()
    audit.search(samba_dc.base_dn, "(objectClass=*)", attributes=["*", "replPropertyMetaData"])
    assert len(audit.response) > 50
    assert samba_dc.highest_committed_usn() == before


@pytest.mark.parametrize("person", PEOPLE, ids=lambda person: person.sam)
def test_person_reads_back_as_planted(
    audit: ldap3.Connection, samba_dc: SambaDC, seeded_at: dt.datetime, person: Person
) -> None:
    found = read(
        audit,
        person_dn(samba_dc, person),
        *("sAMAccountName", "userAccountControl", "logonHours", LEAVING_DATE_ATTRIBUTE, "memberOf"),
        *("whenCreated", "pwdLastSet", "lastLogonTimestamp"),
    )
    seeded_nt = nt_time(seeded_at.replace(microsecond=0))
    assert found["sAMAccountName"] == [person.sam.encode()]
    assert int(found["userAccountControl"][0]) == person.uac | (DISABLED if person.disabled_in_seeding else 0)
    assert found["logonHours"] == ([person.hours] if person.hours else [])
    leaving = leaving_text(person, seeded_at.astimezone(LONDON).date())
    assert found[LEAVING_DATE_ATTRIBUTE] == ([leaving.encode()] if leaving else [])
    groups = [group_dn(samba_dc, group) for group in person.groups]
    groups += [f"{group},{samba_dc.base_dn}" for group, members in PRIVILEGED_MEMBERS.items() if person.sam in members]
    if person.primary_group_rid is not None:  # the new primary group is no longer listed, the old one now is
        groups = [g for g in groups if not g.startswith("CN=Domain Admins,")] + [
            f"CN=Domain Users,CN=Users,{samba_dc.base_dn}"
        ]
    assert sorted(found["memberOf"]) == sorted(group.encode() for group in groups)

    created = generalized_time(found["whenCreated"][0])
    if person.created_days_ago is None:
        assert created >= to_second(seeded_at)
    else:
        assert created == to_second(seeded_at - dt.timedelta(days=person.created_days_ago))

    pwd_last_set = int(found["pwdLastSet"][0])
    if person.must_change_days_ago is not None:
        assert pwd_last_set == 0
    elif person.pwd_set_days_ago is not None:
        assert pwd_last_set == nt_time(seeded_at - dt.timedelta(days=person.pwd_set_days_ago))
    else:
        assert pwd_last_set >= seeded_nt

    if person.last_logon_days_ago is not None:
        last_logon = seeded_at - dt.timedelta(days=person.last_logon_days_ago)
        assert found["lastLogonTimestamp"] == [str(nt_time(last_logon)).encode()]
    elif person is AUDIT:  # logged on once while seeding
        assert int(found["lastLogonTimestamp"][0]) >= seeded_nt
    else:
        assert found["lastLogonTimestamp"] == []


@pytest.mark.parametrize(
    "person",
    [p for p in PEOPLE if p.disabled_in_seeding or p.must_change_days_ago is not None],
    ids=lambda person: person.sam,
)
def test_replication_metadata_dates_disabling_and_temporary_passwords(
    audit: ldap3.Connection, samba_dc: SambaDC, seeded_at: dt.datetime, person: Person
) -> None:
    dn = person_dn(samba_dc, person)
    assert "replPropertyMetaData" not in read(audit, dn, "*")  # returned only when asked for by name
    changed = change_times(read(audit, dn, "replPropertyMetaData")["replPropertyMetaData"][0])
    now = dt.datetime.now(dt.UTC)
    if person.disabled_in_seeding:
        assert to_second(seeded_at) <= changed[USER_ACCOUNT_CONTROL_ATTID] <= now
    if person.must_change_days_ago:
        since = seeded_at - dt.timedelta(days=person.must_change_days_ago)
        assert changed[PWD_LAST_SET_ATTID] == to_second(since)
    elif person.must_change_days_ago == 0:
        assert to_second(seeded_at) <= changed[PWD_LAST_SET_ATTID] <= now


def test_samba_leaves_msds_repl_attribute_metadata_empty(audit: ldap3.Connection, samba_dc: SambaDC) -> None:
    """Windows answers msDS-ReplAttributeMetaData; Samba 4.17 returns it empty, so collectors need the blob."""
    assert read(audit, person_dn(samba_dc, PEOPLE[0]), "msDS-ReplAttributeMetaData")["msDS-ReplAttributeMetaData"] == []


def test_builtin_accounts_are_left_as_provisioned(audit: ldap3.Connection, samba_dc: SambaDC) -> None:
    users = f"CN=Users,{samba_dc.base_dn}"
    accounts = {
        entry["sAMAccountName"][0].decode(): int(entry["userAccountControl"][0])
        for entry in children(audit, users, "user", "sAMAccountName", "userAccountControl")
    }
    assert {name: uac & DISABLED for name, uac in accounts.items()} == {
        "Administrator": 0,
        "Guest": DISABLED,
        "krbtgt": DISABLED,
        DNS_ACCOUNT: 0,
    }


def test_domain_password_and_logoff_settings(audit: ldap3.Connection, samba_dc: SambaDC) -> None:
    found = read(audit, samba_dc.base_dn, *DOMAIN_SETTINGS)
    assert {name: int(values[0]) for name, values in found.items()} == DOMAIN_SETTINGS


def test_svc_audit_reads_the_fine_grained_password_policies(audit: ldap3.Connection, samba_dc: SambaDC) -> None:
    for pso in PSOS:
        found = read(audit, pso_dn(samba_dc, pso), "msDS-MinimumPasswordLength", "msDS-PSOAppliesTo")
        assert found["msDS-MinimumPasswordLength"] == [str(pso.min_length).encode()]
        linked = [group_dn(samba_dc, pso.applies_to)] if pso.applies_to else []
        linked += [person_dn(samba_dc, p) for p in PEOPLE if p.sam in pso.linked_people]
        assert sorted(found.get("msDS-PSOAppliesTo", [])) == sorted(dn.encode() for dn in linked)
    supply_teacher = next(p for p in PEOPLE if "Supply Teachers" in p.groups)
    resultant = read(audit, person_dn(samba_dc, supply_teacher), "msDS-ResultantPSO")["msDS-ResultantPSO"]
    assert resultant == [pso_dn(samba_dc, PSOS[0]).encode()]


@pytest.mark.parametrize("computer", COMPUTERS, ids=lambda computer: computer.name)
def test_computer_and_its_bitlocker_records(audit: ldap3.Connection, samba_dc: SambaDC, computer: Computer) -> None:
    dn = computer_dn(samba_dc, computer)
    uac = int(read(audit, dn, "userAccountControl")["userAccountControl"][0])
    assert uac == 0x1000 | computer.flags | (0 if computer.enabled else DISABLED)
    records = children(audit, dn, "msFVE-RecoveryInformation", "msFVE-RecoveryGuid", "msFVE-RecoveryPassword")
    assert len(records) == computer.recovery_keys
    # The recovery password is confidential: svc-audit sees that a key is escrowed, never the key.
    assert all(record["msFVE-RecoveryGuid"] and not record["msFVE-RecoveryPassword"] for record in records)
    with samba_dc.admin_connection() as admin:
        assert all(r["msFVE-RecoveryPassword"] for r in children(admin, dn, "msFVE-RecoveryInformation", "*"))


def test_config_for_the_dc_loads(samba_dc: SambaDC, tmp_path: Path) -> None:
    settings = load_settings(write_config(samba_dc, tmp_path / "holyaudit.yaml"))
    directory = settings.directory
    assert directory is not None
    assert settings.mis is not None
    assert (directory.server, directory.port, directory.transport) == ("127.0.0.1", 636, "ldaps")
    assert (directory.auth, directory.bind_user) == ("simple", "svc-audit@holywell.test")
    assert directory.ca_file == samba_dc.ca_file
    assert directory.leaving_date == LeavingDate(attribute=LEAVING_DATE_ATTRIBUTE)
    assert sorted(directory.categories) == ["builtin", "generic", "laptop", "pupil", "staff"]
    assert settings.mis.leavers_csv.is_file()


def test_mis_export_lists_the_leavers_and_one_with_no_account(samba_dc: SambaDC, seeded_at: dt.datetime) -> None:
    today = seeded_at.astimezone(LONDON).date()
    with leavers_csv(samba_dc).open(newline="") as export:
        rows = list(csv.DictReader(export))
    sam, days = MIS_ONLY_LEAVER
    leavers = [(p.sam, leaving_text(p, today)) for p in PEOPLE if isinstance(p.leaving, int)]
    leavers.append((sam, f"{today - dt.timedelta(days=days):%d/%m/%Y}"))
    assert rows == [{"Username": sam, "Leaving Date": date} for sam, date in leavers]


def test_expected_outcomes_name_catalogue_rules_and_seeded_objects() -> None:
    seeded = {p.sam for p in PEOPLE} | {c.name for c in COMPUTERS} | {p.name for p in PSOS}
    seeded |= {"Administrator", DNS_ACCOUNT, DOMAIN_ID, "Guest", "krbtgt", DC_ID}
    catalogue = {path.stem for path in RULES.glob("*/*.yaml")}
    assert set(EXPECTED) <= catalogue
    assert {object_id for outcomes in EXPECTED.values() for object_id in outcomes} <= seeded
