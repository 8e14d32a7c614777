"""What each directory rule should conclude about the seeded estate, read from the rule files' semantics.

Rule id -> {object id: status}, for every object in the rule's scope (objects a scope leaves out are absent).
Object ids follow the demo snapshot: a user's sAMAccountName, a computer's name (without the $), a PSO's name
and the domain's DNS name. The statuses hold for an as-of time on the seeding day (Europe/London) or up to
four days after it: on the fifth day after seeding, owen.n's removal falls due.
"""

from __future__ import annotations

from collections.abc import Iterable

from estate import COMPUTERS, PEOPLE

from holyaudit.models import Status

PASS, FAIL, ERROR, NOT_APPLICABLE = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE

DOMAIN_ID = "holywell.test"
DNS_ACCOUNT = "dns-dc1"
"""Made by provisioning (named after the DC) even with no DNS server; enabled, like Administrator."""
DC_ACCOUNT = "DC1"
"""The DC's own computer account."""
ENABLED_USERS = ("Administrator", DNS_ACCOUNT, *(person.sam for person in PEOPLE if person.enabled))
"""Every enabled user account in the domain: Guest and krbtgt are disabled by provisioning."""
CURFEWED = ("bloggs.j", "smith.a", "jones.b", "davies.c", "williams.d", "evans.e", "green.f", "hill.k", "morgan.l")
CURFEWED += ("owen.n", "quinn.p", "roberts.r", "brown.a", "ward.s", "lewis.t", "turner.k")
CURFEWED += ("morris.t", "taylor.p")
"""Enabled staff (through the Staff group, nested included) and pupils (by OU)."""
STAFF = tuple(sam for sam in CURFEWED if sam not in ("brown.a", "taylor.p"))  # the pupils
"""Enabled staff."""

PRIVILEGED = (
    "Administrator",
    "adm-hughes.t",
    "adm-old.s",
    "adm-idle.d",
    "morris.t",
    "taylor.p",
    "svc-backup",
    "krbtgt",
)
"""Every account in a privileged group (estate.PRIVILEGED_MEMBERS, and the built-in Administrator), and krbtgt."""
ALL_USERS = ("Administrator", "Guest", "krbtgt", DNS_ACCOUNT, *(person.sam for person in PEOPLE))
DC_ID = "DC1"
"""The DC's own computer account."""
PRIVILEGED_GROUP_SIZES = {
    "Administrators": 4,  # Administrator, and through Domain Admins adm-hughes.t, adm-old.s, svc-backup
    "Domain Admins": 4,
    "Enterprise Admins": 1,
    "Schema Admins": 1,
    "Group Policy Creator Owners": 1,
    "Backup Operators": 1,
    "Print Operators": 1,
    "Account Operators": 1,
    "DnsAdmins": 1,  # adm-hughes.t, found by name in CN=Users
}
"""The size of each privileged group the rules report (every account in it, nested and primary group included)."""
ALL_COMPUTERS = (DC_ACCOUNT, *(computer.name for computer in COMPUTERS))
ENABLED_COMPUTERS = (DC_ACCOUNT, *(computer.name for computer in COMPUTERS if computer.enabled))
PSO_IDS = ("PSO-Supply-Teachers", "PSO-Staff", "PSO-Invigilators", "PSO-Legacy-Apps", "PSO-Old-Digest")


def _all(ids: Iterable[str], status: Status) -> dict[str, Status]:
    return dict.fromkeys(ids, status)


