"""Building a fleet's files for tests: a base config, one config per school, and the fleet file naming them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from holyaudit.collectors.snapshot import demo_path


@dataclass
class FleetFiles:
    """A fleet folder: ``add`` a school at a time, then ``write`` the fleet file."""

    folder: Path
    base: dict[str, Any] = field(default_factory=lambda: {"site": {"timezone": "Europe/London"}})
    sites: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def history(self) -> Path:
        return self.folder / "history.sqlite3"

    @property
    def output(self) -> Path:
        return self.folder / "reports"

    def add(self, site_id: str, config: dict[str, Any] | str, **entry: Any) -> Path:
        """A school's config (a mapping, or text as written, broken or not) under ``schools/<site_id>.yaml``."""
        path = self.folder / "schools" / f"{site_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config if isinstance(config, str) else yaml.safe_dump(config), encoding="utf-8")
        self.sites.append({"config": f"schools/{site_id}.yaml", **{k: str(v) for k, v in entry.items()}})
        return path

    def add_snapshot_school(self, site_id: str, name: str, snapshot: Path | None = None) -> None:
        """A school audited from a snapshot (the demo estate's unless given), under its own name."""
        self.add(site_id, {"site": {"name": name}}, snapshot=snapshot or demo_path())

    def write(self, **options: Any) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "base.yaml").write_text(yaml.safe_dump(self.base), encoding="utf-8")
        data = {
            "base": "base.yaml",
            "history": self.history.name,
            "output": self.output.name,
            **self.options,
            **options,
            "sites": self.sites,
        }
        path = self.folder / "fleet.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path


def summary_codes(stdout: str) -> dict[str, int]:
    """Site id -> exit code, from ``fleet run --format json``'s summary."""
    return {site["id"]: site["code"] for site in json.loads(stdout)["sites"]}
