"""Consoles for people (stdout, stderr), honouring NO_COLOR and the terminal's width.

rich is imported when a console is first made, not with the program: a scan that prints nothing before its
searches are sent (a scheduled run, a pipe) loads it while the directory works out its answers.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def stdout_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, emoji=False, markup=False, no_color=_no_color())


def stderr_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, emoji=False, markup=False, no_color=_no_color())


def simple_table(**options: Any) -> Table:
    """A rich table ruled under its head only, as the commands' listings are; ``options`` as ``Table``'s."""
    from rich import box
    from rich.table import Table

    return Table(box=box.SIMPLE_HEAD, **options)


def _no_color() -> bool:
    return "NO_COLOR" in os.environ
