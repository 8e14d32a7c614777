"""Reading YAML while remembering where every value came from, so errors can name file, line and column.

Also turns pydantic validation errors into those file:line:column problems, in the words of someone editing
the file. Rules, profiles and the config file are all read through here (snapshots too, for their positions).
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.inputfile import MIB, read_regular_file

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


SIZE_LIMIT = 8 * MIB
"""The largest rule, profile, config, waivers or inventory file read (checked before reading)."""

MAX_DEPTH = 50
"""The most lists and mappings nested in one another, aliases followed; deeper is refused before it is built
(Python's own recursion limit is met around 300)."""

MAX_ALIAS_VALUES = 10_000
"""The most values aliases may add to a file, counted as if each were written out in full. A few aliases
(a shared list, a ``<<`` merge) are well within it; a "billion laughs" of nested aliases is refused as soon as
its first over-large alias is read, before anything is expanded."""

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)
"""The tags holyaudit's files can use (written or implied); others (!!binary, !!set, !!omap, ...) are refused."""


class _BadKeyError(yaml.MarkedYAMLError):
    """A mapping key that cannot be used: repeated, not text, or itself a list or mapping."""


class _BadValueError(yaml.MarkedYAMLError):
    """A value YAML recognises but cannot make, such as the impossible date 2026-13-01 or ``!!int abc``."""


class _TooComplexError(yaml.MarkedYAMLError):
    """Nesting or aliases beyond the limits above."""


_COLLECTION: dict[type[yaml.Node], str] = {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Constructing:
    """What both loaders construct: mappings and lists with positions, text keys only, no value of a tag it
    does not fit (PyYAML's own constructors raise ValueError, KeyError or AttributeError for those)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node.tag not in _PLAIN_TAGS and node.tag.startswith("tag:yaml.org,2002:"):
            raise _BadValueError(
                problem=f"the tag {_short_tag(node.tag)} is not used in holyaudit's files; remove it",
                problem_mark=node.start_mark,
            )
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except yaml.YAMLError:
            raise
        except Exception as exc:  # any failure to make a value is the file's mistake, at its place
            what = (
                repr(node.value) if isinstance(node, yaml.ScalarNode) else f"a {_COLLECTION.get(type(node), 'value')}"
            )
            raise _BadValueError(
                problem=f"{what} cannot be read as {_short_tag(node.tag)}; remove the tag or fix the value",
                problem_mark=node.start_mark,
            ) from exc


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = loader.construct_yaml_float(node)
    if math.isnan(value):  # every comparison with it is false, so under a `not` it would pass anything
        raise _BadValueError(
            problem=f"{node.value!r} is not a number holyaudit can compare; write a number",
            problem_mark=node.start_mark,
        )
    return value


class _Loader(_Constructing, yaml.SafeLoader):
    """SafeLoader (no object construction) that keeps positions, refuses duplicate and non-text keys, and limits
    nesting and aliases while it composes, so each refusal names the place it happens."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._alias_values = 0
        self._measure: dict[int, tuple[int, int]] = {}
        """Per node composed (by id; the nodes live as long as the loader): its values and its height."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            target = super().compose_node(parent, index)
            assert target is not None  # an alias names a node composed before it (or PyYAML refused it)
            self._alias(target, event.start_mark)
            return target
        opens = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if opens:
            if self._depth >= MAX_DEPTH:
                raise _TooComplexError(
                    problem=f"lists and mappings are nested more than {MAX_DEPTH} deep here; "
                    "holyaudit's files need far fewer levels",
                    problem_mark=event.start_mark,
                )
            self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            if opens:
                self._depth -= 1
        if node is not None:
            self._measure[id(node)] = _measure(node, self._measure)
        return node

    def _alias(self, node: yaml.Node, mark: Any) -> None:
        measured = self._measure.get(id(node))
        if measured is None:
            raise _TooComplexError(problem="this alias is used inside the value it names", problem_mark=mark)
        values, height = measured
        self._alias_values += values
        if self._alias_values > MAX_ALIAS_VALUES:
            raise _TooComplexError(
                problem=f"aliases here would add more than {MAX_ALIAS_VALUES} values to the file; "
                "write the values out instead of aliasing them",
                problem_mark=mark,
            )
        if self._depth + height > MAX_DEPTH:
            raise _TooComplexError(
                problem=f"this alias nests lists and mappings more than {MAX_DEPTH} deep", problem_mark=mark
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(node: yaml.Node, known: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """A node's values (itself and everything in it, aliases counted in full) and its height (lists and mappings
    nested in it, itself included), from its children's."""
    if not isinstance(node, yaml.CollectionNode):
        return 1, 0
    parts = [known[id(child)] for child in _children(node)]
    return 1 + sum(values for values, _ in parts), 1 + max((height for _, height in parts), default=0)


def _within_limits(root: yaml.Node) -> bool:
    """Whether a document libyaml composed keeps the limits ``_Loader`` enforces while composing (aliases make
    the same node appear again, so it is a graph, walked without recursion)."""
    known: dict[int, tuple[int, int]] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        if id(node) in known:
            continue
        if children_done:
            open_nodes.discard(id(node))
            known[id(node)] = _measure(node, known)
            continue
        if id(node) in open_nodes:
            return False  # an alias inside the value it names
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in known)
    values, height = known[id(root)]
    return height <= MAX_DEPTH and values - len(known) <= MAX_ALIAS_VALUES


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
        if not isinstance(key, str):
            raise _BadKeyError(
                problem=f"the key {key_node.value!r} is read as {_kind_of(key)}, not as a name; put it in quotes",
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


def _kind_of(value: object) -> str:
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return f"a {type(value).__name__}"


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


class _FastLoader(_Constructing, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """``_Loader`` over libyaml's parser (written in C; PyYAML's wheels include it): the same constructors over
    the same nodes, so the same values and positions, several times faster. A file it cannot load, or whose
    nesting or aliases go beyond the limits, is loaded again by ``_Loader``, whose messages (and snippets of the
    file) are the ones reported."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        if not _within_limits(node):
            raise _TooComplexError(problem="beyond the limits", problem_mark=node.start_mark)
        return self.construct_document(node)


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def read_text(path: Path, limit: int = SIZE_LIMIT) -> str:
    """A regular file's text as UTF-8 (a leading byte-order mark is allowed); any problem is an InvalidInputError."""
    data = read_regular_file(path, limit).removeprefix(codecs.BOM_UTF8)
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
    for message, loc, about_key in validation_messages(error, prefix):
        line, column = location_in(data, loc, about_key) or (None, None)
        problems.append(Problem(path, line, column, message))
    return problems


def validation_messages(
    error: ValidationError, prefix: tuple[int | str, ...] = ()
) -> list[tuple[str, tuple[int | str, ...], bool]]:
    """Pydantic's errors in plain words, each with where it is (a location in the data) and whether it is about
    the key written there (an unknown key) rather than its value: for data read from more than one place."""
    messages = []
    for err in error.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}" + (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else "")
            messages.append((msg, loc, True))
            continue
        where = ".".join(str(p) for p in loc) or "top level"
        messages.append((f"{where}: {_plain_message(err)}", loc, False))
    return messages


def location_in(data: Any, loc: tuple[int | str, ...], about_key: bool) -> Position | None:
    if about_key and loc:
        return key_position(_walk(data, loc[:-1]), str(loc[-1]))
    if about_key:
        return None
    return position_of(data, loc)


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
