"""Condition trees: leaves that test one attribute, ``all``/``any``/``not``, and quantifiers over lists.

Evaluation is three-valued: True, False, or unknown (``None``), where unknown means a needed fact was
missing or unreadable. ``all`` is False if any child is False, else unknown if any child is unknown; ``any``
is True if any child is True, else unknown if any is unknown. So an unknown can never turn into a PASS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from holyaudit.engine.context import EvalContext
from holyaudit.engine.operators import Operator
from holyaudit.facts import FactRecord


@dataclass(frozen=True)
class ParamRef:
    """A reference to a rule parameter by name, written ``{param: name}`` in a rule."""

    name: str


def resolve(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, ParamRef):
        return params[value.name]
    if isinstance(value, dict):
        return {k: resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    return value


def _refs(value: Any) -> set[str]:
    if isinstance(value, ParamRef):
        return {value.name}
    if isinstance(value, dict):
        return {name for v in value.values() for name in _refs(v)}
    if isinstance(value, list):
        return {name for v in value for name in _refs(v)}
    return set()


@dataclass(frozen=True)
class Outcome:
    value: bool | None
    notes: tuple[str, ...] = ()
    guard: bool = False
    """False only because a presence check (exists/missing) failed: that branch did not apply."""


TRUE = Outcome(True)


class Observed:
    """The attribute values a rule looked at for one object, for the evidence in a finding."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def record(self, path: str, value: Any) -> None:
        self.values.setdefault(path, to_evidence(value))


def to_evidence(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list):
        return [to_evidence(v) for v in value]
    return value


class Unreadable(Exception):
    """A value the condition needs is missing from the facts; carries the reason."""


def read_path(record: BaseModel, path: str) -> Any:
    """Follow a dotted attribute path; an attribute the collector could not read raises Unreadable."""
    node: Any = record
    for part in path.split("."):
        if isinstance(node, FactRecord) and part in node.unreadable:
            raise Unreadable(f"{part} could not be read: {node.unreadable[part]}")
        if node is None:
            return None
        node = getattr(node, part)
    return node


@dataclass(frozen=True)
class Leaf:
    attr: str
    op: Operator
    value: Any = None
    days_after: str | None = None
    """When set, the leaf tests the whole calendar days from this attribute's date to ``attr``'s."""

    def bind(self, params: Mapping[str, Any]) -> Leaf:
        """The leaf with parameters filled in and its value checked by the operator (ValueError if bad)."""
        if not self.op.takes_value:
            return self
        return replace(self, value=self.op.check(resolve(self.value, params)))

    def param_names(self) -> set[str]:
        return _refs(self.value)

    def subject(self) -> str:
        return f"days from {self.days_after} to {self.attr}" if self.days_after else self.attr

    def describe(self) -> str:
        return self._description

    def fields(self) -> set[str]:
        """The record's top-level fields this condition reads (what a collector must fetch)."""
        return {self.attr.split(".")[0], *([self.days_after.split(".")[0]] if self.days_after else [])}

    @cached_property
    def _description(self) -> str:  # a bound leaf never changes, and failures describe it once per object
        if not self.op.takes_value:
            return f"{self.subject()} {self.op.text}"
        return f"{self.subject()} {self.op.text} {self.op.show_value(self.value)}"

    def evaluate(self, record: FactRecord, ctx: EvalContext, seen: Observed, prefix: str = "") -> Outcome:
        try:
            observed = read_path(record, self.attr)
            seen.record(prefix + self.attr, observed)
            if self.days_after is not None:
                start = read_path(record, self.days_after)
                seen.record(prefix + self.days_after, start)
                if start is None or observed is None:
                    missing = self.days_after if start is None else self.attr
                    return Outcome(None, (f"{prefix}{missing} has no value",))
                observed = ctx.local_date(observed) - ctx.local_date(start)
                observed = observed.days
                seen.record(f"{prefix}{self.subject()}", observed)
        except Unreadable as exc:
            return Outcome(None, (f"{prefix}{exc}",))
        if observed is None and self.op.needs_presence:
            return Outcome(None, (f"{prefix}{self.attr} has no value",))
        expected = self.value
        try:
            ok = self.op.test(observed, expected, ctx)
            detail = None if ok else self.op.explain(observed, expected, ctx)
        except (TypeError, ValueError) as exc:
            return Outcome(None, (f"{prefix}{self.subject()}: {exc}",))
        if ok:
            return TRUE
        shown = ctx.display(observed) if isinstance(observed, dt.date) else self.op.show_value(observed)
        note = f"{prefix}{self.subject()} is {shown}{f' ({detail})' if detail else ''}; expected {self.describe()}"
        return Outcome(False, (note,), guard=not self.op.needs_presence)


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]

    def bind(self, params: Mapping[str, Any]) -> AllOf:
        return AllOf(tuple(c.bind(params) for c in self.children))

    def fields(self) -> set[str]:
        return {f for c in self.children for f in c.fields()}

    def describe(self) -> str:
        return " and ".join(_wrap(c) for c in self.children)

    def evaluate(self, record: FactRecord, ctx: EvalContext, seen: Observed, prefix: str = "") -> Outcome:
        outcomes = [c.evaluate(record, ctx, seen, prefix) for c in self.children]
        return _combine(outcomes, decisive=False)


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]

    def bind(self, params: Mapping[str, Any]) -> AnyOf:
        return AnyOf(tuple(c.bind(params) for c in self.children))

    def fields(self) -> set[str]:
        return {f for c in self.children for f in c.fields()}

    def describe(self) -> str:
        return " or ".join(_wrap(c) for c in self.children)

    def evaluate(self, record: FactRecord, ctx: EvalContext, seen: Observed, prefix: str = "") -> Outcome:
        outcomes = [c.evaluate(record, ctx, seen, prefix) for c in self.children]
        return _combine(outcomes, decisive=True)


