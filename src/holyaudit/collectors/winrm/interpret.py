"""Turning what the probes printed into Host facts. Pure: no I/O, so every reading is unit-tested.

Each probe's output is read by one function. A probe that failed, or printed something that is not what it
promises, leaves its fields unknown with the reason (so rules that read them report ERROR, never PASS).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from holyaudit.collectors.winrm.probes import PROBES
from holyaudit.facts import ScheduledTask, ScreenSaverPolicy, Volume

Fields = dict[str, Any]

DEFENDER = "Microsoft Defender Antivirus"
_DEFENDER_NAMES = {"windows defender", "microsoft defender antivirus", DEFENDER.lower()}
EVERY_DAY = 0b1111111
"""DaysOfWeek of a weekly trigger that runs on all seven days (Sunday = 1 ... Saturday = 64)."""


class ProbeOutputError(ValueError):
    """A probe printed something other than the shape it promises."""


def host_fields(outputs: Mapping[str, Any | ProbeOutputError], zone: ZoneInfo) -> tuple[Fields, dict[str, str]]:
    """Host fields from each probe's parsed JSON output, and the fields that could not be read, with why."""
    fields: Fields = {}
    unreadable: dict[str, str] = {}
    readers: dict[str, Callable[[Any], Fields]] = {
        "system": system,
        "screensaver": screensaver,
        "bitlocker": bitlocker,
        "tasks": lambda output: tasks(output, zone),
        "antivirus": antivirus,
    }
    for probe in PROBES:
        if probe.name not in outputs:
            continue
        output = outputs[probe.name]
        try:
            if isinstance(output, ProbeOutputError):
                raise output
            read = readers[probe.name](output)
        except (ProbeOutputError, KeyError, TypeError, ValueError) as exc:
            reason = f"the {probe.name} probe's output could not be used: {exc}"
            unreadable.update(dict.fromkeys(sorted(probe.fields), reason))
            continue
        for name, value in read.items():
            if isinstance(value, Unknown):
                unreadable[name] = value.reason
            else:
                fields[name] = value
    return fields, unreadable


class Unknown:
    """A field the probe ran for but could not establish, with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def system(output: Any) -> Fields:
    data = _mapping(output)
    inactivity = data.get("inactivitySecs")
    chassis = data.get("chassis")
    return {
        "os": _optional_text(data.get("os")),
        "os_build": _optional_text(data.get("build")),
        "chassis_types": [int(c) for c in chassis] if chassis else Unknown("the machine reports no chassis type"),
        "inactivity_timeout_secs": None if inactivity is None else _integer(inactivity, "InactivityTimeoutSecs"),
        **_winlogon(data),
    }


def _winlogon(data: Mapping[str, Any]) -> Fields:
    """Automatic log-on. The Winlogon key exists on every Windows machine, so the probe's null for
    defaultPassword means the key could not be read (access denied): unknown, never 'no stored password'."""
    if data["defaultPassword"] is None:
        unread = Unknown("the Winlogon registry key could not be read")
        return {"autologon_enabled": unread, "default_password_present": unread}
    return {
        "autologon_enabled": str(data.get("autoAdminLogon") or "").strip() == "1",
        "default_password_present": _boolean(data["defaultPassword"], "defaultPassword"),
    }


def screensaver(output: Any) -> Fields:
    """One policy per loaded user hive. A value Group Policy sets wins over the user's own; a value set in
    neither place means the protection is not on (active and secure are then False, the timeout unknown)."""
    hives = []
    for hive in _mapping(output)["hives"]:
        hive = _mapping(hive)
        merged = {**_mapping(hive.get("settings") or {}), **_mapping(hive.get("policy") or {})}
        timeout = merged.get("ScreenSaveTimeOut")
        hives.append(
            ScreenSaverPolicy(
                id=str(hive.get("user") or hive["sid"]),
                active=str(merged.get("ScreenSaveActive", "0")).strip() == "1",
                secure=str(merged.get("ScreenSaverIsSecure", "0")).strip() == "1",
                timeout_secs=None if timeout is None else _integer(timeout, "ScreenSaveTimeOut"),
            )
        )
    return {"screensaver_users": hives}


def bitlocker(output: Any) -> Fields:
    data = _mapping(output)
    if "error" in data:
        return {"volumes": Unknown(f"BitLocker status could not be read on the machine: {data['error']}")}
    return {
        "volumes": [
            Volume(
                id=str(volume["mount"]),
                volume_type=_optional_text(volume.get("type")),
                protection_status=_optional_text(volume.get("protection")),
                encryption_percentage=None if volume.get("percent") is None else float(volume["percent"]),
            )
            for volume in map(_mapping, data["volumes"])
        ]
    }


def tasks(output: Any, zone: ZoneInfo) -> Fields:
    """Tasks that shut the machine down, restart it or log users off. A task is daily when it is enabled and
    has an enabled trigger that fires every day (daily, every 1 day; or weekly, every week, on all seven days);
    its time is the earliest such trigger's local time (see ``trigger_time``)."""
    found = []
    for task in map(_mapping, _mapping(output)["tasks"]):
        actions = [_action(str(a.get("execute") or ""), str(a.get("arguments") or "")) for a in task["actions"]]
        action = next((a for a in ("shutdown", "restart", "logoff") if a in actions), None)
        if action is None:
            continue  # shutdown.exe /a (abort) or /h (hibernate) ends no session
        daily_times = [
            trigger_time(str(t["start"]), zone)
            for t in map(_mapping, task["triggers"])
            if task.get("enabled") and t.get("enabled") and _every_day(t) and t.get("start")
        ]
        found.append(
            ScheduledTask(
                id=f"{task.get('path') or ''}{task['name']}",
                action=action,
                daily=bool(daily_times),
                time=min(daily_times) if daily_times else None,
            )
        )
    return {"logoff_tasks": found}


