"""Snapshot files: collected fact sets saved as JSON with their collection time and source, audited offline.

The built-in demo estate is such a file, shipped inside the package.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import FACT_SETS, FactRecord, FactSet
from holyaudit.yamlfile import parse_yaml, problem_at, problems_from_validation, read_text

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

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        # Checked on load, so a bad zone is an error at its line rather than a failure during the audit.
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from exc
        return value


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
    text = read_text(path)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError([_json_problem(path, exc)]) from exc
    if not isinstance(raw, dict):
        found = "a list" if isinstance(raw, list) else json.dumps(raw)
        raise InvalidInputError(
            [Problem(path, 1, 1, f"expected a JSON object {{...}} at the top level, but found {found}")]
        )
    try:
        parsed = SnapshotFile.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, _positions(text, path), exc)) from exc
    unknown: list[str] = []
    invalid: list[tuple[tuple[str | int, ...], ValidationError]] = []
    fact_sets: dict[str, FactSet] = {}
    for name, data in parsed.fact_sets.items():
        record_type = FACT_SETS.get(name)
        if record_type is None:
            unknown.append(name)
            continue
        records: list[FactRecord] = []
        for index, item in enumerate(data.records):
            try:
                records.append(record_type.model_validate(item))
            except ValidationError as exc:
                invalid.append((("fact_sets", name, "records", index), exc))
        fact_sets[name] = FactSet(
            name=name,
            source=data.source,
            collected_at=data.collected_at,
            error=data.error,
            records=tuple(records),
        )
    if unknown or invalid:
        positions = _positions(text, path)
        known = ", ".join(FACT_SETS)
        problems = [
            problem_at(path, positions, f"fact_sets: unknown fact set {name!r} (known: {known})", ("fact_sets", name))
            for name in unknown
        ]
        for where, error in invalid:
            problems.extend(problems_from_validation(path, positions, error, where))
        raise InvalidInputError(problems)
    return Snapshot(site=parsed.site, timezone=parsed.timezone, collected_at=parsed.collected_at, fact_sets=fact_sets)


def _json_problem(path: Path, exc: json.JSONDecodeError) -> Problem:
    before = exc.doc[: exc.pos].rstrip()
    if before.endswith(",") and exc.doc[exc.pos : exc.pos + 1] in ("}", "]"):
        # The parser's own words ("Expecting property name") point past the real mistake, a trailing comma.
        comma = len(before) - 1
        line, column = exc.doc.count("\n", 0, comma) + 1, comma - exc.doc.rfind("\n", 0, comma)
        return Problem(path, line, column, "invalid JSON: trailing comma (JSON allows no comma after the last item)")
    return Problem(path, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")


def _positions(text: str, path: Path) -> Any:
    """The snapshot parsed again, as YAML, only to learn where each value is written (None if it cannot be).

    Valid JSON is YAML except that PyYAML refuses tabs between tokens; a tab can only be whitespace in valid
    JSON, so it becomes a space (keeping every column). Should the YAML reader still balk (for example at a
    duplicate key, which JSON allows), problems are reported without a line rather than at a wrong one.
    """
    try:
        return parse_yaml(text.replace("\t", " "), path)
    except InvalidInputError:
        return None


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
