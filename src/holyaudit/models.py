"""Audit results: statuses, severities, findings and the result of one scan."""

from __future__ import annotations

import datetime as dt
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


class ObjectResult(BaseModel):
    """One object's outcome under one rule."""

    model_config = ConfigDict(frozen=True)
    id: str
    kind: str
    status: Status
    observed: dict[str, Any] = Field(default_factory=dict)
    expected: str
    reason: str | None = None
    context: dict[str, Any] = Field(default_factory=dict, description="Values that identify the object; not judged.")
    message: str | None = Field(
        default=None, description="A failing object's message in plain English, if the rule gives one."
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
        """A result from values the engine made itself, so not validated again: what ``model_construct`` gives
        with every field set, without its lookups of each field's aliases and defaults for every one of the tens
        of thousands of results a school's scan makes."""
        result = _new(cls)
        _set(result, "__dict__", {
            "id": id, "kind": kind, "status": status, "observed": observed, "expected": expected, "reason": reason,
            "context": context, "message": message,
        })  # fmt: skip
        _set(result, "__pydantic_fields_set__", _OBJECT_RESULT_FIELDS)
        _set(result, "__pydantic_extra__", None)
        _set(result, "__pydantic_private__", None)
        return result


_new, _set = BaseModel.__new__, object.__setattr__
_OBJECT_RESULT_FIELDS = set(ObjectResult.model_fields)
"""Every field of a made result is given, and they all share this one fields-set: pydantic never changes it in place
(results are frozen; a copy, even an updated one, copies it first). A set of its own per result would be one more
object per result for the garbage collector to walk."""


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
