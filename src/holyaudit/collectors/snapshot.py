"""Snapshot files: collected fact sets saved as JSON with their collection time and source, audited offline.

The built-in demo estate is such a file, shipped inside the package.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import FACT_SETS, FactRecord, FactSet
from holyaudit.inputfile import MIB
from holyaudit.yamlfile import MAX_DEPTH, parse_yaml, problem_at, problems_from_validation, read_text

SNAPSHOT_FORMAT = "holyaudit-snapshot"
SNAPSHOT_VERSION = 1


SIZE_LIMIT = 128 * MIB
"""The largest snapshot read (checked before reading): about 180,000 users' records."""

EARLIEST = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
"""The earliest date-time a snapshot may hold: the start of Windows time stamps."""
LATEST = dt.datetime(9998, 12, 31, tzinfo=dt.UTC)
"""Later than any date-time a snapshot may hold: a day before the end of the year before Python's last, so that a
date-time shown in any time zone falls in a year whose weeks can still be counted."""
_EARLIEST_NAIVE, _LATEST_NAIVE = EARLIEST.replace(tzinfo=None), LATEST.replace(tzinfo=None)  # naive ones are UTC
INTEGER_RANGE = (-(2**63), 2**63 - 1)
"""The values a whole number in a record may take: a 64-bit integer, the most any source (an LDAP integer,
a registry value) gives, and the most the history can store."""


Where = tuple[tuple[str | int, ...], str]
"""A problem's place in the snapshot (a pydantic-style location) and its message."""


class _Strict(BaseModel):
    # Built on first use: a scan of live sources (most scans) never reads a snapshot file, and building the
    # validators of every fact set's records took 20 ms of its start, before the directory was asked anything.
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _known_zone(value: str | None) -> str | None:
    # Checked on load, so a bad zone is an error at its line rather than a failure during the audit. A name such
    # as "Europe" is a folder of the zone database (OSError), not a zone.
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from exc
    return value


def _fact_set_model(record_type: type[FactRecord]) -> type[BaseModel]:
    return create_model(
        f"Snapshot{record_type.__name__}Set",
        __base__=_Strict,
        source=(str, ...),
        collected_at=(dt.datetime, ...),
        error=(str | None, None),
        records=(list[record_type], []),  # type: ignore[valid-type]
    )


def _not_true(value: object) -> object:
    if isinstance(value, bool):  # True == 1 in Python, so Literal[1] alone would take it
        raise ValueError(f"{str(value).lower()!r} is not one of 1")
    return value


class _FactSetsBase(BaseModel):
    # Unknown fact sets are reported by name, before this is used; built on first use, as ``_Strict`` is.
    model_config = ConfigDict(extra="ignore", defer_build=True)


_FactSets = create_model(
    "SnapshotFactSets",
    __base__=_FactSetsBase,
    **{  # type: ignore[call-overload]
        name.replace(".", "__"): (_fact_set_model(record_type) | None, Field(default=None, alias=name))
        for name, record_type in FACT_SETS.items()
    },
)


class _SnapshotFile(_Strict):
    format: Literal["holyaudit-snapshot"]
    snapshot_version: Annotated[Literal[1], BeforeValidator(_not_true)]
    site: str | None = None
    timezone: Annotated[str | None, AfterValidator(_known_zone)] = None
    collected_at: dt.datetime
    fact_sets: _FactSets


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
    """A snapshot file, its values exactly of their fields' types (JSON's own: "7" is not 7, "yes" not true);
    every problem is an InvalidInputError with file, line and column."""
    text = read_text(path, SIZE_LIMIT)
    raw = _parse_json(text, path)
    if not isinstance(raw, dict):
        found = "a list" if isinstance(raw, list) else json.dumps(raw)
        raise InvalidInputError(
            [Problem(path, 1, 1, f"expected a JSON object {{...}} at the top level, but found {found}")]
        )
    names = raw.get("fact_sets")
    unknown = [name for name in names if name not in FACT_SETS] if isinstance(names, dict) else []
    known = ", ".join(FACT_SETS)
    problems: list[Where] = [
        (("fact_sets", name), f"fact_sets: unknown fact set {name!r} (known: {known})") for name in unknown
    ]
    try:
        parsed = _SnapshotFile.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise _refusal(text, path, raw, problems, exc) from exc
    fact_sets = {
        name: FactSet(name=name, source=data.source, collected_at=data.collected_at, error=data.error, records=records)
        for name in FACT_SETS
        if (data := getattr(parsed.fact_sets, name.replace(".", "__"))) is not None
        for records in [tuple(data.records)]
    }
    problems += _value_problems(parsed.collected_at, fact_sets)
    if problems:
        raise _refusal(text, path, raw, problems)
    return Snapshot(site=parsed.site, timezone=parsed.timezone, collected_at=parsed.collected_at, fact_sets=fact_sets)


