"""What several commands share: the options that choose rules, and loading settings, catalogue and profile."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from holyaudit.cli.console import stderr_console
from holyaudit.collectors.interface import RecordSink, TlsPolicy
from holyaudit.collectors.live import collect, leaver_merge, merging, plan, with_mis_leavers, with_mis_needs
from holyaudit.config import Settings, load_settings
from holyaudit.engine.loader import DEFAULT_PROFILE, Catalogue, Profile, find_profile, load_catalogue, load_profile
from holyaudit.errors import InvalidInputError, Problem, UsageError
from holyaudit.facts import FactSet
from holyaudit.reporters.safe_text import printable

if TYPE_CHECKING:
    from holyaudit.cli.progress import CollectionProgress

ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", "-p", help="Built-in profile name or profile file (default: holywell, or the config's)."),
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra folder of rule files; repeatable. Their rules always run.", show_default=False),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Site config file (default: $HOLYAUDIT_CONFIG, else built-in defaults)."),
]


InsecureOption = Annotated[
    bool,
    typer.Option(
        "--insecure-skip-tls-verify",
        help="Do not check TLS certificates (a warning is printed on every run). Only for a lab.",
    ),
]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def collect_live_facts(
    settings: Settings,
    needs: Mapping[str, frozenset[str]],
    insecure_skip_tls_verify: bool,
    *,
    quiet: bool = False,
    early: RecordSink | None = None,
) -> dict[str, FactSet]:
    """Facts from the sources the config enables; a source that fails is recorded, not fatal.

    ``quiet`` drops the progress display and warnings, but never the --insecure-skip-tls-verify notice. ``early``
    takes records as they are made, the MIS leaving dates merged in (a scan judges them then).
    """
    if insecure_skip_tls_verify:
        stderr_console().print(
            "warning: --insecure-skip-tls-verify: TLS certificates are NOT checked; anyone on the network path "
            "could read the credentials and forge the answers"
        )
    planned = plan(settings, TlsPolicy(verify=not insecure_skip_tls_verify), now)
    if not planned:
        raise UsageError(
            "no live source is configured: add a 'directory' or 'endpoints' section to the config file "
            "(docs/configuration.md), or audit a snapshot with --snapshot FILE, or try --demo"
        )

    def warn(message: str) -> None:
        if not quiet:
            stderr_console().print(f"warning: {printable(message)}")

    merge = leaver_merge(settings, needs, warn)
    progress = None if quiet else ProgressOnTerminal()
    try:
        facts = collect(planned, with_mis_needs(needs, settings), now, warn, progress, merging(merge, early))
    finally:
        if progress is not None:
            progress.stop()
    return with_mis_leavers(facts, settings, merge)


class ProgressOnTerminal:
    """The progress display (``cli/progress.py``) if stderr is a terminal, made when a collector first counts
    something or finishes: so rich is loaded once the first searches are sent, while the directory works, not
    before them. A collector that has only started is shown then, with it."""

    def __init__(self) -> None:
        self._display: CollectionProgress | None = None
        self._decided = False
        self._started: list[str] = []

    def _shown(self) -> CollectionProgress | None:
        if not self._decided:
            from holyaudit.cli.progress import progress_for

            self._display, self._decided = progress_for(stderr_console()), True
            if self._display is not None:
                for collector in self._started:
                    self._display.show(collector, {})
        return self._display

    def show(
        self, collector: str, counts: Mapping[str, int], *, done: int | None = None, total: int | None = None
    ) -> None:
        if not self._decided and not counts and done is None and total is None:
            self._started.append(collector)  # nothing to count yet
            return
        if (display := self._shown()) is not None:
            display.show(collector, counts, done=done, total=total)

    def finished(self, collector: str, counts: Mapping[str, int], error: str | None = None) -> None:
        if (display := self._shown()) is not None:
            display.finished(collector, counts, error)

    def stop(self) -> None:
        if self._display is not None:
            self._display.stop()


@dataclass(frozen=True)
class Setup:
    settings: Settings
    catalogue: Catalogue
    profile: Profile


def load_setup(config: Path | None, profile: str | None, rules: list[Path] | None) -> Setup:
    settings = load_settings(config)
    profile_path = profile_file(settings, profile)
    catalogue = load_catalogue([*settings.rules, *(rules or [])])
    return Setup(settings, catalogue, load_profile(profile_path, catalogue))


def profile_file(settings: Settings, chosen: str | None) -> Path:
    """The profile file to use: ``chosen`` (``--profile``), else the config's, else the built-in default. One the
    config names that cannot be found is an error at the config's line."""
    if chosen is not None or settings.profile is None:
        return find_profile(chosen or DEFAULT_PROFILE)
    named_at = settings.profile_named_at
    try:
        found = find_profile(settings.profile)
    except InvalidInputError as exc:
        if named_at is None:
            raise
        why = "; ".join(problem.message for problem in exc.problems)
        raise InvalidInputError([Problem(named_at.path, named_at.line, named_at.column, f"profile: {why}")]) from exc
    if named_at is not None and not found.is_file():
        message = f"profile: profile file {found} does not exist"
        raise InvalidInputError([Problem(named_at.path, named_at.line, named_at.column, message)])
    return found


def cannot_write(path: Path, exc: OSError) -> UsageError:
    """The one message for a file the user asked for that cannot be written: exit 2, the path is unusable."""
    if isinstance(exc, FileExistsError):  # a file stands where a folder on the way to ``path`` must be
        return UsageError(f"cannot write {path}: {exc.filename} is not a folder")
    return UsageError(f"cannot write {path}: {exc.strerror or exc}")


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a report.

    A target that exists and is not a regular file (``/dev/null``, a named pipe) is written in place: renaming
    over it would replace the device or pipe with a file. A path that cannot be written is a UsageError.
    """
    try:
        _write_atomically(path, text)
    except OSError as exc:
        raise cannot_write(path, exc) from exc


def _write_atomically(path: Path, text: str) -> None:
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
