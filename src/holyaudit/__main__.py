"""Allows ``python -m holyaudit``."""

from holyaudit.cli.process import run

run()
