"""The school seeded into the test DC, as data: who and what it holds, each planting one situation a rule must see.

Times are relative to the ``now`` given to ``seed.seed``: leaving dates count back from its local
(Europe/London) date; logons, creation and password times from the instant. Leavers are disabled during
seeding, so Samba's own replPropertyMetaData dates the disabling to the real seeding time; ``now`` must
therefore be the real time (the fixture makes sure seeding does not straddle local midnight). ``expected.py``
holds what each rule should conclude about these objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from samba_dc import SambaDC

LONDON = ZoneInfo("Europe/London")
LEAVING_DATE_ATTRIBUTE = "msDS-cloudExtensionAttribute1"
DESCRIPTION_SECRET = "Tape-Drive-2026"
INFO_SECRET = "Tulip-Garden-88"
CODE_WORD = "Otter-Lake-12"
COMPUTER_SECRET = "Kiosk-Screen-31"
LAPS_SECRETS = ("Laps-Windows-Secret-5Q", "Laps-Legacy-Secret-7R")
"""Written into directory text and LAPS password attributes: must never appear in any output or history."""
PASSWORD_TEXT_PATTERN = "(?i)code word"
"""The site's own pattern (directory.password_text_patterns) that finds CODE_WORD."""
PASSWORD = "Chalk-Board-42!"
"""Every seeded person's password (long and complex enough for the domain and both PSOs)."""
AUDIT_USER = "svc-audit"
AUDIT_PASSWORD = "Read-Only-Eyes-77!"
"""svc-audit's password: what the tests hand holyaudit through HOLYAUDIT_LDAP_PASSWORD."""

NORMAL = 0x200
DISABLED = 0x2
PASSWD_NOTREQD = 0x20
DONT_EXPIRE_PASSWORD = 0x10000
WORKSTATION = 0x1000
ENCRYPTED_TEXT_PWD_ALLOWED = 0x80
USE_DES_KEY_ONLY = 0x200000
DONT_REQ_PREAUTH = 0x400000

SCHOOL_HOURS = bytes([0xC0, 0xFF, 0x03] * 7)
"""Logon 06:00-18:00 UTC every day: ends by 19:00 local in winter (GMT) and summer (BST)."""
LATE_HOURS = bytes([0xC0, 0xFF, 0x07] * 7)
"""Logon 06:00-19:00 UTC every day: 19:00 in winter but 20:00 under BST."""

# Relative to the domain's DN.
HOLYWELL = "OU=Holywell"
STAFF_OU = f"OU=Staff,{HOLYWELL}"
PUPILS_OU = f"OU=Pupils,{HOLYWELL}"
GENERIC_OU = f"OU=Generic,{HOLYWELL}"
LEAVERS_OU = f"OU=Leavers,{HOLYWELL}"
SERVICE_OU = f"OU=Service Accounts,{HOLYWELL}"
GROUPS_OU = f"OU=Groups,{HOLYWELL}"
COMPUTERS_OU = f"OU=Computers,{HOLYWELL}"
LAPTOPS_OU = f"OU=Laptops,{COMPUTERS_OU}"
DESKTOPS_OU = f"OU=Desktops,{COMPUTERS_OU}"
SUPPLY_OU = f"OU=Supply,{STAFF_OU}"
"""Blocks Group Policy inheritance, with nothing linked inside it (gpo_estate.py)."""
LOAN_OU = f"OU=Loan,{LAPTOPS_OU}"
"""Loan laptops: blocks inheritance too, so the BitLocker GPO linked at Laptops does not reach it."""
OUS = (
    HOLYWELL,
    STAFF_OU,
    SUPPLY_OU,
    PUPILS_OU,
    GENERIC_OU,
    LEAVERS_OU,
    SERVICE_OU,
    GROUPS_OU,
    COMPUTERS_OU,
    LAPTOPS_OU,
    DESKTOPS_OU,
    LOAN_OU,
)

