"""Consoles for people (stdout, stderr), honouring NO_COLOR and the terminal's width."""

from __future__ import annotations

import os
import sys

from rich.console import Console


def stdout_console() -> Console:
    return Console(file=sys.stdout, highlight=False, emoji=False, markup=False, no_color=_no_color())


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, emoji=False, markup=False, no_color=_no_color())


def _no_color() -> bool:
    return "NO_COLOR" in os.environ