EXPECTED: dict[str, dict[str, Status]] = {
    "password-minimum-length": {DOMAIN_ID: PASS},  # 8
    "password-complexity": {DOMAIN_ID: FAIL},  # pwdProperties 0
    "force-logoff-enabled": {DOMAIN_ID: PASS},  # forceLogoff 0
    "fine-grained-password-minimum": {
        "PSO-Supply-Teachers": FAIL,
        "PSO-Staff": PASS,
        "PSO-Invigilators": PASS,
        "PSO-Legacy-Apps": PASS,
        "PSO-Old-Digest": PASS,
    },
    "password-not-required": {**_all(ENABLED_USERS, PASS), "exams": FAIL},
    "generic-password-age": {"office": FAIL, "library": FAIL, "reception": PASS, "exams": PASS},
    "temporary-password-changed": {"evans.e": FAIL, "green.f": PASS},
    "leaver-accounts-disabled": {
        "parker.l": PASS,
        "king.m": FAIL,
        "owen.n": NOT_APPLICABLE,
        "quinn.p": FAIL,
        "roberts.r": ERROR,  # 'TBC' is no date
    },
    "dormant-accounts": {
        **_all(ENABLED_USERS, PASS),
        "Administrator": NOT_APPLICABLE,
        DNS_ACCOUNT: NOT_APPLICABLE,
        "davies.c": FAIL,
        "williams.d": FAIL,
        "adm-idle.d": FAIL,  # unused for 90 days
    },
    "logon-hours-curfew": {
        **_all(CURFEWED, PASS),
        "smith.a": FAIL,  # until 20:00 under BST
        "jones.b": FAIL,  # no restriction
    },
    "bitlocker-key-escrowed": {"HW-LT-01": PASS, "HW-LT-02": PASS, "HW-LT-03": FAIL, "HW-LT-05": PASS},
    "privileged-accounts-separate": {
        "Administrator": PASS,  # approved by name, used while seeding
        "adm-hughes.t": PASS,  # Domain Admins through IT Admins
        "adm-old.s": FAIL,  # disabled
        "adm-idle.d": FAIL,  # Backup Operators, unused for 90 days
        "morris.t": FAIL,  # a teacher's everyday account, Print Operators through Print Helpers
        "taylor.p": FAIL,  # a pupil in Account Operators
        "svc-backup": FAIL,  # Domain Admins through its primary group; not named as an admin account
    },
    "privileged-password-age": {
        **_all(PRIVILEGED, PASS),
        "adm-old.s": FAIL,  # 400 days
        "krbtgt": FAIL,  # 200 days
    },
    "local-admin-passwords-managed": {
        "HW-LT-01": PASS,  # Windows LAPS, expires in 10 days
        "HW-LT-02": PASS,  # legacy LAPS, 42 days overdue
        "HW-LT-03": FAIL,  # 43 days overdue
        "HW-DT-01": FAIL,  # no LAPS
        "HW-LT-05": PASS,  # Windows LAPS 5 days overdue, beside a stale legacy expiry
        **dict.fromkeys(("HW-DT-02", "HW-DT-03", "HW-DT-04"), FAIL),  # the account tests' desktops: no LAPS
        DC_ID: NOT_APPLICABLE,
    },
    "no-passwords-in-directory-text": {
        **_all(ALL_USERS, PASS),
        "svc-backup": FAIL,  # description
        "morris.t": FAIL,  # info
        "adm-idle.d": FAIL,  # comment, by the site's own pattern
        **_all(ALL_COMPUTERS, PASS),  # disabled ones too
        "HW-DT-01": FAIL,  # description
    },
    "account-lockout": {
        DOMAIN_ID: FAIL,  # Samba provisions lockoutThreshold 0: never locks
        "PSO-Supply-Teachers": PASS,
        "PSO-Staff": PASS,
        "PSO-Invigilators": FAIL,  # 11 attempts
        "PSO-Legacy-Apps": FAIL,  # never locks
        "PSO-Old-Digest": PASS,
    },
    "reversible-encryption-disabled": {
        **_all(ENABLED_USERS, PASS),
        "digest": FAIL,  # ENCRYPTED_TEXT_PWD_ALLOWED
        "sims-sync": FAIL,  # governed by PSO-Legacy-Apps through its group
        "turner.k": FAIL,  # governed by PSO-Legacy-Apps, linked directly, over PSO-Staff's lower precedence
        DOMAIN_ID: PASS,  # pwdProperties 0
        **_all(PSO_IDS, PASS),
        "PSO-Legacy-Apps": FAIL,
        "PSO-Old-Digest": FAIL,  # linked to nobody
    },
    "kerberos-preauth-required": {
        **_all(ENABLED_USERS, PASS),
        "copier": FAIL,
        "old-nas": FAIL,
        **_all(ENABLED_COMPUTERS, PASS),  # HW-DT-05, disabled with DONT_REQ_PREAUTH, is out of scope
        "HW-DT-02": FAIL,  # DONT_REQ_PREAUTH
        "HW-DT-03": FAIL,  # USE_DES_KEY_ONLY
    },
    "staff-passwords-expire": {
        **_all(STAFF, PASS),
        "ward.s": FAIL,  # PSO-Invigilators has no maximum age
        "lewis.t": FAIL,  # DONT_EXPIRE_PASSWORD
    },
    "stale-computer-accounts": {
        **_all((DC_ACCOUNT, "HW-LT-01", "HW-LT-02", "HW-LT-03", "HW-DT-01", "HW-LT-05", "HW-DT-02"), PASS),
        "HW-DT-03": FAIL,  # last signed in 120 days ago
        "HW-DT-04": FAIL,  # created 200 days ago, never signed in
    },
}
