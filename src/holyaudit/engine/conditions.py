"""Condition trees: leaves that test one attribute, ``all``/``any``/``not``, and quantifiers over lists.

This is the shape of a rule's condition: what each node reads, its parameters and how it reads in words. What
each node answers (three-valued: True, False or unknown, where unknown means a needed fact was missing,
unreadable or of the wrong type, so it can never turn into a PASS) is defined once, in ``engine/operators.py``;
``engine/generated.py`` writes a rule's tree out as calls to those definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel

from holyaudit.engine.context import EvalContext
from holyaudit.engine.operators import (
    ALL,
    ANY,
    EVERY,
    NOT,
    SOME,
    UNKNOWN,
    Combinator,
    Decide,
    Judge,
    ListQuantifier,
    Operator,
    Outcome,
)
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


class Unknown(NamedTuple):
    """A value that cannot be judged (unreadable, or one of two dates missing), and why."""

    reason: str

    def outcome(self, why: bool) -> Outcome:
        return Outcome(None, (self.reason,)) if why else UNKNOWN


def unread(unreadable: Mapping[str, str], name: str, why: bool) -> Outcome:
    """The outcome of a leaf whose attribute of the record the collector could not read: unknown."""
    return Outcome(None, (_could_not_read(name, unreadable[name]),)) if why else UNKNOWN


def _could_not_read(name: str, reason: str) -> str:
    return f"{name} could not be read: {reason}"


def note(seen: dict[str, Any], path: str, value: Any) -> None:
    """Record a value looked at; the first reading of a path is the one shown."""
    if path not in seen:
        seen[path] = to_evidence(value)


_AS_IS = frozenset({str, int, bool, float, type(None)})


def to_evidence(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:  # the common cases, decided without the isinstance chain below
        return value
    if kind is dt.datetime:
        return value.isoformat()
    if kind is list and _all_as_is(value):  # a list of names (groups, site roles)
        return list(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list):
        return [to_evidence(v) for v in value]
    return value


def _all_as_is(values: list[Any]) -> bool:
    as_is = _AS_IS
    for value in values:  # noqa: SIM110 - a loop: any() over a generator costs a frame, for every object judged
        if type(value) not in as_is:
            return False
    return True


class Unreadable(Exception):
    """A value the condition needs is missing from the facts; carries the reason."""


def path_reader(path: str) -> Callable[[BaseModel], Any]:
    """A reader of a dotted attribute path; an attribute the collector could not read raises Unreadable."""
    parts = tuple(path.split("."))
    if len(parts) == 1:  # most paths: one attribute of the record, read without the walk below
        return _attribute_reader(path)

    def read(record: BaseModel) -> Any:
        node: Any = record
        for part in parts:
            if isinstance(node, FactRecord) and part in node.unreadable:
                raise Unreadable(_could_not_read(part, node.unreadable[part]))
            if node is None:
                return None
            node = getattr(node, part)
        return node

    return read


def _attribute_reader(name: str) -> Callable[[BaseModel], Any]:
    def read(record: BaseModel) -> Any:
        if isinstance(record, FactRecord) and name in record.unreadable:
            raise Unreadable(_could_not_read(name, record.unreadable[name]))
        return getattr(record, name)

    return read


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
    def _description(self) -> str:  # a bound leaf never changes, and every enclosing description repeats it
        if not self.op.takes_value:
            return f"{self.subject()} {self.op.text}"
        return f"{self.subject()} {self.op.text} {self.op.show_value(self.value)}"

    def observer(self, ctx: EvalContext) -> Callable[[Any, dict[str, Any], str], Any]:
        """Reads the value the leaf tests (with ``days_after``, the days between the two dates), noting what it
        read in ``seen``; a value that cannot be read comes back as an ``Unknown`` saying why."""
        attr, days_after, subject = self.attr, self.days_after, self.subject()
        read = path_reader(attr)
        read_start = path_reader(days_after) if days_after is not None else None

        def observe(record: Any, seen: dict[str, Any], prefix: str) -> Any:
            try:
                observed = read(record)
                if (key := prefix + attr) not in seen:  # note(), inline: this runs for every leaf of every object
                    seen[key] = observed if type(observed) in _AS_IS else to_evidence(observed)
                if days_after is not None and read_start is not None:
                    start = read_start(record)
                    note(seen, prefix + days_after, start)
                    if start is None or observed is None:
                        missing = days_after if start is None else attr
                        return Unknown(f"{prefix}{missing} has no value")
                    observed = (ctx.local_date(observed) - ctx.local_date(start)).days
                    note(seen, prefix + subject, observed)
            except Unreadable as exc:
                return Unknown(f"{prefix}{exc}")
            return observed

        return observe

    def decider(self, ctx: EvalContext) -> Decide:
        """The leaf's operator bound to its value: its outcome for an observed value."""
        return self.op.decider(self.value, ctx, self.attr, self.subject(), self.describe())


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]
    combinator: ClassVar[Combinator] = ALL

    def bind(self, params: Mapping[str, Any]) -> AllOf:
        return AllOf(tuple(c.bind(params) for c in self.children))

    def fields(self) -> set[str]:
        return {f for c in self.children for f in c.fields()}

    def describe(self) -> str:
        return self.combinator.describe(map(_wrap, self.children))


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]
    combinator: ClassVar[Combinator] = ANY

    def bind(self, params: Mapping[str, Any]) -> AnyOf:
        return AnyOf(tuple(c.bind(params) for c in self.children))

    def fields(self) -> set[str]:
        return {f for c in self.children for f in c.fields()}

    def describe(self) -> str:
        return self.combinator.describe(map(_wrap, self.children))


