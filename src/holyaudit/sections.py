"""The base of every config section's model, and the checks several sections share.

A value that would only fail once a source is contacted (a port out of range, a CA file that is not PEM, a
pattern that does not compile, a date format with an unknown directive) is refused here, when the config loads,
so it is exit 3 with the file and line, never an internal error later.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field

from holyaudit.patterns import compile_pattern

Loc = tuple[str | int, ...]
"""Where a value sits inside a section, as pydantic names it: ``("categories", "staff", "ous", 0)``."""

Port = Annotated[int, Field(strict=True, ge=1, le=65535)]
"""A TCP port: a whole number from 1 to 65535 (``"636"``, in quotes, is text and refused)."""

# strptime's directives (Python 3.11); any other letter after % is refused by strptime itself, at run time.
_DATE_DIRECTIVES = frozenset("aAwdbBmyYHIpMSfzZjUWcxXGuV%")


class Section(BaseModel):
    """A config section: unknown keys refused, values fixed once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def relative_to(self, base: Path) -> Self:
        """This section with its file paths taken relative to ``base`` (the config file's folder)."""
        return self

    def problems(self) -> list[tuple[str, Loc]]:
        """What is wrong with the files the section names, once they are relative to the config file: each
        message with where its value sits in the section."""
        return []


def anchored(base: Path, path: Path | None) -> Path | None:
    return base / path if path is not None and not path.is_absolute() else path


def ca_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be used as a CA bundle (not a regular file, or no PEM certificate in it), or None."""
    if not path.exists():
        return f"file '{path}' does not exist"
    if not path.is_file():
        return f"'{path}' is not a regular file"
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError:
        return f"'{path}' holds no PEM certificate (a CA bundle is text starting -----BEGIN CERTIFICATE-----)"
    except (OSError, ValueError) as exc:
        return f"cannot read '{path}': {getattr(exc, 'strerror', None) or exc}"
    return None


def compiled_pattern(pattern: str) -> str:
    """``pattern``, once it is known to compile as a regular expression (ValueError otherwise)."""
    compile_pattern(pattern)  # raises ValueError saying what is wrong
    return pattern


def checked_date_formats(formats: list[str]) -> list[str]:
    """``formats``, once each is known to use only strptime's directives (ValueError otherwise)."""
    if not formats:
        raise ValueError("give at least one date format, such as %d/%m/%Y")
    for fmt in formats:
        for match in re.finditer(r"%(.?)", fmt):
            directive = match.group(1)
            if directive not in _DATE_DIRECTIVES or not directive:
                shown = f"%{directive}" if directive else "a % at the end"
                raise ValueError(
                    f"{fmt!r}: {shown} is not a date format directive (use %d, %m, %Y, %y, %b, %B, %H, %M, ...)"
                )
    return formats
