"""The formats of the fleet overview: a plain enum, so the command line offers them without loading anything."""

from __future__ import annotations

from enum import StrEnum


class OverviewFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"
