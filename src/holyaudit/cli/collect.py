"""``holyaudit collect``: read the live sources and save a snapshot to audit later with ``scan --snapshot``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holyaudit.cli.common import ConfigOption, InsecureOption, listener, write_atomically
from holyaudit.cli.console import stderr_console


def collect(
    *,
    output: Annotated[Path, typer.Option("--output", "-o", help="Snapshot file to write (atomically).")],
    config: ConfigOption = None,
    insecure_skip_tls_verify: InsecureOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Nothing on stderr but errors; the exit code says if all was read.")
    ] = False,
) -> int:
    """Collect every fact set the configured sources provide into a snapshot file; exit 4 if any failed."""
    from holyaudit.audit.workflow import CollectRequest, collect_snapshot

    request = CollectRequest(config=config, insecure_skip_tls_verify=insecure_skip_tls_verify)
    collected = collect_snapshot(request, listener(quiet=quiet))
    write_atomically(output, collected.snapshot)
    counts = ", ".join(f"{name}: {len(fs.records)}" for name, fs in sorted(collected.facts.items()) if not fs.error)
    if not quiet:
        stderr_console().print(f"snapshot written to {output} ({counts or 'nothing collected'})")
        if collected.failed:
            stderr_console().print(f"incomplete: {', '.join(collected.failed)} could not be collected")
    return collected.code
