"""Drift: does a machine enforce what Group Policy says it should? Pure: a join of three fact sets.

The machine's inactivity limit is compared with what the GPOs of the computer's OU set; each loaded user's
screensaver values with what the GPOs of that user's OU set (user policy follows the user, not the machine;
loopback processing, which would change that, is not modelled: see docs/gpo.md). Only settings a GPO
configures are compared. Each mismatch names the setting, the machine's value, the GPO and its value.

A value a GPO deletes (``**del.``, ``**delvals.``, ``**DeleteValues``, ``**DeleteKeys``: null in the record, with the
deleting GPO in ``*_from``) is intent too: the machine should not have it where Group Policy writes it. The
inactivity limit is read from that very key; a user's screensaver values are judged by the user's policy key
(``policy_values``), since the value the user sees may come from their own settings, which no GPO deletes.
"""

from __future__ import annotations

from dataclasses import dataclass

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.dn import parent_key
from holyaudit.facts import Computer, FactRecord, FactSet, GpoContainer, Host, User

DRIFT_FIELDS = frozenset({"policy_ou", "policy_drift", "policy_agrees"})
"""The Host fields this module fills."""
PROBED = frozenset({"inactivity_timeout_secs", "screensaver_users"})
"""The Host facts drift compares, which the probes must read."""
INPUTS: dict[str, frozenset[str]] = {
    "gpo.ous": frozenset(
        {
            "dn",
            "inactivity_timeout_secs",
            "inactivity_timeout_from",
            "screensaver_active",
            "screensaver_active_from",
            "screensaver_secure",
            "screensaver_secure_from",
            "screensaver_timeout_secs",
            "screensaver_timeout_from",
        }
    ),
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


MACHINE_SETTINGS = ("inactivity_timeout_secs",)
USER_SETTINGS = ("screensaver_active", "screensaver_secure", "screensaver_timeout_secs")


def drift(host: Host, intent: Intent) -> tuple[dict[str, object], dict[str, str]]:
    """The drift fields for one reached host, and the ones that cannot be known, with why."""
    if intent.unavailable:
        return {}, dict.fromkeys(sorted(DRIFT_FIELDS), intent.unavailable)
    ou = intent.computer_ous.get(_key(host.id))
    machine_policy = intent.policy_for(ou) if ou else None
    if machine_policy is None:
        why = "not a computer account in the directory" if ou is None else f"no Group Policy record for {ou}"
        return {}, dict.fromkeys(sorted(DRIFT_FIELDS), f"what Group Policy sets for it is unknown: {why}")

    def unknown(why: str) -> tuple[dict[str, object], dict[str, str]]:
        return {"policy_ou": ou}, {"policy_drift": why, "policy_agrees": why}

    unreadable = {f: r for f, r in {**host.unreadable}.items() if f in PROBED}
    if unreadable:
        return unknown("; ".join(sorted(set(unreadable.values()))))
    if unread := _unknown_intent(machine_policy, MACHINE_SETTINGS):
        return unknown(f"what Group Policy sets for {ou} is unknown: {unread}")
    found: list[str] = []
    limit, limit_from = machine_policy.inactivity_timeout_secs, machine_policy.inactivity_timeout_from
    if limit is not None and host.inactivity_timeout_secs != limit:
        found.append(
            f"InactivityTimeoutSecs: the machine has {_shown(host.inactivity_timeout_secs)}, "
            f"GPO '{limit_from}' sets {limit}"
        )
    elif limit is None and limit_from is not None and host.inactivity_timeout_secs is not None:
        found.append(
            f"InactivityTimeoutSecs: the machine has {host.inactivity_timeout_secs}, GPO '{limit_from}' deletes it"
        )
    for hive in host.screensaver_users or []:
        user_ou = intent.user_ous.get(_key(hive.id.rsplit("\\", 1)[-1]))
        if user_ou is None:
            continue  # a local or unknown account: no domain Group Policy reaches it
        if hive.error:  # values that could not be read must never be compared as "nothing set"
            return unknown(f"what the machine has for {hive.id} is unknown: {hive.error}")
        policy = intent.policy_for(user_ou)
        if policy is None:
            return unknown(f"what Group Policy sets for {hive.id} is unknown: no Group Policy record for {user_ou}")
        if unread := _unknown_intent(policy, USER_SETTINGS):
            return unknown(f"what Group Policy sets for {hive.id} is unknown: {unread}")
        for setting, machine_value, gpo_value, source in (
            ("ScreenSaveActive", hive.active, policy.screensaver_active, policy.screensaver_active_from),
            ("ScreenSaverIsSecure", hive.secure, policy.screensaver_secure, policy.screensaver_secure_from),
            ("ScreenSaveTimeOut", hive.timeout_secs, policy.screensaver_timeout_secs, policy.screensaver_timeout_from),
        ):
            if gpo_value is not None and machine_value != gpo_value:
                found.append(
                    f"{setting} for {hive.id}: the machine has {_shown(machine_value)}, "
                    f"GPO '{source}' sets {_shown(gpo_value)}"
                )
            elif gpo_value is None and source is not None:
                if hive.policy_values is None:
                    return unknown(f"whether {hive.id}'s policy key still has {setting} was not recorded")
                if setting in hive.policy_values:
                    found.append(
                        f"{setting} for {hive.id}: the machine's policy key has {_shown(machine_value)}, "
                        f"GPO '{source}' deletes it"
                    )
    return {"policy_ou": ou, "policy_drift": found, "policy_agrees": not found}, {}


def _unknown_intent(policy: GpoContainer, settings: tuple[str, ...]) -> str | None:
    """Why what the GPOs set for these settings cannot be known (a GPO file unread), or None. A setting no
    readable GPO configures is None in the record; an unread one is named in ``unreadable``: only the second
    is unknown, and it must never be taken as 'nothing set'."""
    if policy.error:
        return policy.error
    reasons = [policy.unreadable[name] for name in settings if name in policy.unreadable]
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
