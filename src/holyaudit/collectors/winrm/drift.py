"""Drift: does a machine enforce what Group Policy says it should? Pure: a join of three fact sets.

Each compared setting is one row of a table (``MACHINE_SETTINGS``, ``USER_SETTINGS``): the field of ``gpo.ous``
holding what the GPOs set, the field naming the GPO, and the field holding what the machine has. Machine settings
(the inactivity limit and the removable-media policies) are compared with what the GPOs of the computer's OU set;
each loaded user's screensaver values with what the GPOs of that user's OU set (user policy follows the user, not
the machine; loopback processing, which would change that, is not modelled: see docs/gpo.md). Only settings a GPO
configures are compared. Each mismatch names the setting, the machine's value, the GPO and its value. A value the
probes could not read leaves the machine's drift unknown, whatever its GPOs set: never "nothing set".

A value a GPO deletes (``**del.``, ``**delvals.``, ``**DeleteValues``, ``**DeleteKeys``: null in the record, with the
deleting GPO in ``*_from``) is intent too: the machine should not have it. The inactivity limit and the Removable
Storage Access values are read from the very key the GPO writes, BitLocker's RDVDenyWriteAccess from where BitLocker
holds it in force; a user's screensaver values are judged by the user's policy key (``policy_values``), since the
value the user sees may come from their own settings, which no GPO deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.dn import parent_key
from holyaudit.facts import Computer, FactRecord, FactSet, GpoContainer, Host, ScreenSaverPolicy, User


@dataclass(frozen=True)
class Setting:
    """One compared setting: its name as a difference shows it (the registry value's, after the Group Policy
    setting's own where the value's alone says little), where ``gpo.ous`` records what the GPOs set and which GPO
    set (or deleted) it, and where the machine's value is recorded (a Host field for a machine setting, a
    ScreenSaverPolicy field for a user's)."""

    name: str
    policy: str
    source: str
    machine: str


MACHINE_SETTINGS = (
    Setting("InactivityTimeoutSecs", "inactivity_timeout_secs", "inactivity_timeout_from", "inactivity_timeout_secs"),
    # Removable media, by the Group Policy setting's name and its registry value. BitLocker's value is compared where
    # it is in force (HKLM\SYSTEM\CurrentControlSet\Policies\Microsoft\FVE), not where Group Policy writes it:
    # the effect is what must match the intent.
    Setting(
        "Deny write access to removable drives not protected by BitLocker (RDVDenyWriteAccess)",
        "removable_write_needs_bitlocker",
        "removable_write_needs_bitlocker_from",
        "removable_write_needs_bitlocker",
    ),
    Setting(
        "Removable Disks: Deny write access (Deny_Write)",
        "removable_disks_write_denied",
        "removable_disks_write_denied_from",
        "removable_disks_write_denied",
    ),
    Setting(
        "All Removable Storage classes: Deny all access (Deny_All)",
        "removable_storage_all_denied",
        "removable_storage_all_denied_from",
        "removable_storage_all_denied",
    ),
)
USER_SETTINGS = (
    Setting("ScreenSaveActive", "screensaver_active", "screensaver_active_from", "active"),
    Setting("ScreenSaverIsSecure", "screensaver_secure", "screensaver_secure_from", "secure"),
    Setting("ScreenSaveTimeOut", "screensaver_timeout_secs", "screensaver_timeout_from", "timeout_secs"),
)

DRIFT_FIELDS = frozenset({"policy_ou", "policy_drift", "policy_agrees"})
"""The Host fields this module fills."""
PROBED = frozenset({*(s.machine for s in MACHINE_SETTINGS), "screensaver_users"})
"""The Host facts drift compares, which the probes must read."""
INPUTS: dict[str, frozenset[str]] = {
    "gpo.ous": frozenset({"dn", *(f for s in MACHINE_SETTINGS + USER_SETTINGS for f in (s.policy, s.source))}),
    "directory.computers": frozenset({"ou"}),
    "directory.users": frozenset({"ou"}),
}


@dataclass(frozen=True)
class Intent:
    """What Group Policy says, joined for lookup: containers by DN key, computers' and users' OUs by name."""

    containers: dict[str, GpoContainer]
    computer_ous: dict[str, str]
    user_ous: dict[str, str]
    unavailable: str | None = None

    @classmethod
    def from_facts(cls, gpo: FactSet | None, computers: FactSet | None, users: FactSet | None) -> Intent:
        for name, fact_set in (("gpo.ous", gpo), ("directory.computers", computers), ("directory.users", users)):
            if fact_set is None or fact_set.error:
                reason = fact_set.error if fact_set is not None else "not collected"
                return cls({}, {}, {}, f"what Group Policy sets is unknown: {name}: {reason}")
        return cls(
            containers={dn_key(r.id): r for r in _records(gpo) if isinstance(r, GpoContainer)},
            computer_ous={_key(r.id): r.ou for r in _records(computers) if isinstance(r, Computer) and r.ou},
            user_ous={_key(r.id): r.ou for r in _records(users) if isinstance(r, User) and r.ou},
        )

    def policy_for(self, dn: str) -> GpoContainer | None:
        """The record of the OU (or domain) whose GPOs apply to objects in ``dn``. A container such as CN=Users
        cannot have GPO links of its own, so it takes what its nearest OU or domain ancestor gets."""
        key = dn_key(dn)
        while key.startswith("cn=") and "," in key:
            key = parent_key(key)
        return self.containers.get(key)


