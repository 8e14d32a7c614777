"""Writes the estate (estate.py) into a running Samba DC, and the files holyaudit is given: the MIS leavers
export and a config file for the DC.

Most of it goes over LDAP as the domain Administrator. What Samba keeps every LDAP client from writing
(creation times, password times, when pwdLastSet was set to 0) is backdated through Samba's own modules by
backdate.py; the reads delegated to svc-audit are set with samba-tool dsacl, as an administrator would.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import ldap3
import yaml
from estate import (
    AUDIT,
    AUDIT_PASSWORD,
    AUDIT_USER,
    COMPUTER_TEXT,
    COMPUTERS,
    DELEGATED_READS,
    DISABLED,
    DNS_ADMINS,
    DOMAIN_SETTINGS,
    GENERIC_OU,
    GROUPS,
    KRBTGT_PWD_SET_DAYS_AGO,
    LAPS,
    LAPS_SECRETS,
    LAPTOPS_OU,
    LEAVING_DATE_ATTRIBUTE,
    LONDON,
    MIS_ONLY_LEAVER,
    OUS,
    PASSWORD,
    PASSWORD_TEXT_PATTERN,
    PEOPLE,
    PRIVILEGED_MEMBERS,
    PSOS,
    PUPILS_OU,
    WORKSTATION,
    Computer,
    Person,
    Pso,
    computer_dn,
    group_dn,
    leaving_text,
    nt_time,
    person_dn,
    pso_dn,
)
from laps_schema import extend_schema
from ldap3.protocol.formatters.formatters import format_sid
from samba_dc import SYSTEM_PYTHON, SambaDC


def seed(dc: SambaDC, now: dt.datetime) -> None:
    """Write the estate into a freshly provisioned DC, and the MIS leavers export next to it."""
    base = dc.base_dn
    today = now.astimezone(LONDON).date()
    with dc.admin_connection() as conn:
        conn.modify(base, {name: [(ldap3.MODIFY_REPLACE, [value])] for name, value in DOMAIN_SETTINGS.items()})
        for ou in OUS:
            conn.add(f"{ou},{base}", "organizationalUnit")
        for group in GROUPS:
            conn.add(group_dn(dc, group), "group", {"sAMAccountName": group})
        for person in PEOPLE:
            conn.add(person_dn(dc, person), ["top", "person", "organizationalPerson", "user"], _user(dc, person, today))
        for group, subgroups in GROUPS.items():
            members = [group_dn(dc, sub) for sub in subgroups]
            members += [person_dn(dc, p) for p in PEOPLE if group in p.groups]
            if members:
                conn.modify(group_dn(dc, group), {"member": [(ldap3.MODIFY_ADD, members)]})
        _add_privileged_members(conn, dc)
        for person in PEOPLE:
            changes = {}
            if person.disabled_in_seeding:
                changes["userAccountControl"] = person.uac | DISABLED
            if person.must_change_days_ago is not None:
                changes["pwdLastSet"] = 0
            if person.last_logon_days_ago is not None:  # administrators may write it, as in Windows
                changes["lastLogonTimestamp"] = nt_time(now - dt.timedelta(days=person.last_logon_days_ago))
            if changes:
                conn.modify(person_dn(dc, person), {k: [(ldap3.MODIFY_REPLACE, [v])] for k, v in changes.items()})
        for pso in PSOS:
            conn.add(pso_dn(dc, pso), "msDS-PasswordSettings", _pso(dc, pso))
        extend_schema(conn, base)
        for computer in COMPUTERS:
            _add_computer(conn, dc, computer)
            if computer.last_logon_days_ago is not None:
                logon = nt_time(now - dt.timedelta(days=computer.last_logon_days_ago))
                conn.modify(computer_dn(dc, computer), {"lastLogonTimestamp": [(ldap3.MODIFY_REPLACE, [logon])]})
        _set_laps(conn, dc, now)
        conn.search(person_dn(dc, AUDIT), "(objectClass=user)", ldap3.BASE, attributes=["objectSid"])
        audit_sid = format_sid(conn.entries[0].objectSid.raw_values[0])
    _delegate_reads(dc, audit_sid)
    _backdate(dc, now)
    # svc-audit logs on once, as before any real audit: Samba writes lastLogonTimestamp on a first logon,
    # which would otherwise move highestCommittedUSN in the middle of a test that checks holyaudit writes nothing.
    dc.connection(f"{AUDIT_USER}@{dc.dns_domain}", AUDIT_PASSWORD).unbind()
    write_leavers_csv(leavers_csv(dc), today)


def _user(dc: SambaDC, person: Person, today: dt.date) -> dict[str, Any]:
    given, _, surname = person.name.partition(" ")
    attributes: dict[str, Any] = {
        "sAMAccountName": person.sam,
        "userPrincipalName": f"{person.sam}@{dc.dns_domain}",
        "displayName": person.name,
        "givenName": given,
        "unicodePwd": f'"{AUDIT_PASSWORD if person.sam == AUDIT_USER else PASSWORD}"'.encode("utf-16-le"),
        "userAccountControl": person.uac,
    }
    if surname:
        attributes["sn"] = surname
    if person.hours is not None:
        attributes["logonHours"] = person.hours
    if (leaving := leaving_text(person, today)) is not None:
        attributes[LEAVING_DATE_ATTRIBUTE] = leaving
    attributes.update(person.text)
    return attributes


def _add_privileged_members(conn: ldap3.Connection, dc: SambaDC) -> None:
    """PRIVILEGED_MEMBERS into the built-in groups; then the primary groups, which need the membership first
    (Samba, like Windows, then drops the explicit member link: primaryGroupID alone says it)."""
    people = {person.sam: person for person in PEOPLE}
    domain_local_security = -2147483644  # 0x80000004, as the DNS server role makes DnsAdmins
    conn.add(f"{DNS_ADMINS},{dc.base_dn}", "group", {"sAMAccountName": "DnsAdmins", "groupType": domain_local_security})
    for group, names in PRIVILEGED_MEMBERS.items():
        members = [person_dn(dc, people[n]) if n in people else group_dn(dc, n) for n in names]
        conn.modify(f"{group},{dc.base_dn}", {"member": [(ldap3.MODIFY_ADD, members)]})
    for person in PEOPLE:
        if person.primary_group_rid is not None:
            conn.modify(person_dn(dc, person), {"primaryGroupID": [(ldap3.MODIFY_REPLACE, [person.primary_group_rid])]})


def _set_laps(conn: ldap3.Connection, dc: SambaDC, now: dt.datetime) -> None:
    """LAPS expiry times, with a password beside each (which holyaudit must never read), and the computers' text."""
    windows_secret, legacy_secret = LAPS_SECRETS
    by_name = {computer.name: computer for computer in COMPUTERS}
    for name, laps in LAPS.items():
        changes: dict[str, Any] = {}
        if laps.windows_days is not None:
            changes["msLAPS-PasswordExpirationTime"] = nt_time(now + dt.timedelta(days=laps.windows_days))
            changes["msLAPS-Password"] = json.dumps({"n": "Administrator", "t": "1d8161b41c41cde", "p": windows_secret})
        if laps.legacy_days is not None:
            changes["ms-Mcs-AdmPwdExpirationTime"] = nt_time(now + dt.timedelta(days=laps.legacy_days))
            changes["ms-Mcs-AdmPwd"] = legacy_secret
        conn.modify(computer_dn(dc, by_name[name]), {k: [(ldap3.MODIFY_REPLACE, [v])] for k, v in changes.items()})
    for name, text in COMPUTER_TEXT.items():
        conn.modify(computer_dn(dc, by_name[name]), {"description": [(ldap3.MODIFY_REPLACE, [text])]})


