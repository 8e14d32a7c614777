"""Loading rule and profile files into checked, bound rules; every problem names file, line and column."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from holyaudit.engine.messages import message_names
from holyaudit.engine.parse import ParseState, attr_exists, parse_condition
from holyaudit.engine.schema import BoundRule, Exemption, Message, ProfileSpec, Rule, RuleSpec, check_param
from holyaudit.errors import InvalidInputError, Problem
from holyaudit.facts import FACT_SETS
from holyaudit.models import Severity
from holyaudit.yamlfile import (
    PosDict,
    Position,
    key_position,
    load_yaml,
    position_of,
    problems_from_validation,
)

DEFAULT_PROFILE = "holywell"


def _builtin(name: str) -> Path:
    """The shipped copy of ``rules``/``profiles`` in an installed wheel, else the source tree's top level."""
    shipped = Path(str(resources.files("holyaudit"))) / "_builtin" / name
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[3] / name


def builtin_rules_dir() -> Path:
    return _builtin("rules")


def builtin_profiles_dir() -> Path:
    return _builtin("profiles")


def _mapping(path: Path) -> PosDict:
    data = load_yaml(path)
    if not isinstance(data, PosDict):
        pos = getattr(data, "pos", (1, 1))
        found = "a list" if isinstance(data, list) else repr(data)
        but = "the file is empty" if data is None else f"found {found}"
        message = f"expected a YAML mapping (key: value lines) at the top level, but {but}"
        raise InvalidInputError([Problem(path, pos[0], pos[1], message)])
    return data


def load_rule(path: Path) -> Rule:
    data = _mapping(path)
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, data, exc) + _condition_problems(path, data)) from exc
    state = ParseState(path, set(spec.parameters))
    param_positions = {name: position_of(data, ("parameters", name, "default")) or data.pos for name in spec.parameters}
    defaults = {}
    for name, param in spec.parameters.items():
        try:
            defaults[name] = check_param(param.type, param.default)
        except ValueError as exc:
            state.problem(param_positions[name], f"parameters.{name}.default: {exc}")
    own = _part(spec, data, "", state, param_positions)
    judged = {spec.facts}
    for index, part in enumerate(spec.also):
        if part.facts in judged:
            where = position_of(data, ("also", index, "facts"))
            state.problem(
                where, f"also[{index}].facts: {part.facts} is judged already; a rule judges each fact set once"
            )
        judged.add(part.facts)
    also = [
        _part(spec.part(part), data["also"][index], f"also[{index}].", state, param_positions)
        for index, part in enumerate(spec.also)
    ]
    if not state.problems:
        for site in state.leaves:
            try:
                site.leaf.bind(defaults)
            except ValueError as exc:
                names = sorted(site.leaf.param_names())
                where = param_positions[names[0]] if names else site.value_pos
                label = (
                    f"parameter {names[0]!r} used by {site.leaf.op.name!r}"
                    if names
                    else f"value for {site.leaf.op.name!r}"
                )
                state.problem(where, f"{label}: {exc}")
    if state.problems or own is None:
        raise InvalidInputError(state.problems)
    return dataclasses.replace(own, leaves=tuple(state.leaves), also=tuple(part for part in also if part is not None))


def _part(
    spec: RuleSpec, data: PosDict, label: str, state: ParseState, param_positions: dict[str, Position]
) -> Rule | None:
    """What ``spec`` judges in its fact set, checked (``data`` is where it is written; ``label`` prefixes its keys in
    problems), with no leaves noted yet; None if its condition could not be read."""
    record_type = FACT_SETS[spec.facts]
    condition = parse_condition(data["condition"], record_type, state, f"{label}condition", data.value_pos["condition"])
    scope = (
        parse_condition(data["scope"], record_type, state, f"{label}scope", data.value_pos["scope"])
        if spec.scope is not None
        else None
    )
    for index, shown in enumerate(spec.context):
        if not attr_exists(record_type, shown):
            state.problem(
                position_of(data, ("context", index)),
                f"{label}context: {record_type.kind} facts have no attribute {shown!r}",
            )
    exemptions = []
    raw_exemptions = data.get("not_applicable")
    for index, exemption in enumerate(spec.not_applicable):
        na = raw_exemptions if isinstance(raw_exemptions, PosDict) else raw_exemptions[index]  # type: ignore[index]
        where = f"{label}not_applicable" if isinstance(raw_exemptions, PosDict) else f"{label}not_applicable[{index}]"
        when = parse_condition(na["when"], record_type, state, f"{where}.when", na.value_pos["when"])
        if when is not None:
            exemptions.append(Exemption(when, exemption.reason))
        _check_text(state, spec, f"{where}.reason", exemption.reason, na.value_pos["reason"])
    if not label:  # the rule's own title and texts: checked once, not for each part
        for key in ("title", "rationale", "remediation"):
            _check_text(state, spec, key, getattr(spec, key), data.value_pos[key])
    messages = []
    raw_messages = data.get("messages")
    for index, message in enumerate(spec.messages):
        raw = raw_messages if isinstance(raw_messages, PosDict) else raw_messages[index]  # type: ignore[index]
        where = f"{label}messages" if isinstance(raw_messages, PosDict) else f"{label}messages[{index}]"
        when = (
            parse_condition(raw["when"], record_type, state, f"{where}.when", raw.value_pos["when"])
            if message.when is not None
            else None
        )
        messages.append(Message(when, message.text))
        allowed = message_names(record_type, set(spec.parameters), condition)
        try:
            names = _placeholders(message.text)
        except ValueError as exc:
            state.problem(raw.value_pos["text"], f"{where}.text: {exc}")
            names = []
        for name in names:
            if name not in allowed:
                state.problem(raw.value_pos["text"], f"{where}.text: unknown parameter or attribute {{{name}}}")
            elif name in spec.parameters and name in record_type.model_fields:
                # Which value it would show is not obvious to the reader of the rule, so neither is chosen.
                state.problem(
                    raw.value_pos["text"], f"{where}.text: {{{name}}} names both a parameter and an attribute"
                )
    if condition is None:
        return None
    return Rule(
        spec, state.path, record_type, condition, scope, tuple(exemptions), (), param_positions, tuple(messages)
    )


