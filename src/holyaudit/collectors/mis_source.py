"""The MIS leavers export as a source: its ``mis`` config section and its check. It has no collector of its
own: its leaving dates are merged into the directory's users as they arrive (``collectors/live.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import Field, field_validator

from holyaudit.collectors.interface import Check, Collector, Context, Source
from holyaudit.sections import Section, anchored, checked_date_formats

if TYPE_CHECKING:
    from holyaudit.config import Settings


class MisSettings(Section):
    """A CSV export of leavers from the school's MIS, a second source of leaving dates."""

    leavers_csv: Path
    username_column: str = "Username"
    leaving_date_column: str = "Leaving Date"
    match_on: Literal["sAMAccountName", "userPrincipalName", "employeeID"] = "sAMAccountName"
    date_formats: list[str] = Field(default_factory=lambda: ["%d/%m/%Y"])

    @field_validator("date_formats")
    @classmethod
    def _formats(cls, formats: list[str]) -> list[str]:
        return checked_date_formats(formats)

    def relative_to(self, base: Path) -> Self:
        return self.model_copy(update={"leavers_csv": anchored(base, self.leavers_csv)})


TEMPLATE = """\
# (optional) Leavers exported from the MIS, docs/configuration.md; remove the leading "# " to use it.
# mis:
#   leavers_csv: leavers.csv
#   username_column: Username
#   leaving_date_column: Leaving Date
#   match_on: sAMAccountName     # sAMAccountName | userPrincipalName | employeeID
"""


class MisSource(Source[MisSettings]):
    name = "mis"
    section = "mis"
    model = MisSettings
    template = TEMPLATE

    def collector(self, config: Settings, context: Context) -> Collector | None:
        return None

    def check(self, config: Settings, context: Context, earlier: Sequence[Source[Any]]) -> Check | None:
        """Read and parse the export, as a scan would, and count the rows whose leaving date is blank or unreadable."""
        if (settings := self.settings(config)) is None:
            return None
        from holyaudit.collectors import mis

        return Check(self.name, *mis.check_export(settings))


MIS = MisSource()
