"""A short Markdown summary for tickets and e-mail: the verdict, a table of rules and what needs action.

Values from the data are escaped so that they read as text in any CommonMark or GitHub renderer: no link,
image, HTML, emphasis or extra table cell can come from a display name.
"""

from __future__ import annotations

import re

from holyaudit import __version__
from holyaudit.models import AuditResult, Finding, ObjectResult, Status, WaiverNotice
from holyaudit.reporters.common import (
    SHOWN_OBJECTS,
    STATUS_WORD,
    attribution,
    by_clause,
    offending,
    value_text,
    verdict,
)
from holyaudit.reporters.interface import RenderOptions, Reporter
from holyaudit.reporters.overview import FIX_FIRST_SHOWN, count_rows, overall_text, overview
from holyaudit.reporters.safe_text import printable

# Backslash-escaping any ASCII punctuation is literal in CommonMark; these are the characters that start
# inline markup (code, emphasis, links and images, autolinks and HTML, entities, GFM strikethrough, table
# cells, maths). Line breaks never reach here: printable shows them as \x0a, so no block can start.
_MARKUP = re.compile(r"([\\`*_\[\]<>&|~$])")


def md(value: object) -> str:
    """A value from the data as Markdown that renders as exactly that text."""
    return _MARKUP.sub(r"\\\1", printable(value))


class MarkdownReporter(Reporter):
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        local = result.as_of.astimezone(result.as_of.tzinfo)
        view = overview(result)
        lines = [
            f"# {md(result.site)}",
            "",
            f"Data security compliance: **{verdict(result)}** · profile {md(result.profile)} · as of "
            f"{local:%Y-%m-%d %H:%M %Z} ({md(result.timezone)}) · holyaudit {__version__}",
            "",
            # One paragraph, a line each (a backslash before the line end is CommonMark's hard line break).
            "\\\n".join(
                f"**{label}:** {md(value)}" for label, value in [*count_rows(view), ("Overall", overall_text(view))]
            ),
        ]
        quoted = attribution(result)
        if quoted:
            lines += ["", md(quoted)]
        missing = [s for s in result.sources if s.error]
        if missing:
            lines += ["", "Not collected: " + "; ".join(f"{md(s.name)} ({md(s.error)})" for s in missing)]
        if view.fix_first:
            lines += ["", "## Fix first", ""]
            lines += [
                f"{n}. **{item.severity.value}** {md(item.sentence)} ({md(item.rule_id)})"
                for n, item in enumerate(view.fix_first[:FIX_FIRST_SHOWN], start=1)
            ]
            more = len(view.fix_first) - FIX_FIRST_SHOWN
            if more > 0:
                lines += ["", f"… and {more} more failing {'rule' if more == 1 else 'rules'}, below."]
        findings = [f for _, group in by_clause(result.findings) for f in group]
        lines += ["", "## Rules by policy clause", "", "| Status | Severity | Rule | Clause | Result |"]
        lines.append("|---|---|---|---|---|")
        lines += [
            f"| {STATUS_WORD[f.status]} | {f.severity.value} | {md(f.rule_id)} | "
            f"§{md(f.clause.section)} {md(f.clause.heading)} | {md(f.message)} |"
            for f in findings
        ]
        needing_action = [f for f in findings if f.status in (Status.FAIL, Status.ERROR) and offending(f)]
        if needing_action:
            lines += ["", "## What needs action"]
            for finding in needing_action:
                lines += ["", *_offenders(finding, options.details)]
        if result.waivers is not None:
            lines += ["", "## Waivers", "", *(_waiver_line(n) for n in result.waivers)]
            if not result.waivers:
                lines.append("The waivers file has none.")
        return "\n".join(lines) + "\n"


def _waiver_line(notice: WaiverNotice) -> str:
    return (
        f"- **{notice.state.value}** {md(notice.rule_id)}: {md(notice.message)}. "
        f"Justification: {md(notice.justification)} ({md(notice.where)})"
    )


def _offenders(finding: Finding, details: bool) -> list[str]:
    shown = offending(finding)
    limit = len(shown) if details else SHOWN_OBJECTS
    lines = [f"### {STATUS_WORD[finding.status]} {md(finding.rule_id)}: {md(finding.title)}", ""]
    lines += [_object_line(o) for o in shown[:limit]]
    if len(shown) > limit:
        lines.append(f"- … and {len(shown) - limit} more (use --details to list all)")
    return lines


def _object_line(obj: ObjectResult) -> str:
    line = f"- **{md(obj.id)}** {STATUS_WORD[obj.status]}"
    if obj.message or obj.reason:  # the rule's plain words when it gives them; the raw reason is in JSON and CSV
        line += f": {md(obj.message or obj.reason or '')}"
    if obj.context:
        line += " (" + "; ".join(f"{md(key)}: {md(value_text(value))}" for key, value in obj.context.items()) + ")"
    return line
