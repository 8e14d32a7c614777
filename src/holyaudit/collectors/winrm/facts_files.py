"""Reading the facts files the standalone script writes (``standalone/``), one per machine, named
``<COMPUTERNAME>.json``.

A file is read the way a WinRM answer is: each probe's recorded output goes through ``session.parse_output`` and
then ``interpret.host_fields``. Anything that makes a file untrustworthy is that machine's error, naming the file:
not a regular file, too large, not the script's JSON, produced on another machine, or too old.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holyaudit.collectors.winrm.interpret import ProbeOutputError
from holyaudit.collectors.winrm.probes import PROBES, Probe
from holyaudit.collectors.winrm.session import parse_output
from holyaudit.collectors.winrm.standalone import FORMAT, FORMAT_VERSION
from holyaudit.collectors.winrm.targets import Target

MAX_FILE_BYTES = 1024 * 1024
"""A facts file is a few kilobytes; a larger one is refused unread."""
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
"""Clocks differ a little; a file produced further ahead of the scan than this is refused."""


class FactsFileError(Exception):
    """Why a machine's facts file cannot be used; the message names the file."""


@dataclass(frozen=True)
class Facts:
    """One machine's facts file, read: each probe's output as a WinRM answer would give it."""

    path: Path
    produced_at: dt.datetime
    script_version: str
    outputs: dict[str, Any | ProbeOutputError]


class FactsFolder:
    """The folder the machines write to: one listing, then each target's file looked up by its name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            names = [entry.name for entry in folder.iterdir()]
        except OSError as exc:
            raise FactsFileError(f"the facts folder {folder} cannot be read: {exc.strerror or exc}") from exc
        # Windows names are case-insensitive; a share copied elsewhere may keep any case.
        self.files = {name.casefold(): folder / name for name in sorted(names) if name.casefold().endswith(".json")}

    def count(self) -> int:
        return len(self.files)

    def read(self, target: Target, now: dt.datetime, max_age_days: int, probes: list[Probe]) -> Facts:
        """The target's facts, or a FactsFileError saying why there are none that can be used."""
        computer = computer_name(target)
        path = self.files.get(f"{computer}.json".casefold())
        if path is None:
            raise FactsFileError(f"no facts: no {computer}.json in {self.folder}")
        try:
            data = json.loads(_read_regular_file(path).decode("utf-8-sig"))
        except FactsFileError as exc:
            raise FactsFileError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise FactsFileError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise FactsFileError(f"{path}: not a facts file: not UTF-8 JSON ({exc})") from exc
        try:
            facts = _facts(path, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise FactsFileError(f"{path}: not a facts file: {exc}") from exc
        _same_machine(path, data, target, computer)
        if facts.produced_at > now + FUTURE_TOLERANCE:
            raise FactsFileError(f"{path}: produced in the future ({facts.produced_at.isoformat()}): refused")
        age = (now - facts.produced_at).days
        if age > max_age_days:
            raise FactsFileError(
                f"{path}: facts are {age} days old (produced {facts.produced_at.isoformat()}; "
                f"endpoints.facts_max_age_days is {max_age_days})"
            )
        missing = {
            probe.name: ProbeOutputError(f"{path} has no output from the {probe.name} probe")
            for probe in probes
            if probe.name not in facts.outputs
        }
        return Facts(path, facts.produced_at, facts.script_version, {**facts.outputs, **missing})


def computer_name(target: Target) -> str:
    """The name a machine's file is written under: its computer name, the first label of a DNS name."""
    return target.name.split(".", 1)[0]


def _read_regular_file(path: Path) -> bytes:
    if path.is_symlink():
        raise FactsFileError("a link, not a regular file: refused")
    # Opened without following a link, then checked on the open descriptor, so what is checked is what is read.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FactsFileError("not a regular file: refused")
        if info.st_size > MAX_FILE_BYTES:
            raise FactsFileError(f"larger than {MAX_FILE_BYTES} bytes: refused")
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FactsFileError(f"larger than {MAX_FILE_BYTES} bytes: refused")
    return data


def _facts(path: Path, data: Any) -> Facts:
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise ValueError(f"its format is not {FORMAT!r}")
    if data.get("formatVersion") != FORMAT_VERSION:
        raise ValueError(f"formatVersion {data.get('formatVersion')!r} is not {FORMAT_VERSION}")
    produced = dt.datetime.fromisoformat(_six_digit_fraction(_text(data, "producedAt")))
    if produced.tzinfo is None:
        raise ValueError(f"producedAt {data['producedAt']!r} has no UTC offset")
    recorded = data["probes"]
    if not isinstance(recorded, Mapping):
        raise TypeError("probes is not a mapping")
    outputs: dict[str, Any | ProbeOutputError] = {}
    for probe in PROBES:
        if (entry := recorded.get(probe.name)) is None:
            continue
        if not isinstance(entry, Mapping):
            raise TypeError(f"probes.{probe.name} is not a mapping")
        if isinstance(entry.get("output"), str):
            outputs[probe.name] = parse_output(probe, entry["output"].encode("utf-8"), b"", 0)
        else:
            outputs[probe.name] = ProbeOutputError(f"the probe failed on the machine: {entry.get('error')}")
    return Facts(path, produced.astimezone(dt.UTC), _text(data, "scriptVersion"), outputs)


def _same_machine(path: Path, data: Mapping[str, Any], target: Target, computer: str) -> None:
    """A file is refused unless the machine that wrote it is the one its name, and the audited computer, say."""
    written_on = str(data.get("computer") or "")
    if written_on.casefold() != computer.casefold():
        raise FactsFileError(f"{path}: produced on {written_on or 'an unnamed machine'!r}, not {computer!r}: refused")
    dns_name = data.get("dnsName")
    expected = _dns_name(target)
    if isinstance(dns_name, str) and expected is not None and dns_name.casefold() != expected.casefold():
        raise FactsFileError(f"{path}: produced on {dns_name!r}, not the audited computer {expected!r}: refused")


def _dns_name(target: Target) -> str | None:
    """The target's DNS name, when it is known by one (not an address)."""
    for name in (target.address, target.name):
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if "." in name:
                return name
    return None


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} is not text")
    return value


def _six_digit_fraction(text: str) -> str:
    # .NET's round-trip format has seven fractional digits; Python 3.11's parser takes at most six.
    head, dot, rest = text.strip().replace("Z", "+00:00").partition(".")
    if not dot:
        return head
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
