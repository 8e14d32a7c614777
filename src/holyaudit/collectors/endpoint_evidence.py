"""Endpoint facts in the Group Policy judgement: what a container's machines show, where the directory cannot say.

Two things the server side cannot know are decided by what the machines report (``endpoints.hosts``), once
every collector has run (``collectors/live.py``), and only with the endpoint facts that scan collected:

- a machine setting that a WMI-filtered GPO leaves unknown (each client evaluates the filter): when every enabled
  computer of the container shows the value, the container gets the longest inactivity limit among them (none if
  any has none); a computer without facts keeps the container unknown, named with its reason;
- encryption required outside Group Policy's view: a laptop that shows MDM's ``RequireDeviceEncryption`` or MBAM's
  ``ShouldEncryptOSDrive`` is enforced; when every enabled laptop of the container is, the container's
  ``bitlocker_os_drive_policy`` is enforced. Where the GPO side is unknown only because of a WMI filter, a laptop
  whose facts show neither makes it not enforced, and one without facts keeps it unknown.

User settings are not joined: a user's WMI-filtered setting depends on the machine they sign in to, and the
endpoint facts show only the machines each user happened to be signed in to. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.dn import parent_key
from holyaudit.collectors.gpo.bitlocker import CONFIGURED, ENFORCED, NOTHING
from holyaudit.collectors.gpo.effective import CLIENT_DECIDES
from holyaudit.collectors.gpo.estate_lock import estate_lock
from holyaudit.facts import Computer, FactSet, GpoContainer, Host

HOST_FIELDS = frozenset({"inactivity_timeout_secs", "mdm_require_device_encryption", "mbam_should_encrypt_os_drive"})
"""What the join reads from the endpoints' facts."""
COMPUTER_FIELDS = frozenset({"ou", "categories", "enabled"})
INACTIVITY = "inactivity_timeout_secs"
BITLOCKER = "bitlocker_os_drive_policy"
MDM, MBAM = "MDM RequireDeviceEncryption 1", "MBAM ShouldEncryptOSDrive 1"


