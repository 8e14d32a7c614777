"""Each rule's evaluator, generated as one Python function: judging an object is one call.

``object_evaluator`` judges every object of a scan under every rule that reads it: tens of thousands of calls
for a school, most of them passes. Calling a closure per node of the condition tree cost more than the answers
(CHANGELOG.md has the figures), so the tree is written out once per rule as the source of one function. It reads
and notes each one-attribute leaf's value inline and calls the definitions in ``engine/operators.py`` for all it
answers: each leaf's operator (``Operator.decider``), the combinators and the list quantifiers, whose other
nodes (a list's elements, a dotted path, a day count between two dates) read through ``conditions.py``. So
nothing here says what a condition means; only how its parts are called.

The same function answers alone (``why`` false: a pass, an object out of scope and an exemption need no
reasons, and most objects are one of those) and, for anything else, is called again asking why, which puts the
same answer into words. An ``any`` stops answering at its first True branch and an ``all`` not asked why at its
first False one (``_Writer._combined``); the branches after it only have their values noted, so an object shows
the same evidence whichever branch settled it.

Each leaf remembers the outcome its operator gave for a value (``_Answers``): a school's accounts share a few
values of most attributes a rule tests (enabled, flags, site roles, a logon-hours map), so the operator is asked
once per value rather than once per object, which took about a third off judging a 10,000-user directory. Only
values of exactly the attribute's declared type are remembered (``_remembered``), and an object's id never is.

Nothing from a rule file becomes code: attribute names must be identifiers (else the leaf reads through its
observer), and every value (operators, expected values, reasons) is passed in by name, never written as text.
"""

from __future__ import annotations

import keyword
import linecache
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from holyaudit.engine.conditions import (
    _AS_IS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    Not,
    Quantifier,
    Unknown,
    to_evidence,
    unread,
)
from holyaudit.engine.context import EvalContext
from holyaudit.engine.operators import FALSE, NOT, TRUE, Decide, Judge, Outcome
from holyaudit.facts import FactRecord
from holyaudit.models import ObjectResult, Status

Evaluate = Callable[[FactRecord], ObjectResult | None]
Make = Callable[[FactRecord, Status, str | None, dict[str, Any]], ObjectResult]


def _plain_name(attr: str) -> bool:
    """An attribute of the record itself, read as ``record.<attr>`` (a dotted path has an observer of its own).
    ASCII only: Python reads a non-ASCII identifier in its NFKC form, which could name another attribute."""
    return attr.isascii() and attr.isidentifier() and not keyword.iskeyword(attr)


def _noting(attr: str) -> str:
    """The line that notes the value just read into ``observed`` as ``attr``'s evidence (``conditions.note``)."""
    return f"seen[{attr!r}] = observed if type(observed) in AS_IS else to_evidence(observed)"


_REMEMBERED = 1024
"""The most values a leaf keeps its answers for: a site's logon-hours maps, flags and operating systems are a few
dozen; its account names, one per account, are not worth keeping."""


class _Answers(dict[Any, Outcome]):
    """A leaf's outcomes (asked why, or not) by the value it observed, each worked out once by the leaf's decider
    (``operators.Operator.decider``, whose answer depends on that value alone): most attributes a rule tests hold
    one of a few values shared by thousands of objects. A list is kept under the tuple of its items and decided as
    the list it was."""

    def __init__(self, decide: Decide, why: bool, observed: Callable[[Any], Any] | None) -> None:
        super().__init__()
        self.decide, self.why, self.observed = decide, why, observed

    def __missing__(self, key: Any) -> Outcome:
        outcome = self.decide(key if self.observed is None else self.observed(key), "", self.why)
        if len(self) < _REMEMBERED:
            self[key] = outcome
        return outcome


_ONLY_TEXT = frozenset({str})


class _Remembered(NamedTuple):
    """Which values of an attribute a leaf remembers its answers for, as lines of the generated function."""

    values: str
    """The condition on ``observed`` under which its answer is remembered."""
    key: str
    """What the answer is kept under."""
    evidence: str
    """The value noted as evidence, which for these values ``conditions.to_evidence`` gives without being asked."""
    observed: Callable[[Any], Any] | None = None
    """How a key is turned back into the value observed (None: it is the value)."""