@dataclass(frozen=True)
class Not:
    child: Condition

    def bind(self, params: Mapping[str, Any]) -> Not:
        return Not(self.child.bind(params))

    def fields(self) -> set[str]:
        return self.child.fields()

    def describe(self) -> str:
        return NOT.describe(_wrap(self.child))


@dataclass(frozen=True)
class Quantifier:
    """``every`` or ``some`` element of a nested list (filtered by ``where``) meets ``check`` (see
    ``operators.ListQuantifier``)."""

    every: bool
    path: str
    check: Condition
    where: Condition | None = None
    allow_empty: bool = False

    @property
    def quantifier(self) -> ListQuantifier:
        return EVERY if self.every else SOME

    def fields(self) -> set[str]:
        return {self.path.split(".")[0]}  # the whole list is fetched; its elements' fields come with it

    def bind(self, params: Mapping[str, Any]) -> Quantifier:
        where = self.where.bind(params) if self.where is not None else None
        return replace(self, check=self.check.bind(params), where=where)

    def describe(self) -> str:
        scope = f"{self.path} where {self.where.describe()}" if self.where else self.path
        return self.quantifier.describe(scope, _wrap(self.check))

    def judge(self, each: Judge, where: Judge | None) -> Judge:
        """The quantifier over the list it reads, its elements judged by ``each`` and selected by ``where``."""
        path, allow_empty, description, judge_list = self.path, self.allow_empty, self.describe(), self.quantifier.judge
        read = path_reader(path)

        def judge(record: Any, seen: dict[str, Any], prefix: str, why: bool) -> Outcome:
            try:
                items = read(record)
            except Unreadable as exc:
                return Outcome(None, (f"{prefix}{exc}",)) if why else UNKNOWN
            if items is None:
                return Outcome(None, (f"{prefix}{path} has no value",)) if why else UNKNOWN
            return judge_list(items, path, each, where, allow_empty, description, seen, prefix, why)

        return judge


def _wrap(node: Condition) -> str:
    text = node.describe()
    return f"({text})" if isinstance(node, AllOf | AnyOf) and len(node.children) > 1 else text


Condition = Leaf | AllOf | AnyOf | Not | Quantifier