def evidence_needs(needs: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The needs plus what the join reads, when the scan collects both Group Policy and endpoint facts. An
    endpoint scan is never started for the join alone."""
    result = dict(needs)
    if "gpo.ous" in needs and "endpoints.hosts" in needs:
        result["endpoints.hosts"] = needs["endpoints.hosts"] | HOST_FIELDS
        result["directory.computers"] = needs.get("directory.computers", frozenset()) | COMPUTER_FIELDS
    return result


@dataclass(frozen=True)
class _Shown:
    """What one machine's facts show for a setting: its value, or why they do not show it."""

    value: object = None
    missing: str | None = None


def with_endpoint_evidence(facts: dict[str, FactSet]) -> dict[str, FactSet]:
    """``facts`` with the ``gpo.ous`` records judged by the endpoint facts where they decide (see the module)."""
    gpo, hosts, computers = facts.get("gpo.ous"), facts.get("endpoints.hosts"), facts.get("directory.computers")
    if gpo is None or hosts is None or computers is None or gpo.error or hosts.error or computers.error:
        return facts
    containers = [record for record in gpo.records if isinstance(record, GpoContainer)]
    members = _members(containers, [r for r in computers.records if isinstance(r, Computer)])
    by_name = {record.id.casefold(): record for record in hosts.records if isinstance(record, Host)}
    joined = [_join(record, members.get(dn_key(record.id), []), by_name) for record in containers]
    if joined == containers:
        return facts
    joined = _with_estate_lock(joined)
    others = tuple(record for record in gpo.records if not isinstance(record, GpoContainer))
    return {**facts, "gpo.ous": gpo.model_copy(update={"records": tuple(joined) + others})}


def _members(containers: list[GpoContainer], computers: list[Computer]) -> dict[str, list[Computer]]:
    """The enabled computers each container's GPOs apply to (a computer in CN=Computers counts for the domain)."""
    keys = {dn_key(record.id) for record in containers}
    found: dict[str, list[Computer]] = {}
    for computer in computers:
        if computer.enabled is not True or not computer.ou:
            continue
        key = dn_key(computer.ou)
        while key and key not in keys:
            key = parent_key(key)
        if key:
            found.setdefault(key, []).append(computer)
    return found


def _join(record: GpoContainer, computers: list[Computer], hosts: dict[str, Host]) -> GpoContainer:
    if record.error or not computers:
        return record
    update: dict[str, object] = {}
    unreadable = dict(record.unreadable)
    evidence = dict(record.endpoint_evidence)
    judged = list(record.judged_by_endpoints)
    reason = unreadable.get(INACTIVITY)
    if reason and CLIENT_DECIDES in reason:
        shown = {c.id: _show(hosts.get(c.id.casefold()), INACTIVITY) for c in computers}
        evidence[INACTIVITY] = {name: _described(found, "nothing set") for name, found in shown.items()}
        missing = {name: found.missing for name, found in shown.items() if found.missing}
        if missing:
            unreadable[INACTIVITY] = f"{reason}; endpoint facts do not show it for {_named(missing)}"
        else:
            limits = [found.value for found in shown.values()]
            numbers = [limit for limit in limits if isinstance(limit, int) and limit > 0]
            update[INACTIVITY] = max(numbers) if len(numbers) == len(limits) else None
            update["inactivity_timeout_from"] = None
            del unreadable[INACTIVITY]
            judged.append(INACTIVITY)
    laptops = [computer for computer in computers if "laptop" in computer.categories]
    if laptops and record.bitlocker_os_drive_policy != ENFORCED:
        _bitlocker(record, laptops, hosts, update, unreadable, evidence, judged)
    if not update and evidence == record.endpoint_evidence:
        return record
    return record.model_copy(
        update={**update, "unreadable": unreadable, "endpoint_evidence": evidence, "judged_by_endpoints": judged}
    )


def _bitlocker(
    record: GpoContainer,
    laptops: list[Computer],
    hosts: dict[str, Host],
    update: dict[str, object],
    unreadable: dict[str, str],
    evidence: dict[str, dict[str, str]],
    judged: list[str],
) -> None:
    """Encryption enforced on each laptop by what it received (MDM, MBAM), and so for the container."""
    required: dict[str, str] = {}
    shown: dict[str, str] = {}
    missing: dict[str, str] = {}
    for laptop in laptops:
        host = hosts.get(laptop.id.casefold())
        mdm, mbam = _show(host, "mdm_require_device_encryption"), _show(host, "mbam_should_encrypt_os_drive")
        by = [name for name, found in ((MDM, mdm), (MBAM, mbam)) if found.value is True]
        if by:
            required[laptop.id] = shown[laptop.id] = "encryption required: " + ", ".join(by)
        elif mdm.missing or mbam.missing:
            missing[laptop.id] = mdm.missing or mbam.missing or ""
            shown[laptop.id] = f"unknown: {missing[laptop.id]}"
        else:
            shown[laptop.id] = "no encryption requirement received"
    if not required and record.bitlocker_os_drive_policy is not None:
        return  # nothing the machines show changes a known policy, and a FAIL is already named
    evidence[BITLOCKER] = shown
    reason = unreadable.get(BITLOCKER)
    if len(required) == len(laptops):
        update[BITLOCKER] = ENFORCED
        unreadable.pop(BITLOCKER, None)
        judged.append(BITLOCKER)
    elif reason and CLIENT_DECIDES in reason and not missing:
        # A laptop that shows no requirement did not get the filtered GPO's: not enforced there.
        configured = bool(record.bitlocker_settings) or record.bitlocker_os_drive_required is False
        update[BITLOCKER] = CONFIGURED if configured else NOTHING
        del unreadable[BITLOCKER]
        judged.append(BITLOCKER)
    elif reason and missing:
        unreadable[BITLOCKER] = f"{reason}; endpoint facts do not show it for {_named(missing)}"


def _show(host: Host | None, field: str) -> _Shown:
    if host is None:
        return _Shown(missing="no endpoint facts")
    if host.error:
        return _Shown(missing=host.error)
    if field in host.unreadable:
        return _Shown(missing=host.unreadable[field])
    if field not in host.model_fields_set:
        return _Shown(missing=f"{field} was not collected")
    return _Shown(getattr(host, field))


def _described(found: _Shown, none: str) -> str:
    if found.missing:
        return f"unknown: {found.missing}"
    return none if found.value is None else str(found.value)


def _named(missing: dict[str, str]) -> str:
    return ", ".join(f"{name} ({why})" for name, why in sorted(missing.items()))


def _with_estate_lock(records: list[GpoContainer]) -> list[GpoContainer]:
    """The estate-wide lock worked out again, as the Group Policy collector does, now that some containers'
    limits come from their machines."""
    lock = estate_lock([record.model_dump(exclude_none=True) for record in records])
    result = []
    for record in records:
        if record.error:
            result.append(record)
            continue
        unreadable = {k: v for k, v in record.unreadable.items() if k != "all_computers_lock_within_secs"}
        if isinstance(lock, str):
            unreadable["all_computers_lock_within_secs"] = lock
            result.append(record.model_copy(update={"unreadable": unreadable, "all_computers_lock_within_secs": None}))
        else:
            result.append(record.model_copy(update={"unreadable": unreadable, "all_computers_lock_within_secs": lock}))
    return result
