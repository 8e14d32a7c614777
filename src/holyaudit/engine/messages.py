"""A failing object's plain-English message, filled from the rule's ``messages`` templates (docs/rule-language.md)."""

from __future__ import annotations

import datetime as dt
import string
import typing
from collections.abc import Callable
from typing import Any

from holyaudit.engine.conditions import AllOf, AnyOf, Condition, Leaf, Not
from holyaudit.engine.context import EvalContext, days_text
from holyaudit.engine.generated import generated_evaluator
from holyaudit.engine.schema import BoundRule
from holyaudit.facts import FactRecord
from holyaudit.models import Status

DAYS_AGO = "_days_ago"
DAYS = "_days"
_DAY_COUNTS: dict[str, tuple[Callable[[int], str], str]] = {
    DAYS_AGO: (str, "an unknown number of"),
    DAYS: (days_text, "an unknown number of days"),
}
"""The placeholders a date attribute offers, by suffix: how its whole days to the as-of day are said, and what is
said for an absent date."""


def _is_date(annotation: Any) -> bool:
    kinds = typing.get_args(annotation) or (annotation,)
    return any(isinstance(kind, type) and issubclass(kind, dt.date) for kind in kinds)


def message_names(record_type: type[FactRecord], params: set[str], condition: Condition | None = None) -> set[str]:
    """What a message may name: a parameter, a top-level attribute, ``{attr_days_ago}`` (a number) and
    ``{attr_days}`` (with its unit) for a date attribute, and ``{attr_<words>}`` for an attribute the rule's
    ``condition`` tests with an operator that has ``words``."""
    fields = record_type.model_fields
    dates = [name for name, field in fields.items() if _is_date(field.annotation)]
    dated = {f"{name}{suffix}" for name in dates for suffix in _DAY_COUNTS}
    worded = set(worded_leaves(condition)) - set(fields) if condition is not None else set()
    return params | set(fields) | dated | worded


def worded_leaves(condition: Condition) -> dict[str, Leaf]:
    """Each ``{attr_<words>}`` placeholder the condition offers, with the leaf that fills it: a leaf on a top-level
    attribute (not inside ``every``/``some``, not a ``days_after`` count) whose operator has ``words``; where two
    leaves offer the same name, the first in the condition."""
    found: dict[str, Leaf] = {}
    pending: list[Condition] = [condition]
    while pending:
        node = pending.pop(0)
        if isinstance(node, AllOf | AnyOf):
            pending[:0] = node.children
        elif isinstance(node, Not):
            pending.insert(0, node.child)
        elif isinstance(node, Leaf) and node.op.words and node.days_after is None and "." not in node.attr:
            found.setdefault(f"{node.attr}_{node.op.words}", node)
    return found


def plain(value: Any, ctx: EvalContext) -> str:
    """A value as a person reads it: dates as ``3 Nov 2026`` (site time zone), yes/no, lists joined."""
    if isinstance(value, dt.date):
        day = ctx.local_date(value)
        return f"{day.day} {day:%b %Y}"
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(plain(v, ctx) for v in value)
    if isinstance(value, FactRecord):  # an element of a list of records (a volume, a group member): its name
        return value.id
    return str(value)


def _day_count(name: str) -> str | None:
    """The ``_DAY_COUNTS`` suffix ``name`` ends with, if any."""
    return next((suffix for suffix in _DAY_COUNTS if name.endswith(suffix)), None)


def _days(suffix: str, value: Any, ctx: EvalContext) -> str:
    say, unknown = _DAY_COUNTS[suffix]
    return say(ctx.days_since(value)) if isinstance(value, dt.date) else unknown


def _in_words(leaf: Leaf, record: FactRecord, ctx: EvalContext) -> str:
    try:
        return leaf.op.in_words(getattr(record, leaf.attr), leaf.value, ctx)
    except (TypeError, ValueError):  # a failing object's value is one the operator judged, so this is not expected
        return "(not readable)"


def _named(text: str) -> frozenset[str]:
    """The names a message template fills (checked against ``message_names`` when the rule loads)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def message_maker(
    rule: BoundRule, ctx: EvalContext, record_type: type[FactRecord] | None
) -> Callable[[FactRecord], str | None] | None:
    """The rule's plain message for a failing record, or None when the rule gives no message that holds for it.
    ``record_type`` lets the messages' conditions remember answers, as the rule's own do (``generated_evaluator``)."""
    if not rule.messages:
        return None

    def holds(record: FactRecord, status: Status, reason: str | None, seen: dict[str, Any]) -> Any:
        return status  # only whether the message's `when` holds is wanted, not a result

    choices = [
        (
            generated_evaluator(rule.id, None, (), m.when, ctx, holds, str, record_type=record_type, explained=False)
            if m.when
            else None,
            m.text,
            _named(m.text),
        )
        for m in rule.messages
    ]
    # The parameters' words once for the rule; each record's only for the attributes its message names.
    params = {name: plain(value, ctx) for name, value in rule.params.items()}
    worded = worded_leaves(rule.condition)

    def fill(text: str, names: frozenset[str], record: FactRecord) -> str:
        values = dict(params)
        for name in names - params.keys():
            if (leaf := worded.get(name)) is not None and not hasattr(record, name):
                values[name] = _in_words(leaf, record, ctx)
            elif (suffix := _day_count(name)) is not None and not hasattr(record, name):
                values[name] = _days(suffix, getattr(record, name.removesuffix(suffix)), ctx)
            else:
                values[name] = plain(getattr(record, name), ctx)
        return text.format_map(values)

    def message(record: FactRecord) -> str | None:
        for judge, text, names in choices:
            if judge is None or typing.cast(Any, judge(record)) is Status.PASS:
                return fill(text, names, record)
        return None

    return message
