"""Each rule's answering evaluator, generated as one Python function: judging an object is one call.

``object_evaluator`` judges every object of a scan under every rule that reads it: tens of thousands of calls
for a school, most of them passes, whose answer is cheap; calling a closure per node of the condition tree
cost more than the answers. So the tree is written out once per rule as the source of one function: each
one-attribute leaf reads and notes its attribute inline, and ``all``, ``any`` and ``not`` combine their
children's answers in local variables. Any other node (a list quantifier, a dotted path, a day count between
two dates) is called as its ``Judge`` (``compile_value`` in ``conditions.py``). The function notes the same
evidence in the same order as the conditions' ``Check``s, and answers as they do; the ``Check``s put into words
what is reported. ``tests/engine/test_answers_first.py`` holds every result to the explained one, for every
built-in rule over the demo estate and for test rules over every kind of value.

Nothing from a rule file becomes code: attribute names must be identifiers (else the leaf is called as its
Judge), and every value (expected values, operators, reasons) is passed in by name, never written as text.
"""

from __future__ import annotations

import keyword
import linecache
from collections.abc import Callable, Sequence
from typing import Any

from holyaudit.engine.conditions import _AS_IS, AllOf, AnyOf, Condition, Leaf, Not, to_evidence
from holyaudit.engine.context import EvalContext
from holyaudit.engine.operators import Operator
from holyaudit.facts import FactRecord
from holyaudit.models import ObjectResult, Status

Evaluate = Callable[[FactRecord], ObjectResult | None]
Make = Callable[[FactRecord, Status, str | None, dict[str, Any]], ObjectResult]


def _plain_name(attr: str) -> bool:
    """An attribute of the record itself, read as ``record.<attr>`` (a dotted path has a Judge of its own). ASCII
    only: Python reads a non-ASCII identifier in its NFKC form, which could name another attribute."""
    return attr.isascii() and attr.isidentifier() and not keyword.iskeyword(attr)


class _Writer:
    """The generated function's lines and the names it reads from its namespace."""

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"ctx": ctx, "AS_IS": _AS_IS, "to_evidence": to_evidence}
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

    def answer(self, node: Condition, depth: int) -> str:
        """Lines that leave ``node``'s answer (a ``Value``) in a variable; returns its name."""
        if isinstance(node, Leaf) and node.days_after is None and _plain_name(node.attr):
            return self._leaf(node, depth)
        if isinstance(node, AllOf | AnyOf):
            return self._all_or_any(node, depth)
        if isinstance(node, Not):
            child, result = self.answer(node.child, depth), self.variable()
            self.line(depth, f"{result} = None if {child} is None else not {child}")
            return result
        judge, result = self.name(node.compile_value(self.ctx), "judge"), self.variable()  # calls its Judge
        self.line(depth, f'{result} = {judge}(record, seen, "")')
        return result

    def _leaf(self, leaf: Leaf, depth: int) -> str:
        """A one-attribute leaf's Judge (``Leaf.compile_value``), written out."""
        op, attr, result = leaf.op, leaf.attr, self.variable()
        test, expected = self.name(op.test, "test"), self.name(leaf.value, "expected")
        remark = self.name(op.remark, "remark") if type(op).remark is not Operator.remark else None
        explain = self.name(op.explain, "explain") if type(op).explain is not Operator.explain else None
        write = self.line
        write(depth, f"if {attr!r} in unreadable:")
        write(depth + 1, f"{result} = None")
        write(depth, "else:")
        write(depth + 1, f"observed = record.{attr}")
        write(depth + 1, f"if {attr!r} not in seen:")
        write(depth + 2, f"seen[{attr!r}] = observed if type(observed) in AS_IS else to_evidence(observed)")
        inner = depth + 1
        if op.needs_presence:
            write(inner, "if observed is None:")
            write(inner + 1, f"{result} = None")
            write(inner, "else:")
            inner += 1
        write(inner, "try:")
        write(inner + 1, f"if {test}(observed, {expected}, ctx):")
        if remark is None:
            write(inner + 2, f"{result} = True")
        else:
            write(inner + 2, f"remarked = {remark}(observed, {expected}, ctx)")
            write(inner + 2, f"{result} = (remarked,) if remarked else True")
        write(inner + 1, "else:")
        if explain is not None:
            write(inner + 2, f"{explain}(observed, {expected}, ctx)")
        write(inner + 2, f"{result} = False")
        write(inner, "except (TypeError, ValueError):")
        write(inner + 1, f"{result} = None")
        return result

    def _all_or_any(self, node: AllOf | AnyOf, depth: int) -> str:
        """``AllOf``'s and ``AnyOf``'s Judges, written out: every child is answered (for its evidence), then
        combined."""
        children = [self.answer(child, depth) for child in node.children]  # every branch, for its evidence
        result, listed = self.variable(), ", ".join(children)
        if not children:  # as their Checks: all of nothing is true, any of nothing false
            self.line(depth, f"{result} = {isinstance(node, AllOf)}")
            return result
        falses = " or ".join(f"{c} is False" for c in children)
        nones = " or ".join(f"{c} is None" for c in children)
        if isinstance(node, AllOf):
            trues = " and ".join(f"{c} is True" for c in children)
            self.line(depth, f"if {falses}:")
            self.line(depth + 1, f"{result} = False")
            self.line(depth, f"elif {nones}:")
            self.line(depth + 1, f"{result} = None")
            self.line(depth, f"elif {trues}:")  # the common case: every branch plainly true
            self.line(depth + 1, f"{result} = True")
            self.line(depth, "else:")  # true, some with remarks: theirs, in order
            self.line(depth + 1, f"{result} = tuple(n for v in ({listed},) if v is not True for n in v)")
        else:
            for index, child in enumerate(children):  # the first true branch decides, with whatever remark it made
                self.line(depth, f"{'el' if index else ''}if {child}:")
                self.line(depth + 1, f"{result} = {child}")
            self.line(depth, f"elif {nones}:")
            self.line(depth + 1, f"{result} = None")
            self.line(depth, "else:")
            self.line(depth + 1, f"{result} = False")
        return result