def _pso(dc: SambaDC, pso: Pso) -> dict[str, Any]:
    day, minutes_30 = -864_000_000_000, -18_000_000_000  # negative 100-ns intervals, as AD stores durations
    linked = [group_dn(dc, pso.applies_to)] if pso.applies_to else []
    linked += [person_dn(dc, p) for p in PEOPLE if p.sam in pso.linked_people]
    return {
        "msDS-PasswordSettingsPrecedence": pso.precedence,
        "msDS-PasswordReversibleEncryptionEnabled": "TRUE" if pso.reversible else "FALSE",
        "msDS-PasswordHistoryLength": 12,
        "msDS-PasswordComplexityEnabled": "TRUE" if pso.complexity else "FALSE",
        "msDS-MinimumPasswordLength": pso.min_length,
        "msDS-MinimumPasswordAge": day,
        "msDS-MaximumPasswordAge": pso.max_age_days * day if pso.max_age_days else -0x8000000000000000,
        "msDS-LockoutThreshold": pso.lockout_threshold,
        "msDS-LockoutObservationWindow": minutes_30,
        "msDS-LockoutDuration": minutes_30,
        **({"msDS-PSOAppliesTo": linked} if linked else {}),
    }


def _add_computer(conn: ldap3.Connection, dc: SambaDC, computer: Computer) -> None:
    dn = computer_dn(dc, computer)
    conn.add(
        dn,
        ["top", "person", "organizationalPerson", "user", "computer"],
        {
            "sAMAccountName": f"{computer.name}$",
            # Added over LDAP so it can be enabled; `samba-tool computer create` makes disabled accounts.
            "userAccountControl": WORKSTATION | computer.flags | (0 if computer.enabled else DISABLED),
            "dNSHostName": f"{computer.name.lower()}.{dc.dns_domain}",
            "operatingSystem": computer.os,
            "operatingSystemVersion": computer.os_version,
        },
    )
    if computer.last_logon_days_ago is not None:  # administrators may write it, as in Windows
        signed_in = dt.datetime.now(dt.UTC) - dt.timedelta(days=computer.last_logon_days_ago)
        conn.modify(dn, {"lastLogonTimestamp": [(ldap3.MODIFY_REPLACE, [nt_time(signed_in)])]})
    for volume in range(computer.recovery_keys):
        key_id = uuid.uuid5(uuid.NAMESPACE_DNS, f"{computer.name}-{volume}")
        conn.add(
            f"CN=2024-09-02T08:00:0{volume}-00:00{{{str(key_id).upper()}}},{dn}",
            "msFVE-RecoveryInformation",
            {
                "msFVE-RecoveryGuid": key_id.bytes_le,
                "msFVE-VolumeGuid": uuid.uuid5(key_id, "volume").bytes_le,
                "msFVE-RecoveryPassword": "-".join(f"{(key_id.int >> (16 * i)) % 65536 * 11:06d}" for i in range(8)),
            },
        )


