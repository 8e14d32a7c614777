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

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import Computer, FactSet
from holyaudit.yamlfile import PosDict, load_yaml, problems_from_validation


@dataclass(frozen=True)
class Target:
    name: str
    address: str
    port: int | None = None
    categories: tuple[str, ...] = field(default=())


class _InventoryHost(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    address: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    categories: list[str] = Field(default_factory=list)


class _Inventory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hosts: list[_InventoryHost]


def read_inventory(path: Path) -> list[Target]:
    """The inventory file's machines; a broken file is an InvalidInputError naming file and line."""
    data = load_yaml(path)
    if not isinstance(data, PosDict):
        raise InvalidInputError([Problem(path, 1, 1, "expected a mapping with a 'hosts' list")])
    try:
        inventory = _Inventory.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, data, exc)) from exc
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
