"""Which machines an endpoint scan visits: the directory's enabled computers and the inventory file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from holyaudit.collectors.winrm.targets import Target, from_directory, merge, read_inventory
from holyaudit.errors import InvalidInputError
from holyaudit.facts import Computer, FactSet


def computers(*records: Computer) -> FactSet:
    return FactSet(name="directory.computers", source="test", collected_at=dt.datetime.now(dt.UTC), records=records)


def test_enabled_directory_computers_are_reached_by_dns_name() -> None:
    found = from_directory(
        computers(
            Computer(id="HW-LT-01", dns_host_name="hw-lt-01.holywell.test", enabled=True, categories=["laptop"]),
            Computer(id="HW-PC-01", dns_host_name=None, enabled=True),
            Computer(id="HW-OLD-01", dns_host_name="hw-old-01.holywell.test", enabled=False),
            Computer(id="HW-UNKNOWN", enabled=None),
        ),
        categories=[],
    )
    assert found == [
        Target("HW-LT-01", "hw-lt-01.holywell.test", None, ("laptop",)),
        Target("HW-PC-01", "HW-PC-01", None, ()),
    ]


def test_a_category_filter_keeps_only_those_computers() -> None:
    fleet = computers(
        Computer(id="HW-LT-01", enabled=True, categories=["laptop"]), Computer(id="HW-PC-01", enabled=True)
    )
    assert [t.name for t in from_directory(fleet, categories=["laptop"])] == ["HW-LT-01"]


def test_the_inventory_supplies_addresses_and_adds_categories(tmp_path: Path) -> None:
    inventory = tmp_path / "machines.yaml"
    inventory.write_text(
        "hosts:\n"
        "  - name: hw-lt-01\n    address: 10.0.0.5\n    port: 5986\n    categories: [staff]\n"
        "  - name: HW-KIOSK\n"
    )
    directory = [Target("HW-LT-01", "hw-lt-01.holywell.test", None, ("laptop",))]
    assert merge(directory, read_inventory(inventory)) == [
        Target("HW-KIOSK", "HW-KIOSK", None, ()),
        Target("HW-LT-01", "10.0.0.5", 5986, ("laptop", "staff")),
    ]


def test_a_broken_inventory_names_file_line_and_problem(tmp_path: Path) -> None:
    inventory = tmp_path / "machines.yaml"
    inventory.write_text("hosts:\n  - name: HW-LT-01\n    port: 99999\n  - adress: 10.0.0.6\n")
    with pytest.raises(InvalidInputError) as caught:
        read_inventory(inventory)
    assert [str(p) for p in caught.value.problems] == [
        f"{inventory}:3:11: hosts.0.port: Input should be less than or equal to 65535 (got 99999)",
        f"{inventory}:4:5: hosts.1.name: required key is missing",
        f"{inventory}:4:5: unknown key 'adress' in hosts.1",
    ]
