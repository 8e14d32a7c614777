"""Which machines an endpoint scan visits: enabled computer accounts from the directory, and an inventory file.

The inventory is YAML::

    hosts:
      - name: HW-LAP-017            # the name findings use
        address: 10.20.4.17         # optional; default: the name
        port: 5986                  # optional; default: endpoints.port
        categories: [laptop]        # optional site roles, as directory.categories gives computers

A machine named in both is visited once, with the inventory's address and the union of the categories.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import Computer, FactSet
from holyaudit.yamlfile import PosDict, load_yaml, position_of, problem_at, problems_from_validation


@dataclass(frozen=True)
class Target:
    name: str
    address: str
    port: int | None = None
    categories: tuple[str, ...] = field(default=())


_HOST_NAME = re.compile(r"(?=.{1,253}\.?$)[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?")


def _address(value: str) -> str:
    """An IPv4 or IPv6 address, or a DNS host name (letters, digits, hyphens, underscores, dots): what a WinRM
    URL can hold. A name that is only digits and dots must be an IPv4 address (10.20.4.300 is not)."""
    if ":" in value or re.fullmatch(r"[\d.]+", value):
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address") from exc
    elif not _HOST_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a host name or IP address")
    return value


class _InventoryHost(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    name: str = Field(min_length=1)
    address: Annotated[str, AfterValidator(_address)] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    categories: list[str] = Field(default_factory=list)


class _Inventory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hosts: list[_InventoryHost]


def read_inventory(path: Path) -> list[Target]:
    """The inventory file's machines; a broken file, a machine listed twice (whatever the case of its name) or an
    address that is neither a host name nor an IP address is an InvalidInputError naming file and line."""
    data = load_yaml(path)
    if not isinstance(data, PosDict):
        raise InvalidInputError([Problem(path, 1, 1, "expected a mapping with a 'hosts' list")])
    try:
        inventory = _Inventory.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, data, exc)) from exc
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for index, host in enumerate(inventory.hosts):
        if host.address is None:  # the name is the address
            try:
                _address(host.name)
            except ValueError as exc:
                message = f"hosts.{index}.name: {exc}; give the machine's address too"
                problems.append(problem_at(path, data, message, ("hosts", index, "name")))
        if (seen := first.setdefault(host.name.casefold(), index)) != index:
            line = position_of(data, ("hosts", seen, "name"))
            message = f"hosts.{index}.name: {host.name!r} is already listed (line {line[0] if line else '?'})"
            problems.append(problem_at(path, data, message, ("hosts", index, "name")))
    if problems:
        raise InvalidInputError(problems)
    return [Target(h.name, h.address or h.name, h.port, tuple(h.categories)) for h in inventory.hosts]


def from_directory(computers: FactSet, categories: list[str]) -> list[Target]:
    """Enabled computer accounts (in one of ``categories``, when given), reached by their DNS name."""
    targets = []
    for record in computers.records:
        assert isinstance(record, Computer)
        if record.enabled is not True:
            continue
        if categories and not set(categories) & set(record.categories):
            continue
        targets.append(Target(record.id, record.dns_host_name or record.id, None, tuple(record.categories)))
    return targets


def merge(*groups: list[Target]) -> list[Target]:
    """One target per name (case-insensitive); later groups supply the address and port."""
    merged: dict[str, Target] = {}
    for group in groups:
        for target in group:
            key = target.name.casefold()
            if (seen := merged.get(key)) is not None:
                categories = tuple(dict.fromkeys([*seen.categories, *target.categories]))
                target = Target(seen.name, target.address, target.port, categories)
            merged[key] = target
    return sorted(merged.values(), key=lambda t: t.name.casefold())
