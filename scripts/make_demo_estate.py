"""Build the built-in demo estate: a fictional primary school that `holyaudit scan --demo` audits offline.

Holywell Primary School (demo) is mostly compliant, with a realistic scattering of problems chosen so that
every rule over many objects has some that pass and some that fail, the single domain object passes one
domain rule and fails the others, and the demo as a whole shows every object status (PASS, FAIL, ERROR,
NOT_APPLICABLE). Each planted situation is commented where it is made; tests/demo checks them.

Everything is relative to the fixed COLLECTED_AT, with no randomness and no clock reads, so the output is
the same on every run:

    python scripts/make_demo_estate.py           # rewrite src/holyaudit/demo/estate.json
    python scripts/make_demo_estate.py --check   # exit 1 if the committed file is out of date
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holyaudit.collectors.snapshot import dump_snapshot
from holyaudit.collectors.winrm.collector import with_drift
from holyaudit.collectors.winrm.drift import Intent
from holyaudit.engine.weekly_hours import hours_map_for_local_window
from holyaudit.facts import (
    AccountPolicy,
    Computer,
    Domain,
    FactRecord,
    FactSet,
    FirewallProfile,
    GpoContainer,
    Host,
    LocalGroupMember,
    PasswordPolicy,
    ScheduledTask,
    ScreenSaverPolicy,
    SysvolFile,
    User,
    Volume,
)
from holyaudit.installed_windows import Unknown, installed_fields
from holyaudit.lifecycle import lifecycle_fields

ESTATE_PATH = Path(__file__).resolve().parents[1] / "src" / "holyaudit" / "demo" / "estate.json"

SITE = "Holywell Primary School (demo)"
TIMEZONE = "Europe/London"
DOMAIN = "holywell.demo"
BASE_DN = "DC=holywell,DC=demo"
SCHOOL_DN = f"OU=Holywell,{BASE_DN}"
COLLECTED_AT = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
"""A Friday afternoon in November (GMT, so UTC and school time agree on the date)."""

# userAccountControl flags.
ACCOUNTDISABLE = 0x2
PASSWD_NOTREQD = 0x20
NORMAL_ACCOUNT = 0x200
DONT_EXPIRE_PASSWORD = 0x10000
UAC_ENABLED = NORMAL_ACCOUNT
ENCRYPTED_TEXT_PWD_ALLOWED = 0x80
DONT_REQ_PREAUTH = 0x400000
WORKSTATION_TRUST_ACCOUNT = 0x1000
UAC_DISABLED = NORMAL_ACCOUNT | ACCOUNTDISABLE

# Logon-hours maps are stored in UTC; the school day is in London time.
MON_TO_FRI = range(1, 6)
STAFF_HOURS = hours_map_for_local_window(dt.time(7), dt.time(18), MON_TO_FRI, utc_offset_hours=0)
"""07:00-18:00 UTC on school days: 07:00-18:00 in winter, 08:00-19:00 in summer. Compliant all year."""
PUPIL_HOURS = hours_map_for_local_window(dt.time(8), dt.time(16), MON_TO_FRI, utc_offset_hours=0)
SUMMER_LATE_HOURS = hours_map_for_local_window(dt.time(7), dt.time(19), range(7), utc_offset_hours=0)
"""07:00-19:00 UTC every day ("80ff07" * 7): fine in winter, but permits 19:00-20:00 under BST."""
NO_RESTRICTION = "ff" * 21
"""What Active Directory reports when logonHours was never set."""


def ago(days: int, hours: float = 0) -> dt.datetime:
    """A moment ``days`` (and ``hours``) before the collection."""
    return COLLECTED_AT - dt.timedelta(days=days, hours=hours)


def on(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def days_ago(days: int) -> dt.date:
    return (COLLECTED_AT - dt.timedelta(days=days)).date()


# ---------------------------------------------------------------------------------------------- directory


def domain() -> Domain:
    return Domain(
        id=DOMAIN,
        base_dn=BASE_DN,
        min_pwd_length=7,  # password-minimum-length: PASS
        pwd_properties=0,  # password-complexity: FAIL (complexity bit 0x1 clear)
        max_pwd_age_days=365,
        lockout_threshold=10,
        lockout_duration_mins=30,
        pwd_history_length=12,
        force_logoff=False,  # force-logoff-enabled: FAIL (sessions outlive their logon hours)
    )


def password_policies() -> list[PasswordPolicy]:
    return [
        # Compliant: the IT administrators' stricter policy.
        PasswordPolicy(
            id="PSO-Admins",
            precedence=10,
            min_length=12,
            complexity=True,
            applies_to=["Domain Admins"],
            governs=["Administrator", "price.o"],
        ),
        # fine-grained-password-minimum: FAIL. Someone lowered it so supply staff could log on quickly.
        PasswordPolicy(
            id="PSO-Supply-Teachers",
            precedence=20,
            min_length=4,
            complexity=False,
            applies_to=["Supply Teachers"],
            governs=["supply.a", "supply.b"],
        ),
    ]


def _account(sam: str, index: int, ou: str, **fields: Any) -> User:
    """An ordinary, compliant, enabled account; ``fields`` override the defaults to plant a situation.

    ``index`` varies the ordinary dates a little so the estate does not look machine-made.
    """
    values: dict[str, Any] = {
        "id": sam,
        "dn": f"CN={sam},{ou}",
        "ou": ou,
        "enabled": True,
        "uac": UAC_ENABLED,
        "pwd_last_set": ago(5 + index * 11 % 150, hours=index % 5),
        "must_change_password": False,
        "last_logon": ago(index % 4, hours=1 + index % 6),
        "created": ago(200 + index * 53 % 1500),
    }
    values.update(fields)
    return User(**values)


def _leaver(left: dt.date, disabled: dt.datetime | None) -> dict[str, Any]:
    """Fields for someone who has left: disabled at ``disabled``, or still enabled when it is None."""
    if disabled is None:
        return {"leaving_date": left}
    return {"leaving_date": left, "enabled": False, "uac": UAC_DISABLED, "disabled_at": disabled}


def _must_change(since: dt.datetime) -> dict[str, Any]:
    """Fields for an account whose password was reset to a temporary one (pwdLastSet = 0) at ``since``."""
    return {"must_change_password": True, "must_change_since": since, "pwd_last_set": None}


STAFF_OU = f"OU=Staff,{SCHOOL_DN}"
SUPPLY_OU = f"OU=Supply,OU=Staff,{SCHOOL_DN}"

# (sAMAccountName, display name, overrides): the staff room.
STAFF: list[tuple[str, str, dict[str, Any]]] = [
    ("hall.p", "Mrs Patricia Hall", {"groups": ["Staff", "SLT"]}),
    ("clarke.s", "Simon Clarke", {}),
    ("morgan.h", "Helen Morgan", {}),
    ("roberts.a", "Aled Roberts", {}),
    ("taylor.l", "Laura Taylor", {}),
    ("wright.o", "Oliver Wright", {}),
    ("lewis.r", "Rachel Lewis (School Office)", {"groups": ["Staff", "Office"]}),
    ("price.o", "Owen Price (IT technician)", {"groups": ["Staff", "Domain Admins"]}),
    # Hostile display names: shown as text, never as markup, HTML or a spreadsheet formula.
    # password-not-required: FAIL (PASSWD_NOTREQD left over from a bulk import).
    ("markup.m", "[bold red]Mr Markup[/]", {"uac": UAC_ENABLED | PASSWD_NOTREQD}),
    # logon-hours-curfew: FAIL (logon hours never set).
    ("khan.s", "<script>alert('x')</script>", {"logon_hours": NO_RESTRICTION}),
    # dormant-accounts: FAIL (idle teacher, last logon 95 days ago: on long-term leave since the summer).
    ("hyde.l", '=HYPERLINK("http://evil.example","click")', {"last_logon": ago(95, hours=3)}),
    # leaver-accounts-disabled: FAIL (left 28 days ago, still enabled). Display name hides its order with
    # a right-to-left override.
    (
        "costley.j",
        "Jordan \u202eyeltsoC",
        {**_leaver(days_ago(28), None), "last_logon": ago(29, hours=2)},
    ),
    # temporary-password-changed: FAIL (temporary password issued 30 days ago, never changed). Combining
    # accent and zero-width joiner in the name.
    ("williams.z", "Zoe\u0301 Wi\u200dlliams", _must_change(ago(30, hours=4))),
    # leaver-accounts-disabled boundaries: disabled on day 7 (PASS) and day 8 (FAIL) after leaving.
    ("ahmed.n", "Nadia Ahmed", _leaver(dt.date(2026, 11, 6), on(2026, 11, 13, 9, 15))),
    ("o'brien.k", "Kate O'Brien", _leaver(dt.date(2026, 11, 5), on(2026, 11, 13, 11))),
    # leaver-accounts-disabled: FAIL (left in July, disabled only in September).
    ("evans.m", "Martin Evans", _leaver(dt.date(2026, 7, 22), on(2026, 9, 2, 8, 40))),
    # leaver-accounts-disabled: PASS (disabled on the leaving day, during British Summer Time).
    ("ward.j", "Jenny Ward", _leaver(dt.date(2026, 8, 31), on(2026, 8, 31, 15))),
    # leaver-accounts-disabled: NOT_APPLICABLE (left exactly 7 days ago, still within the week allowed).
    ("fisher.d", "Dan Fisher", _leaver(days_ago(7), None)),
    # leaver-accounts-disabled: ERROR (the MIS export says 'TBC' for the leaving date).
    ("bennett.c", "Chris Bennett", {"unreadable": {"leaving_date": "cannot parse 'TBC' as dd/mm/yyyy"}}),
    # logon-hours-curfew: FAIL in summer only (hours set as 07:00-19:00 UTC every day).
    ("grant.e", "Emma Grant", {"logon_hours": SUMMER_LATE_HOURS}),
    # dormant-accounts boundaries: last logon 60 days ago (PASS), 61 days ago (FAIL).
    ("patel.v", "Vikram Patel (peripatetic music)", {"last_logon": ago(60, hours=1)}),
    ("reid.t", "Tom Reid", {"last_logon": ago(61, hours=1)}),
    # dormant-accounts: FAIL (created 120 days ago for a governor, never used).
    ("moss.g", "Graham Moss (governor)", {"last_logon": None, "created": ago(120)}),
    # New starter: never logged on but created 4 days ago (dormant PASS), temporary password 4 days old
    # (temporary-password-changed PASS).
    ("newton.h", "Harriet Newton", {"last_logon": None, "created": ago(4), **_must_change(ago(4))}),
    # temporary-password-changed boundaries: reset 7 days ago (PASS), 8 days ago (FAIL).
    ("quinn.m", "Megan Quinn (TA)", _must_change(ago(7, hours=2))),
    ("young.b", "Beth Young (TA)", _must_change(ago(8, hours=2))),
]

# Supply teachers, governed by the weak PSO-Supply-Teachers policy.
SUPPLY: list[tuple[str, str, dict[str, Any]]] = [
    ("supply.a", "Alex Turner (supply)", {}),
    ("supply.b", "Sam Hughes (supply)", {}),
]

# (sAMAccountName, display name, year group, overrides): pupils, named by entry year + surname + initial.
PUPILS: list[tuple[str, str, int, dict[str, Any]]] = [
    ("20adamsj", "Jack Adams", 6, {}),
    ("20bakerm", "Mia Baker", 6, {}),
    ("20collinsr", "Ruby Collins", 6, {}),
    ("20davieso", "Oscar Davies", 6, {}),
    ("20edwardsi", "Isla Edwards", 6, {}),
    ("20foxt", "Theo Fox", 6, {}),
    # leaver-accounts-disabled: NOT_APPLICABLE (moved school yesterday; still enabled).
    ("20marshl", "Lily Marsh", 6, _leaver(days_ago(1), None)),
    ("21greenh", "Harry Green", 5, {}),
    ("21hillp", "Poppy Hill", 5, {}),
    ("21jamesa", "Amelia James", 5, {}),
    ("21kingn", "Noah King", 5, {}),
    ("21leeg", "Grace Lee", 5, {}),
    # leaver-accounts-disabled: PASS (left at half-term, disabled 3 days later).
    ("21reevesk", "Kai Reeves", 5, _leaver(dt.date(2026, 10, 16), on(2026, 10, 19, 10))),
    ("21mooref", "Freya Moore", 5, {}),
    ("22nashe", "Evie Nash", 4, {}),
    ("22owenw", "William Owen", 4, {}),
    # temporary-password-changed: PASS (password reset by the class teacher two days ago).
    ("22okaforc", "Chidi Okafor", 4, _must_change(ago(2, hours=5))),
    ("22parkerl", "Leo Parker", 4, {}),
    ("22rossi", "Ivy Ross", 4, {}),
    ("22scotth", "Henry Scott", 4, {}),
    ("23turnera", "Alfie Turner", 3, {}),
    ("23vaughano", "Olivia Vaughan", 3, {}),
    ("23walkers", "Sophia Walker", 3, {}),
    # logon-hours-curfew: FAIL (created by the MIS sync without logon hours).
    ("23doylef", "Finn Doyle", 3, {"logon_hours": NO_RESTRICTION, "created": ago(40)}),
    ("23youngr", "Rosie Young", 3, {}),
    ("23zamanz", "Zara Zaman", 3, {}),
    ("23birde", "Ethan Bird", 3, {}),
]

GENERIC_OU = f"OU=Generic,{SCHOOL_DN}"

# (sAMAccountName, display name, overrides): shared accounts; their passwords must change every 42 days.
GENERIC: list[tuple[str, str, dict[str, Any]]] = [
    # generic-password-age: FAIL (set to never expire so exam-day logon "just works").
    (
        "exam-kiosk",
        "Exam kiosk",
        {"uac": UAC_ENABLED | DONT_EXPIRE_PASSWORD, "pwd_last_set": ago(210)},
    ),
    # password-not-required: FAIL; generic-password-age: PASS (changed 20 days ago).
    ("office-shared", "Office shared", {"uac": UAC_ENABLED | PASSWD_NOTREQD, "pwd_last_set": ago(20)}),
    # generic-password-age boundaries: changed 43 days ago (FAIL), 42 days ago (PASS).
    ("library-kiosk", "Library kiosk", {"pwd_last_set": ago(43, hours=2)}),
    ("hall-display", "Hall display", {"pwd_last_set": ago(42, hours=2)}),
]

BUILTIN_OU = f"CN=Users,{BASE_DN}"

# Built-in accounts: dormant-accounts treats them as NOT_APPLICABLE.
BUILTIN: list[tuple[str, dict[str, Any]]] = [
    ("Administrator", {"uac": UAC_ENABLED | DONT_EXPIRE_PASSWORD, "groups": ["Domain Admins"]}),
    ("Guest", {"enabled": False, "uac": UAC_DISABLED | PASSWD_NOTREQD, "last_logon": None}),
    ("krbtgt", {"enabled": False, "uac": UAC_DISABLED, "last_logon": None, "pwd_last_set": ago(1400)}),
    # Enabled, last logon long ago: would be dormant, but it is a built-in (NOT_APPLICABLE).
    ("dns-dc1", {"uac": UAC_ENABLED | DONT_EXPIRE_PASSWORD, "last_logon": ago(200)}),
]


ADMINS_OU = f"OU=Admins,{SCHOOL_DN}"

# (sAMAccountName, display name, overrides): dedicated admin accounts, and what privileged-accounts-separate and
# privileged-password-age find among the privileged groups' members (price.o's everyday account and the built-in
# Administrator are members too).
ADMINS: list[tuple[str, str, dict[str, Any]]] = [
    # privileged-accounts-separate: PASS (the IT technician's own admin account).
    ("adm-price.o", "Owen Price (admin)", {"groups": ["Domain Admins"]}),
    # privileged-accounts-separate: FAIL (disabled, left in Domain Admins); privileged-password-age: FAIL (500 days).
    (
        "adm-jenkins.r",
        "Rob Jenkins (former technician, admin)",
        {"groups": ["Domain Admins"], "enabled": False, "uac": UAC_DISABLED, "pwd_last_set": ago(500)},
    ),
]
PRIVILEGED_GROUPS = {"Domain Admins": ("Administrators",)}
"""The privileged groups the demo's accounts are in, and the groups each is itself nested in."""
PASSWORD_TEXT = {"office-shared": ["description"], "lewis.r": ["info"]}
"""no-passwords-in-directory-text: FAIL (a shared password in the description; one written in the Notes box)."""


