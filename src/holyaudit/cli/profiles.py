"""``holyaudit profiles list|show``: which rules a profile runs, with which parameters and severities."""

from __future__ import annotations

from typing import Annotated

import typer

from holyaudit.cli.common import ConfigOption, RulesOption
from holyaudit.cli.console import simple_table, stdout_console

app = typer.Typer(help="List and explain profiles.", no_args_is_help=True)


@app.command("list")
def list_profiles(*, rules: RulesOption = None) -> int:
    """List the built-in profiles."""
    from holyaudit.engine.loader import builtin_profiles_dir, load_catalogue, load_profile

    catalogue = load_catalogue(rules or [])
    table = simple_table()
    for column in ("Profile", "Title", "Framework", "Rules"):
        table.add_column(column, overflow="fold")
    for path in sorted(builtin_profiles_dir().glob("*.yaml")):
        loaded = load_profile(path, catalogue)
        framework = loaded.spec.framework
        quoted = f"{framework.name} ({framework.version}) {framework.source}" if framework else "-"
        table.add_row(loaded.name, loaded.spec.title, quoted, str(len(loaded.selected)))
    stdout_console().print(table)
    return 0


@app.command("show")
def show_profile(
    name: Annotated[str, typer.Argument(help="Built-in profile name or profile file.")],
    *,
    rules: RulesOption = None,
    config: ConfigOption = None,
) -> int:
    """Show a profile: the rules it runs, their severities and the parameters it sets."""
    from holyaudit.audit.setup import load_setup
    from holyaudit.engine.loader import find_profile
    from holyaudit.engine.operators import show

    setup = load_setup(config, str(find_profile(name)), rules)
    loaded = setup.profile
    from rich.text import Text  # rich is loaded when something is shown (cli/console.py)

    text = Text(f"{loaded.name}", style="bold")
    text.append(f" — {loaded.spec.title}\nSource: {loaded.path}\n")
    framework = loaded.spec.framework
    if framework is not None:
        text.append(f"Framework: {framework.name} ({framework.version}), {framework.source}\n{framework.licence}\n")
    if loaded.spec.description:
        text.append(f"\n{loaded.spec.description.strip()}\n")
    stdout_console().print(text)
    table = simple_table()
    for column in ("Rule", "Severity", "Clause", "Parameters"):
        table.add_column(column, overflow="fold")
    for bound in loaded.rules:
        if bound.id in loaded.selected:
            params = ", ".join(f"{k}={show(v)}" for k, v in bound.params.items()) or "-"
            clause = f"§{bound.clause.section} {bound.clause.heading}"
            table.add_row(bound.id, bound.severity.value, clause, params)
    stdout_console().print(table)
    return 0
