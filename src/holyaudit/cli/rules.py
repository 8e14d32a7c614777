"""``holyaudit rules list|show``: the rule catalogue as the chosen profile sets it."""

from __future__ import annotations

from typing import Annotated

import typer

from holyaudit.cli.common import ConfigOption, ProfileOption, RulesOption
from holyaudit.cli.console import simple_table, stdout_console
from holyaudit.errors import UsageError

app = typer.Typer(help="List and explain the rules.", no_args_is_help=True)


@app.command("list")
def list_rules(
    *,
    profile: ProfileOption = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only rules carrying this tag.")] = None,
) -> int:
    """List every rule: id, severity under the profile, policy section, title, and whether the profile runs it."""
    from holyaudit.audit.setup import load_setup
    from holyaudit.reporters.common import section_order

    setup = load_setup(config, profile, rules)
    table = simple_table(title=f"Rules (profile {setup.profile.name})", title_justify="left")
    # Ids and the short columns whole (an id broken across lines cannot be copied); the title wraps at words.
    table.add_column("Rule", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("§", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=1)
    table.add_column("Runs", no_wrap=True)
    for bound in sorted(setup.profile.rules, key=lambda r: (section_order(r.clause.section), r.id)):
        if tag and tag not in bound.spec.tags:
            continue
        runs = "yes" if bound.id in setup.profile.selected else "no"
        table.add_row(bound.id, bound.severity.value, bound.clause.section, bound.title, runs)
    stdout_console().print(table)
    return 0


@app.command("show")
def show_rule(
    rule_id: Annotated[str, typer.Argument(help="The rule id, e.g. password-minimum-length.")],
    *,
    profile: ProfileOption = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
) -> int:
    """Explain one rule: its clause, what it checks, parameters in effect under the profile, and remediation."""
    from holyaudit.audit.setup import load_setup
    from holyaudit.engine.operators import show

    setup = load_setup(config, profile, rules)
    bound = setup.profile.rule(rule_id)
    if bound is None:
        raise UsageError(f"no rule with id {rule_id!r} (see 'holyaudit rules list')")
    spec = bound.spec
    from rich.text import Text  # rich is loaded when something is shown (cli/console.py)

    text = Text()
    text.append(f"{spec.id}", style="bold")
    text.append(f" — {bound.title}\n")
    facts = ", ".join(part.spec.facts for part in bound.parts)
    text.append(f"Severity: {bound.severity.value}   Tags: {', '.join(spec.tags) or '-'}   Facts: {facts}\n")
    text.append(
        f"Profile {setup.profile.name}: {'runs' if bound.id in setup.profile.selected else 'does not run'} this rule\n"
    )
    text.append(f"Source: {bound.rule.path}\n\n")
    framework = setup.profile.spec.framework
    if bound.profile_clause is not None and framework is not None:
        text.append(f"{framework.name} §{bound.clause.section} {bound.clause.heading}\n", style="bold")
    else:
        text.append(f"Policy §{bound.clause.section} {bound.clause.heading}\n", style="bold")
    text.append(f"  “{bound.clause.text}”\n")
    text.append(f"  Source: {bound.clause.source}\n\n" if bound.clause.source else "\n")
    text.append("Checks\n", style="bold")
    for part in bound.parts:
        kind = part.rule.record_type.kind.replace("_", " ")
        if part.scope is not None:
            text.append(f"  for each {kind} where {part.scope.describe()}\n")
        elif bound.also:
            text.append(f"  for each {kind}\n")
        for exemption in part.exemptions:
            text.append(f"  not applicable when {exemption.when.describe()}: {exemption.reason}\n")
        text.append(f"  passes when {part.condition.describe()}\n")
    text.append("\n")
    if spec.parameters:
        text.append(f"Parameters (in effect under profile {setup.profile.name})\n", style="bold")
        for name, param in spec.parameters.items():
            value = bound.params[name]
            marker = "" if value == param.default else f" (rule default {show(param.default)})"
            text.append(f"  {name} = {show(value)}{marker}: {param.description}\n")
        text.append("\n")
    text.append("Rationale\n", style="bold")
    text.append(f"  {bound.rationale.strip()}\n\n")
    text.append("Remediation\n", style="bold")
    text.append(f"  {bound.remediation.strip()}\n")
    stdout_console().print(text)
    return 0