def _with_privilege_and_text(accounts: list[User]) -> list[User]:
    """Each account's privileged groups with their sizes, and the text attributes that look like a password."""
    nested = {
        user.id: {g for group in user.groups if group in PRIVILEGED_GROUPS for g in (group, *PRIVILEGED_GROUPS[group])}
        for user in accounts
    }
    sizes: dict[str, int] = {}
    for groups in nested.values():
        for group in groups:
            sizes[group] = sizes.get(group, 0) + 1
    return [
        user.model_copy(
            update={
                "privileged": bool(nested[user.id]),
                "privileged_groups": {g: sizes[g] for g in sorted(nested[user.id])},
                "password_text_in": PASSWORD_TEXT.get(user.id, []),
            }
        )
        for user in accounts
    ]


SERVICE_OU = f"OU=Service Accounts,{SCHOOL_DN}"

# (sAMAccountName, display name, overrides): service accounts, added after the built-in ones.
SERVICE: list[tuple[str, str, dict[str, Any]]] = [
    # reversible-encryption-disabled: FAIL (the old MIS sync wanted digest authentication).
    ("svc-mis-sync", "MIS sync", {"uac": UAC_ENABLED | ENCRYPTED_TEXT_PWD_ALLOWED}),
    # kerberos-preauth-required: FAIL (the copier's scan-to-folder account, set up without pre-authentication).
    ("svc-copier", "Copier scan-to-folder", {"uac": UAC_ENABLED | DONT_REQ_PREAUTH}),
]