GROUPS: dict[str, tuple[str, ...]] = {
    "Staff": ("Supply Teachers",),  # nested: supply teachers are staff through their own group
    "Supply Teachers": (),
    "Pupils": (),
    "Generic Accounts": (),
    "IT Admins": (),  # nested in Domain Admins (PRIVILEGED_MEMBERS)
    "Print Helpers": (),  # nested in Print Operators
    "Exam Invigilators": (),
    "Legacy Apps": (),
}
"""Group name -> the groups that are its members."""

GENERIC = ("Generic Accounts",)
"""The generic accounts' groups (shortens the table below)."""


@dataclass(frozen=True)
class Person:
    """A user account. ``*_days_ago`` count back from the seeding time; None leaves Samba's own value."""

    sam: str
    name: str
    ou: str
    groups: tuple[str, ...] = ()
    uac: int = NORMAL
    hours: bytes | None = None
    leaving: int | str | None = None
    """Leaving date as days before today, or the attribute's raw text; None: not leaving."""
    disabled_in_seeding: bool = False
    last_logon_days_ago: int | None = None
    created_days_ago: int | None = None
    pwd_set_days_ago: int | None = None
    must_change_days_ago: int | None = None
    """pwdLastSet 0 ("must change at next logon") since this many days ago."""
    primary_group_rid: int | None = None
    """A primary group other than Domain Users (513), by relative id: set once the account is in that group."""
    text: tuple[tuple[str, str], ...] = ()
    """Free-text attributes (description, info, comment) and their values."""

    @property
    def enabled(self) -> bool:
        return not (self.uac & DISABLED or self.disabled_in_seeding)