def _refusal(
    text: str, path: Path, raw: Any, problems: list[Where], error: ValidationError | None = None
) -> InvalidInputError:
    """The problems found, each at its place. Only a snapshot with a problem can nest too deep (no field of a
    valid one nests 10 levels), so the depth is looked at only then, before the places are looked for."""
    if _too_deep(raw):
        return InvalidInputError([_depth_problem(text, path)])
    positions = _positions(text, path)
    found = [problem_at(path, positions, message, where) for where, message in problems]
    return InvalidInputError(found + (problems_from_validation(path, positions, error) if error else []))


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError
    return result


def _whole(text: str) -> int:
    # Checked on the digits first: Python refuses to read more than 4,300 of them, in words of its own.
    if len(text) > 20 or not INTEGER_RANGE[0] <= (value := int(text)) <= INTEGER_RANGE[1]:
        low, high = INTEGER_RANGE
        shown = text if len(text) <= 30 else f"{text[:30]}..."
        raise ValueError(f"{shown} is outside the whole numbers a source gives ({low} to {high})")
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: JSON allows writing it, but no source gives it
        raise ValueError(f"{text} is too large a number")
    return value


def _refused(number: str) -> bool:
    try:
        _finite(number) if any(c in number for c in ".eE") else _whole(number)
    except ValueError:
        return True
    return False


def _not_a_number(name: str) -> float:
    raise ValueError(f"{name} is not a JSON value (JSON has no NaN or Infinity)")


def _parse_json(text: str, path: Path) -> Any:
    """The JSON document, refusing what Python's reader would otherwise accept: a key repeated in an object
    (which would silently keep the last value), NaN and Infinity, and nesting deeper than the limit."""
    try:
        raw = json.loads(
            text, object_pairs_hook=_unique_keys, parse_int=_whole, parse_float=_finite, parse_constant=_not_a_number
        )
    except json.JSONDecodeError as exc:
        raise InvalidInputError([_json_problem(path, exc)]) from exc
    except _DuplicateKeyError as exc:
        raise InvalidInputError([_yaml_reader_problem(text, path, "a key is repeated in one JSON object")]) from exc
    except RecursionError as exc:
        raise InvalidInputError([_depth_problem(text, path)]) from exc
    except ValueError as exc:  # from the number hooks, with no position of its own: found by scanning
        raise InvalidInputError([_number_problem(text, path, str(exc))]) from exc
    return raw


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _depth_problem(text: str, path: Path) -> Problem:
    return _yaml_reader_problem(text, path, f"objects and lists are nested more than {MAX_DEPTH} deep")


def _yaml_reader_problem(text: str, path: Path, fallback: str) -> Problem:
    """The YAML reader's own report of a problem it shares with JSON (a repeated key, deep nesting), which
    names the place; the plain ``fallback`` message when it has none."""
    try:
        parse_yaml(_YAML_REFUSES.sub(" ", text), path)
    except InvalidInputError as exc:
        (problem,) = exc.problems
        message = problem.message.replace("invalid YAML: ", "invalid JSON: ")
        return Problem(path, problem.line, problem.column, message.replace("lists and mappings", "objects and lists"))
    return Problem(path, None, None, f"invalid JSON: {fallback}")


_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')


def _number_problem(text: str, path: Path, message: str) -> Problem:
    """The message of a number the JSON reader's hooks refused, placed at the first such number in the text."""
    for match in _NUMBER.finditer(text):
        number = match.group(2)
        if match.group(1) or (number and _refused(number)):
            start = match.start()
            line, column = text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
            return Problem(path, line, column, f"invalid JSON: {message}")
    return Problem(path, None, None, f"invalid JSON: {message}")