def account_policies() -> list[AccountPolicy]:
    """The domain's own policy and each PSO's, as the collector records them (account-lockout)."""
    return [
        AccountPolicy(
            id=DOMAIN, is_domain=True, lockout_threshold=10, lockout_duration_mins=30,
            reversible_encryption=False, max_pwd_age_days=365,
        ),
        # Compliant: locks after 5 attempts, until an administrator unlocks the account.
        AccountPolicy(
            id="PSO-Admins", is_domain=False, precedence=10, lockout_threshold=5, lockout_duration_mins=-1,
            reversible_encryption=False, max_pwd_age_days=90, applies_to=["Domain Admins"],
        ),
        # account-lockout: FAIL (never locks) and staff-passwords-expire: FAIL for the supply teachers it governs
        # (no maximum age), both lowered with its length.
        AccountPolicy(
            id="PSO-Supply-Teachers", is_domain=False, precedence=20, lockout_threshold=0, lockout_duration_mins=30,
            reversible_encryption=False, max_pwd_age_days=0, applies_to=["Supply Teachers"],
        ),
    ]  # fmt: skip


PSO_GROUPS = {"Domain Admins": "PSO-Admins", "Supply Teachers": "PSO-Supply-Teachers"}
"""The group each PSO is linked to."""


def with_account_policy(user: User) -> User:
    """A user with the policy that governs it, chosen as the collector does: the linked PSO of lowest precedence,
    else the domain's own."""
    policies = {policy.id: policy for policy in account_policies()}
    linked = [policies[PSO_GROUPS[group]] for group in user.groups if group in PSO_GROUPS]
    policy = min(linked, key=lambda pso: pso.precedence or 0, default=policies[DOMAIN])
    return user.model_copy(
        update={
            "password_policy": policy.id,
            "policy_max_pwd_age_days": policy.max_pwd_age_days,
            "policy_reversible_encryption": policy.reversible_encryption,
        }
    )