PEOPLE = (
    # Staff: the category comes from the Staff group, nested membership included.
    # A compliant teacher: school hours, used last week.
    Person("bloggs.j", "Joe Bloggs", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, last_logon_days_ago=5),
    # Logon hours that end at 19:00 UTC: 20:00 under BST.
    Person("smith.a", "Alice Smith", STAFF_OU, ("Staff",), hours=LATE_HOURS, last_logon_days_ago=2),
    # No logon-hours restriction at all.
    Person("jones.b", "Ben Jones", STAFF_OU, ("Staff",), last_logon_days_ago=1),
    # Idle: last logon 90 days ago.
    Person("davies.c", "Carol Davies", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, last_logon_days_ago=90),
    # Never logged on, created 120 days ago.
    Person("williams.d", "Dan Williams", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, created_days_ago=120),
    # Temporary password unchanged for 30 days; created then, never used, not yet dormant.
    Person(
        "evans.e", "Emma Evans", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, created_days_ago=30, must_change_days_ago=30
    ),
    # Temporary password set today.
    Person("green.f", "Fay Green", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, must_change_days_ago=0),
    # Supply teachers: staff through the nested group, governed by the four-character PSO; their OU blocks GPOs.
    Person("hill.k", "Kate Hill", SUPPLY_OU, ("Supply Teachers",), hours=SCHOOL_HOURS, last_logon_days_ago=3),
    Person("morgan.l", "Lee Morgan", SUPPLY_OU, ("Supply Teachers",), hours=SCHOOL_HOURS, last_logon_days_ago=3),
    # Leavers: left 7 days ago and disabled (today, while seeding): in time.
    Person("parker.l", "Lucy Parker", LEAVERS_OU, ("Staff",), leaving=7, disabled_in_seeding=True),
    # Left 8 days ago and disabled today: a day late.
    Person("king.m", "Mark King", LEAVERS_OU, ("Staff",), leaving=8, disabled_in_seeding=True),
    # Left 3 days ago, still enabled: removal not yet due.
    Person("owen.n", "Nia Owen", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, leaving=3),
    # Left 10 days ago, still enabled: overdue.
    Person("quinn.p", "Paul Quinn", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, leaving=10),
    # Leaving date "TBC": not a date.
    Person("roberts.r", "Rhys Roberts", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, leaving="TBC"),
    # Pupils: the category comes from the OU. A compliant pupil.
    Person("brown.a", "Amy Brown", PUPILS_OU, ("Pupils",), hours=SCHOOL_HOURS),
    # Generic (shared) accounts, by OU or group. Password set 50 days ago.
    Person("office", "Office", GENERIC_OU, GENERIC, pwd_set_days_ago=50, last_logon_days_ago=1),
    # Password set today but never expires.
    Person("library", "Library", GENERIC_OU, GENERIC, NORMAL | DONT_EXPIRE_PASSWORD, last_logon_days_ago=1),
    # Password set today, expires: compliant.
    Person("reception", "Reception", GENERIC_OU, GENERIC, last_logon_days_ago=1),
    # PASSWD_NOTREQD: may be given an empty password.
    Person("exams", "Exams", GENERIC_OU, GENERIC, NORMAL | PASSWD_NOTREQD),
    # The audit account: an ordinary user, given read access to PSOs and BitLocker records (DELEGATED_READS).
    AUDIT := Person(AUDIT_USER, "holyaudit reader", SERVICE_OU),
    # Privileged groups (PRIVILEGED_MEMBERS); the admin accounts sit with the service accounts, in no staff or pupil
    # OU. A dedicated admin account, in Domain Admins through IT Admins.
    Person(
        "adm-hughes.t",
        "Tom Hughes (admin)",
        SERVICE_OU,
        ("IT Admins",),
        last_logon_days_ago=3,
        pwd_set_days_ago=100,
        text=(("description", "IT technician's admin account; password reset by IT only"),),
    ),
    # A disabled admin account still in Domain Admins, its password unchanged for 400 days.
    Person("adm-old.s", "Sam Old (admin)", SERVICE_OU, uac=NORMAL | DISABLED, pwd_set_days_ago=400),
    # A dormant admin account in Backup Operators; a site pattern finds a password in its comment.
    Person(
        "adm-idle.d",
        "Dee Idle (admin)",
        SERVICE_OU,
        last_logon_days_ago=90,
        text=(("comment", f"code word {CODE_WORD}"),),
    ),
    # A teacher's everyday account in Print Operators through Print Helpers; a password in its notes.
    Person(
        "morris.t",
        "Tess Morris",
        STAFF_OU,
        ("Staff", "Print Helpers"),
        hours=SCHOOL_HOURS,
        last_logon_days_ago=1,
        text=(("info", f"pw is {INFO_SECRET}"),),
    ),
    # A pupil in Account Operators.
    Person("taylor.p", "Pia Taylor", PUPILS_OU, ("Pupils",), hours=SCHOOL_HOURS, last_logon_days_ago=2),
    # A service account in Domain Admins only through its primary group (memberOf does not show it).
    Person(
        "svc-backup",
        "Backup service",
        SERVICE_OU,
        last_logon_days_ago=1,
        primary_group_rid=512,
        text=(("description", f"Backup job. password: {DESCRIPTION_SECRET}"),),
    ),
    # Account flags and the policies that govern accounts (account-lockout and the rules after it).
    # Staff, also an invigilator: governed by PSO-Invigilators (precedence 5 beats PSO-Staff's 20), no maximum age.
    Person("ward.s", "Sue Ward", STAFF_OU, ("Staff", "Exam Invigilators"), hours=SCHOOL_HOURS, last_logon_days_ago=1),
    # Staff whose password never expires.
    Person("lewis.t", "Tom Lewis", STAFF_OU, ("Staff",), NORMAL | DONT_EXPIRE_PASSWORD, hours=SCHOOL_HOURS),
    # Staff linked to PSO-Legacy-Apps directly: that link wins over PSO-Staff's, although its precedence is higher.
    Person("turner.k", "Kim Turner", STAFF_OU, ("Staff",), hours=SCHOOL_HOURS, last_logon_days_ago=1),
    # Governed through its group by PSO-Legacy-Apps, which stores passwords with reversible encryption.
    Person("sims-sync", "SIMS sync", SERVICE_OU, ("Legacy Apps",), last_logon_days_ago=1),
    # Reversible encryption allowed on the account itself.
    Person("digest", "Digest web app", SERVICE_OU, uac=NORMAL | ENCRYPTED_TEXT_PWD_ALLOWED, last_logon_days_ago=1),
    # No Kerberos pre-authentication; DES keys only; a disabled account with no pre-authentication (out of scope).
    Person("copier", "Copier scan-to-folder", SERVICE_OU, uac=NORMAL | DONT_REQ_PREAUTH, last_logon_days_ago=1),
    Person("old-nas", "Old NAS", SERVICE_OU, uac=NORMAL | USE_DES_KEY_ONLY, last_logon_days_ago=1),
    Person("old-copier", "Old copier", SERVICE_OU, uac=NORMAL | DISABLED | DONT_REQ_PREAUTH),
)