def _remembered(record_type: type[FactRecord] | None, attr: str) -> _Remembered | None:
    """Which values of ``attr`` a leaf remembers its answers for, if any.

    Only values of one exact kind share a memo: ``True == 1 == 1.0``, but ``enabled = 1`` must not answer as
    ``enabled = true``, and a subclass of ``str`` is not text to ``eq``. So an attribute declared ``bool``, ``int``
    or ``str`` (or that or None) remembers values of exactly that type, one declared ``list[str]`` lists of exactly
    ``str``, and any other (a date, say: each object's own) only None. An object's ``id`` is its own: none."""
    if attr == "id" or record_type is None or attr not in record_type.model_fields:
        return None
    annotation = record_type.model_fields[attr].annotation
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    kinds = [kind for kind in (typing.get_args(annotation) if union else (annotation,)) if kind is not type(None)]
    if len(kinds) == 1 and kinds[0] in (bool, int, str):
        return _Remembered(f"observed is None or type(observed) is {kinds[0].__name__}", "observed", "observed")
    if len(kinds) == 1 and kinds[0] == list[str]:
        values = "type(observed) is list and ONLY_TEXT.issuperset(map(type, observed))"
        return _Remembered(values, "tuple(observed)", "list(observed)", list)
    return _Remembered("observed is None", "observed", "observed")


