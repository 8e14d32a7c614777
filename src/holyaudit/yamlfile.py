"""Reading YAML while remembering where every value came from, so errors can name file, line and column.

Also turns pydantic validation errors into those file:line:column problems. Rules, profiles and the config
file are all read through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from holyaudit.errors import InvalidInputError, Problem

Position = tuple[int, int]
"""1-based line and column."""


class PosDict(dict[Any, Any]):
    """A mapping that knows where it, each key and each value started in the file."""

    pos: Position = (1, 1)

    def __init__(self) -> None:
        super().__init__()
        self.key_pos: dict[Any, Position] = {}
        self.value_pos: dict[Any, Position] = {}


class PosList(list[Any]):
    """A sequence that knows where it and each item started in the file."""

    pos: Position = (1, 1)

    def __init__(self) -> None:
        super().__init__()
        self.item_pos: list[Position] = []


def _mark(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader (no object construction) that keeps positions and refuses duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> PosDict:
    loader.flatten_mapping(node)
    result = PosDict()
    result.pos = _mark(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise _DuplicateKeyError(
                problem=f"duplicate key {key!r} (first at line {result.key_pos[key][0]})",
                problem_mark=key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = _mark(key_node)
        result.value_pos[key] = _mark(value_node)
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> PosList:
    result = PosList()
    result.pos = _mark(node)
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.item_pos.append(_mark(item))
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into PosDict/PosList/scalars; any problem is an InvalidInputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError([Problem(path, None, None, f"cannot read file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError([Problem(path, None, None, "file is not UTF-8 text")]) from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise InvalidInputError([Problem(path, line, col, f"invalid YAML: {what}")]) from exc
    except yaml.YAMLError as exc:
        raise InvalidInputError([Problem(path, None, None, f"invalid YAML: {exc}")]) from exc


def position_of(data: Any, loc: tuple[int | str, ...]) -> Position | None:
    """The position of the deepest value along ``loc`` (a pydantic error location) that the file has."""
    best: Position | None = getattr(data, "pos", None)
    node = data
    for part in loc:
        if isinstance(node, PosDict) and part in node:
            best = node.value_pos.get(part, best)
            node = node[part]
        elif isinstance(node, PosList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_pos[part]
            node = node[part]
        else:
            if isinstance(node, PosDict) and part in node.key_pos:
                best = node.key_pos[part]
            break
    return best


def key_position(data: Any, key: str) -> Position | None:
    """Where ``key`` itself is written in a mapping (for errors about the key, such as unknown keys)."""
    if isinstance(data, PosDict):
        return data.key_pos.get(key, data.pos)
    return getattr(data, "pos", None)


def problem_at(path: Path, data: Any, message: str, loc: tuple[int | str, ...] = ()) -> Problem:
    pos = position_of(data, loc)
    return Problem(path, pos[0] if pos else None, pos[1] if pos else None, message)


def problems_from_validation(path: Path, data: Any, error: ValidationError) -> list[Problem]:
    """Translate pydantic's errors into one plain line each, with file, line and column."""
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "file"
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _walk(data, loc[:-1])
            pos = key_position(parent, str(loc[-1])) if loc else None
            msg = f"unknown key {loc[-1]!r}" + (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else "")
            problems.append(Problem(path, pos[0] if pos else None, pos[1] if pos else None, msg))
            continue
        if kind == "missing":
            msg = f"{where}: required key is missing"
        else:
            msg = f"{where}: {err['msg']}"
            if kind not in ("value_error", "assertion_error") and "input" in err and _is_scalar(err["input"]):
                msg += f" (got {err['input']!r})"
        problems.append(problem_at(path, data, msg, loc))
    return problems


def _walk(data: Any, loc: tuple[int | str, ...]) -> Any:
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return node
    return node


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
