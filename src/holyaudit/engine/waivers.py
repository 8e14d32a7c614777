"""Waivers: approved, dated exceptions to a rule for named objects, or for all of a rule (docs/waivers.md).

Loaded from YAML with every problem at file:line:column. Applied during evaluation by ``waive``, purely: the
day comes from the as-of time. Only FAIL objects are waived; an ERROR never is, because what could not be
checked cannot be excused. ``notices`` then says what each waiver did, so none is silently stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.models import Finding, ObjectResult, Status, WaiverNotice, WaiverState
from holyaudit.yamlfile import PosDict, PosList, load_yaml, problems_from_validation

WARN_DAYS = 14
"""A waiver expiring within this many days (the as-of day counting as 0) is warned about."""


def _one_line(value: str) -> str:
    return " ".join(value.split())


class WaiverSpec(BaseModel):
    """One waiver as written in the file (unknown keys forbidden)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: StrictStr = Field(description="The rule id; it must be in the loaded catalogue.")
    objects: list[StrictStr] | None = Field(default=None, min_length=1, description="Absent: every object.")
    justification: StrictStr
    approved_by: StrictStr
    expires: dt.date = Field(description="Last day the waiver applies, in the site's time zone.")
    created: dt.date | None = None
    reference: StrictStr | None = None

    @field_validator("justification", "approved_by")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return _one_line(value)

    @field_validator("expires", "created", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        if value is None:
            return value
        raise ValueError(f"expected a date as YYYY-MM-DD, e.g. 2026-12-01 (got {value!r})")


@dataclass(frozen=True)
class Waiver:
    """A checked waiver and where it is written."""

    rule_id: str
    object_ids: tuple[str, ...] | None
    justification: str
    approved_by: str
    expires: dt.date
    created: dt.date | None
    reference: str | None
    where: str
    _keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Directory names (sAMAccountName, host names) are case-insensitive.
        object.__setattr__(self, "_keys", frozenset(i.casefold() for i in self.object_ids or ()))

    def covers(self, object_id: str) -> bool:
        return self.object_ids is None or object_id.casefold() in self._keys

    def in_force(self, today: dt.date) -> bool:
        """Expiry is inclusive: a waiver expiring on a day applies to the end of that day."""
        return today <= self.expires

    def reason(self, original: str | None) -> str:
        text = f"waived until {self.expires} by {self.approved_by}: {self.justification}"
        return f"{text}; without the waiver: {original}" if original else text


def load_waivers(path: Path, rule_ids: Collection[str]) -> tuple[Waiver, ...]:
    """The waivers in ``path``; every problem in the file, at its line, is one InvalidInputError."""
    data = load_yaml(path)
    if data is None:
        return ()
    if not isinstance(data, PosList):
        pos = getattr(data, "pos", (1, 1))
        message = "expected a YAML list of waivers ('- rule: ...' items) at the top level"
        raise InvalidInputError([Problem(path, pos[0], pos[1], message)])
    problems: list[Problem] = []
    waivers = []
    for index, item in enumerate(data):
        line, column = data.item_pos[index]
        if not isinstance(item, PosDict):
            problems.append(Problem(path, line, column, "expected a waiver: a mapping with rule, justification, ..."))
            continue
        try:
            spec = WaiverSpec.model_validate(item)
        except ValidationError as exc:
            problems.extend(problems_from_validation(path, item, exc))
            continue
        if spec.rule not in rule_ids:
            rule_line, rule_column = item.value_pos["rule"]
            message = f"rule: no rule with id {spec.rule!r} in the catalogue (see 'holyaudit rules list')"
            problems.append(Problem(path, rule_line, rule_column, message))
            continue
        waivers.append(
            Waiver(
                rule_id=spec.rule,
                object_ids=tuple(spec.objects) if spec.objects is not None else None,
                justification=spec.justification,
                approved_by=spec.approved_by,
                expires=spec.expires,
                created=spec.created,
                reference=spec.reference,
                where=f"{path}:{line}",
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return tuple(waivers)


def _chosen(waivers: Sequence[Waiver], object_id: str) -> Waiver | None:
    """The waiver that applies to an object: of those in force that cover it, the latest to expire (then the
    first written), so a renewal written before the old waiver runs out takes over at once."""
    covering = [w for w in waivers if w.covers(object_id)]
    return max(covering, key=lambda w: w.expires) if covering else None


def waive(results: list[ObjectResult], waivers: Sequence[Waiver], today: dt.date) -> list[ObjectResult]:
    """One rule's results with each FAIL that a waiver in force covers made WAIVED; the original reason is kept."""
    active = [w for w in waivers if w.in_force(today)]
    if not active:
        return results
    waived = []
    for result in results:
        waiver = _chosen(active, result.id) if result.status is Status.FAIL else None
        if waiver is not None:
            result = result.replaced(status=Status.WAIVED, reason=waiver.reason(result.reason), message=None)
        waived.append(result)
    return waived


_NOT_NEEDED = {
    Status.PASS: "passes",
    Status.NOT_APPLICABLE: "not applicable",
    Status.ERROR: "could not be checked: an ERROR is never waived",
}
"""Why a waiver in force did not waive an object it names (a FAIL it covers is always waived)."""


def notices(waivers: Sequence[Waiver], findings: Sequence[Finding], today: dt.date) -> list[WaiverNotice]:
    """What each waiver did in this scan, in file order."""
    by_rule = {f.rule_id: f for f in findings}
    active: dict[str, list[Waiver]] = {}
    for waiver in waivers:
        if waiver.in_force(today):
            active.setdefault(waiver.rule_id, []).append(waiver)
    return [_notice(w, by_rule.get(w.rule_id), active.get(w.rule_id, []), today) for w in waivers]


def _notice(waiver: Waiver, finding: Finding | None, active: Sequence[Waiver], today: dt.date) -> WaiverNotice:
    objects = finding.objects if finding is not None else []
    waived = [o.id for o in objects if o.status is Status.WAIVED and _chosen(active, o.id) is waiver]
    days_left = (waiver.expires - today).days
    if not waiver.in_force(today):
        state = WaiverState.EXPIRED
        failing = [o.id for o in objects if o.status is Status.FAIL and waiver.covers(o.id)]
        message = f"expired on {waiver.expires}: no longer applies"
        if failing:
            message += f"; {_names(failing)} {'fails' if len(failing) == 1 else 'fail'} again"
    elif finding is None:
        state, message = WaiverState.UNMATCHED, f"waived nothing: rule {waiver.rule_id} did not run in this scan"
    elif not waived:
        state, message = WaiverState.UNMATCHED, "waived nothing: " + _why_nothing(waiver, finding, active)
    else:
        state = WaiverState.EXPIRING_SOON if days_left <= WARN_DAYS else WaiverState.APPLIED
        message = f"waives {_names(waived)} until {waiver.expires}, approved by {waiver.approved_by}"
        if state is WaiverState.EXPIRING_SOON:
            message += "; expires " + ("at the end of today" if days_left == 0 else _in_days(days_left))
        if misses := _misses(waiver, objects, waived, active):
            message += "; did not waive " + ", ".join(misses)
    return WaiverNotice(
        rule_id=waiver.rule_id,
        object_ids=list(waiver.object_ids) if waiver.object_ids is not None else None,
        justification=waiver.justification,
        approved_by=waiver.approved_by,
        expires=waiver.expires,
        created=waiver.created,
        reference=waiver.reference,
        state=state,
        objects_waived=waived,
        where=waiver.where,
        message=message,
    )


def _why_nothing(waiver: Waiver, finding: Finding, active: Sequence[Waiver]) -> str:
    if not finding.objects:
        return f"the rule judged no objects ({finding.message})"
    if waiver.object_ids is not None:
        return ", ".join(_misses(waiver, finding.objects, [], active))
    errors = sum(o.status is Status.ERROR for o in finding.objects)
    unchecked = f" ({errors} could not be checked: an ERROR is never waived)" if errors else ""
    return f"no object of rule {waiver.rule_id} fails{unchecked}"


def _names(ids: Sequence[str], shown: int = 5) -> str:
    """Object ids for a one-line message: the first few, then how many more (a whole-rule waiver may cover many)."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _in_days(days: int) -> str:
    return "tomorrow" if days == 1 else f"in {days} days"


def _misses(
    waiver: Waiver, objects: Sequence[ObjectResult], waived: Sequence[str], active: Sequence[Waiver]
) -> list[str]:
    """Each object the waiver names but did not waive, and why."""
    if waiver.object_ids is None:
        return []
    found: Mapping[str, ObjectResult] = {o.id.casefold(): o for o in objects}
    done = {i.casefold() for i in waived}
    misses = []
    for name in (n for n in waiver.object_ids if n.casefold() not in done):
        result = found.get(name.casefold())
        if result is None:
            misses.append(f"{name} (not among the objects the rule judged)")
        elif result.status is Status.WAIVED:
            other = _chosen(active, result.id)
            misses.append(f"{name} (waived by {other.where if other else 'another waiver'})")
        else:
            misses.append(f"{name} ({_NOT_NEEDED[result.status]})")
    return misses


def needs_attention(notice: WaiverNotice) -> bool:
    """Worth a warning: expired, expiring soon, waived nothing, or named an object it did not waive."""
    if notice.state is not WaiverState.APPLIED:
        return True
    return notice.object_ids is not None and len(notice.objects_waived) < len(notice.object_ids)


def warnings(notices: Sequence[WaiverNotice]) -> list[str]:
    """One line per waiver that needs attention, and per whole-rule waiver in force, each with its file:line."""
    lines = []
    for notice in notices:
        if needs_attention(notice):
            lines.append(f"{notice.where}: {notice.rule_id}: {notice.message}")
        if notice.object_ids is None and notice.state is not WaiverState.EXPIRED:
            lines.append(
                f"{notice.where}: {notice.rule_id}: waives the whole rule for every object; "
                "name the objects ('objects:') unless the whole rule is truly excepted"
            )
    return lines
