"""When Microsoft stops servicing a Windows release: the lifecycle table shipped in ``data/windows-lifecycle.yaml``.

A release is found by platform, edition family and build, read from what a machine reports: the directory's
``operatingSystem`` / ``operatingSystemVersion`` (``Windows 10 Pro``, ``10.0 (19045)``), or the same from an
endpoint. A release the table does not hold is never guessed: ``lookup`` raises ``UnknownRelease`` with the reason,
which a collector records as unreadable, so the rule that needs it reports ERROR.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from holyaudit.errors import InvalidInputError
from holyaudit.yamlfile import load_yaml, problem_at, problems_from_validation

TABLE = Path(__file__).parent / "data" / "windows-lifecycle.yaml"

Platform = Literal["Windows 7", "Windows 8.1", "Windows 10", "Windows 11", "Windows Server"]
Editions = Literal[
    "Home and Pro", "Enterprise and Education", "Enterprise LTSC", "IoT Enterprise LTSC", "Server", "All editions"
]
_URL = r"^https://\S+$"


class CumulativeUpdate(BaseModel):
    """One cumulative update of a release: its update build revision and the day Microsoft released it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ubr: int = Field(ge=0)
    released: dt.date
    source: str = Field(pattern=_URL)


class Release(BaseModel):
    """One row of the table: a Windows release in one edition family, and the last day Microsoft services it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    product: str = Field(min_length=1, description="How Microsoft names the release.")
    platform: Platform
    editions: Editions
    build: int = Field(gt=0)
    ends: dt.date = Field(description="The last day Microsoft services it (its final Patch Tuesday).")
    esu_ends: dt.date | None = Field(default=None, description="The last day of paid Extended Security Updates.")
    source: str = Field(pattern=_URL)
    esu_source: str | None = Field(default=None, pattern=_URL)
    updates: tuple[CumulativeUpdate, ...] = ()

    @model_validator(mode="after")
    def _esu_after_end(self) -> Release:
        if self.esu_ends is not None and (self.esu_ends <= self.ends or self.esu_source is None):
            raise ValueError("esu_ends must come after ends, with its own esu_source")
        return self


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    updates_checked: dt.date = Field(description="The day the releases' update lists were last brought up to date.")
    cumulative_updates: dict[str, tuple[CumulativeUpdate, ...]] = Field(
        default_factory=dict, description="Each update list, written once for the rows that name it (YAML aliases)."
    )
    rows: tuple[Release, ...]


class UnknownRelease(Exception):
    """What a machine reports names no release in the table; the message says what was not recognised."""


@dataclass(frozen=True)
class Lifecycle:
    """The table, indexed by (platform, edition family, build)."""

    releases: dict[tuple[str, str, int], Release]
    updates_checked: dt.date

    def lookup(self, operating_system: str | None, version: str | None) -> Release:
        """The release a machine runs, from its ``operatingSystem`` and ``operatingSystemVersion``."""
        if not operating_system:
            raise UnknownRelease("the computer records no operatingSystem")
        platform = _platform(operating_system)
        build = _build(version)
        if platform is None:
            raise UnknownRelease(f"'{operating_system}' is not a Windows release holyaudit's lifecycle table covers")
        if build is None:
            raise UnknownRelease(f"operatingSystemVersion {version!r} gives no build number")
        family = _family(platform, operating_system)
        found = self.find(platform, family, build)
        if found is not None:
            return found
        named = f" ({family})" if family else ""
        raise UnknownRelease(
            f"'{operating_system}'{named} build {build} is not in holyaudit's lifecycle table "
            "(src/holyaudit/data/windows-lifecycle.yaml)"
        )

    def find(self, platform: str, family: str | None, build: int) -> Release | None:
        """The row for the edition family (or every edition) of a platform's build; None when there is none."""
        for editions in (*([family] if family else []), "All editions"):
            found = self.releases.get((platform, editions, build))
            if found is not None:
                return found
        return None


def _platform(operating_system: str) -> str | None:
    found = re.match(r"(?:Microsoft )?Windows (Server|11|10|8\.1|7)\b", operating_system.strip(), re.IGNORECASE)
    if found is None:
        return None
    name = found.group(1)
    return "Windows Server" if name.lower() == "server" else f"Windows {name}"


def _build(version: str | None) -> int | None:
    """The build from the directory's ``10.0 (19045)``, an endpoint's ``10.0.19045.6456`` or a bare ``19045``."""
    text = (version or "").strip()
    found = re.search(r"\((\d+)\)", text) or re.fullmatch(r"\d+\.\d+\.(\d+)(?:\.\d+)?", text)
    found = found or re.fullmatch(r"(\d+)", text)
    return int(found.group(1)) if found else None


def _family(platform: str, operating_system: str) -> str | None:
    """The edition family Microsoft's lifecycle pages group the edition in; None when the edition is not known."""
    words = operating_system.lower()
    if platform == "Windows Server":
        return "Server"
    if "ltsc" in words or "ltsb" in words:
        return "IoT Enterprise LTSC" if "iot" in words else "Enterprise LTSC"
    # Pro Education and Pro for Workstations follow Home and Pro's shorter servicing, whatever else they say.
    if re.search(r"\b(home|pro)\b", words):
        return "Home and Pro"
    if re.search(r"\b(enterprise|education)\b", words):
        return "Enterprise and Education"
    return None


def load(path: Path = TABLE) -> Lifecycle:
    """Read and check a lifecycle table; a problem is an ``InvalidInputError`` naming file:line:col."""
    data = load_yaml(path)
    try:
        table = _Table.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, data, exc)) from exc
    releases: dict[tuple[str, str, int], Release] = {}
    for index, row in enumerate(table.rows):
        key = (row.platform, row.editions, row.build)
        if key in releases:
            raise InvalidInputError(
                [problem_at(path, data, f"rows.{index}: {row.product} repeats {key}", ("rows", index))]
            )
        releases[key] = row
    return Lifecycle(releases, table.updates_checked)


@cache
def shipped() -> Lifecycle:
    """The table shipped with holyaudit, read once per process."""
    return load()


LIFECYCLE_FIELDS = frozenset({"os_release", "os_support_ends", "os_esu_ends", "os_lifecycle_source"})
"""The computer record's fields this table fills."""


def lifecycle_fields(operating_system: str | None, version: str | None) -> dict[str, object]:
    """A computer record's lifecycle fields for what it reports, or each named ``unreadable`` with the reason."""
    release, reason = _release(operating_system, version)
    if release is None:
        return {"unreadable": dict.fromkeys(sorted(LIFECYCLE_FIELDS), reason)}
    return {
        "os_release": f"{release.product} ({release.editions})",
        "os_support_ends": release.ends,
        "os_esu_ends": release.esu_ends,
        "os_lifecycle_source": release.source,
    }


@lru_cache(maxsize=1024)
def _release(operating_system: str | None, version: str | None) -> tuple[Release | None, str]:
    """The release, or why there is none: once per distinct pair, as an estate has few and a directory thousands."""
    try:
        return shipped().lookup(operating_system, version), ""
    except UnknownRelease as exc:
        return None, str(exc)
