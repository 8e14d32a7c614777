"""Reading YAML while remembering where every value came from, so errors can name file, line and column.

Also turns pydantic validation errors into those file:line:column problems, in the words of someone editing
the file. Rules, profiles and the config file are all read through here (snapshots too, for their positions).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

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


class _BadKeyError(yaml.MarkedYAMLError):
    """A mapping key that cannot be used: repeated, or itself a list or mapping."""


class _BadValueError(yaml.MarkedYAMLError):
    """A value YAML recognises but cannot make, such as the impossible date 2026-13-01."""


class _Loader(yaml.SafeLoader):
    """SafeLoader (no object construction) that keeps positions and refuses duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> PosDict:
    loader.flatten_mapping(node)
    result = PosDict()
    result.pos = _mark(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, PosDict | PosList):
            raise _BadKeyError(
                problem="a key must be a single value, not a list or mapping",
                problem_mark=key_node.start_mark,
            )
        if key in result:
            raise _BadKeyError(
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


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:  # PyYAML's own error carries no position
        raise _BadValueError(
            problem=f"{node.value!r} looks like a date but is not a real one ({exc})", problem_mark=node.start_mark
        ) from exc


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """``_Loader`` over libyaml's parser (written in C; PyYAML's wheels include it): the same constructors over
    the same nodes, so the same values and positions, several times faster. A file it cannot load is loaded
    again by ``_Loader``, whose messages (and snippets of the file) are the ones reported."""


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_text(path: Path) -> str:
    """A file's text as UTF-8 (a leading byte-order mark is allowed); any problem is an InvalidInputError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError([Problem(path, None, None, f"cannot read file: {exc.strerror}")]) from exc
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8")) + 1
        message = f"file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded (save the file as UTF-8)"
        raise InvalidInputError([Problem(path, line, column, message)]) from exc


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into PosDict/PosList/scalars; any problem is an InvalidInputError."""
    return parse_yaml(read_text(path), path)


def parse_yaml(text: str, path: Path) -> Any:
    if "\t" not in text:  # libyaml takes a tab after "key:" that the pure-Python parser refuses: keep refusing it
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - _FastLoader derives from (C)SafeLoader
        except yaml.YAMLError:
            pass  # loaded again below, to report the problem as the pure-Python parser words and places it
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        raise InvalidInputError([_yaml_problem(exc, text, path)]) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"invalid YAML: control character U+{char:04X} is not allowed here; remove it"
        raise InvalidInputError([Problem(path, line, col, message)]) from exc
    except yaml.YAMLError as exc:
        raise InvalidInputError([Problem(path, None, None, f"invalid YAML: {exc}")]) from exc


_PLAIN_NAMES = {
    "a quoted scalar": "quoted text",
    "a flow sequence": "a [ ] list",
    "a flow mapping": "a { } mapping",
}


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, path: Path) -> Problem:
    """PyYAML's complaint in plainer words, placed where the mistake most likely is."""
    problem, context = exc.problem or "", exc.context or ""
    mark, start = exc.problem_mark or exc.context_mark, exc.context_mark
    inside = context.removeprefix("while scanning ").removeprefix("while parsing ")
    inside = _PLAIN_NAMES.get(inside, inside)
    if "'\\t'" in problem:
        message = "a tab character cannot be used here; indent YAML with spaces, not tabs"
    elif start and mark and mark.index >= len(text.rstrip()) and context.startswith("while "):
        # The file ended while something was still open: the mistake is where that thing began.
        message, mark = f"{inside} that starts here is never closed", start
    elif runaway := _runaway_quote(text, mark):
        message, mark = (
            f"quoted text that starts here runs on to line {runaway.end_mark.line + 1}, where the file stops "
            "making sense; is its closing quote missing?",
            runaway.start_mark,
        )
    elif problem == "mapping values are not allowed here":
        message = "a ': ' here would start a mapping; put a value that contains ': ' in quotes"
    elif start and start is not mark and context.startswith("while "):
        message = f"{problem} (in {inside} that starts at line {start.line + 1}, column {start.column + 1})"
    else:
        message = " ".join(part for part in (context, problem) if part)
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(path, line, col, f"invalid YAML: {message}")


def _runaway_quote(text: str, mark: yaml.Mark | None) -> yaml.ScalarToken | None:
    """The last quoted text before the error if it spans lines and ends on the error's: likely unclosed."""
    if mark is None:
        return None
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= mark.index:
                break
            if isinstance(token, yaml.ScalarToken) and not token.plain:
                last = token
    except yaml.YAMLError:
        pass  # only the tokens before the error matter
    if last and last.start_mark.line < last.end_mark.line == mark.line:
        return last
    return None


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


def problems_from_validation(
    path: Path, data: Any, error: ValidationError, prefix: tuple[int | str, ...] = ()
) -> list[Problem]:
    """Translate pydantic's errors into one plain line each, with file, line and column.

    ``prefix`` is where the validated value sits inside ``data`` (when only part of the file was validated).
    """
    problems = []
    for err in error.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            parent = _walk(data, loc[:-1])
            pos = key_position(parent, str(loc[-1])) if loc else None
            msg = f"unknown key {loc[-1]!r}" + (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else "")
            problems.append(Problem(path, pos[0] if pos else None, pos[1] if pos else None, msg))
            continue
        where = ".".join(str(p) for p in loc) or "top level"
        problems.append(problem_at(path, data, f"{where}: {_plain_message(err)}", loc))
    return problems


_EXPECTED = {
    "model_type": "expected a mapping of keys and values",
    "model_attributes_type": "expected a mapping of keys and values",
    "dict_type": "expected a mapping of keys and values",
    "list_type": "expected a list",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
}


def _plain_message(err: ErrorDetails) -> str:
    """Pydantic's message in the words of someone editing the file, with the value that was found."""
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":  # raised by our own validators, already in plain words
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind in ("enum", "literal_error") and _is_scalar(value):
        return f"{value!r} is not one of {err.get('ctx', {}).get('expected', '')}"
    message = _EXPECTED.get(kind, err["msg"])
    if isinstance(value, dict | list):
        return f"{message} (got a {'mapping' if isinstance(value, dict) else 'list'})"
    return f"{message} (got {value!r})" if _is_scalar(value) and "input" in err else message


def _walk(data: Any, loc: tuple[int | str, ...]) -> Any:
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        break
    return node


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
