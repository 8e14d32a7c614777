"""Settings per principal: which GPOs reach each account or computer, and what every one of them is sure to get (pure).

Security filtering means two accounts in one OU can get different GPOs. A container's accounts (user settings) and
computers (computer settings) are grouped by the GPOs that reach them, the settings are worked out once per
distinct list, and the container's record holds, for each setting, the *weakest* value any of them gets (a flag
that is off or unset, the longest or an unset timeout), from the GPO that gave it; ``varies_by_principal`` says
who gets what when they differ. A rule that requires a setting of every account in an OU therefore judges each of
them. A setting with no order (a password length compared with the domain's, say) that differs between them is
unknown, naming who gets what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.gpo.effective import Effective, GpoContent, SettingSpec, effective_settings
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.security import SecurityFilter

_FLAGS = frozenset(
    {"screensaver_active", "screensaver_secure", "force_logoff_when_hour_expire", "bitlocker_os_drive_required"}
)
_TIMEOUTS = frozenset({"screensaver_timeout_secs", "inactivity_timeout_secs"})
_MOST_NAMED = 8
"""More principals than this getting one value are named as the first few and a count."""


def reaching(
    applied: Sequence[AppliedGpo], token: frozenset[str], filters: Mapping[str, SecurityFilter | None]
) -> tuple[AppliedGpo, ...]:
    """The applied GPOs whose DACL lets ``token`` read and apply them; a GPO whose DACL is not known stays in the
    list (its files are then marked unreadable, so what it could set is unknown)."""
    kept = []
    for gpo in applied:
        found = filters.get(dn_key(gpo.gpo_dn))
        if found is None or found.applies_to(token):
            kept.append(gpo)
    return tuple(kept)


@dataclass(frozen=True)
class Judged:
    """Settings every principal in a group is sure to get, and who gets what where they differ."""

    effective: Effective
    varies: dict[str, str] = field(default_factory=dict)


def judge(
    lists: Mapping[str, tuple[AppliedGpo, ...]], contents: dict[str, GpoContent], specs: Sequence[SettingSpec]
) -> Judged:
    """The settings ``specs`` for principals (by id) each with the GPOs that reach them, highest precedence first."""
    groups: dict[tuple[str, ...], tuple[tuple[AppliedGpo, ...], list[str]]] = {}
    for principal, applied in sorted(lists.items()):
        key = tuple(dn_key(gpo.gpo_dn) for gpo in applied)
        groups.setdefault(key, (applied, []))[1].append(principal)
    results = [(names, effective_settings(applied, contents, specs)) for applied, names in groups.values()]
    if len(results) == 1:
        return Judged(results[0][1])
    values: dict[str, object] = {}
    set_by: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    deleted: dict[str, str] = {}
    varies: dict[str, str] = {}
    for spec in specs:
        name = spec.field
        unknown = [(names, found.unreadable[name]) for names, found in results if name in found.unreadable]
        if unknown:
            unreadable[name] = "; ".join(f"for {named(names)}: {reason}" for names, reason in unknown)
            continue
        outcomes = sorted(results, key=lambda result: _strength(name, result[1].values.get(name)))
        if len({repr(found.values.get(name)) for _, found in outcomes}) > 1:
            who: dict[str, list[str]] = {}
            for names, found in outcomes:
                who.setdefault(_value(name, found), []).extend(names)
            described = "; ".join(f"{value} for {named(sorted(names))}" for value, names in who.items())
            if name not in _FLAGS | _TIMEOUTS:
                unreadable[name] = f"{spec.label} differs between the principals here: {described}"
                continue
            varies[spec.label] = described
        weakest = outcomes[0][1]
        if name in weakest.values:
            values[name] = weakest.values[name]
        if name in weakest.set_by:
            set_by[name] = weakest.set_by[name]
        if name in weakest.deleted:
            deleted[name] = weakest.deleted[name]
    return Judged(Effective(values, set_by, unreadable, deleted), varies)


def _strength(name: str, value: object) -> tuple[int, int]:
    """Weakest first: an unset or off flag before an on one; an unset or zero timeout, then the longest."""
    if name in _FLAGS:
        return (0 if value is None else 1 if value is False else 2, 0)
    if name in _TIMEOUTS:
        return (0, 0) if not isinstance(value, int) or value <= 0 else (1, -value)
    return (0, 0)


def _value(name: str, found: Effective) -> str:
    if name in found.values:
        value = found.values[name]
        shown = str(int(value)) if isinstance(value, bool) else str(value)
        return f"{shown} (GPO '{found.set_by[name]}')" if name in found.set_by else shown
    if name in found.deleted:
        return f"deleted (GPO '{found.set_by[name]}')"
    return "not set"


def named(names: Sequence[str]) -> str:
    """Names for a finding, sorted; past a few, the first few and a count."""
    names = sorted(names)
    if len(names) <= _MOST_NAMED:
        return ", ".join(names)
    return f"{', '.join(names[:_MOST_NAMED])} and {len(names) - _MOST_NAMED} more"
