"""The fleet file: which sites to audit (each a site config, over an optional base file), where their reports go,
how many run at once and how long each may take."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.reporters.interface import OutputFormat
from holyaudit.status import Severity
from holyaudit.yamlfile import PosDict, load_yaml, problem_at, problems_from_validation

DEFAULT_CONCURRENCY = 4
DEFAULT_DEADLINE_SECONDS = 3600.0
DEFAULT_STALE_DAYS = 7


class FleetSite(BaseModel):
    """One school: its config file (over the fleet's base), or a snapshot of it to audit offline."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    config: Path
    name: str | None = Field(default=None, min_length=1)
    """The site's name in the history and its lock; default: the snapshot's, else the config's ``site.name``."""
    snapshot: Path | None = None

    @property
    def id(self) -> str:
        """The site's folder name among the reports: its config file's name without ``.yaml``, made plain."""
        return slug(self.config.stem)


class FleetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    base: Path | None = None
    history: Path | None = None
    output: Path = Path("reports")
    formats: list[OutputFormat] = Field(default_factory=lambda: [OutputFormat.JSON], min_length=1)
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, ge=1, le=64)
    deadline_seconds: float = Field(default=DEFAULT_DEADLINE_SECONDS, gt=0, le=86400)
    fail_on: Severity = Severity.LOW
    stale_days: int = Field(default=DEFAULT_STALE_DAYS, ge=1, le=3660)
    sites: list[FleetSite] = Field(min_length=1)

    def relative_to(self, folder: Path) -> Self:
        def anchored(path: Path) -> Path:
            return path if path.is_absolute() else folder / path

        sites = [
            site.model_copy(
                update={
                    "config": anchored(site.config),
                    "snapshot": anchored(site.snapshot) if site.snapshot else None,
                }
            )
            for site in self.sites
        ]
        return self.model_copy(
            update={
                "base": anchored(self.base) if self.base else None,
                "history": anchored(self.history) if self.history else None,
                "output": anchored(self.output),
                "sites": sites,
            }
        )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "site"


def load_fleet(path: Path) -> FleetSpec:
    """The fleet file, its paths taken from its folder; every problem (a missing base file, two sites with one id)
    at its line, exit 3. A site's own config is read when the site runs: a broken one stops that site only."""
    data = load_yaml(path)
    if not isinstance(data, PosDict):
        raise InvalidInputError([Problem(path, 1, 1, "expected a YAML mapping with a 'sites' list (docs/fleet.md)")])
    try:
        spec = FleetSpec.model_validate(data).relative_to(path.parent)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, data, exc)) from exc
    problems = []
    if spec.base is not None and not spec.base.is_file():
        problems.append(problem_at(path, data, f"base: file '{spec.base}' does not exist", ("base",)))
    seen: dict[str, int] = {}
    for index, site in enumerate(spec.sites):
        if site.id in seen:
            message = f"sites: '{site.config.name}' has the same id '{site.id}' as site {seen[site.id] + 1}"
            problems.append(problem_at(path, data, message, ("sites", index, "config")))
        seen.setdefault(site.id, index)
    if problems:
        raise InvalidInputError(problems)
    return spec
