"""Snapshot files: collected fact sets saved as JSON with their collection time and source, audited offline.

The built-in demo estate is such a file, shipped inside the package.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import FACT_SETS, FactRecord, FactSet
from holyaudit.yamlfile import parse_yaml, problem_at, problems_from_validation

SNAPSHOT_FORMAT = "holyaudit-snapshot"
SNAPSHOT_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SnapshotFactSet(_Strict):
    source: str
    collected_at: dt.datetime
    error: str | None = None
    records: list[dict[str, Any]] = []


class SnapshotFile(_Strict):
    format: Literal["holyaudit-snapshot"]
    snapshot_version: Literal[1]
    site: str | None = None
    timezone: str | None = None
    collected_at: dt.datetime
    fact_sets: dict[str, SnapshotFactSet]


class Snapshot(BaseModel):
    """A loaded snapshot: typed fact sets by name."""

    model_config = ConfigDict(frozen=True)
    site: str | None
    timezone: str | None
    collected_at: dt.datetime
    fact_sets: dict[str, FactSet]


def demo_path() -> Path:
    return Path(str(resources.files("holyaudit"))) / "demo" / "estate.json"


def load_snapshot(path: Path) -> Snapshot:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError([Problem(path, None, None, f"cannot read snapshot: {exc.strerror}")]) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError([Problem(path, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]) from exc
    problems: list[Problem] = []
    try:
        parsed = SnapshotFile.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, parse_yaml(text, path), exc)) from exc
    fact_sets: dict[str, FactSet] = {}
    for name, data in parsed.fact_sets.items():
        record_type = FACT_SETS.get(name)
        if record_type is None:
            problems.append(Problem(path, None, None, f"fact_sets: unknown fact set {name!r} (known: {', '.join(FACT_SETS)})"))
            continue
        records: list[FactRecord] = []
        for index, item in enumerate(data.records):
            try:
                records.append(record_type.model_validate(item))
            except ValidationError as exc:
                problems.extend(_relocate(path, text, ("fact_sets", name, "records", index), exc))
        fact_sets[name] = FactSet(
            name=name, source=data.source, collected_at=data.collected_at, error=data.error, records=tuple(records)
        )
    if problems:
        raise InvalidInputError(problems)
    return Snapshot(
        site=parsed.site, timezone=parsed.timezone, collected_at=parsed.collected_at, fact_sets=fact_sets
    )


def _relocate(path: Path, text: str, prefix: tuple[Any, ...], exc: ValidationError) -> list[Problem]:
    """Re-anchor a record's validation errors at their place in the whole file."""
    whole = parse_yaml(text, path)  # JSON is YAML: parsed again only to find line numbers
    found = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        found.append(problem_at(path, whole, f"{'.'.join(map(str, loc))}: {err['msg']}", loc))
    return found


def dump_snapshot(fact_sets: list[FactSet], *, site: str | None, timezone: str, collected_at: dt.datetime) -> str:
    body = {
        "format": SNAPSHOT_FORMAT,
        "snapshot_version": SNAPSHOT_VERSION,
        "site": site,
        "timezone": timezone,
        "collected_at": collected_at.isoformat(),
        "fact_sets": {
            fs.name: {
                "source": fs.source,
                "collected_at": fs.collected_at.isoformat(),
                "error": fs.error,
                "records": [r.model_dump(mode="json", exclude_defaults=True) for r in fs.records],
            }
            for fs in fact_sets
        },
    }
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"
