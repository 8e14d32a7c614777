"""Turning a rule's condition (YAML with positions) into a checked condition tree.

Every mistake is reported with file, line and column: unknown operators and keys, attributes the fact set
does not have, references to undeclared parameters, and values the operator cannot use.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from holyaudit.engine.conditions import AllOf, AnyOf, Condition, Leaf, Not, ParamRef, Quantifier
from holyaudit.engine.operators import OPERATORS, operator_names
from holyaudit.errors import Problem
from holyaudit.facts import FactRecord
from holyaudit.yamlfile import PosDict, Position, PosList, key_position

_GROUPS = ("all", "any", "not", "every", "some")
_LEAF_KEYS = {"attr", "op", "value", "days_after"}
_QUANTIFIER_KEYS = {"in", "where", "check", "allow_empty"}
_DAY_COUNT_OPS = {"eq", "ne", "lt", "le", "gt", "ge"}


@dataclass(frozen=True)
class LeafSite:
    """A leaf and where its value is written, so a bad value can be pinned to its line."""

    leaf: Leaf
    value_pos: Position


@dataclass
class ParseState:
    path: Path
    parameters: set[str]
    problems: list[Problem] = field(default_factory=list)
    leaves: list[LeafSite] = field(default_factory=list)

    def problem(self, pos: Position | None, message: str) -> None:
        line, col = pos if pos else (None, None)
        self.problems.append(Problem(self.path, line, col, message))


def parse_condition(
    raw: Any, record_type: type[FactRecord], state: ParseState, where: str, at: Position | None = None
) -> Condition | None:
    """Parse one condition; problems go to ``state`` and the result is None if any were found here.

    ``at`` is where the condition is written, for a single value (which has no position of its own).
    """
    pos = getattr(raw, "pos", at)
    if not isinstance(raw, PosDict) or not raw:
        state.problem(pos, f"{where}: expected a condition mapping (attr/op/value, all, any, not, every, some)")
        return None
    groups = [k for k in raw if k in _GROUPS]
    if groups:
        if len(raw) != 1:
            others = sorted(str(k) for k in raw if k != groups[0])
            state.problem(raw.pos, f"{where}: '{groups[0]}' must be alone in its mapping (also found {others})")
            return None
        return _parse_group(groups[0], raw, record_type, state, where)
    return _parse_leaf(raw, record_type, state, where)


def _parse_group(
    key: str, raw: PosDict, record_type: type[FactRecord], state: ParseState, where: str
) -> Condition | None:
    body = raw[key]
    inner = f"{where}.{key}"
    if key == "not":
        child = parse_condition(body, record_type, state, inner, raw.value_pos[key])
        return Not(child) if child is not None else None
    if key in ("all", "any"):
        if not isinstance(body, PosList) or not body:
            state.problem(raw.value_pos[key], f"{inner}: expected a non-empty list of conditions")
            return None
        parsed = [parse_condition(c, record_type, state, f"{inner}[{i}]", body.item_pos[i]) for i, c in enumerate(body)]
        children = tuple(c for c in parsed if c is not None)
        if len(children) != len(parsed):
            return None
        return AllOf(children) if key == "all" else AnyOf(children)
    return _parse_quantifier(key, body, raw.value_pos[key], record_type, state, inner)


def _parse_quantifier(
    key: str, body: Any, pos: Position, record_type: type[FactRecord], state: ParseState, where: str
) -> Condition | None:
    if not isinstance(body, PosDict):
        state.problem(pos, f"{where}: expected a mapping with 'in' and 'check' (and optional 'where')")
        return None
    unknown = set(body) - _QUANTIFIER_KEYS
    for name in sorted(map(str, unknown)):
        state.problem(
            key_position(body, name),
            f"{where}: unknown key {name!r} (allowed: in, where, check, allow_empty)",
        )
    for name in ("in", "check"):
        if name not in body:
            state.problem(body.pos, f"{where}: required key {name!r} is missing")
    if unknown or "in" not in body or "check" not in body:
        return None
    element = _list_element_type(record_type, body["in"])
    if element is None:
        lists = ", ".join(_record_lists(record_type)) or "none"
        state.problem(
            body.value_pos["in"],
            f"{where}.in: {body['in']!r} is not a list of records in {record_type.kind} facts "
            f"(lists of records: {lists})",
        )
        return None
    allow_empty = body.get("allow_empty", False)
    if not isinstance(allow_empty, bool):
        state.problem(body.value_pos["allow_empty"], f"{where}.allow_empty: expected true or false")
        return None
    check = parse_condition(body["check"], element, state, f"{where}.check", body.value_pos["check"])
    selector = (
        parse_condition(body["where"], element, state, f"{where}.where", body.value_pos["where"])
        if "where" in body
        else None
    )
    if check is None or ("where" in body and selector is None):
        return None
    return Quantifier(key == "every", body["in"], check, selector, allow_empty)


def _parse_leaf(raw: PosDict, record_type: type[FactRecord], state: ParseState, where: str) -> Condition | None:
    ok = True
    for name in sorted(str(k) for k in set(raw) - _LEAF_KEYS):
        state.problem(
            key_position(raw, name),
            f"{where}: unknown key {name!r} (a condition is attr/op/value, or one of {', '.join(_GROUPS)})",
        )
        ok = False
    for name in ("attr", "op"):
        if name not in raw:
            state.problem(raw.pos, f"{where}: required key {name!r} is missing")
            ok = False
    if not ok:
        return None
    op = OPERATORS.get(raw["op"]) if isinstance(raw["op"], str) else None
    if op is None:
        state.problem(
            raw.value_pos["op"],
            f"{where}: unknown operator {raw['op']!r} (known: {', '.join(operator_names())})",
        )
        return None
    ok = _check_attr(raw, "attr", record_type, state, where)
    if "days_after" in raw:
        ok = _check_attr(raw, "days_after", record_type, state, where) and ok
        if op.name not in _DAY_COUNT_OPS:
            state.problem(
                raw.key_pos["days_after"],
                f"{where}: 'days_after' needs a comparison (eq, ne, lt, le, gt, ge)",
            )
            ok = False
    if op.takes_value and "value" not in raw:
        state.problem(raw.pos, f"{where}: operator {op.name!r} needs a 'value'")
        ok = False
    if not op.takes_value and "value" in raw:
        state.problem(raw.key_pos["value"], f"{where}: operator {op.name!r} takes no 'value'")
        ok = False
    value = _plain(raw.get("value"), state, where, raw.value_pos.get("value", raw.pos))
    if not ok or value is _INVALID:
        return None
    leaf = Leaf(raw["attr"], op, value, raw.get("days_after"))
    state.leaves.append(LeafSite(leaf, raw.value_pos.get("value", raw.pos)))
    return leaf


def attr_exists(record_type: type[FactRecord], path: Any) -> bool:
    return isinstance(path, str) and _attr_type(record_type, path) is not None


def _check_attr(raw: PosDict, key: str, record_type: type[FactRecord], state: ParseState, where: str) -> bool:
    path = raw[key]
    if not attr_exists(record_type, path):
        known = ", ".join(name for name in record_type.model_fields if name not in ("unreadable", "error"))
        state.problem(
            raw.value_pos[key],
            f"{where}: {record_type.kind} facts have no attribute {path!r} (known: {known})",
        )
        return False
    return True


_INVALID = object()


def _plain(value: Any, state: ParseState, where: str, pos: Position) -> Any:
    """A condition value as plain data, with ``{param: name}`` turned into a ParamRef."""
    if isinstance(value, PosDict):
        if set(value) == {"param"}:
            name = value["param"]
            if not isinstance(name, str) or name not in state.parameters:
                declared = ", ".join(sorted(state.parameters)) or "none"
                state.problem(value.value_pos["param"], f"{where}: unknown parameter {name!r} (declared: {declared})")
                return _INVALID
            return ParamRef(name)
        items = {k: _plain(v, state, where, value.value_pos[k]) for k, v in value.items()}
        return _INVALID if _INVALID in items.values() else items
    if isinstance(value, PosList):
        listed = [_plain(v, state, where, value.item_pos[i]) for i, v in enumerate(value)]
        return _INVALID if _INVALID in listed else listed
    return value


def _attr_type(record_type: type[BaseModel], path: str) -> Any:
    """The annotation at ``path`` in the record type, or None if the path does not exist."""
    current: Any = record_type
    annotation: Any = None
    for part in path.split("."):
        model = _model_in(current)
        if model is None or part not in model.model_fields or part in ("unreadable", "error"):
            return None
        annotation = model.model_fields[part].annotation
        current = annotation
    return annotation


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [m for m in (_model_in(a) for a in typing.get_args(annotation)) if m is not None]
        return models[0] if len(models) == 1 else None
    return None


def _list_element_type(record_type: type[FactRecord], path: Any) -> type[FactRecord] | None:
    if not isinstance(path, str):
        return None
    annotation = _attr_type(record_type, path)
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is list:
            (element,) = typing.get_args(candidate)
            if isinstance(element, type) and issubclass(element, FactRecord):
                return element
    return None


def _record_lists(record_type: type[FactRecord]) -> list[str]:
    return [name for name in record_type.model_fields if _list_element_type(record_type, name) is not None]
