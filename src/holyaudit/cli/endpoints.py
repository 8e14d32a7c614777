"""``holyaudit endpoints script``: the standalone endpoint script, for machines WinRM cannot reach."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holyaudit.cli.common import ConfigOption, write_atomically

app = typer.Typer(help="Endpoints that WinRM cannot reach: the script that records their facts.", no_args_is_help=True)


@app.command("script")
def script(
    *,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the script to this file (default: standard output).")
    ] = None,
    config: ConfigOption = None,
) -> int:
    """Print the PowerShell 5.1 script that writes a machine's facts to <Destination>\\<COMPUTERNAME>.json.

    Sign it and run it as SYSTEM from a Group Policy computer startup script or a scheduled task, with
    -Destination naming the share (docs/endpoints.md). With a config, the script also reads the backup evidence
    its endpoints.backup_evidence declares.
    """
    from holyaudit.collectors.winrm.source import ENDPOINTS
    from holyaudit.collectors.winrm.standalone import standalone_script
    from holyaudit.config import load_settings

    endpoints = ENDPOINTS.settings(load_settings(config))
    text = standalone_script(endpoints.backup_evidence if endpoints is not None else ())
    if output is None:
        typer.echo(text.replace("\r\n", "\n"), nl=False)
    else:
        write_atomically(output, text)
    return 0