class _Unknown(Exception):
    """Drift cannot be known for the machine: the reason."""


def drift(host: Host, intent: Intent) -> tuple[dict[str, object], dict[str, str]]:
    """The drift fields for one reached host, and the ones that cannot be known, with why."""
    if intent.unavailable:
        return {}, dict.fromkeys(sorted(DRIFT_FIELDS), intent.unavailable)
    ou = intent.computer_ous.get(_key(host.id))
    machine_policy = intent.policy_for(ou) if ou else None
    if ou is None or machine_policy is None:
        why = "not a computer account in the directory" if ou is None else f"no Group Policy record for {ou}"
        return {}, dict.fromkeys(sorted(DRIFT_FIELDS), f"what Group Policy sets for it is unknown: {why}")
    try:
        found = _machine_drift(host, ou, machine_policy) + _users_drift(host, intent)
    except _Unknown as exc:
        return {"policy_ou": ou}, dict.fromkeys(("policy_drift", "policy_agrees"), str(exc))
    return {"policy_ou": ou, "policy_drift": found, "policy_agrees": not found}, {}


def _machine_drift(host: Host, ou: str, policy: GpoContainer) -> list[str]:
    # Any value drift reads that the probes could not read leaves the whole machine unknown, as a failed
    # probe must never read as "nothing set".
    unreadable = {f: r for f, r in host.unreadable.items() if f in PROBED}
    if unreadable:
        raise _Unknown("; ".join(sorted(set(unreadable.values()))))
    if unread := _unknown_intent(policy, MACHINE_SETTINGS):
        raise _Unknown(f"what Group Policy sets for {ou} is unknown: {unread}")
    return _differences(
        MACHINE_SETTINGS, policy, host, "", "the machine", lambda setting: getattr(host, setting.machine) is not None
    )


def _users_drift(host: Host, intent: Intent) -> list[str]:
    found: list[str] = []
    for hive in host.screensaver_users or []:
        user_ou = intent.user_ous.get(_key(hive.id.rsplit("\\", 1)[-1]))
        if user_ou is None:
            continue  # a local or unknown account: no domain Group Policy reaches it
        if hive.error:  # values that could not be read must never be compared as "nothing set"
            raise _Unknown(f"what the machine has for {hive.id} is unknown: {hive.error}")
        policy = intent.policy_for(user_ou)
        if policy is None:
            raise _Unknown(f"what Group Policy sets for {hive.id} is unknown: no Group Policy record for {user_ou}")
        if unread := _unknown_intent(policy, USER_SETTINGS):
            raise _Unknown(f"what Group Policy sets for {hive.id} is unknown: {unread}")
        label = f" for {hive.id}"
        found += _differences(USER_SETTINGS, policy, hive, label, "the machine's policy key", _in_policy_key(hive))
    return found


def _in_policy_key(hive: ScreenSaverPolicy) -> Callable[[Setting], bool]:
    """Whether the user's policy key still has a value a GPO deletes."""

    def kept(setting: Setting) -> bool:
        if hive.policy_values is None:
            raise _Unknown(f"whether {hive.id}'s policy key still has {setting.name} was not recorded")
        return setting.name in hive.policy_values

    return kept


def _differences(
    settings: tuple[Setting, ...],
    policy: GpoContainer,
    record: BaseModel,
    label: str,
    where: str,
    kept: Callable[[Setting], bool],
) -> list[str]:
    """Each difference between what ``policy`` sets (or deletes) and what ``record`` has; ``label`` follows the
    setting's name. ``kept`` says whether a value a GPO deletes is still where Group Policy writes it (``where``)."""
    found = []
    for setting in settings:
        gpo_value, source = getattr(policy, setting.policy), getattr(policy, setting.source)
        has = _shown(getattr(record, setting.machine))
        if gpo_value is not None and getattr(record, setting.machine) != gpo_value:
            found.append(f"{setting.name}{label}: the machine has {has}, GPO '{source}' sets {_shown(gpo_value)}")
        elif gpo_value is None and source is not None and kept(setting):
            found.append(f"{setting.name}{label}: {where} has {has}, GPO '{source}' deletes it")
    return found


def _unknown_intent(policy: GpoContainer, settings: tuple[Setting, ...]) -> str | None:
    """Why what the GPOs set for these settings cannot be known (a GPO file unread), or None. A setting no
    readable GPO configures is None in the record; an unread one is named in ``unreadable``: only the second
    is unknown, and it must never be taken as 'nothing set'."""
    if policy.error:
        return policy.error
    reasons = [policy.unreadable[s.policy] for s in settings if s.policy in policy.unreadable]
    return "; ".join(dict.fromkeys(reasons)) or None


def _records(fact_set: FactSet | None) -> tuple[FactRecord, ...]:
    return fact_set.records if fact_set is not None else ()


def _key(name: str | None) -> str:
    return (name or "").casefold()


def _shown(value: object) -> str:
    if value is None:
        return "nothing set"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
