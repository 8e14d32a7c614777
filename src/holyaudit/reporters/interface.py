"""The interface every reporter implements, and the output formats the CLI offers."""

from __future__ import annotations

import datetime as dt
import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI offers the formats as choices before it needs any result (or pydantic)
    from holyaudit.models import AuditResult, Status


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"
    JUNIT = "junit"
    CSV = "csv"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class TrendPoint:
    """One run for the HTML report's trend chart: when it ran and how many object results ended in each status."""

    run_at: dt.datetime
    counts: Mapping[Status, int]
    """Object results per status (an object judged by several rules counts once for each); a status left out counts
    as none."""


@dataclass(frozen=True)
class RenderOptions:
    details: bool = False
    """List every offending object, not just the first few."""
    color: bool = False
    width: int = 100
    trend: tuple[TrendPoint, ...] = ()
    """Earlier runs, oldest first, for the HTML report's trend chart; none leaves the chart out."""


class Reporter(ABC):
    @abstractmethod
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        """The whole report as text."""

    def chunks(self, result: AuditResult, options: RenderOptions) -> Iterator[str]:
        """The report as pieces of text to write in turn, which together are ``render``'s text: by default that text
        in one piece; a reporter whose reports grow with the directory gives smaller pieces, so that a large
        school's report is never held whole in memory."""
        yield self.render(result, options)


def reporter_for(fmt: OutputFormat) -> Reporter:
    """The reporter for ``fmt``, its module imported only now: the table's brings rich, which a JSON report for a
    script never needs."""
    module, name = _REPORTERS[fmt]
    reporter: type[Reporter] = getattr(importlib.import_module(module), name)
    return reporter()


_REPORTERS: dict[OutputFormat, tuple[str, str]] = {
    OutputFormat.TABLE: ("holyaudit.reporters.table", "TableReporter"),
    OutputFormat.JSON: ("holyaudit.reporters.json", "JsonReporter"),
    OutputFormat.HTML: ("holyaudit.reporters.html", "HtmlReporter"),
    OutputFormat.JUNIT: ("holyaudit.reporters.junit", "JunitReporter"),
    OutputFormat.CSV: ("holyaudit.reporters.csv", "CsvReporter"),
    OutputFormat.MARKDOWN: ("holyaudit.reporters.markdown", "MarkdownReporter"),
}
