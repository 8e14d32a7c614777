"""Allows ``python -m holyaudit``."""

from holyaudit.cli.main import entry

entry()
