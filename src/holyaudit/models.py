"""Audit results: statuses, severities, findings and the result of one scan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Defined apart, without pydantic, for the command line's options; every result names them from here too.
from holyaudit.status import Severity as Severity
from holyaudit.status import Status as Status

SCHEMA_VERSION = 4
"""Version of the JSON report schema (docs/json-output.md); bump it, with a changelog note, on any change."""


class Clause(BaseModel):
    """The policy clause a rule mirrors, in the policy's own words (or a framework's, when a profile quotes one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    section: str = Field(description="Section number in the policy, e.g. '10'.")
    heading: str = Field(description="The section or sub-section heading, e.g. 'Passwords'.")
    text: str = Field(description="The clause's exact words.")
    source: str | None = Field(
        default=None,
        pattern=r"^https://\S+$",
        description="Where the words are published (a URL), when a profile quotes a framework.",
    )


class Framework(BaseModel):
    """The published standard a profile audits against, and the terms its words are quoted under."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, description="e.g. 'Cyber Essentials: Requirements for IT infrastructure'.")
    version: str = Field(min_length=1, description="The edition quoted, e.g. 'v3.2, April 2025'.")
    source: str = Field(pattern=r"^https://\S+$", description="Where it is published.")
    licence: str = Field(min_length=1, description="The terms its words are quoted under, with the attribution.")


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectResult:
    """One object's outcome under one rule.

    A plain slotted dataclass, not a pydantic model: a scan makes one per object per rule (300,000 for a
    50,000-user school), and a model's per-instance ``__dict__`` and bookkeeping cost three times the memory of
    these eight slots. Pydantic still validates and dumps it as a field of ``Finding``.
    """

    id: str
    kind: str
    status: Status
    observed: dict[str, Any] = field(default_factory=dict)
    expected: str
    reason: str | None = None
    context: dict[str, Any] = field(
        default_factory=dict, metadata={"description": "Values that identify the object; not judged."}
    )
    message: str | None = field(
        default=None, metadata={"description": "A failing object's message in plain English, if the rule gives one."}
    )

    @classmethod
    def made(
        cls,
        id: str,
        kind: str,
        status: Status,
        observed: dict[str, Any],
        expected: str,
        reason: str | None,
        context: dict[str, Any],
        message: str | None = None,
    ) -> ObjectResult:
        """A result from values the engine made itself, set slot by slot: a frozen dataclass's ``__init__`` goes
        through ``object.__setattr__`` by name for each field, for every one of a school's results."""
        result = _new(cls)
        _id(result, id)
        _kind(result, kind)
        _status(result, status)
        _observed(result, observed)
        _expected(result, expected)
        _reason(result, reason)
        _context(result, context)
        _message(result, message)
        return result

    def replaced(self, **changes: Any) -> ObjectResult:
        """A copy with ``changes`` (a waived result: its status, reason and message)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The fields by name in the report's order, the values themselves (not copied)."""
        return {name: getter(self) for name, getter in _GETTERS}


_new = object.__new__
_id, _kind, _status, _observed, _expected, _reason, _context, _message = (
    getattr(ObjectResult, name).__set__ for name in ObjectResult.__slots__
)
_GETTERS = tuple((name, getattr(ObjectResult, name).__get__) for name in ObjectResult.__slots__)


class Finding(BaseModel):
    """One rule's outcome: the roll-up of its objects."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    title: str
    status: Status
    severity: Severity
    clause: Clause
    tags: list[str]
    message: str
    remediation: str
    objects: list[ObjectResult]


class WaiverState(StrEnum):
    APPLIED = "applied"
    EXPIRING_SOON = "expiring_soon"
    """Applied, and expires within WARN_DAYS days (docs/waivers.md)."""
    EXPIRED = "expired"
    UNMATCHED = "unmatched"
    """Waived nothing: its rule did not run, or no object it names failed."""


class WaiverNotice(BaseModel):
    """What one waiver did in one scan, with where it is written."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    object_ids: list[str] | None = Field(description="The objects it names; None waives the whole rule.")
    justification: str
    approved_by: str
    expires: dt.date
    created: dt.date | None = None
    reference: str | None = None
    state: WaiverState
    objects_waived: list[str]
    where: str = Field(description="file:line of the waiver.")
    message: str = Field(description="One line for people: what it did, or why it did nothing.")


class FactSetSource(BaseModel):
    """Where a fact set came from, for the report's provenance."""

    model_config = ConfigDict(frozen=True)
    name: str
    source: str
    collected_at: dt.datetime
    error: str | None = None


class AuditResult(BaseModel):
    """Everything one scan found."""

    model_config = ConfigDict(frozen=True)
    as_of: dt.datetime
    timezone: str
    profile: str
    site: str = Field(default="unnamed site", description="The school: a snapshot's site, else the config's site.name.")
    framework: Framework | None = Field(default=None, description="The standard the profile quotes, if any.")
    sources: list[FactSetSource]
    findings: list[Finding]
    waivers: list[WaiverNotice] | None = Field(default=None, description="None when no waivers file was used.")

    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for finding in self.findings:
            counts[finding.status.value] += 1
        return counts
