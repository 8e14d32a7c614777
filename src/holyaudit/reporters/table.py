"""The table a network manager reads: findings grouped by policy clause, offending objects listed."""

from __future__ import annotations

import io
from itertools import groupby

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from holyaudit import __version__
from holyaudit.models import AuditResult, Finding, ObjectResult, Status, WaiverNotice, WaiverState
from holyaudit.reporters.common import verdict
from holyaudit.reporters.interface import RenderOptions, Reporter
from holyaudit.reporters.overview import FIX_FIRST_SHOWN, Overview, count_rows, overall_text, overview
from holyaudit.reporters.safe_text import printable

SHOWN_OBJECTS = 5

STATUS_STYLE = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WAIVED: "cyan",
    Status.NOT_APPLICABLE: "dim",
}
STATUS_WORD = {
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.WAIVED: "WAIVED",
    Status.NOT_APPLICABLE: "N/A",
}


def _section_key(finding: Finding) -> tuple[tuple[int, ...], str]:
    parts = tuple(int(p) if p.isdigit() else 0 for p in finding.clause.section.split("."))
    return parts, finding.clause.heading


class TableReporter(Reporter):
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=options.width,
            force_terminal=options.color,
            no_color=not options.color,
            highlight=False,
            emoji=False,
            markup=False,
        )
        view = overview(result)
        console.print(_header(result))
        console.print()
        console.print(_counts(result, view))
        if view.fix_first:
            console.print()
            console.print(_fix_first(view))
        findings = sorted(result.findings, key=_section_key)
        for (_, heading), group in groupby(findings, key=_section_key):
            items = list(group)
            console.print()
            console.print(Text(f"§{items[0].clause.section} {heading}", style="bold underline"))
            console.print(_section_table(items, options))
        if result.waivers is not None:
            console.print()
            console.print(_waivers(result.waivers))
        console.print()
        console.print(Text(overall_text(view), style="bold"))
        return buffer.getvalue()


def _header(result: AuditResult) -> Text:
    local = result.as_of.astimezone(result.as_of.tzinfo)
    text = Text(printable(result.site), style="bold")
    text.append(f"\nholyaudit {__version__}")
    text.append(f" · profile {printable(result.profile)} · as of {local:%Y-%m-%d %H:%M %Z} ({result.timezone})")
    for source in result.sources:
        text.append(f"\n  {source.name}: {printable(source.source)}, collected {source.collected_at:%Y-%m-%d %H:%M %Z}")
        if source.error:
            text.append(f" (not collected: {printable(source.error)})", style="magenta")
    return text


def _section_table(findings: list[Finding], options: RenderOptions) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True, pad_edge=False)
    table.add_column("Status", no_wrap=True, width=6)
    table.add_column("Severity", no_wrap=True, width=8)
    table.add_column("Rule", min_width=min(32, max(len(f.rule_id) for f in findings)), overflow="fold")
    table.add_column("Result", ratio=3, overflow="fold")
    for finding in findings:
        table.add_row(
            Text(STATUS_WORD[finding.status], style=STATUS_STYLE[finding.status]),
            Text(finding.severity.value),
            Text(finding.rule_id),
            _result_cell(finding, options),
        )
    return table


def _result_cell(finding: Finding, options: RenderOptions) -> Group:
    lines: list[Text] = [Text(finding.title, style="bold"), Text(printable(finding.message))]
    # Everything but passes: failures, what could not be checked, and every exemption, so none is silent.
    shown = [o for o in finding.objects if o.status is not Status.PASS]
    if len(finding.objects) == 1 and finding.objects[0].reason == finding.message:
        shown = []  # a single object (the domain) whose reason is already the message
    limit = len(shown) if options.details else SHOWN_OBJECTS
    lines.extend(_object_line(o) for o in shown[:limit])
    if len(shown) > limit:
        lines.append(Text(f"… and {len(shown) - limit} more (use --details to list all)", style="italic"))
    return Group(*lines)


def _object_line(obj: ObjectResult) -> Text:
    line = Text("  • ")
    line.append(printable(obj.id), style="bold")
    line.append(f" {STATUS_WORD[obj.status]}", style=STATUS_STYLE[obj.status])
    if obj.reason:
        line.append(f": {printable(obj.reason)}")
    if obj.context:
        shown = "; ".join(f"{key}: {printable(_context_value(value))}" for key, value in obj.context.items())
        line.append(f" [{shown}]", style="dim")
    return line


def _context_value(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


WAIVER_STYLE = {
    WaiverState.APPLIED: "cyan",
    WaiverState.EXPIRING_SOON: "bold yellow",
    WaiverState.EXPIRED: "bold red",
    WaiverState.UNMATCHED: "bold yellow",
}


def _waivers(notices: list[WaiverNotice]) -> Text:
    text = Text("Waivers", style="bold underline")
    if not notices:
        text.append("\n  the waivers file has none", style="dim")
    for notice in notices:
        text.append("\n  ")
        text.append(notice.state.value, style=WAIVER_STYLE[notice.state])
        text.append(f" {notice.rule_id}: {printable(notice.message)} ({printable(notice.where)})")
    return text


def _counts(result: AuditResult, view: Overview) -> Text:
    text = Text("Overall: ", style="bold")
    overall = verdict(result)
    status = {"non-compliant": Status.FAIL, "incomplete": Status.ERROR}.get(overall, Status.PASS)
    text.append(overall, style=STATUS_STYLE[status])
    for label, value in count_rows(view):
        text.append(f"\n{label}: ", style="bold")
        text.append(value)
    return text


def _fix_first(view: Overview) -> Group:
    # A grid, so that each item's wrapped lines hang under its text, not under its number.
    items = Table.grid(padding=(0, 1))
    items.add_column(no_wrap=True)
    items.add_column()
    for number, item in enumerate(view.fix_first[:FIX_FIRST_SHOWN], start=1):
        line = Text(item.severity.value, style="bold")
        line.append(f" {item.sentence} ")
        line.append(f"({item.rule_id})", style="dim")
        items.add_row(f"{number}.", line)
    parts: list[Text | Table] = [Text("Fix first", style="bold underline"), items]
    more = len(view.fix_first) - FIX_FIRST_SHOWN
    if more > 0:
        parts.append(Text(f"… and {more} more failing {'rule' if more == 1 else 'rules'}, below", style="italic"))
    return Group(*parts)