def _value_problems(collected_at: dt.datetime, fact_sets: dict[str, FactSet]) -> list[Where]:
    """Values of the right type that no collection can give: a record with an empty or repeated id (rules and
    waivers name objects by id, whatever its case), a date-time outside ``EARLIEST``-``LATEST``. Most snapshots
    have none, so each is first looked for in one pass, and placed only when found."""
    problems: list[Where] = []
    if not _in_range(collected_at):
        problems.append((("collected_at",), _range_message("collected_at")))
    for name, fact_set in fact_sets.items():
        if not _in_range(fact_set.collected_at):
            problems.append((("fact_sets", name, "collected_at"), _range_message(f"fact_sets.{name}.collected_at")))
        keys = [record.id.casefold() for record in fact_set.records]
        if len(set(keys)) != len(keys) or not all(key.strip() for key in keys):
            problems.extend(_id_problems(name, fact_set.records))
        for index, record in enumerate(fact_set.records):
            if not _dates_in_range(record):
                problems.extend(_date_problems(record, ("fact_sets", name, "records", index)))
    return problems


def _id_problems(name: str, records: Sequence[BaseModel]) -> list[Where]:
    problems: list[Where] = []
    first: dict[str, int] = {}
    for index, record in enumerate(records):
        label = f"fact_sets.{name}.records.{index}.id"
        where = ("fact_sets", name, "records", index, "id")
        record_id: str = getattr(record, "id", "")
        if not record_id.strip():
            problems.append((where, f"{label}: an object's id cannot be empty"))
        elif (seen := first.setdefault(record_id.casefold(), index)) != index:
            problems.append((where, f"{label}: {record_id!r} is already the id of record {seen} of this fact set"))
    return problems


def _dates_in_range(record: BaseModel) -> bool:
    """Whether every date-time in the record (and the records nested in it) is in range: the common case, found
    with as little work as possible."""
    for field in _date_fields(type(record)):
        value = getattr(record, field)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            if not _in_range(value):
                return False
        elif not all(_dates_in_range(item) for item in value if isinstance(item, BaseModel)):
            return False
    return True


def _date_problems(record: BaseModel, where: tuple[str | int, ...]) -> list[Where]:
    problems: list[Where] = []
    for field in _date_fields(type(record)):
        value = getattr(record, field)
        if isinstance(value, dt.datetime) and not _in_range(value):
            problems.append(((*where, field), _range_message(".".join(map(str, (*where, field))))))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    problems.extend(_date_problems(item, (*where, field, index)))
    return problems


@cache
def _date_fields(record_type: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a record type that can hold a date-time, or records that can."""
    kinds = ("datetime.datetime", "holyaudit.facts")
    return tuple(
        name for name, info in record_type.model_fields.items() if any(k in str(info.annotation) for k in kinds)
    )


def _in_range(value: dt.datetime) -> bool:
    return _EARLIEST_NAIVE <= value < _LATEST_NAIVE if value.tzinfo is None else EARLIEST <= value < LATEST


def _range_message(label: str) -> str:
    return f"{label}: a date-time must lie between 1601-01-01 and 9998-12-30 (UTC)"


def _json_problem(path: Path, exc: json.JSONDecodeError) -> Problem:
    before = exc.doc[: exc.pos].rstrip()
    if before.endswith(",") and exc.doc[exc.pos : exc.pos + 1] in ("}", "]"):
        # The parser's own words ("Expecting property name") point past the real mistake, a trailing comma.
        comma = len(before) - 1
        line, column = exc.doc.count("\n", 0, comma) + 1, comma - exc.doc.rfind("\n", 0, comma)
        return Problem(path, line, column, "invalid JSON: trailing comma (JSON allows no comma after the last item)")
    return Problem(path, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")


_YAML_REFUSES = re.compile("[\t\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _positions(text: str, path: Path) -> Any:
    """The snapshot parsed again, as YAML, only to learn where each value is written (None if it cannot be).

    Valid JSON is YAML except that PyYAML refuses tabs between tokens and some characters JSON allows in text
    (DEL and the C1 controls), and takes others (U+0085, U+2028, U+2029) as line breaks; a tab can only be
    whitespace in valid JSON and those characters only text, so each becomes a space (keeping every column).
    Should the YAML reader still balk, problems are reported without a line rather than at a wrong one.
    """
    try:
        return parse_yaml(_YAML_REFUSES.sub(" ", text), path)
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
