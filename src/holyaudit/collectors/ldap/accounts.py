"""Account policies: the domain's own and each fine-grained one (PSO), and which of them governs each user.

Windows gives a user the PSO linked to the account itself if there is one, else one linked to a group it is in
(nested membership included), the lowest precedence winning either way; with none, the domain's own policy
(MS-ADTS 3.1.1.4.5.36, msDS-ResultantPSO). It is worked out here from what the collector has already read,
because asking the DC for msDS-ResultantPSO, a constructed attribute, costs it a token-group expansion per user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from holyaudit.collectors.dn import first_value
from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.ldap import values
from holyaudit.collectors.ldap.connection import DirectoryError
from holyaudit.facts import AccountPolicy, Domain

USER_POLICY_FIELDS = ("password_policy", "policy_max_pwd_age_days", "policy_reversible_encryption")
DOMAIN_PASSWORD_STORE_CLEARTEXT = 0x10
"""pwdProperties bit: store passwords with reversible encryption (MS-ADTS 3.1.1.1.17 / MS-SAMR)."""
_HIDDEN = "not readable by the audit account: grant it read access to the Password Settings Container"
_FROM_DOMAIN = {
    "pwd_properties": "reversible_encryption",
    "lockout_threshold": "lockout_threshold",
    "lockout_duration_mins": "lockout_duration_mins",
    "max_pwd_age_days": "max_pwd_age_days",
}
"""Domain field -> the account-policy field made from it (for carrying over why it could not be read)."""


def domain_policy(domain: Domain) -> AccountPolicy:
    """The domain's own account policy, from the domain object's record."""
    if domain.error is not None:
        return AccountPolicy(id=domain.id, is_domain=True, error=domain.error)
    properties = domain.pwd_properties
    return AccountPolicy(
        id=domain.id,
        is_domain=True,
        lockout_threshold=domain.lockout_threshold,
        lockout_duration_mins=domain.lockout_duration_mins,
        reversible_encryption=None if properties is None else bool(properties & DOMAIN_PASSWORD_STORE_CLEARTEXT),
        max_pwd_age_days=domain.max_pwd_age_days,
        unreadable={_FROM_DOMAIN[k]: why for k, why in domain.unreadable.items() if k in _FROM_DOMAIN},
    )


@dataclass(frozen=True)
class Pso:
    """A fine-grained policy's record and the distinguished names (as keys) it is linked to."""

    policy: AccountPolicy
    targets: tuple[str, ...]


def pso(dn: str, raw: Mapping[str, list[bytes]]) -> Pso:
    """A PSO's account policy from its entry as read; a setting the audit account may not read is unreadable."""
    unreadable: dict[str, str] = {}

    def read(attribute: str, field: str, decode: Callable[[bytes], object]) -> object:
        found = raw.get(attribute.lower())
        if not found:
            unreadable[field] = _HIDDEN
            return None
        return decode(found[0])

    targets = [values.text(v) for v in raw.get("msds-psoappliesto", [])]
    name = raw.get("cn")
    policy = AccountPolicy.model_validate(
        {
            "id": values.text(name[0]) if name else first_value(dn),
            "is_domain": False,
            "precedence": read("msDS-PasswordSettingsPrecedence", "precedence", values.integer),
            "lockout_threshold": read("msDS-LockoutThreshold", "lockout_threshold", values.integer),
            "lockout_duration_mins": read("msDS-LockoutDuration", "lockout_duration_mins", values.interval_minutes),
            "reversible_encryption": read(
                "msDS-PasswordReversibleEncryptionEnabled", "reversible_encryption", lambda v: v.upper() == b"TRUE"
            ),
            "max_pwd_age_days": read("msDS-MaximumPasswordAge", "max_pwd_age_days", values.interval_days),
            "applies_to": sorted(targets),
            "unreadable": unreadable,
        }
    )
    return Pso(policy, tuple(dn_key(t) for t in targets))


class Governing:
    """Which account policy governs each user, from the domain's policy, the PSOs and the groups' names."""

    def __init__(self, domain: AccountPolicy, psos: list[Pso] | DirectoryError, group_names: Mapping[str, str]) -> None:
        self.domain = domain
        self.psos = psos
        self._by_account: dict[str, list[Pso]] = {}
        self._by_group: dict[str, list[Pso]] = {}
        for found in psos if not isinstance(psos, DirectoryError) else []:
            for target in found.targets:
                group = group_names.get(target)
                if group is None:
                    self._by_account.setdefault(target, []).append(found)
                else:
                    self._by_group.setdefault(group.casefold(), []).append(found)
        # A PSO whose settings are hidden from the audit account (its precedence, which every PSO must have, was
        # not returned) may govern anyone: its links are hidden too.
        hidden = (
            sorted(p.policy.id for p in psos if "precedence" in p.policy.unreadable) if isinstance(psos, list) else []
        )
        self._hidden = f"whom {', '.join(hidden)} governs is unknown ({_HIDDEN})" if hidden else ""
        self._known: dict[tuple[str, ...], tuple[AccountPolicy | None, str]] = {}
        """By a user's groups: most accounts share theirs with many others (a year group's pupils, say)."""

    def fields(self, key: str, groups: Sequence[str], unreadable: dict[str, str]) -> dict[str, object]:
        """The user fields that come from the policy governing the user whose DN's key is ``key``, in ``groups``;
        the reason for any that cannot be told is put in ``unreadable``."""
        if isinstance(self.psos, DirectoryError):
            policy, reason = None, f"which password policy governs it is unknown: {self.psos}"
        elif self._hidden:
            policy, reason = None, self._hidden
        elif direct := self._by_account.get(key):
            policy, reason = _winner(direct)
        else:
            memberships = tuple(groups)
            known = self._known.get(memberships)
            if known is None:
                linked = {id(p): p for g in groups for p in self._by_group.get(g.casefold(), ())}
                known = self._known[memberships] = _winner(list(linked.values())) if linked else (self.domain, "")
            policy, reason = known
        if policy is None:
            unreadable.update(dict.fromkeys(USER_POLICY_FIELDS, reason))
            return {}
        if policy.error is not None:
            unreadable.update(dict.fromkeys(USER_POLICY_FIELDS[1:], f"{policy.id} could not be read: {policy.error}"))
            return {"password_policy": policy.id}
        for field in ("max_pwd_age_days", "reversible_encryption"):
            if field in policy.unreadable:
                unreadable[f"policy_{field}"] = f"{policy.id}: {policy.unreadable[field]}"
        return {
            "password_policy": policy.id,
            "policy_max_pwd_age_days": policy.max_pwd_age_days,
            "policy_reversible_encryption": policy.reversible_encryption,
        }


def _winner(linked: list[Pso]) -> tuple[AccountPolicy | None, str]:
    """The PSO of lowest precedence (each one's precedence is known: see ``Governing``), or why it cannot be told."""
    lowest = min(p.policy.precedence or 0 for p in linked)
    tied = sorted(p.policy.id for p in linked if p.policy.precedence == lowest)
    if len(tied) > 1:
        # Windows then takes the smaller objectGUID; holyaudit does not guess which way a tie falls.
        return None, f"{' and '.join(tied)} apply with the same precedence ({lowest}), so which one governs is unknown"
    return next(p.policy for p in linked if p.policy.precedence == lowest), ""
