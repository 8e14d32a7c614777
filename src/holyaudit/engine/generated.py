"""Each rule's evaluator, generated as one Python function: judging an object is one call.

``object_evaluator`` judges every object of a scan under every rule that reads it: tens of thousands of calls
for a school, most of them passes. Calling a closure per node of the condition tree cost more than the answers
(docs/performance.md), so the tree is written out once per rule as the source of one function. It reads and
notes each one-attribute leaf's value inline and calls the definitions in ``engine/operators.py`` for all it
answers: each leaf's operator (``Operator.decider``), the combinators and the list quantifiers, whose other
nodes (a list's elements, a dotted path, a day count between two dates) read through ``conditions.py``. So
nothing here says what a condition means; only how its parts are called.

The same function answers alone (``why`` false: a pass, an object out of scope and an exemption need no
reasons, and most objects are one of those) and, for anything else, is called again asking why, which puts the
same answer into words.

Nothing from a rule file becomes code: attribute names must be identifiers (else the leaf reads through its
observer), and every value (operators, expected values, reasons) is passed in by name, never written as text.
"""

from __future__ import annotations

import keyword
import linecache
from collections.abc import Callable, Sequence
from typing import Any

from holyaudit.engine.conditions import (
    _AS_IS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    Not,
    Unknown,
    to_evidence,
    unread,
)
from holyaudit.engine.context import EvalContext
from holyaudit.engine.operators import FALSE, NOT, TRUE, Judge
from holyaudit.facts import FactRecord
from holyaudit.models import ObjectResult, Status

Evaluate = Callable[[FactRecord], ObjectResult | None]
Make = Callable[[FactRecord, Status, str | None, dict[str, Any]], ObjectResult]


def _plain_name(attr: str) -> bool:
    """An attribute of the record itself, read as ``record.<attr>`` (a dotted path has an observer of its own).
    ASCII only: Python reads a non-ASCII identifier in its NFKC form, which could name another attribute."""
    return attr.isascii() and attr.isidentifier() and not keyword.iskeyword(attr)


class _Writer:
    """The generated function's lines and the names it reads from its namespace."""

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"AS_IS": _AS_IS, "to_evidence": to_evidence, "unread": unread, "Unknown": Unknown}
        self._count = 0

    def name(self, value: Any, stem: str) -> str:
        """A new namespace name bound to ``value``."""
        self._count += 1
        name = f"{stem}{self._count}"
        self.names[name] = value
        return name

    def variable(self) -> str:
        self._count += 1
        return f"v{self._count}"

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def answer(self, node: Condition, depth: int, top: bool) -> str:
        """Lines that leave ``node``'s ``Outcome`` in a variable; returns its name. ``top``: the node reads the
        record itself (its paths have no prefix), not an element of one of its lists."""
        prefix = '""' if top else "prefix"
        if isinstance(node, Leaf):
            return self._leaf(node, depth, top)
        if isinstance(node, AllOf | AnyOf):
            children = [self.answer(child, depth, top) for child in node.children]  # every branch, for its evidence
            combine, result = self.name(node.combinator.combine, "combine"), self.variable()
            self.line(depth, f"{result} = {combine}(({', '.join(children)},))")
            return result
        if isinstance(node, Not):
            child, result = self.answer(node.child, depth, top), self.variable()
            negate, described = self.name(NOT.negate, "negate"), self.name(node.describe(), "described")
            self.line(depth, f"{result} = {negate}({child}, {prefix}, {described}, why)")
            return result
        where = condition_judge(node.where, self.ctx) if node.where is not None else None
        judge, result = (
            self.name(node.judge(condition_judge(node.check, self.ctx), where), "quantifier"),
            self.variable(),
        )
        self.line(depth, f"{result} = {judge}(record, seen, {prefix}, why)")
        return result

    def _leaf(self, leaf: Leaf, depth: int, top: bool) -> str:
        """A leaf: its value read (and noted), then decided by its operator."""
        decide, result, write = self.name(leaf.decider(self.ctx), "decide"), self.variable(), self.line
        if top and leaf.days_after is None and _plain_name(leaf.attr):  # most leaves: read inline
            attr = leaf.attr
            write(depth, f"if {attr!r} in unreadable:")
            write(depth + 1, f"{result} = unread(unreadable, {attr!r}, why)")
            write(depth, "else:")
            write(depth + 1, f"observed = record.{attr}")
            write(depth + 1, f"if {attr!r} not in seen:")
            write(depth + 2, f"seen[{attr!r}] = observed if type(observed) in AS_IS else to_evidence(observed)")
            write(depth + 1, f'{result} = {decide}(observed, "", why)')
            return result
        prefix, observe = '""' if top else "prefix", self.name(leaf.observer(self.ctx), "observe")
        write(depth, f"observed = {observe}(record, seen, {prefix})")
        write(depth, "if type(observed) is Unknown:")
        write(depth + 1, f"{result} = observed.outcome(why)")
        write(depth, "else:")
        write(depth + 1, f"{result} = {decide}(observed, {prefix}, why)")
        return result

    def function(self, source_name: str) -> Any:
        """The function the lines define, compiled under ``source_name``."""
        source, filename = "\n".join(self.lines) + "\n", f"<holyaudit {source_name}>"
        # A traceback (HOLYAUDIT_DEBUG=1) through the generated function shows its lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        namespace = dict(self.names)
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - see the module's docstring
        function = namespace["generated"]
        function.source = source
        return function


