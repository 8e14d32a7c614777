"""The interface every reporter implements, and the output formats the CLI offers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from holyaudit.models import AuditResult


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@dataclass(frozen=True)
class RenderOptions:
    details: bool = False
    """List every offending object, not just the first few."""
    color: bool = False
    width: int = 100


class Reporter(ABC):
    @abstractmethod
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        """The whole report as text."""


def reporter_for(fmt: OutputFormat) -> Reporter:
    from holyaudit.reporters.json import JsonReporter
    from holyaudit.reporters.table import TableReporter

    reporters: dict[OutputFormat, Reporter] = {
        OutputFormat.TABLE: TableReporter(),
        OutputFormat.JSON: JsonReporter(),
    }
    return reporters[fmt]
