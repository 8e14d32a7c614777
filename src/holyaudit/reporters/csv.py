"""CSV of per-object results for spreadsheets, safe to open in Excel.

UTF-8 with a byte order mark, because Excel reads a CSV without one in the Windows code page and garbles
names such as Zoë; LibreOffice and ``encoding="utf-8-sig"`` in Python skip it. Values are shown as the table
shows them (control and bidi characters as visible escapes), and a cell that a spreadsheet would take for a
formula gets a leading apostrophe (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io

from holyaudit.models import AuditResult, Finding, ObjectResult
from holyaudit.reporters.common import compact_json
from holyaudit.reporters.interface import RenderOptions, Reporter
from holyaudit.reporters.overview import overview
from holyaudit.reporters.safe_text import printable

BOM = "\ufeff"
HEADER = (
    "site",
    "rule_id",
    "rule_title",
    "clause_section",
    "severity",
    "rule_status",
    "object_id",
    "object_kind",
    "object_status",
    "reason",
    "observed",
    "expected",
    "context",
    "fix_first",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet will not evaluate: an apostrophe before a formula's first character."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


class CsvReporter(Reporter):
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer)  # RFC 4180: CRLF line ends, fields quoted only when they need it
        writer.writerow(HEADER)
        # Each failing rule's place in the fix-first list, so that sorting the sheet by it puts first things first.
        ranks = {item.rule_id: str(n) for n, item in enumerate(overview(result).fix_first, start=1)}
        for finding in result.findings:
            # A rule with no objects (its facts were not collected, or nothing was in scope) still gets a row,
            # with its message as the reason, so no rule is missing from the sheet.
            rows = [_row(finding, obj) for obj in finding.objects] or [_row(finding, None)]
            rank = ranks.get(finding.rule_id, "")
            writer.writerows([neutralise(printable(cell)) for cell in [result.site, *row, rank]] for row in rows)
        return buffer.getvalue()


def _row(finding: Finding, obj: ObjectResult | None) -> list[str]:
    rule = [finding.rule_id, finding.title, finding.clause.section, finding.severity.value, finding.status.value]
    if obj is None:
        return [*rule, "", "", "", finding.message, "", "", ""]
    return [
        *rule,
        obj.id,
        obj.kind,
        obj.status.value,
        obj.reason or "",
        compact_json(obj.observed),
        obj.expected,
        compact_json(obj.context) if obj.context else "",
    ]
