"""Condition trees: leaves that test one attribute, ``all``/``any``/``not``, and quantifiers over lists.

Evaluation is three-valued: True, False, or unknown (``None``), where unknown means a needed fact was
missing or unreadable. ``all`` is False if any child is False, else unknown if any child is unknown; ``any``
is True if any child is True, else unknown if any is unknown. So an unknown can never turn into a PASS.

A bound condition is compiled once per evaluation context into a ``Check``: a function of one record that gives
its outcome with the reasons, noting the evidence it looks at; the tree is walked, paths split and descriptions
written once per rule rather than once per object. The engine answers first, with one function generated per
rule (``engine/generated.py``), and checks only the objects it must explain. That function writes out leaves of
one attribute and ``all``/``any``/``not`` itself; the other nodes compile for it to a ``Judge`` (their answer
alone, noting what their ``Check`` notes, in the same order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, NamedTuple

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


class Shortfall(NamedTuple):
    """Why a leaf is False, put into words (``str``) only when reported: most never are, such as the branch of
    an ``any`` that another branch made True."""

    subject: str
    observed: Any
    detail: str | None
    expected: str
    op: Operator
    ctx: EvalContext

    def __str__(self) -> str:
        observed, detail = self.observed, f" ({self.detail})" if self.detail else ""
        shown = self.ctx.display(observed) if isinstance(observed, dt.date) else self.op.show_value(observed)
        return f"{self.subject} is {shown}{detail}; expected {self.expected}"


Note = str | Shortfall


class Outcome(NamedTuple):
    """A condition's answer for one object (a named tuple: one is made for most leaves of every object)."""

    value: bool | None
    notes: tuple[Note, ...] = ()
    """Why it is False or unknown; for True, remarks worth showing with the pass (most have none)."""
    guard: bool = False
    """False only because a presence check (exists/missing) failed: that branch did not apply."""


TRUE = Outcome(True)

Check = Callable[[Any, dict[str, Any], str], Outcome]
"""A condition compiled for one evaluation context: ``check(record, seen, prefix)``.

``seen`` collects the attribute values looked at (path -> evidence), for the evidence in a finding; ``prefix``
labels the paths of a list element (``volumes[C:].``) and is empty at the top level.
"""


Value = bool | None | tuple[Note, ...]
"""A condition's answer without its reasons: True, False, unknown (None), or true with remarks (their tuple)."""

Judge = Callable[[Any, dict[str, Any], str], Value]
"""A condition compiled to answer only: ``judge(record, seen, prefix)``, noting in ``seen`` exactly what the
``Check`` of the same condition notes, in the same order. Reasons are only worked out (by the ``Check``) for an
answer that is reported with them: most objects pass, and their answer needs none."""


def _value_of(outcome: Outcome) -> Value:
    return outcome.notes or True if outcome.value else outcome.value


class _Unknown(NamedTuple):
    """A leaf's value that cannot be judged, and why."""

    reason: str


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
                raise Unreadable(f"{part} could not be read: {node.unreadable[part]}")
            if node is None:
                return None
            node = getattr(node, part)
        return node

    return read


def _attribute_reader(name: str) -> Callable[[BaseModel], Any]:
    def read(record: BaseModel) -> Any:
        if isinstance(record, FactRecord) and name in record.unreadable:
            raise Unreadable(f"{name} could not be read: {record.unreadable[name]}")
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

    def _observer(self, ctx: EvalContext) -> Callable[[Any, dict[str, Any], str], Any]:
        """Reads the value the leaf tests (with ``days_after``, the days between the two dates), noting what it
        read in ``seen``; a value that cannot be tested comes back as an ``_Unknown`` saying why."""
        attr, days_after, op, subject = self.attr, self.days_after, self.op, self.subject()
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
                        return _Unknown(f"{prefix}{missing} has no value")
                    observed = (ctx.local_date(observed) - ctx.local_date(start)).days
                    note(seen, prefix + subject, observed)
            except Unreadable as exc:
                return _Unknown(f"{prefix}{exc}")
            if observed is None and op.needs_presence:
                return _Unknown(f"{prefix}{attr} has no value")
            return observed

        return observe

    def compile(self, ctx: EvalContext) -> Check:
        op, expected, test, subject, description = self.op, self.value, self.op.test, self.subject(), self.describe()
        observe = self._observer(ctx)
        remark = op.remark if type(op).remark is not Operator.remark else None  # most operators have nothing to add

        def check(record: Any, seen: dict[str, Any], prefix: str) -> Outcome:
            observed = observe(record, seen, prefix)
            if type(observed) is _Unknown:
                return Outcome(None, (observed.reason,))
            try:
                if test(observed, expected, ctx):
                    said = remark(observed, expected, ctx) if remark is not None else None
                    return Outcome(True, (prefix + said,)) if said else TRUE
                detail = op.explain(observed, expected, ctx)
            except (TypeError, ValueError) as exc:
                return Outcome(None, (f"{prefix}{subject}: {exc}",))
            why = Shortfall(prefix + subject, observed, detail, description, op, ctx)
            return Outcome(False, (why,), guard=not op.needs_presence)

        return check

    def compile_value(self, ctx: EvalContext) -> Judge:
        op, expected, test = self.op, self.value, self.op.test
        remark = op.remark if type(op).remark is not Operator.remark else None
        # An explanation that fails makes the leaf unknown in its Check, so it is tried here too.
        explain = op.explain if type(op).explain is not Operator.explain else None
        observe = self._observer(ctx)

        def judge(record: Any, seen: dict[str, Any], prefix: str) -> Value:
            observed = observe(record, seen, prefix)
            if type(observed) is _Unknown:
                return None
            try:
                if test(observed, expected, ctx):
                    said = remark(observed, expected, ctx) if remark is not None else None
                    return (prefix + said,) if said else True
                if explain is not None:
                    explain(observed, expected, ctx)
            except (TypeError, ValueError):
                return None
            return False

        return judge


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]

    def bind(self, params: Mapping[str, Any]) -> AllOf:
        return AllOf(tuple(c.bind(params) for c in self.children))

    def fields(self) -> set[str]:
        return {f for c in self.children for f in c.fields()}

    def describe(self) -> str:
        return " and ".join(_wrap(c) for c in self.children)

    def compile(self, ctx: EvalContext) -> Check:
        checks = tuple(c.compile(ctx) for c in self.children)

        def check(record: Any, seen: dict[str, Any], prefix: str) -> Outcome:
            outcomes = [c(record, seen, prefix) for c in checks]  # every branch, for its evidence
            for outcome in outcomes:
                if outcome is not TRUE:
                    return _combine(outcomes, decisive=False)
            return TRUE  # the common case: every branch plainly true

        return check


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]

    def bind(self, params: Mapping[str, Any]) -> AnyOf:
        return AnyOf(tuple(c.bind(params) for c in self.children))

    def fields(self) -> set[str]:
        return {f for c in self.children for f in c.fields()}

    def describe(self) -> str:
        return " or ".join(_wrap(c) for c in self.children)

    def compile(self, ctx: EvalContext) -> Check:
        checks = tuple(c.compile(ctx) for c in self.children)

        def check(record: Any, seen: dict[str, Any], prefix: str) -> Outcome:
            outcomes = [c(record, seen, prefix) for c in checks]  # every branch, for its evidence
            for outcome in outcomes:
                if outcome.value:
                    return outcome  # the first true branch decides, with whatever remark it made
            return _combine(outcomes, decisive=True)

        return check