def users() -> list[User]:
    """Every account, in table order; the position in the estate varies the ordinary dates."""
    rows: list[tuple[str, str, dict[str, Any]]] = []

    def role(name: str | None, category: str, groups: list[str], hours: str) -> dict[str, Any]:
        fields = {"categories": [category], "groups": groups, "logon_hours": hours}
        return fields if name is None else fields | {"display_name": name}

    for sam, name, changes in STAFF:
        rows.append((sam, STAFF_OU, role(name, "staff", ["Staff"], STAFF_HOURS) | changes))
    for sam, name, changes in SUPPLY:
        rows.append((sam, SUPPLY_OU, role(name, "staff", ["Staff", "Supply Teachers"], STAFF_HOURS) | changes))
    for sam, name, year, changes in PUPILS:
        fields = role(name, "pupil", ["Pupils", f"Year {year}"], PUPIL_HOURS)
        rows.append((sam, f"OU=Year {year},OU=Pupils,{SCHOOL_DN}", fields | changes))
    for sam, name, changes in GENERIC:
        rows.append((sam, GENERIC_OU, role(name, "generic", ["Generic"], STAFF_HOURS) | changes))
    for sam, changes in BUILTIN:
        fields = role(None, "builtin", [], NO_RESTRICTION) | {"created": ago(2400)}
        rows.append((sam, BUILTIN_OU, fields | changes))
    for sam, name, changes in ADMINS:
        rows.append((sam, ADMINS_OU, role(name, "admin", [], NO_RESTRICTION) | changes))
    for sam, name, changes in SERVICE:
        rows.append((sam, SERVICE_OU, role(name, "service", [], NO_RESTRICTION) | changes))
    accounts = [_account(sam, index, ou, **fields) for index, (sam, ou, fields) in enumerate(rows, start=1)]
    return _with_privilege_and_text(accounts)


# ----------------------------------------------------------------------------------------------- machines

DESKTOP, PORTABLE, NOTEBOOK, CONVERTIBLE = [3], [9], [10], [31]
"""Win32_SystemEnclosure chassis types."""


def os_volume(protection: str = "On", percent: float = 100.0) -> Volume:
    status = {"protection_status": protection, "encryption_percentage": percent}
    return Volume(id="C:", volume_type="OperatingSystem", **status)


def data_volume(protection: str = "On", percent: float = 100.0) -> Volume:
    status = {"protection_status": protection, "encryption_percentage": percent}
    return Volume(id="D:", volume_type="FixedData", **status)


def logoff_task(at: dt.time, *, daily: bool = True, on_battery: bool = True) -> ScheduledTask:
    """A shutdown run as SYSTEM (which ends every user's session), deployed by Group Policy."""
    name = "Holywell nightly shutdown" if daily else "Holywell weekly shutdown"
    return ScheduledTask(
        id=name,
        action="shutdown",
        daily=daily,
        time=at,
        runs_as="SYSTEM",
        ends_user_sessions=True,
        runs_on_battery=on_battery,
    )


def hive(user: str, timeout_secs: int, *, active: bool = True, secure: bool = True) -> ScreenSaverPolicy:
    return ScreenSaverPolicy(
        id=f"HOLYWELL\\{user}",
        active=active,
        secure=secure,
        timeout_secs=timeout_secs,
        executable="scrnsave.scr",
        saver_selected=True,
    )


@dataclass(frozen=True)
class Machine:
    """One machine, both as a directory computer account and as the endpoint it reports itself as."""

    name: str
    ou: str
    chassis: list[int]
    laptop: bool
    computer: dict[str, Any] = field(default_factory=dict)
    """Overrides for the Computer record."""
    host: dict[str, Any] = field(default_factory=dict)
    """Overrides for the Host record; ``error`` alone makes the host unreachable."""


def desktop(
    name: str, ou: str, *, chassis: list[int] = DESKTOP, computer: dict[str, Any] | None = None, **host: Any
) -> Machine:
    return Machine(name, ou, chassis, laptop=False, computer=computer or {}, host=host)


def laptop(
    name: str,
    ou: str = "Laptops",
    *,
    chassis: list[int] = NOTEBOOK,
    computer: dict[str, Any] | None = None,
    **host: Any,
) -> Machine:
    return Machine(name, ou, chassis, laptop=True, computer=computer or {}, host=host)


def server(*, volumes: list[Volume], backup_age_days: int) -> dict[str, dict[str, Any]]:
    """A Windows Server in the server category, backed up by Windows Server Backup."""
    return {
        "computer": {
            "categories": ["server"],
            "operating_system": "Windows Server 2022 Standard",
            "os_version": "10.0 (20348)",
        },
        "host": {
            "categories": ["server"],
            "os": "Microsoft Windows Server 2022 Standard",
            "os_build": "10.0.20348.2849",
            "volumes": volumes,
            "backup_evidence": "Windows Server Backup",
            "backup_succeeded": True,
            "backup_last_success": ago(backup_age_days, hours=9),
        },
    }