def generated_evaluator(
    rule_id: str,
    scope: Condition | None,
    exemptions: Sequence[tuple[Condition, str]],
    condition: Condition,
    ctx: EvalContext,
    make: Make,
    explained: Evaluate,
    said: Callable[[tuple[Any, ...]], str],
) -> Evaluate:
    """``object_evaluator``'s evaluate, as one generated function (see the module's docstring)."""
    writer = _Writer(ctx)
    writer.names.update(make=make, explained=explained, in_words=said, PASS=Status.PASS, NA=Status.NOT_APPLICABLE)
    write = writer.line
    write(0, "def evaluate(record):")
    write(1, "if record.error:")
    write(2, "return explained(record)")
    write(1, "seen = {}")
    write(1, "unreadable = record.unreadable")
    if scope is not None:
        in_scope = writer.answer(scope, 1)
        write(1, f"if {in_scope} is None:")
        write(2, "return explained(record)")
        write(1, f"if {in_scope} is False:")
        write(2, "return None")
    for when, reason in exemptions:
        applies, why = writer.answer(when, 1), writer.name(reason, "reason")
        write(1, f"if {applies} is None:")
        write(2, "return explained(record)")
        write(1, f"if {applies}:")
        write(2, f"return make(record, NA, {why}, seen)")
    passed = writer.answer(condition, 1)
    write(1, f"if {passed} is True:")
    write(2, "return make(record, PASS, None, seen)")
    write(1, f"if not {passed}:")  # False or unknown: reported with its reasons
    write(2, "return explained(record)")
    write(1, f"return make(record, PASS, in_words({passed}), seen)")  # a pass with remarks
    source, filename = "\n".join(writer.lines) + "\n", f"<holyaudit rule {rule_id}>"
    # A traceback (HOLYAUDIT_DEBUG=1) through the generated function shows its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = dict(writer.names)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - see the docstring
    evaluate: Evaluate = namespace["evaluate"]
    evaluate.source = source  # type: ignore[attr-defined]
    return evaluate
