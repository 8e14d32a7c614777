"""One exception tree for the whole tool, and the exit codes scripts depend on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes: a contract with scripts and CI jobs (README.md documents them)."""

    COMPLIANT = 0
    NON_COMPLIANT = 1
    USAGE = 2
    INVALID_INPUT = 3
    INCOMPLETE = 4
    LOCKED = 5
    INTERNAL = 70
    """A defect in holyaudit (``EX_SOFTWARE``): never a finding, and never "incomplete"."""
    INTERRUPTED = 130


class HolyauditError(Exception):
    """Base of every error holyaudit raises on purpose; carries the exit code the CLI uses."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT


class UsageError(HolyauditError):
    """A command-line request that cannot be met (unknown rule id, conflicting flags)."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one input file, at one place."""

    path: Path | None
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class InvalidInputError(HolyauditError):
    """Rules, profile, config or snapshot files that cannot be used; nothing was audited."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LockedError(HolyauditError):
    """Another run of the same site holds the run lock; this run did nothing."""

    exit_code = ExitCode.LOCKED


class CollectorError(HolyauditError):
    """A source (directory, SYSVOL, endpoint, MIS export) could not be read at all."""

    exit_code = ExitCode.INCOMPLETE


def cannot_write(path: Path, exc: OSError) -> UsageError:
    """The one message for a file the user asked for that cannot be written: exit 2, the path is unusable."""
    from holyaudit.oscompat import replace_refused

    if isinstance(exc, FileExistsError):  # a file stands where a folder on the way to ``path`` must be
        return UsageError(f"cannot write {path}: {exc.filename} is not a folder")
    if hint := replace_refused(exc):
        return UsageError(f"cannot write {path}: {hint}")
    return UsageError(f"cannot write {path}: {exc.strerror or exc}")
