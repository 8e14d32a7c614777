"""What several commands share: the options that choose rules, what is shown while sources are read, and writing
the files they make."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from holyaudit.cli.console import stderr_console
from holyaudit.errors import cannot_write
from holyaudit.reporters.safe_text import printable

if TYPE_CHECKING:
    from holyaudit.audit.sources import Listener
    from holyaudit.cli.progress import CollectionProgress
    from holyaudit.collectors.interface import Progress

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


def listener(*, quiet: bool, log: Callable[[str], None] | None = None) -> Listener:
    """What a command shows while an audit or a collection runs: warnings and the progress on a terminal (neither
    with ``quiet``), and always the --insecure-skip-tls-verify notice; ``log`` gets the run's log lines."""
    from holyaudit.audit.sources import Listener

    shown = (
        Listener(unverified_tls=_unverified_tls)
        if quiet
        else Listener(warn=_warn, unverified_tls=_unverified_tls, progress=_progress_on_terminal, said=_said)
    )
    return replace(shown, log=log) if log is not None else shown


def _warn(message: str) -> None:
    stderr_console().print(f"warning: {printable(message)}")


def _said(message: str) -> None:
    stderr_console().print(printable(message), soft_wrap=True)


def _unverified_tls() -> None:
    stderr_console().print(
        "warning: --insecure-skip-tls-verify: TLS certificates are NOT checked; anyone on the network path "
        "could read the credentials and forge the answers"
    )


@contextmanager
def _progress_on_terminal() -> Iterator[Progress | None]:
    progress = ProgressOnTerminal()
    try:
        yield progress
    finally:
        progress.stop()


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


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (or its pieces in turn) via a temporary file in the same folder and rename, so readers never
    see half a report.

    A target that exists and is not a regular file (``/dev/null``, a named pipe) is written in place: renaming
    over it would replace the device or pipe with a file. A path that cannot be written is a UsageError.
    """
    try:
        _write_atomically(path, text)
    except OSError as exc:
        raise cannot_write(path, exc) from exc


def _write_atomically(path: Path, text: str | Iterable[str]) -> None:
    import tempfile

    from holyaudit.oscompat import replace_file

    pieces = (text,) if isinstance(text, str) else text

    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as handle:
            handle.writelines(pieces)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(pieces)
            handle.flush()
            os.fsync(handle.fileno())
        replace_file(Path(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