def _combine(outcomes: list[Outcome], *, decisive: bool) -> Outcome:
    """``all`` (decisive=False: one False decides) and ``any`` (decisive=True: one True decides)."""
    if any(o.value is decisive for o in outcomes):
        if decisive:
            return TRUE
        failed = [o for o in outcomes if o.value is False]
        return Outcome(False, tuple(n for o in failed for n in o.notes), guard=any(o.guard for o in failed))
    unknown = [n for o in outcomes if o.value is None for n in o.notes]
    if unknown:
        return Outcome(None, tuple(unknown))
    if decisive:  # any: every branch was False; explain the branches that applied, if some did
        applied = [o for o in outcomes if not o.guard] or outcomes
        return Outcome(False, tuple(n for o in applied for n in o.notes), guard=all(o.guard for o in outcomes))
    return TRUE  # all: every branch was True


@dataclass(frozen=True)
class Not:
    child: Condition

    def bind(self, params: Mapping[str, Any]) -> Not:
        return Not(self.child.bind(params))

    def fields(self) -> set[str]:
        return self.child.fields()

    def describe(self) -> str:
        return f"not {_wrap(self.child)}"

    def evaluate(self, record: FactRecord, ctx: EvalContext, seen: Observed, prefix: str = "") -> Outcome:
        inner = self.child.evaluate(record, ctx, seen, prefix)
        if inner.value is None:
            return inner
        if inner.value:
            return Outcome(False, (f"{prefix}expected {self.describe()}",))
        return TRUE


@dataclass(frozen=True)
class Quantifier:
    """``every`` or ``some`` element of a nested list (filtered by ``where``) meets ``check``.

    ``every`` over no elements is False unless ``allow_empty``: a machine that reports no volumes has not
    shown that its volumes are encrypted.
    """

    every: bool
    path: str
    check: Condition
    where: Condition | None = None
    allow_empty: bool = False

    def fields(self) -> set[str]:
        return {self.path.split(".")[0]}  # the whole list is fetched; its elements' fields come with it

    def bind(self, params: Mapping[str, Any]) -> Quantifier:
        where = self.where.bind(params) if self.where is not None else None
        return replace(self, check=self.check.bind(params), where=where)

    def describe(self) -> str:
        scope = f"{self.path} where {self.where.describe()}" if self.where else self.path
        word = "every" if self.every else "some"
        return f"{word} of {scope}: {_wrap(self.check)}"

    def evaluate(self, record: FactRecord, ctx: EvalContext, seen: Observed, prefix: str = "") -> Outcome:
        try:
            items = read_path(record, self.path)
        except Unreadable as exc:
            return Outcome(None, (f"{prefix}{exc}",))
        if items is None:
            return Outcome(None, (f"{prefix}{self.path} has no value",))
        outcomes = []
        for index, item in enumerate(items):
            label = f"{prefix}{self.path}[{getattr(item, 'id', index)}]."
            if getattr(item, "error", None):
                outcomes.append(Outcome(None, (f"{label[:-1]} could not be read: {item.error}",)))
                continue
            if self.where is not None:
                selected = self.where.evaluate(item, ctx, Observed(), label)
                if selected.value is None:
                    outcomes.append(selected)
                    continue
                if not selected.value:
                    continue
            outcomes.append(self.check.evaluate(item, ctx, seen, label))
        if not outcomes:
            if self.every and self.allow_empty:
                return TRUE
            return Outcome(False, (f"{prefix}no {self.path} to check; expected {self.describe()}",), guard=True)
        return _combine(outcomes, decisive=not self.every)


def _wrap(node: Condition) -> str:
    text = node.describe()
    return f"({text})" if isinstance(node, AllOf | AnyOf) and len(node.children) > 1 else text


Condition = Leaf | AllOf | AnyOf | Not | Quantifier