def _combine(outcomes: list[Outcome], *, decisive: bool) -> Outcome:
    """``all`` (decisive=False: one False decides) and ``any`` (decisive=True: one True decides)."""
    if not decisive and all(o is TRUE for o in outcomes):  # the common case: every branch plainly true
        return TRUE
    values = [o.value for o in outcomes]  # each True, False or None, so ``in`` finds exactly these
    if decisive in values:
        if decisive:
            return next(o for o in outcomes if o.value)  # with whatever remark the deciding branch made
        failed = [o for o in outcomes if o.value is False]
        return Outcome(False, tuple(n for o in failed for n in o.notes), guard=any(o.guard for o in failed))
    unknown = [n for o in outcomes if o.value is None for n in o.notes] if None in values else []
    if unknown:
        return Outcome(None, tuple(unknown))
    if decisive:  # any: every branch was False; explain the branches that applied, if some did
        applied = [o for o in outcomes if not o.guard] or outcomes
        return Outcome(False, tuple(n for o in applied for n in o.notes), guard=all(o.guard for o in outcomes))
    remarks = tuple(n for o in outcomes for n in o.notes)  # all: every branch was True; keep their remarks
    return Outcome(True, remarks) if remarks else TRUE


@dataclass(frozen=True)
class Not:
    child: Condition

    def bind(self, params: Mapping[str, Any]) -> Not:
        return Not(self.child.bind(params))

    def fields(self) -> set[str]:
        return self.child.fields()

    def describe(self) -> str:
        return f"not {_wrap(self.child)}"

    def compile(self, ctx: EvalContext) -> Check:
        child, description = self.child.compile(ctx), self.describe()

        def check(record: Any, seen: dict[str, Any], prefix: str) -> Outcome:
            inner = child(record, seen, prefix)
            if inner.value is None:
                return inner
            if inner.value:
                return Outcome(False, (f"{prefix}expected {description}",))
            return TRUE

        return check


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

    def compile(self, ctx: EvalContext) -> Check:
        path, every, allow_empty, description = self.path, self.every, self.allow_empty, self.describe()
        read, each = path_reader(path), self.check.compile(ctx)
        where = self.where.compile(ctx) if self.where is not None else None

        def check(record: Any, seen: dict[str, Any], prefix: str) -> Outcome:
            try:
                items = read(record)
            except Unreadable as exc:
                return Outcome(None, (f"{prefix}{exc}",))
            if items is None:
                return Outcome(None, (f"{prefix}{path} has no value",))
            outcomes = []
            for index, item in enumerate(items):
                label = f"{prefix}{path}[{getattr(item, 'id', index)}]."
                if getattr(item, "error", None):
                    outcomes.append(Outcome(None, (f"{label[:-1]} could not be read: {item.error}",)))
                    continue
                if where is not None:
                    selected = where(item, {}, label)  # what selects an element is not evidence
                    if selected.value is None:
                        outcomes.append(selected)
                        continue
                    if not selected.value:
                        continue
                outcomes.append(each(item, seen, label))
            if not outcomes:
                if every and allow_empty:
                    return TRUE
                return Outcome(False, (f"{prefix}no {path} to check; expected {description}",), guard=True)
            return _combine(outcomes, decisive=not every)

        return check

    def compile_value(self, ctx: EvalContext) -> Judge:
        check = self.compile(ctx)  # a list's elements are labelled and judged one by one: kept in one place

        def judge(record: Any, seen: dict[str, Any], prefix: str) -> Value:
            return _value_of(check(record, seen, prefix))

        return judge


def _wrap(node: Condition) -> str:
    text = node.describe()
    return f"({text})" if isinstance(node, AllOf | AnyOf) and len(node.children) > 1 else text


Condition = Leaf | AllOf | AnyOf | Not | Quantifier
