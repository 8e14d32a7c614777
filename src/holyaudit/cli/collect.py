"""``holyaudit collect``: read the live sources and save a snapshot to audit later with ``scan --snapshot``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holyaudit.cli.common import ConfigOption, InsecureOption, collect_live_facts, now, write_atomically
from holyaudit.cli.console import stderr_console
from holyaudit.collectors.live import all_fields
from holyaudit.collectors.snapshot import dump_snapshot
from holyaudit.config import DEFAULT_TIMEZONE, load_settings
from holyaudit.errors import ExitCode
from holyaudit.facts import FACT_SETS


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
    settings = load_settings(config)
    facts = collect_live_facts(settings, all_fields(FACT_SETS), insecure_skip_tls_verify, quiet=quiet)
    text = dump_snapshot(
        list(facts.values()),
        site=settings.site.name,
        timezone=settings.site.timezone or DEFAULT_TIMEZONE,
        collected_at=now(),
    )
    write_atomically(output, text)
    failed = sorted(name for name, fact_set in facts.items() if fact_set.error)
    counts = ", ".join(f"{name}: {len(fs.records)}" for name, fs in sorted(facts.items()) if not fs.error)
    if not quiet:
        stderr_console().print(f"snapshot written to {output} ({counts or 'nothing collected'})")
    if failed:
        if not quiet:
            stderr_console().print(f"incomplete: {', '.join(failed)} could not be collected")
        return ExitCode.INCOMPLETE
    return ExitCode.COMPLIANT