MIS_ONLY_LEAVER = ("white.y", 20)
"""In the MIS leavers export, left 20 days ago, with no account in the directory."""


@dataclass(frozen=True)
class Computer:
    name: str
    ou: str
    enabled: bool = True
    recovery_keys: int = 0
    """msFVE-RecoveryInformation objects (BitLocker keys escrowed) under the computer."""
    os: str = "Windows 11 Education"
    os_version: str = "10.0 (22631)"
    last_logon_days_ago: int | None = None
    """lastLogonTimestamp; None: never signed in (out of scope for unsupported-operating-system)."""
    created_days_ago: int | None = None
    flags: int = 0
    """userAccountControl flags beside WORKSTATION (and DISABLED)."""


COMPUTERS = (
    # laptop, key escrowed; Windows Server 2022 (serviced to 2031): unsupported-operating-system PASS
    Computer(
        "HW-LT-01",
        LAPTOPS_OU,
        recovery_keys=1,
        os="Windows Server 2022 Standard",
        os_version="10.0 (20348)",
        last_logon_days_ago=1,
    ),
    # laptop, two volumes' keys escrowed; a build the lifecycle table does not hold: ERROR
    Computer(
        "HW-LT-02", LAPTOPS_OU, recovery_keys=2, os="Windows 11 Pro", os_version="10.0 (22632)", last_logon_days_ago=2
    ),
    Computer("HW-LT-03", LAPTOPS_OU),  # laptop, no key
    Computer("HW-LT-04", LAPTOPS_OU, enabled=False),  # disabled laptop, no key: out of scope
    # desktop, no key: not a laptop; Windows 10 Pro 22H2, serviced until 14 Oct 2025: FAIL
    Computer("HW-DT-01", DESKTOPS_OU, os="Windows 10 Pro", os_version="10.0 (19045)", last_logon_days_ago=3),
    Computer("HW-LT-05", LOAN_OU, recovery_keys=1),  # loan laptop, key escrowed, out of the BitLocker GPO's reach
    # signed in 60 days ago: not stale; does not require Kerberos pre-authentication
    Computer("HW-DT-02", DESKTOPS_OU, last_logon_days_ago=60, flags=DONT_REQ_PREAUTH),
    # stale; limited to DES Kerberos keys
    Computer("HW-DT-03", DESKTOPS_OU, last_logon_days_ago=120, flags=USE_DES_KEY_ONLY),
    Computer("HW-DT-04", DESKTOPS_OU, created_days_ago=200),  # pre-staged 200 days ago, never signed in: stale
    # disabled: out of scope, its pre-authentication flag included
    Computer("HW-DT-05", DESKTOPS_OU, enabled=False, last_logon_days_ago=400, flags=DONT_REQ_PREAUTH),
)


@dataclass(frozen=True)
class Pso:
    name: str
    precedence: int
    min_length: int
    complexity: bool
    applies_to: str | None
    """A group's name; None: linked to no group."""
    lockout_threshold: int = 10
    reversible: bool = False
    max_age_days: int = 42
    """0: passwords never expire."""
    linked_people: tuple[str, ...] = ()
    """sAMAccountNames the PSO is also linked to directly."""


PSOS = (
    Pso("PSO-Supply-Teachers", 10, min_length=4, complexity=False, applies_to="Supply Teachers"),  # too short
    Pso("PSO-Staff", 20, min_length=8, complexity=True, applies_to="Staff"),  # compliant
    # Locks only after 11 attempts; passwords never expire.
    Pso("PSO-Invigilators", 5, 8, True, "Exam Invigilators", lockout_threshold=11, max_age_days=0),
    # Never locks; stores passwords with reversible encryption.
    Pso(
        "PSO-Legacy-Apps", 40, 8, True, "Legacy Apps", lockout_threshold=0, reversible=True, linked_people=("turner.k",)
    ),
    # Stores passwords with reversible encryption, linked to nobody: it governs no account, yet fails itself.
    Pso("PSO-Old-Digest", 50, 8, True, applies_to=None, reversible=True),
)