def unreachable(reason: str) -> dict[str, Any]:
    return {"error": f"unreachable: {reason}"}


MACHINES: list[Machine] = [
    desktop("HW-ICT-01", "ICT Suite"),
    desktop("HW-ICT-02", "ICT Suite"),
    desktop("HW-ICT-03", "ICT Suite"),
    # antivirus-up-to-date: FAIL (signatures 12 days old; the update service is stuck).
    desktop("HW-ICT-04", "ICT Suite", av_signatures_updated=ago(12, hours=3)),
    # antivirus-up-to-date: FAIL (Defender left in passive mode after another product was removed).
    desktop("HW-ICT-05", "ICT Suite", av_running_mode="Passive Mode", av_enabled=False, av_realtime=False),
    desktop("HW-ICT-06", "ICT Suite"),
    # screensaver-locking: PASS through every loaded user hive's screen-saver policy (no machine limit).
    desktop(
        "HW-ICT-07",
        "ICT Suite",
        inactivity_timeout_secs=None,
        screensaver_users=[hive("21greenh", 300), hive("21hillp", 600)],
    ),
    # Unreachable: ERROR for every endpoint rule. stale-computer-accounts: FAIL (its account last signed in 140
    # days ago: the machine was replaced in the summer and something else now answers on its address).
    desktop(
        "HW-ICT-08",
        "ICT Suite",
        computer={"last_logon": ago(140, hours=2)},
        **unreachable("connection refused on port 5986"),
    ),
    desktop("HW-OFF-01", "Office"),
    # screensaver-locking: FAIL (no machine limit, and the shared office account's screen saver waits 30 min).
    desktop(
        "HW-OFF-02",
        "Office",
        inactivity_timeout_secs=None,
        screensaver_users=[hive("lewis.r", 300), hive("office-shared", 1800)],
    ),
    desktop("HW-CL-01", "Classrooms"),
    # antivirus-up-to-date boundary: signatures exactly 3 days old (PASS).
    desktop("HW-CL-02", "Classrooms", av_signatures_updated=ago(3)),
    # logoff-task-scheduled: FAIL (the nightly shutdown runs at 19:30).
    desktop("HW-CL-03", "Classrooms", logoff_tasks=[logoff_task(dt.time(19, 30))]),
    # logoff-task-scheduled boundary: a weekly shutdown (not daily) and a daily shutdown at 19:00 (PASS).
    desktop(
        "HW-CL-04",
        "Classrooms",
        logoff_tasks=[logoff_task(dt.time(17), daily=False), logoff_task(dt.time(19))],
    ),
    # antivirus-up-to-date boundary: signatures 4 days old (FAIL).
    desktop("HW-CL-05", "Classrooms", av_signatures_updated=ago(4)),
    # laptop-encryption: FAIL. Filed with the classroom desktops and not in the laptop category, but the
    # chassis says notebook, so the rule treats it as a laptop; BitLocker was never turned on.
    desktop("HW-CL-06", "Classrooms", chassis=NOTEBOOK, volumes=[os_volume("Off", 0.0)]),
    # autologon-no-stored-password: FAIL (automatic logon set up by Sysinternals Autologon: no DefaultPassword
    # in the registry, because the password is kept as an LSA secret).
    desktop("HW-LIB-01", "Library", autologon_enabled=True, autologon_user="HOLYWELL\\library-kiosk"),
    # autologon-no-stored-password: FAIL (Winlogon DefaultPassword present).
    desktop("HW-EXAM-01", "Library", autologon_enabled=True, default_password_present=True),
    # logoff-task-scheduled: FAIL (no log-off task: the hall display runs all night);
    # antivirus-up-to-date: FAIL (real-time protection switched off "because it slowed the slideshow").
    desktop("HW-HALL-01", "Hall", logoff_tasks=[], av_realtime=False),
    laptop("HW-LT-01"),
    # laptop-encryption: PASS (only the OperatingSystem volume counts; the data volume is not encrypted).
    laptop("HW-LT-02", volumes=[os_volume(), data_volume("Off", 0.0)]),
    # bitlocker-key-escrowed: FAIL (encrypted, but the recovery key never reached the directory).
    laptop("HW-LT-03", chassis=CONVERTIBLE, computer={"bitlocker_key_escrowed": False}),
    # Reported stolen: computer account disabled (out of scope for bitlocker-key-escrowed), host unreachable.
    laptop(
        "HW-LT-04",
        computer={"enabled": False, "bitlocker_key_escrowed": False, "last_logon": ago(34)},
        **unreachable("name hw-lt-04.holywell.demo not found in DNS"),
    ),
    # laptop-encryption: FAIL and bitlocker-key-escrowed: FAIL (BitLocker never enabled).
    laptop("HW-LT-05", computer={"bitlocker_key_escrowed": False}, volumes=[os_volume("Off", 0.0)]),
    # laptop-encryption: FAIL (encryption still in progress).
    laptop("HW-LT-06", volumes=[os_volume("Off", 47.5)]),
    # Unreachable (switched off in a teacher's bag): ERROR for every endpoint rule.
    laptop(
        "HW-LT-07",
        computer={"last_logon": ago(9)},
        **unreachable("no response from hw-lt-07.holywell.demo:5986 (timed out after 30 s)"),
    ),
    # laptop-encryption: ERROR (BitLocker status could not be read); the other endpoint rules still check.
    laptop("HW-LT-08", unreadable={"volumes": "access denied reading BitLocker status"}, volumes=None),
    # unsupported-operating-system: FAIL (still on Windows 10 Pro 22H2, serviced until 14 Oct 2025, no ESU).
    laptop(
        "HW-TR-01",
        "Laptop Trolley",
        chassis=PORTABLE,
        computer={"operating_system": "Windows 10 Pro", "os_version": "10.0 (19045)"},
    ),
    # screensaver-locking: FAIL (machine inactivity limit of 15 minutes).
    laptop("HW-TR-02", "Laptop Trolley", chassis=PORTABLE, inactivity_timeout_secs=900),
    # logoff-task-scheduled: FAIL (the nightly shutdown keeps Task Scheduler's default: not on battery power).
    laptop(
        "HW-TR-03", "Laptop Trolley", chassis=PORTABLE, logoff_tasks=[logoff_task(dt.time(18, 30), on_battery=False)]
    ),
    # personal-data-machines-encrypted and server-backups-recent: PASS (the office server, both drives encrypted,
    # backed up last night by Windows Server Backup).
    Machine("HW-SRV-01", "Office", DESKTOP, False, **server(volumes=[os_volume(), data_volume()], backup_age_days=1)),
    # personal-data-machines-encrypted: FAIL (the data drive holding the MIS exports was never encrypted);
    # server-backups-recent: FAIL (the last successful backup is 9 days old).
    Machine(
        "HW-SRV-02",
        "Office",
        DESKTOP,
        False,
        **server(volumes=[os_volume(), data_volume("Off", 0.0)], backup_age_days=9),
    ),
    # personal-data-machines-encrypted: FAIL (an admin office PC whose second drive is not encrypted).
    Machine(
        "HW-OFF-03",
        "Office",
        DESKTOP,
        False,
        computer={"categories": ["office"]},
        host={"categories": ["office"], "volumes": [os_volume(), data_volume("Off", 0.0)]},
    ),
]