def antivirus(output: Any) -> Fields:
    """The machine's active anti-virus. Security Center lists the products a workstation has; when a product
    other than Defender is switched on, it is the one that protects the machine (Defender goes passive).

    Security Center's ``productState`` is undocumented; the decoding used is the one widely relied on: bits
    12-15 are 1 when real-time protection is on, bits 4-7 are 0 when signatures are up to date.
    """
    data = _mapping(output)
    products = [_mapping(p) for p in data.get("products") or []]
    third_party = [p for p in products if str(p.get("name", "")).lower() not in _DEFENDER_NAMES]
    active = [p for p in third_party if (int(p["state"]) >> 12) & 0xF == 1]
    if active:
        product = active[0]
        updated = _rfc1123(product.get("timestamp"))
        return {
            "av_product": str(product["name"]),
            "av_enabled": True,
            "av_realtime": True,
            "av_signatures_updated": updated
            or Unknown(f"{product['name']} does not report when its signatures were last updated"),
        }
    defender = data.get("defender")
    if defender is None:
        reason = "Microsoft Defender's status could not be read and Security Center lists no active anti-virus"
        return dict.fromkeys(("av_product", "av_enabled", "av_realtime", "av_signatures_updated"), Unknown(reason))
    defender = _mapping(defender)
    enabled = _boolean(defender["AMServiceEnabled"], "AMServiceEnabled") and _boolean(
        defender["AntivirusEnabled"], "AntivirusEnabled"
    )
    return {
        "av_product": DEFENDER,
        "av_enabled": enabled,
        "av_realtime": _boolean(defender["RealTimeProtectionEnabled"], "RealTimeProtectionEnabled"),
        "av_signatures_updated": _iso_utc(str(defender["AntivirusSignatureLastUpdated"])),
    }


def trigger_time(start: str, zone: ZoneInfo) -> dt.time:
    """The local time a trigger fires. Task Scheduler keeps a plain local time ("2026-01-01T19:00:00"), or a
    time with a UTC offset when the task is set to synchronise across time zones; such a task fires at the
    same UTC instant all year, so the later of its winter and summer local times in the site's zone is used.
    """
    when = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    if when.tzinfo is None:
        return when.time().replace(microsecond=0)
    year = when.year
    local = [
        dt.datetime.combine(dt.date(year, month, 15), when.timetz()).astimezone(zone).time().replace(microsecond=0)
        for month in (1, 7)
    ]
    return max(local)


_SHUTDOWN_SWITCH = re.compile(r"(?:^|\s)[/-]([a-z?]+)", re.IGNORECASE)


def _action(execute: str, arguments: str) -> str:
    program = re.split(r"[\\/]", execute.strip().strip('"'))[-1].lower().removesuffix(".exe")
    if program == "logoff":
        return "logoff"
    switches = {s.lower() for s in _SHUTDOWN_SWITCH.findall(arguments)}
    if switches & {"a", "h", "?"}:
        return "other"
    if switches & {"s", "p", "sg"}:
        return "shutdown"
    if switches & {"r", "g"}:
        return "restart"
    if "l" in switches:
        return "logoff"
    return "other"


def _every_day(trigger: Mapping[str, Any]) -> bool:
    interval = trigger.get("interval")
    if trigger.get("kind") == "Daily":
        return interval in (None, 1)
    if trigger.get("kind") == "Weekly":
        return interval in (None, 1) and trigger.get("days") == EVERY_DAY
    return False


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProbeOutputError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _integer(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ProbeOutputError(f"{name} is not a whole number: {value!r}") from None


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ProbeOutputError(f"{name} is not true or false: {value!r}")
    return value


def _iso_utc(text: str) -> dt.datetime:
    # .NET's round-trip format has seven fractional digits; Python's parser takes at most six.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ProbeOutputError(f"time without a UTC offset: {text!r}")
    return when.astimezone(dt.UTC)


def _rfc1123(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value)).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return None