def _delegate_reads(dc: SambaDC, sid: str) -> None:
    for dn, ace in DELEGATED_READS.items():
        dc.samba_tool("dsacl", "set", f"--objectdn={dn},{dc.base_dn}", f"--sddl={ace.format(sid=sid)}")


def _backdate(dc: SambaDC, now: dt.datetime) -> None:
    """What Samba keeps clients from writing, written through its own modules with system python3."""
    changes = []
    for person in PEOPLE:
        change: dict[str, Any] = {}
        if person.created_days_ago is not None:
            created = now - dt.timedelta(days=person.created_days_ago)
            change["whenCreated"] = created.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S.0Z")
        if person.pwd_set_days_ago is not None:
            change["pwdLastSet"] = nt_time(now - dt.timedelta(days=person.pwd_set_days_ago))
        if person.must_change_days_ago:
            change["changed"] = {"pwdLastSet": nt_time(now - dt.timedelta(days=person.must_change_days_ago))}
        if change:
            changes.append({"dn": person_dn(dc, person), **change})
    krbtgt = now - dt.timedelta(days=KRBTGT_PWD_SET_DAYS_AGO)
    changes.append({"dn": f"CN=krbtgt,CN=Users,{dc.base_dn}", "pwdLastSet": nt_time(krbtgt)})
    for computer in COMPUTERS:
        if computer.created_days_ago is not None:
            created = now - dt.timedelta(days=computer.created_days_ago)
            when = created.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S.0Z")
            changes.append({"dn": computer_dn(dc, computer), "whenCreated": when})
    script = Path(__file__).with_name("backdate.py")
    result = subprocess.run(
        [SYSTEM_PYTHON, str(script), str(dc.smb_conf), str(dc.sam_ldb)],
        input=json.dumps(changes),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"backdating in sam.ldb failed:\n{result.stderr[-3000:]}")


def leavers_csv(dc: SambaDC) -> Path:
    return dc.workdir / "mis" / "leavers.csv"


def write_leavers_csv(path: Path, today: dt.date) -> None:
    """The MIS leavers export: the leavers with a date in the directory (same dates), and one with no account."""
    rows = [(p.sam, leaving_text(p, today)) for p in PEOPLE if isinstance(p.leaving, int)]
    sam, days = MIS_ONLY_LEAVER
    rows.append((sam, (today - dt.timedelta(days=days)).strftime("%d/%m/%Y")))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Username", "Leaving Date"])
        writer.writerows(rows)


def write_config(dc: SambaDC, path: Path, **directory: Any) -> Path:
    """A holyaudit config file for this DC; ``directory`` overrides keys of its directory section."""
    base = dc.base_dn
    settings = {
        "site": {"name": "Holywell Primary School (Samba test DC)", "timezone": "Europe/London"},
        "directory": {
            "server": dc.host,
            "port": dc.port,
            "transport": "ldaps",
            "ca_file": str(dc.ca_file),
            "auth": "simple",
            "bind_user": f"{AUDIT_USER}@{dc.dns_domain}",
            "timeout_seconds": 10,
            "leaving_date": {"attribute": LEAVING_DATE_ATTRIBUTE},
            "categories": {
                "staff": {"groups": ["Staff"]},
                "pupil": {"ous": [f"{PUPILS_OU},{base}"]},
                "generic": {"ous": [f"{GENERIC_OU},{base}"], "groups": ["Generic Accounts"]},
                "laptop": {"ous": [f"{LAPTOPS_OU},{base}"]},
                "builtin": {"name_pattern": "^(Administrator|Guest|krbtgt)$"},
            },
            "password_text_patterns": [PASSWORD_TEXT_PATTERN],
            **directory,
        },
        "mis": {"leavers_csv": str(leavers_csv(dc))},
    }
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path