def _check_text(state: ParseState, spec: RuleSpec, key: str, text: str, pos: Position) -> None:
    """A reason, title, rationale or remediation may name the rule's parameters as ``{name}``, and nothing else."""
    try:
        names = _placeholders(text)
    except ValueError as exc:
        state.problem(pos, f"{key}: {exc}")
        return
    for name in names:
        if name not in spec.parameters:
            state.problem(pos, f"{key}: unknown parameter {{{name}}}")


def _condition_problems(path: Path, data: PosDict) -> list[Problem]:
    """Mistakes in the condition of a rule whose other keys are wrong too, so one run reports them all."""
    facts, parameters = data.get("facts"), data.get("parameters")
    if not isinstance(facts, str) or facts not in FACT_SETS or not isinstance(data.get("condition"), PosDict):
        return []
    state = ParseState(path, set(parameters) if isinstance(parameters, PosDict) else set())
    parse_condition(data["condition"], FACT_SETS[facts], state, "condition", data.value_pos["condition"])
    return state.problems


def _placeholders(text: str) -> list[str]:
    """The parameters a reason names as ``{name}``; ValueError for anything else in braces, which filling it in
    would fail on or turn into something other than the parameter's value ({{ and }} are literal braces)."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:  # a '{' or '}' with no partner
        raise ValueError("unbalanced brace: write a parameter as {name} and a literal brace as {{ or }}") from exc
    names = []
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        if not field:
            raise ValueError("'{}' names no parameter; write a parameter as {name}")
        if not field.isidentifier():
            raise ValueError(f"{{{field}}} is not a parameter name; write a parameter as {{name}}")
        if spec or conversion:
            shown = f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            raise ValueError(f"{shown}: a parameter is shown as it is, without a format; write it as {{{field}}}")
        names.append(field)
    return names


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """Every rule that was loaded, by id; ``custom`` holds the ids from user-given folders."""

    rules: dict[str, Rule]
    custom: frozenset[str]


def rule_files(directory: Path) -> list[Path]:
    # Anything named *.yaml but a folder is loaded, so a named pipe or a broken link is refused, not skipped.
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and not p.is_dir())


def load_catalogue(extra_dirs: Iterable[Path] = (), extra_files: Iterable[Path] = ()) -> Catalogue:
    """The built-in rules plus the user's folders and files; every problem in every file is reported."""
    problems: list[Problem] = []
    sources: list[tuple[Path, bool]] = [(p, False) for p in rule_files(builtin_rules_dir())]
    for directory in map(Path, extra_dirs):
        if not directory.is_dir():
            problems.append(Problem(directory, None, None, "rule folder does not exist"))
            continue
        sources.extend((p, True) for p in rule_files(directory))
    sources.extend((Path(p), True) for p in extra_files)
    rules: dict[str, Rule] = {}
    custom: set[str] = set()
    for path, is_custom in sources:
        try:
            rule = load_rule(path)
        except InvalidInputError as exc:
            problems.extend(exc.problems)
            continue
        if rule.id in rules:
            if rules[rule.id].path.resolve() == path.resolve():
                continue
            pos = position_of(load_yaml(path), ("id",))
            problems.append(
                _problem(path, pos, f"duplicate rule id {rule.id!r} (also defined in {rules[rule.id].path})")
            )
            continue
        rules[rule.id] = rule
        if is_custom:
            custom.add(rule.id)
    if problems:
        raise InvalidInputError(problems)
    return Catalogue(rules, frozenset(custom))


