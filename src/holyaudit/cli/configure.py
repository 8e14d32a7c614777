"""``holyaudit init`` writes a commented site config; ``holyaudit config check`` validates one and tests each
source it names, read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holyaudit.cli.common import ConfigOption, InsecureOption, write_atomically
from holyaudit.cli.console import stderr_console, stdout_console
from holyaudit.errors import ExitCode, UsageError
from holyaudit.reporters.safe_text import printable

app = typer.Typer(help="Check the site config.", no_args_is_help=True)


def init(
    output: Annotated[Path, typer.Argument(help="Config file to write.")] = Path("holyaudit.yaml"),
    *,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")] = False,
) -> int:
    """Write a commented site config template to edit."""
    from holyaudit.config import template

    if output.exists() and not force:
        raise UsageError(f"{output} already exists (use --force to overwrite it)")
    write_atomically(output, template())
    stderr_console().print(f"wrote {output}: edit it, then run: holyaudit config check --config {output}")
    return ExitCode.COMPLIANT


@app.command("check")
def check(
    *,
    config: ConfigOption = None,
    sample: Annotated[int, typer.Option("--sample", min=1, help="Endpoints to try reaching.")] = 3,
    insecure_skip_tls_verify: InsecureOption = False,
) -> int:
    """Validate the config and every file a scan would load with it (exit 3 if one is broken), then test each
    source it names, read-only (exit 4 if one cannot be reached or read)."""
    from holyaudit.audit.setup import load_setup
    from holyaudit.audit.sources import now
    from holyaudit.collectors.checks import check_sources
    from holyaudit.collectors.interface import TlsPolicy
    from holyaudit.collectors.registry import SOURCES
    from holyaudit.engine.waivers import load_waivers

    # What a scan loads before contacting anything, so a config check passes only when a scan would start.
    setup = load_setup(config, None, None)
    settings = setup.settings
    if settings.waivers is not None:
        load_waivers(settings.waivers, setup.catalogue.rules)
    for source in SOURCES:
        source.load_files(settings)
    out = stdout_console()
    checks = check_sources(settings, TlsPolicy(verify=not insecure_skip_tls_verify), now, sample)
    out.print(f"config: valid ({config or 'built-in defaults'})", soft_wrap=True)
    if not checks:
        out.print("no live source is configured: add a directory or endpoints section (docs/configuration.md)")
    for item in checks:  # one line per source, unwrapped, so scripts can grep it
        out.print(f"{'ok' if item.ok else 'FAILED':7}{item.source}: {printable(item.detail)}", soft_wrap=True)
    return ExitCode.COMPLIANT if all(item.ok for item in checks) else ExitCode.INCOMPLETE