def computer(machine: Machine, index: int) -> Computer:
    values: dict[str, Any] = {
        "id": machine.name,
        "dns_host_name": f"{machine.name.lower()}.{DOMAIN}",
        "ou": f"OU={machine.ou},OU=Computers,{SCHOOL_DN}",
        "categories": ["laptop"] if machine.laptop else [],
        "enabled": True,
        "operating_system": "Windows 11 Education",
        "os_version": "10.0 (26100)",
        "last_logon": ago(index % 3, hours=2 + index % 5),
        # Desktops and managed laptops were encrypted by the build process, which escrows the key;
        # HW-CL-06, a notebook filed as a desktop, missed it.
        "bitlocker_key_escrowed": machine.chassis == DESKTOP or machine.laptop,
    }
    values |= {"domain_controller": False, "laps_expires": ago(-(3 + index * 7 % 25))}  # changes still to come
    values |= {"uac": WORKSTATION_TRUST_ACCOUNT, "password_text_in": COMPUTER_TEXT.get(machine.name, [])}
    merged = values | machine.computer | LAPS.get(machine.name, {})
    return Computer(**(merged | lifecycle_fields(merged["operating_system"], merged["os_version"])))


COMPUTER_TEXT = {"HW-HALL-01": ["description"]}
"""no-passwords-in-directory-text: FAIL (the hall display's local password, noted in its description)."""


LAPS: dict[str, dict[str, Any]] = {
    # local-admin-passwords-managed boundaries: Windows LAPS change overdue by 42 days (PASS), 43 days (FAIL).
    "HW-OFF-02": {"laps_expires": ago(42, hours=1)},
    "HW-HALL-01": {"laps_expires": ago(43, hours=1)},
    # PASS: still on legacy Microsoft LAPS, its change due in 12 days.
    "HW-LIB-01": {"laps_expires": None, "legacy_laps_expires": ago(-12)},
    # FAIL: imaged after LAPS was set up and never joined to its OU's policy: no managed password.
    "HW-EXAM-01": {"laps_expires": None},
}
"""LAPS expiry times that differ from the estate's ordinary ones (a change due within the next weeks)."""


def host(machine: Machine, index: int) -> Host:
    if "error" in machine.host:
        return Host(id=machine.name, error=machine.host["error"])
    values: dict[str, Any] = {
        "id": machine.name,
        "os": "Microsoft Windows 11 Education",
        "os_build": "10.0.26100.7171",
        "chassis_types": machine.chassis,
        "categories": ["laptop"] if machine.laptop else [],
        "volumes": [os_volume()],
        "inactivity_timeout_secs": 600 if machine.laptop else 300,
        "screensaver_users": [],
        "logoff_tasks": [logoff_task(dt.time(18, 30))],
        "autologon_enabled": False,
        "autologon_user": None,
        "autologon_count": None,
        "force_autologon": False,
        "default_password_present": False,
        "av_product": "Microsoft Defender Antivirus",
        "av_running_mode": "Normal",
        "av_enabled": True,
        "av_realtime": True,
        "av_signatures_updated": ago(0, hours=4 + index % 9),
    }
    values |= hardening(machine.name)
    merged = values | machine.host
    usual = WINDOWS_SERVER_2022 if "server" in merged["categories"] else WINDOWS_11
    return Host(**with_release(merged, RELEASES.get(machine.name, usual)))


@dataclass(frozen=True)
class Release:
    """What a machine says it runs under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion."""

    edition: str
    build: int
    ubr: int
    installation: str
    display: str
    product: str
    caption: str


WINDOWS_11 = Release(
    "Education", 26100, 8655, "Client", "24H2", "Windows 10 Education", "Microsoft Windows 11 Education"
)
WINDOWS_SERVER_2022 = Release(
    "ServerStandard",
    20348,
    5256,
    "Server",
    "21H2",
    "Windows Server 2022 Standard",
    "Microsoft Windows Server 2022 Standard",
)
RELEASES: dict[str, Release] = {
    # updates-current: FAIL (its updates stopped in November 2025: it lacks the December update and every one since).
    "HW-LIB-01": Release(
        "Education", 26100, 7171, "Client", "24H2", "Windows 10 Education", "Microsoft Windows 11 Education"
    ),
    # os-supported: FAIL (Windows 10 Pro 22H2, serviced until 14 Oct 2025, no ESU), as the directory says;
    # updates-current: FAIL (it lacks the ESU updates since November 2025).
    "HW-TR-01": Release("Professional", 19045, 6456, "Client", "22H2", "Windows 10 Pro", "Microsoft Windows 10 Pro"),
}
"""Releases other than the estate's usual ones: Windows 11 24H2 Education on clients, Windows Server 2022 on
servers, each with the June 2026 update, the last in holyaudit's update list (so updates-current reports ERROR on
the demo's day: the list ends too long before it)."""


def with_release(values: dict[str, Any], release: Release) -> dict[str, Any]:
    """A host's fields with its release values and what holyaudit's lifecycle table makes of them."""
    found = {
        "os": release.caption,
        "os_build": f"10.0.{release.build}.{release.ubr}",
        "os_edition_id": release.edition,
        "os_installation_type": release.installation,
        "os_display_version": release.display,
        "os_product_name": release.product,
        "os_ubr": release.ubr,
    }
    unreadable = dict(values.get("unreadable", {}))
    for name, value in installed_fields(release.edition, release.build, release.ubr, release.installation).items():
        if isinstance(value, Unknown):
            unreadable[name] = value.reason
        else:
            found[name] = value
    return values | found | {"unreadable": unreadable}


DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"


def firewall(public_on: bool = True) -> list[FirewallProfile]:
    return [
        FirewallProfile(id=name, enabled=public_on or name != "Public", default_inbound_action="Block")
        for name in ("Domain", "Private", "Public")
    ]


def local_admin(name: str, sid: str, member_class: str = "User", *, resolved: bool = True) -> LocalGroupMember:
    return LocalGroupMember(id=name if resolved else sid, sid=sid, member_class=member_class, resolved=resolved)


HARDENING: dict[str, dict[str, Any]] = {
    # firewall-enabled: FAIL (the public profile was switched off to get a classroom visualiser working).
    "HW-ICT-02": {"firewall_profiles": firewall(public_on=False)},
    # remote-desktop-secured: PASS (Remote Desktop on for the technician, with NLA and TLS).
    "HW-ICT-06": {"rdp_enabled": True},
    # remote-desktop-secured: FAIL (Remote Desktop on for the bursar working from home, security layer negotiate).
    "HW-OFF-01": {"rdp_enabled": True, "rdp_security_layer": 1},
    # local-admins-restricted: FAIL (a teacher made a local administrator to install a program).
    "HW-CL-01": {"extra_admins": [local_admin("HOLYWELL\\21greenh", f"{DOMAIN_SID}-1187")]},
    # local-admins-restricted: FAIL (an account deleted from the directory left its SID behind).
    "HW-ICT-03": {"extra_admins": [local_admin("", f"{DOMAIN_SID}-1203", resolved=False)]},
    # removable-media-protected: FAIL (no policy denies writing to unencrypted USB sticks); gpo-endpoint-drift: FAIL
    # (its OU's GPO 'USB Encryption' sets RDVDenyWriteAccess 1, which never reached the machine).
    "HW-LT-01": {"removable_bitlocker_write_denied": False, "removable_write_needs_bitlocker": None},
}
"""Machines whose firewall, Remote Desktop, local administrators or removable-media policy is not the default."""


def hardening(name: str) -> dict[str, Any]:
    """Firewall, Remote Desktop, local administrators and removable media: compliant unless HARDENING says not."""
    override = dict(HARDENING.get(name, {}))
    admins = [
        local_admin(f"{name}\\Administrator", "S-1-5-21-1004336348-1177238915-682003330-500"),
        local_admin("HOLYWELL\\Domain Admins", f"{DOMAIN_SID}-512", "Group"),
        *override.pop("extra_admins", []),
    ]
    return {
        "firewall_profiles": firewall(),
        "rdp_enabled": False,
        "rdp_nla_required": True,
        "rdp_security_layer": 2,
        "local_admins": admins,
        "removable_bitlocker_write_denied": True,
        "removable_write_denied": False,
        "removable_write_needs_bitlocker": True,
    } | override


# -------------------------------------------------------------------------------------------------- output


GPO_NOTE = (
    "not modelled: security filtering (who may read and apply a GPO), loopback processing, site-linked GPOs and "
    "the local GPO"
)
BASELINE_SCREENSAVER: dict[str, Any] = {
    "screensaver_active": True,
    "screensaver_active_from": "Holywell Baseline",
    "screensaver_secure": True,
    "screensaver_secure_from": "Holywell Baseline",
    "screensaver_timeout_secs": 600,
    "screensaver_timeout_from": "Holywell Baseline",
}


SCHOOL_FIREWALL: dict[str, Any] = {
    f"firewall_{profile}_{setting}{suffix}": "School Firewall" if suffix else True
    for profile in ("domain", "private", "public")
    for setting in ("on", "blocks_inbound")
    for suffix in ("", "_from")
}
"""gpo-firewall-on: PASS wherever it is linked (every computer OU but the Hall's, whose GPO turns public off)."""
HALL_DISPLAY: dict[str, Any] = {
    "firewall_public_blocks_inbound": False,
    "firewall_public_blocks_inbound_from": "Hall Display",
}
USB_ENCRYPTION: dict[str, Any] = {
    "removable_write_needs_bitlocker": True,
    "removable_write_needs_bitlocker_from": "USB Encryption",
}
"""gpo-removable-media-encrypted: PASS where it is linked (the laptop OUs); the desktop rooms have none."""


PUPIL_RELAXED: dict[str, Any] = {
    **BASELINE_SCREENSAVER,
    "screensaver_timeout_secs": 1800,
    "screensaver_timeout_from": "Pupil Relaxed",
}


def _ou(dn: str, applied: list[str], **fields: Any) -> GpoContainer:
    counts = {"staff_users": 0, "pupil_users": 0, "computers": 0, "laptops": 0}
    return GpoContainer(
        id=dn, dn=dn, is_domain=dn == BASE_DN, applied_gpos=applied, notes=[GPO_NOTE], **{**counts, **fields}
    )