def condition_judge(condition: Condition, ctx: EvalContext) -> Judge:
    """``condition`` as one generated function of a list's element: ``judge(element, seen, prefix, why)``."""
    writer = _Writer(ctx)
    writer.line(0, "def generated(record, seen, prefix, why):")
    writer.line(1, f"return {writer.answer(condition, 1, top=False)}")
    judge: Judge = writer.function("list condition")
    return judge


def generated_evaluator(
    rule_id: str,
    scope: Condition | None,
    exemptions: Sequence[tuple[Condition, str]],
    condition: Condition,
    ctx: EvalContext,
    make: Make,
    said: Callable[[tuple[Any, ...]], str],
) -> Evaluate:
    """``object_evaluator``'s evaluate, as one generated function (see the module's docstring)."""
    writer = _Writer(ctx)
    writer.names.update(make=make, in_words=said, TRUE=TRUE, FALSE=FALSE)
    writer.names.update(PASS=Status.PASS, FAIL=Status.FAIL, ERROR=Status.ERROR, NA=Status.NOT_APPLICABLE)
    write = writer.line
    write(0, "def generated(record, why=False):")
    write(1, "if record.error:")
    write(2, 'return make(record, ERROR, f"could not be read: {record.error}", {})')
    write(1, "seen = {}")
    write(1, "unreadable = record.unreadable")

    def unknown_applies(outcome: str) -> None:
        write(2, f"if {outcome}.value is None:")
        write(3, "if not why:")
        write(4, "return generated(record, True)")
        write(
            3, f'return make(record, ERROR, "cannot tell whether the rule applies: " + in_words({outcome}.notes), seen)'
        )

    if scope is not None:
        in_scope = writer.answer(scope, 1, top=True)
        write(1, f"if {in_scope} is not TRUE:")  # most objects are plainly in scope
        unknown_applies(in_scope)
        write(2, f"if not {in_scope}.value:")
        write(3, "return None")
    for when, reason in exemptions:
        applies, why = writer.answer(when, 1, top=True), writer.name(reason, "reason")
        write(1, f"if {applies} is not FALSE:")  # most objects are plainly not exempt
        unknown_applies(applies)
        write(2, f"if {applies}.value:")
        write(3, f"return make(record, NA, {why}, seen)")
    passed = writer.answer(condition, 1, top=True)
    write(1, f"if {passed} is TRUE:")  # the common case: a plain pass
    write(2, "return make(record, PASS, None, seen)")
    write(1, f"if {passed}.value:")  # a pass with remarks
    write(2, f"return make(record, PASS, in_words({passed}.notes) if {passed}.notes else None, seen)")
    write(1, "if not why:")  # False or unknown: reported with its reasons
    write(2, "return generated(record, True)")
    write(1, f"if {passed}.value is None:")
    write(2, f"return make(record, ERROR, in_words({passed}.notes), seen)")
    write(1, f"return make(record, FAIL, in_words({passed}.notes), seen)")
    evaluate: Evaluate = writer.function(f"rule {rule_id}")
    return evaluate