class _Writer:
    """The generated function's lines and the names it reads from its namespace."""

    def __init__(
        self, ctx: EvalContext, *, settle_early: bool = True, record_type: type[FactRecord] | None = None
    ) -> None:
        self.ctx = ctx
        self.record_type = record_type
        """What the rule judges, whose declared attribute types say which answers are remembered (None: none)."""
        self.settle_early = settle_early
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "AS_IS": _AS_IS, "to_evidence": to_evidence, "unread": unread, "Unknown": Unknown, "ONLY_TEXT": _ONLY_TEXT
        }  # fmt: skip
        self._count = 0
        self._judges: dict[int, str] = {}

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
            return self._combined(node, depth, top)
        if isinstance(node, Not):
            child, result = self.answer(node.child, depth, top), self.variable()
            negate, described = self.name(NOT.negate, "negate"), self.name(node.describe(), "described")
            self.line(depth, f"{result} = {negate}({child}, {prefix}, {described}, why)")
            return result
        result = self.variable()
        self.line(depth, f"{result} = {self._quantifier(node)}(record, seen, {prefix}, why)")
        return result

    def _combined(self, node: AllOf | AnyOf, depth: int, top: bool) -> str:
        """An ``all`` or ``any``: its branches answered in order until one settles it, the rest only noted.

        An ``any`` is its first True branch (``Disjunction.combine``), asked why or not. An ``all`` is False once
        a branch is False, but asked why it is explained by every False branch, so it is settled early only when
        not asked. A branch not answered still has its values noted, in the order answering would note them: the
        evidence of an object is the same whichever branch settled it."""
        result, children = self.variable(), list(node.children)
        settles = "{}.value" if isinstance(node, AnyOf) else "not why and {}.value is False"
        answered = []
        for index, child in enumerate(children):
            answered.append(self.answer(child, depth, top))
            if index == len(children) - 1 or not self.settle_early:
                continue
            self.line(depth, "if " + settles.format(answered[-1]) + ":")
            for rest in children[index + 1 :]:
                self._note(rest, depth + 1, top)
            self.line(depth + 1, f"{result} = {answered[-1]}")
            self.line(depth, "else:")
            depth += 1
        combine, plain = self.name(node.combinator.combine, "combine"), self.name(node.combinator.plain, "plain")
        every_plain = " and ".join(f"{answer} is {plain}" for answer in answered)
        self.line(depth, f"{result} = {plain} if {every_plain} else {combine}(({', '.join(answered)},))")
        return result

    def _note(self, node: Condition, depth: int, top: bool) -> None:
        """Lines that note ``node``'s values in ``seen`` as answering it would, without answering it."""
        write, prefix = self.line, '""' if top else "prefix"
        if isinstance(node, Leaf):
            if top and node.days_after is None and _plain_name(node.attr):
                attr = node.attr
                write(depth, f"if {attr!r} not in unreadable and {attr!r} not in seen:")
                write(depth + 1, f"observed = record.{attr}")
                write(depth + 1, _noting(attr))
            else:
                observe = self.name(node.observer(self.ctx), "observe")
                write(depth, f"{observe}(record, seen, {prefix})")
        elif isinstance(node, AllOf | AnyOf):
            for child in node.children:
                self._note(child, depth, top)
        elif isinstance(node, Not):
            self._note(node.child, depth, top)
        else:
            write(depth, f"{self._quantifier(node)}(record, seen, {prefix}, why)")

    def _quantifier(self, node: Quantifier) -> str:
        """The namespace name of a list quantifier's judge, made once however often it is called."""
        if (name := self._judges.get(id(node))) is None:
            where = condition_judge(node.where, self.ctx, self.settle_early) if node.where is not None else None
            name = self._judges[id(node)] = self.name(
                node.judge(condition_judge(node.check, self.ctx, self.settle_early), where), "quantifier"
            )
        return name

    def _leaf(self, leaf: Leaf, depth: int, top: bool) -> str:
        """A leaf: its value read (and noted), then decided by its operator."""
        decide, result, write = self.name(leaf.decider(self.ctx), "decide"), self.variable(), self.line
        if top and leaf.days_after is None and _plain_name(leaf.attr):  # most leaves: read inline
            attr = leaf.attr
            write(depth, f"if {attr!r} in unreadable:")
            write(depth + 1, f"{result} = unread(unreadable, {attr!r}, why)")
            write(depth, "else:")
            write(depth + 1, f"observed = record.{attr}")
            remembered, depth = _remembered(self.record_type, attr), depth + 1
            if remembered is not None:
                bound = self.names[decide]
                answers = (_Answers(bound, False, remembered.observed), _Answers(bound, True, remembered.observed))
                write(depth, f"if {remembered.values}:")
                write(depth + 1, f"if {attr!r} not in seen:")
                write(depth + 2, f"seen[{attr!r}] = {remembered.evidence}")
                write(depth + 1, f"{result} = {self.name(answers, 'answers')}[why][{remembered.key}]")
                write(depth, "else:")
                depth += 1
            write(depth, f"if {attr!r} not in seen:")
            write(depth + 1, _noting(attr))
            write(depth, f'{result} = {decide}(observed, "", why)')
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


def condition_judge(condition: Condition, ctx: EvalContext, settle_early: bool = True) -> Judge:
    """``condition`` as one generated function of a list's element: ``judge(element, seen, prefix, why)``."""
    writer = _Writer(ctx, settle_early=settle_early)
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
    *,
    settle_early: bool = True,
    record_type: type[FactRecord] | None = None,
    explained: bool = True,
) -> Evaluate:
    """``object_evaluator``'s evaluate, as one generated function (see the module's docstring). ``settle_early``
    false answers every branch of every ``all`` and ``any``: the reference the tests hold early settling to.
    ``record_type``, the kind of record judged, lets each leaf remember its answer for a value it has seen
    (``_remembered``); None decides every leaf afresh, the reference the tests hold remembered answers to.
    ``explained`` false never asks why, for a caller that wants only the status (a message's ``when``)."""
    writer = _Writer(ctx, settle_early=settle_early, record_type=record_type)
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
        if explained:
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
    if explained:
        write(1, "if not why:")  # False or unknown: reported with its reasons
        write(2, "return generated(record, True)")
    write(1, f"if {passed}.value is None:")
    write(2, f"return make(record, ERROR, in_words({passed}.notes), seen)")
    write(1, f"return make(record, FAIL, in_words({passed}.notes), seen)")
    evaluate: Evaluate = writer.function(f"rule {rule_id}")
    return evaluate
