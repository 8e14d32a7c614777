"""The shapes of rule and profile files (unknown keys forbidden), and of a rule ready to evaluate."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    field_validator,
)

from holyaudit.engine.conditions import Condition
from holyaudit.engine.parse import LeafSite
from holyaudit.facts import FACT_SETS, FactRecord
from holyaudit.models import Clause, Framework, Severity
from holyaudit.yamlfile import Position

RULE_ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$"
PROFILE_NAME = r"^[a-z0-9][a-z0-9_-]*$"
ParamType = Literal["integer", "number", "string", "boolean", "time", "strings", "integers"]

PARAM_TYPES: dict[str, TypeAdapter[Any]] = {
    "integer": TypeAdapter(StrictInt),
    "number": TypeAdapter(StrictInt | StrictFloat),
    "string": TypeAdapter(StrictStr),
    "boolean": TypeAdapter(StrictBool),
    "time": TypeAdapter(StrictStr),
    "strings": TypeAdapter(list[StrictStr]),
    "integers": TypeAdapter(list[StrictInt]),
}
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def check_param(kind: str, value: Any) -> Any:
    """Validate a parameter value against its declared type; ValueError with a plain message."""
    from pydantic import ValidationError

    try:
        result = PARAM_TYPES[kind].validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"expected {kind}, got {value!r}") from exc
    if kind == "time" and not _TIME.fullmatch(result):
        raise ValueError(f"expected a time of day as 'HH:MM', got {value!r}")
    return result


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    type: ParamType
    default: Any
    description: str = Field(min_length=1)


class NotApplicableSpec(_Strict):
    when: Any
    reason: str = Field(min_length=1, description="Shown for each object; may name parameters as {name}.")


class MessageSpec(_Strict):
    when: Any = None
    text: str = Field(
        min_length=1,
        description="A failing object's plain-English message; may name the placeholders docs/rule-language.md lists.",
    )


class PartSpec(_Strict):
    """What a rule judges in one fact set: the rule's own, or one of its ``also`` parts."""

    facts: str = Field(description="The fact set the rule reads: a key of FACT_SETS.")
    scope: Any = None
    not_applicable: list[NotApplicableSpec] = Field(
        default_factory=list, description="Exemptions, tried in order; one mapping or a list of them."
    )
    condition: Any
    context: list[str] = Field(
        default_factory=list,
        description="Fields shown beside each object's result to identify it (not judged), e.g. display_name.",
    )
    messages: list[MessageSpec] = Field(
        default_factory=list,
        description="A failing object's plain message: the first whose `when` holds (or that has none) is used.",
    )

    @field_validator("not_applicable", "messages", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("facts")
    @classmethod
    def _known_fact_set(cls, value: str) -> str:
        if value not in FACT_SETS:
            raise ValueError(f"unknown fact set {value!r} (known: {', '.join(FACT_SETS)})")
        return value


class RuleSpec(PartSpec):
    id: str = Field(description="Stable, lower-case, hyphenated, e.g. password-minimum-length.")
    title: str = Field(min_length=1)
    severity: Severity
    tags: list[str] = Field(default_factory=list)
    clause: Clause
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    rationale: str = Field(min_length=1)
    remediation: str = Field(min_length=1)
    also: list[PartSpec] = Field(
        default_factory=list,
        description="Other fact sets the same rule judges, each with its own scope, exemptions, condition, messages "
        "and context (docs/rule-language.md).",
    )

    @field_validator("id")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not re.fullmatch(RULE_ID, value):
            raise ValueError(
                f"{value!r} is not a valid rule id: "
                "use lower-case words joined by hyphens, e.g. password-minimum-length"
            )
        return value

    def part(self, part: PartSpec) -> RuleSpec:
        """This rule as one of its ``also`` parts: the same id, clause, parameters and texts, judging that part's
        fact set."""
        return self.model_copy(update={**{name: getattr(part, name) for name in PartSpec.model_fields}, "also": []})


class RuleSettings(_Strict):
    parameters: dict[str, Any] = Field(default_factory=dict)
    severity: Severity | None = None
    clause: Clause | None = Field(
        default=None, description="The profile's framework's own clause for this rule, quoted in reports instead."
    )


class ProfileSpec(_Strict):
    name: str
    title: str = Field(min_length=1)
    description: str = ""
    framework: Framework | None = Field(default=None, description="The published standard this profile quotes.")
    rules: dict[str, RuleSettings | None] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, description="Also run every rule carrying any of these tags.")

    @field_validator("name")
    @classmethod
    def _simple_name(cls, value: str) -> str:
        if not re.fullmatch(PROFILE_NAME, value):
            raise ValueError(
                f"{value!r} is not a valid profile name: use lower-case letters, digits, '-' and '_', e.g. holywell"
            )
        return value


@dataclass(frozen=True)
class Exemption:
    """When a rule does not apply to an object, and the reason shown for it."""

    when: Condition
    reason: str

    def bind(self, params: dict[str, Any]) -> Exemption:
        return Exemption(self.when.bind(params), self.reason.format_map(params))


@dataclass(frozen=True)
class Message:
    """A failing object's plain-English message, used when ``when`` holds (always, if None)."""

    when: Condition | None
    text: str

    def bind(self, params: dict[str, Any]) -> Message:
        return Message(self.when.bind(params) if self.when else None, self.text)


@dataclass(frozen=True)
class Rule:
    """A loaded, checked rule with its parameters not yet filled in."""

    spec: RuleSpec
    path: Path
    record_type: type[FactRecord]
    condition: Condition
    scope: Condition | None
    exemptions: tuple[Exemption, ...]
    leaves: tuple[LeafSite, ...]
    param_positions: dict[str, Position]
    messages: tuple[Message, ...] = ()
    also: tuple[Rule, ...] = ()
    """The rule's ``also`` parts, each a rule of its own over another fact set (same id; the rule's ``leaves`` holds
    theirs too)."""

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class BoundRule:
    """A rule with the parameters and severity a profile chose: ready to evaluate."""

    rule: Rule
    severity: Severity
    params: dict[str, Any]
    condition: Condition
    scope: Condition | None
    exemptions: tuple[Exemption, ...]
    messages: tuple[Message, ...] = ()
    profile_clause: Clause | None = None
    """The profile's framework's clause for this rule, if the profile quotes one."""
    also: tuple[BoundRule, ...] = ()
    """The rule's ``also`` parts, bound alike: one finding holds the objects of every part."""

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def parts(self) -> tuple[BoundRule, ...]:
        """What the rule judges, one part per fact set: its own first, then its ``also`` parts."""
        return (self, *self.also)

    @property
    def clause(self) -> Clause:
        """The clause reports quote: the profile's framework's when it gives one, the rule's own otherwise."""
        return self.profile_clause or self.spec.clause

    @property
    def spec(self) -> RuleSpec:
        return self.rule.spec

    @property
    def title(self) -> str:
        """The rule's title with this profile's parameter values in its ``{name}`` placeholders."""
        return self.spec.title.format_map(self.params)

    @property
    def rationale(self) -> str:
        return self.spec.rationale.format_map(self.params)

    @property
    def remediation(self) -> str:
        return self.spec.remediation.format_map(self.params)

    def fields(self) -> frozenset[str]:
        """Every top-level field of the fact record this rule reads, scope and exemptions included."""
        parts = [self.condition, *([self.scope] if self.scope else []), *(e.when for e in self.exemptions)]
        shown = (path.split(".")[0] for path in self.spec.context)
        return frozenset({"id", *shown, *(f for part in parts for f in part.fields())})