@dataclasses.dataclass(frozen=True)
class Profile:
    spec: ProfileSpec
    path: Path
    rules: tuple[BoundRule, ...]
    """Every rule in the catalogue bound with this profile's settings, selected or not."""
    selected: frozenset[str]

    @property
    def name(self) -> str:
        return self.spec.name

    def rule(self, rule_id: str) -> BoundRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def find_profile(name_or_path: str) -> Path:
    """A profile given as a file path, or by the name of a built-in profile."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    shipped = builtin_profiles_dir() / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    known = ", ".join(p.stem for p in sorted(builtin_profiles_dir().glob("*.yaml")))
    raise InvalidInputError([Problem(None, None, None, f"no profile named {name_or_path!r} (built-in: {known})")])


def load_profile(path: Path, catalogue: Catalogue) -> Profile:
    data = _mapping(path)
    try:
        spec = ProfileSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(problems_from_validation(path, data, exc)) from exc
    problems: list[Problem] = []
    raw_rules = data.get("rules") or PosDict()
    for rule_id in spec.rules:
        if rule_id not in catalogue.rules:
            pos = key_position(raw_rules, rule_id)
            problems.append(_problem(path, pos, f"rules: no rule with id {rule_id!r} in the catalogue"))
    known_tags = {tag for rule in catalogue.rules.values() for tag in rule.spec.tags}
    for index, tag in enumerate(spec.tags):
        if tag not in known_tags:
            problems.append(_problem(path, position_of(data, ("tags", index)), f"tags: no rule carries tag {tag!r}"))
    bound = []
    for rule in catalogue.rules.values():
        settings = spec.rules.get(rule.id)
        raw = raw_rules.get(rule.id) if isinstance(raw_rules, PosDict) else None
        overrides = settings.parameters if settings else {}
        raw_params = raw.get("parameters") if isinstance(raw, PosDict) else None
        try:
            bound_rule = bind_rule(
                rule, overrides, settings.severity if settings else None, path, raw_params or PosDict()
            )
        except InvalidInputError as exc:
            problems.extend(exc.problems)
            continue
        clause = settings.clause if settings else None
        if clause is not None and clause.source is None and spec.framework is not None:
            clause = clause.model_copy(update={"source": spec.framework.source})
        bound.append(dataclasses.replace(bound_rule, profile_clause=clause) if clause else bound_rule)
    if problems:
        raise InvalidInputError(problems)
    selected = {r.id for r in catalogue.rules.values() if r.id in spec.rules or set(r.spec.tags) & set(spec.tags)}
    return Profile(spec, path, tuple(bound), frozenset(selected | catalogue.custom))


def _problem(path: Path, pos: Position | None, message: str) -> Problem:
    return Problem(path, pos[0] if pos else None, pos[1] if pos else None, message)


def bind_rule(
    rule: Rule,
    overrides: Mapping[str, Any],
    severity: Severity | None,
    source: Path,
    raw_overrides: PosDict,
) -> BoundRule:
    """Fill in a rule's parameters; a bad override is reported at its line in ``source``."""
    problems: list[Problem] = []
    params: dict[str, Any] = {name: p.default for name, p in rule.spec.parameters.items()}
    for name, value in overrides.items():
        spec = rule.spec.parameters.get(name)
        if spec is None:
            declared = ", ".join(sorted(rule.spec.parameters)) or "none"
            problems.append(
                _problem(
                    source,
                    key_position(raw_overrides, name),
                    f"rule {rule.id!r} has no parameter {name!r} (parameters: {declared})",
                )
            )
            continue
        try:
            params[name] = check_param(spec.type, value)
        except ValueError as exc:
            problems.append(_problem(source, raw_overrides.value_pos.get(name), f"{rule.id}.{name}: {exc}"))
    if not problems:
        for site in rule.leaves:
            try:
                site.leaf.bind(params)
            except ValueError as exc:
                names = sorted(site.leaf.param_names())
                pos = raw_overrides.value_pos.get(names[0]) if names else None
                problems.append(_problem(source, pos, f"{rule.id}.{names[0] if names else '?'}: {exc}"))
    if problems:
        raise InvalidInputError(problems)
    return _bound(rule, severity or rule.spec.severity, params)


def _bound(rule: Rule, severity: Severity, params: dict[str, Any]) -> BoundRule:
    """``rule`` and its ``also`` parts with checked ``params`` filled in."""
    return BoundRule(
        rule=rule,
        severity=severity,
        params=params,
        condition=rule.condition.bind(params),
        scope=rule.scope.bind(params) if rule.scope else None,
        exemptions=tuple(e.bind(params) for e in rule.exemptions),
        messages=tuple(m.bind(params) for m in rule.messages),
        also=tuple(_bound(part, severity, params) for part in rule.also),
    )