MSFVE_RECOVERY_INFORMATION = "ea715d30-8f53-40d0-bd1e-6109186d782c"
"""schemaIDGUID of the msFVE-RecoveryInformation class."""
DELEGATED_READS = {
    # Only Domain Admins may read PSOs by default; a PSO has nothing secret in it.
    "CN=Password Settings Container,CN=System": "(A;CI;RPLCLO;;;{sid})",
    # BitLocker records are hidden from users by default. Inherited onto those records only; the recovery
    # password itself stays unreadable (a confidential attribute needs the control-access right too).
    COMPUTERS_OU: f"(OA;CIIO;RPLCLO;;{MSFVE_RECOVERY_INFORMATION};{{sid}})",
}
"""What the school delegates to svc-audit (by DN relative to the domain's), as ACEs in SDDL."""

PRIVILEGED_MEMBERS: dict[str, tuple[str, ...]] = {
    "CN=Domain Admins,CN=Users": ("IT Admins", "adm-old.s", "svc-backup"),
    "CN=Backup Operators,CN=Builtin": ("adm-idle.d",),
    "CN=Print Operators,CN=Builtin": ("Print Helpers",),
    "CN=Account Operators,CN=Builtin": ("taylor.p",),
    "CN=DnsAdmins,CN=Users": ("adm-hughes.t",),  # created by seeding (DNS_ADMINS)
}
"""Built-in privileged groups (DN relative to the domain's) -> the seeded groups and people (sAMAccountName) added."""
DNS_ADMINS = "CN=DnsAdmins,CN=Users"
"""Made as installing the DNS server role makes it (the test DC is provisioned without DNS): no fixed RID."""
KRBTGT_PWD_SET_DAYS_AGO = 200
"""krbtgt's password, backdated past the 180 days privileged-password-age allows."""


@dataclass(frozen=True)
class Laps:
    """LAPS expiry times, in days from the seeding time (negative: in the past); None: not set."""

    windows_days: int | None = None
    legacy_days: int | None = None


LAPS = {
    "HW-LT-01": Laps(windows_days=10),  # Windows LAPS, next change to come
    "HW-LT-02": Laps(legacy_days=-42),  # legacy LAPS, change overdue by 42 days: still within
    "HW-LT-03": Laps(windows_days=-43),  # overdue by 43 days
    "HW-LT-05": Laps(windows_days=-5, legacy_days=-300),  # moved from legacy to Windows LAPS
}
"""Computers with LAPS expiry times (with their password attributes set too, never to be read); the rest have none."""
COMPUTER_TEXT = {"HW-DT-01": f"Hall PC. pwd={COMPUTER_SECRET}"}
"""Computers' descriptions: this one records a password."""

DOMAIN_SETTINGS = {"minPwdLength": 8, "pwdProperties": 0, "forceLogoff": 0}
"""Long enough, complexity off (fails), sessions end when logon hours expire."""


def person_dn(dc: SambaDC, person: Person) -> str:
    return f"CN={person.name},{person.ou},{dc.base_dn}"


def group_dn(dc: SambaDC, group: str) -> str:
    return f"CN={group},{GROUPS_OU},{dc.base_dn}"


def computer_dn(dc: SambaDC, computer: Computer) -> str:
    return f"CN={computer.name},{computer.ou},{dc.base_dn}"


def pso_dn(dc: SambaDC, pso: Pso) -> str:
    return f"CN={pso.name},CN=Password Settings Container,CN=System,{dc.base_dn}"


def leaving_text(person: Person, today: dt.date) -> str | None:
    if isinstance(person.leaving, int):
        return (today - dt.timedelta(days=person.leaving)).strftime("%d/%m/%Y")
    return person.leaving


def nt_time(moment: dt.datetime) -> int:
    """100-nanosecond intervals since 1601-01-01 UTC, as Active Directory stores times."""
    return (moment - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1) * 10