def gpo_ous() -> list[GpoContainer]:
    domain_gpos = ["Default Domain Policy", "Holywell Baseline"]
    laptops = f"OU=Laptops,OU=Computers,OU=Holywell,{BASE_DN}"
    return [
        _ou(
            BASE_DN,
            domain_gpos,
            **BASELINE_SCREENSAVER,
            force_logoff_when_hour_expire=True,  # gpo-force-logoff: FAIL (the directory's forceLogoff disagrees)
            force_logoff_from="Default Domain Policy",
            min_password_length=6,  # gpo-password-settings-agree: FAIL (the domain says 7, without complexity)
            min_password_length_from="Default Domain Policy",
            password_complexity=True,
            password_complexity_from="Default Domain Policy",
            domain_min_pwd_length=7,
            domain_password_complexity=False,
            domain_force_logoff=False,
            min_password_length_agrees=False,
            password_complexity_agrees=False,
        ),
        _ou(f"OU=Staff,OU=Holywell,{BASE_DN}", domain_gpos, staff_users=24, **BASELINE_SCREENSAVER),  # PASS
        _ou(f"OU=Supply,OU=Staff,OU=Holywell,{BASE_DN}", domain_gpos, staff_users=2, **BASELINE_SCREENSAVER),
        _ou(f"OU=Generic,OU=Holywell,{BASE_DN}", domain_gpos, **BASELINE_SCREENSAVER),
        _ou(f"OU=Pupils,OU=Holywell,{BASE_DN}", ["Pupil Relaxed", *domain_gpos], **PUPIL_RELAXED),
        *(  # gpo-screensaver-locking: FAIL (a lower GPO relaxes the timeout)
            _ou(
                f"OU=Year {year},OU=Pupils,OU=Holywell,{BASE_DN}",
                ["Pupil Relaxed", *domain_gpos],
                pupil_users=n,
                **PUPIL_RELAXED,
            )
            for year, n in ((3, 7), (4, 6), (5, 7), (6, 7))
        ),
        _ou(f"OU=Computers,OU=Holywell,{BASE_DN}", domain_gpos, **BASELINE_SCREENSAVER),
        _ou(  # gpo-bitlocker-laptops: PASS
            laptops,
            ["Laptop BitLocker", *domain_gpos],
            computers=12,
            laptops=12,
            bitlocker_os_drive_required=True,
            bitlocker_os_drive_from="Laptop BitLocker",
            bitlocker_os_drive_policy="encryption enforced by policy",
            bitlocker_settings={"EncryptionMethodWithXtsOs": 7, "OSRecovery": 1},
            bitlocker_settings_from={"EncryptionMethodWithXtsOs": "Laptop BitLocker", "OSRecovery": "Laptop BitLocker"},
            **BASELINE_SCREENSAVER,
            **SCHOOL_FIREWALL,
            **USB_ENCRYPTION,
        ),
        *(
            _ou(
                f"OU={room},OU=Computers,{SCHOOL_DN}",
                domain_gpos,
                computers=count,
                **BASELINE_SCREENSAVER,
                # gpo-firewall-on: FAIL in the Hall (a GPO lets the display's public profile accept connections).
                **(SCHOOL_FIREWALL | (HALL_DISPLAY if room == "Hall" else {})),
                **(USB_ENCRYPTION if room == "Laptop Trolley" else {}),
            )
            for room, count in (
                ("ICT Suite", 8),
                ("Office", 5),
                ("Classrooms", 6),
                ("Library", 2),
                ("Hall", 1),
                ("Laptop Trolley", 3),
            )
        ),
        _ou(  # gpo-bitlocker-laptops: FAIL (blocks inheritance, so the BitLocker GPO does not reach it)
            f"OU=Loan,{laptops}",
            [],
            blocks_inheritance=True,
            bitlocker_os_drive_policy="no BitLocker policy",
            computers=4,
            laptops=4,
            skipped_links=[f"'Laptop BitLocker' linked at {laptops}: inheritance blocked at OU=Loan,{laptops}"],
        ),
    ]


def sysvol_files() -> list[SysvolFile]:
    policies = f"{DOMAIN}\\Policies"
    staff_drives = "{6AC1786C-016F-11D2-945F-00C04FB984F9}"
    return [
        SysvolFile(  # no-passwords-in-sysvol: PASS (GPP local group membership, no password)
            id=f"{policies}\\{staff_drives}\\Machine\\Preferences\\Groups\\Groups.xml",
            file_type="Group Policy Preferences",
            gpo="Holywell Baseline",
            size=742,
            credentials_found=0,
        ),
        SysvolFile(  # no-passwords-in-sysvol: FAIL (a drive map saved with the admin's password in 2013)
            id=f"{policies}\\{{8E2F4C31-5B6A-4F0E-9C1D-2A7B3E4F5061}}\\User\\Preferences\\Drives\\Drives.xml",
            file_type="Group Policy Preferences",
            gpo="Legacy Drive Maps",
            size=1210,
            credentials=["line 4: <Properties> has a cpassword (item 'S:')"],
            credentials_found=1,
        ),
        SysvolFile(  # no-passwords-in-sysvol: PASS
            id=f"{DOMAIN}\\scripts\\logon.bat", file_type="script", size=388, credentials_found=0
        ),
        SysvolFile(  # no-passwords-in-sysvol: FAIL (the kiosk set-up script creates its account with a literal)
            id=f"{DOMAIN}\\scripts\\kiosk-setup.ps1",
            file_type="script",
            size=2054,
            credentials=["line 12: ConvertTo-SecureString of a literal"],
            credentials_found=1,
        ),
    ]


def fact_sets() -> list[FactSet]:
    def fact_set(name: str, source: str, records: Sequence[FactRecord]) -> FactSet:
        return FactSet(name=name, source=source, collected_at=COLLECTED_AT, records=tuple(records))

    ldap = f"ldap://dc1.{DOMAIN} (demo)"
    directory_users = fact_set("directory.users", ldap, [with_account_policy(user) for user in users()])
    computers = fact_set("directory.computers", ldap, [computer(m, i) for i, m in enumerate(MACHINES)])
    gpo = fact_set("gpo.ous", f"{ldap} + SYSVOL", gpo_ous())
    # Drift is worked out by the same join the endpoint collector makes.
    intent = Intent.from_facts(gpo, computers, directory_users)
    hosts = [with_drift(host(m, i), intent) for i, m in enumerate(MACHINES)]
    return [
        fact_set("directory.domain", ldap, [domain()]),
        fact_set("directory.password_policies", ldap, password_policies()),
        directory_users,
        computers,
        fact_set("endpoints.hosts", "winrm (demo)", hosts),
        gpo,
        fact_set("directory.account_policies", ldap, account_policies()),
        fact_set("gpo.sysvol_files", f"{ldap} + SYSVOL", sysvol_files()),
    ]


def render() -> str:
    text: str = dump_snapshot(fact_sets(), site=SITE, timezone=TIMEZONE, collected_at=COLLECTED_AT)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed estate is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = ESTATE_PATH.read_text(encoding="utf-8") if ESTATE_PATH.is_file() else None
        if current != text:
            print(f"{ESTATE_PATH} is out of date: run python scripts/make_demo_estate.py", file=sys.stderr)
            return 1
        print(f"{ESTATE_PATH} is up to date")
        return 0
    ESTATE_PATH.parent.mkdir(parents=True, exist_ok=True)
    ESTATE_PATH.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {ESTATE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
