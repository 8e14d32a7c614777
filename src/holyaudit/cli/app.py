"""The typer application: global options and the command groups."""

from __future__ import annotations

from typing import Annotated

import typer

from holyaudit import __version__
from holyaudit.cli import collect, configure, endpoints, fleet, history, profiles, prune, rules, scan, validate

app = typer.Typer(
    name="holyaudit",
    help="Audit a school's Windows / Active Directory network against its data-security policy.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    # Pretty tracebacks print local variables, which could include secrets; HOLYAUDIT_DEBUG=1 shows plain ones.
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"holyaudit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Audit a school's Windows / Active Directory network against its data-security policy."""


app.command("scan")(scan.scan)
app.command("collect")(collect.collect)
app.command("validate")(validate.validate)
app.command("history")(history.history)
# Relative run references (-1, -2) look like options to the parser; unknown "options" are kept as arguments.
app.command("diff", context_settings={"ignore_unknown_options": True})(history.diff)
app.command("prune")(prune.prune)
app.command("init")(configure.init)
app.add_typer(configure.app, name="config")
app.add_typer(rules.app, name="rules")
app.add_typer(profiles.app, name="profiles")
app.add_typer(endpoints.app, name="endpoints")
app.add_typer(fleet.app, name="fleet")
