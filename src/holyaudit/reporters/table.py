"""The table a network manager reads: findings grouped by policy clause, offending objects listed."""

from __future__ import annotations

import io
from collections import Counter
from itertools import groupby

from rich.cells import cell_len, set_cell_size
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from holyaudit import __version__
from holyaudit.models import AuditResult, Finding, ObjectResult, Status, WaiverNotice, WaiverState
from holyaudit.reporters.common import attribution, counts_text, offending, verdict
from holyaudit.reporters.interface import RenderOptions, Reporter
from holyaudit.reporters.overview import Overview, count_rows, overall_text, overview
from holyaudit.reporters.safe_text import printable

SHOWN_OBJECTS = 3
"""The most objects listed for one rule unless --details asks for all."""
FIX_FIRST_LISTED = 3
"""Failing rules the table's fix-first list spells out (the other reports list ``FIX_FIRST_SHOWN``): on a screen
the rules follow at once, the most pressing with their first objects, so three sentences with their first steps
say where to start and leave room for the detail within four screens of 50 lines at 80 columns."""
OBJECT_BUDGET = 32
"""Objects listed in the whole table unless --details: one at a time to the most pressing rules, each rule's first
before any rule's second. The more rules fail, the fewer objects each lists, and past the budget a rule is its
title and counts alone, so the table stays within four screens of 50 lines at 80 columns as the catalogue grows."""
_SEPARATORS = (",", "\\", "/")
"""Where a long id is best cut: between the parts of a distinguished name or a path."""

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
        for line in _sources(result, options.details):
            console.print(line)
        console.print()
        console.print(_counts(result, view))
        if view.fix_first:
            console.print()
            console.print(_fix_first(view))
        findings = sorted(result.findings, key=_section_key)
        listed = _listed(findings, view, options.details)
        # One status column for the whole table, as wide as its widest word, so every severity starts in one column.
        status_width = max((cell_len(STATUS_WORD[f.status]) for f in findings), default=0)
        for (_, heading), group in groupby(findings, key=_section_key):
            items = list(group)
            console.print()
            console.print(Text(f"§{items[0].clause.section} {heading}", style="bold underline"))
            for finding in items:
                console.print(_rule(finding, listed[finding.rule_id], status_width, options))
        hidden = Counter(o.status for f in findings for o in _pressing(_to_list(f))[listed[f.rule_id] :])
        if hidden:  # under the last rule's objects, whose list it continues
            console.print(Text(_hidden_text(hidden), style="italic"))
        if result.waivers is not None:
            console.print()
            console.print(_waivers(result.waivers))
        console.print()
        console.print(Text(overall_text(view), style="bold"))
        if options.color:
            return buffer.getvalue()
        # rich pads wrapped lines to the width: without colours, nothing shows the padding, so drop it.
        return "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())


def _header(result: AuditResult) -> Text:
    local = result.as_of.astimezone(result.as_of.tzinfo)
    text = Text(printable(result.site), style="bold")
    text.append(f"\nholyaudit {__version__}")
    text.append(f" · profile {printable(result.profile)} · as of {local:%Y-%m-%d %H:%M %Z} ({result.timezone})")
    quoted = attribution(result)
    if quoted:
        text.append(f"\n{printable(quoted)}")
    return text


def _sources(result: AuditResult, details: bool) -> list[Padding]:
    """One line per source under the header, naming what it gave: a source and time are not repeated for each set.
    The fact sets by their family (``directory``), each set by name with ``--details``, so the sources take a line
    each at 80 columns."""
    groups: dict[tuple[str, str, str | None], list[str]] = {}
    for fact_set in result.sources:
        when = f"{fact_set.collected_at:%Y-%m-%d %H:%M %Z}"
        groups.setdefault((fact_set.source, when, fact_set.error), []).append(fact_set.name)
    lines = []
    for (source, when, error), names in groups.items():
        given = names if details else list(dict.fromkeys(name.split(".")[0] for name in names))
        line = Text(f"{printable(source)}, collected {when}: {printable(', '.join(given))}")
        if error:
            line.append(f" (not collected: {printable(error)})", style="magenta")
        lines.append(_indented(line))
    return lines


def _to_list(finding: Finding) -> list[ObjectResult]:
    """The objects a rule lists: every one but the passes (failures, what could not be checked, every exemption, so
    none is silent), except a single object whose words the rule's message already gives (the domain)."""
    shown = offending(finding)
    if len(shown) == 1 and (said := shown[0].message or shown[0].reason) and said in finding.message:
        return []
    return shown


def _pressing(objects: list[ObjectResult]) -> list[ObjectResult]:
    """The objects the budget shares out: all but the waived, which are always listed."""
    return [o for o in objects if o.status is not Status.WAIVED]


def _listed(findings: list[Finding], view: Overview, details: bool) -> dict[str, int]:
    """How many objects each rule lists: all with --details; else one at a time to the rules in fix-first order (most
    severe, most objects failing; then the rest), the first of each before any gets a second, up to SHOWN_OBJECTS
    each, within OBJECT_BUDGET for the whole table. Waived objects are listed besides, always: an exemption is never
    silent."""
    wanted = {f.rule_id: len(_pressing(_to_list(f))) for f in findings}
    if details:
        return wanted
    wanted.update({f.rule_id: 0 for f in findings if _one_line(f)})
    listed = dict.fromkeys(wanted, 0)
    order = [item.rule_id for item in view.fix_first] + sorted(wanted)
    budget = OBJECT_BUDGET
    for _ in range(SHOWN_OBJECTS):
        for rule_id in dict.fromkeys(order):
            if budget > 0 and listed[rule_id] < min(wanted[rule_id], SHOWN_OBJECTS):
                listed[rule_id] += 1
                budget -= 1
    return listed


def _one_line(finding: Finding) -> bool:
    """A rule that passed or did not apply, with nothing waived: one line unless --details (what it left out of
    its objects, not-applicable ones, is counted in the closing line)."""
    waived = any(o.status is Status.WAIVED for o in finding.objects)
    return finding.status in (Status.PASS, Status.NOT_APPLICABLE) and not waived


def _hidden_text(hidden: Counter[Status]) -> str:
    """What the rules left unlisted, by status, counted once under each rule (as the rules' own counts are)."""
    return f"… and {hidden.total()} more not listed ({counts_text(hidden)}): --details lists all"


def _rule(finding: Finding, listed: int, status_width: int, options: RenderOptions) -> Table | Group:
    """One rule: its status, then its severity and title, wrapped under the severity (as the fix-first list writes
    them); under it its id and message (the counts), then the first ``listed`` objects that did not pass, one line
    each (cut short with … unless --details; the full values are there and in JSON). A rule that passed or did not
    apply is one line: severity, id and title (whole with --details)."""
    objects = _to_list(finding)
    head = Table.grid(padding=(0, 1), pad_edge=False)
    head.add_column(no_wrap=True)
    head.add_column()
    status = Text(set_cell_size(STATUS_WORD[finding.status], status_width), style=STATUS_STYLE[finding.status])
    line = Text(f"{finding.severity.value} ")
    if not options.details and _one_line(finding):
        line.append(printable(finding.rule_id), style="bold")
        line.append(f": {printable(finding.title)}")
        room = options.width - status_width - 1
        if cell_len(line.plain) > room:
            _cut_at_word(line, room)
        head.add_row(status, line)
        return head
    line.append(printable(finding.title), style="bold")
    head.add_row(status, line)
    summary = Text(printable(finding.rule_id), style="dim")
    summary.append(f": {printable(finding.message)}")
    said = offending(finding)
    if options.details and not objects and len(said) == 1 and said[0].message and said[0].reason:
        # A single object (the domain) whose words the rule's message already gives: add its raw reason.
        summary.append(f" ({printable(said[0].reason)})", style="dim")
    lines: list[Table | Padding] = [head, _indented(summary)]
    if options.details:
        # Whole, wrapped under the text rather than under the bullet.
        whole = Table.grid(padding=(0, 1), pad_edge=False)
        whole.add_column(no_wrap=True)
        whole.add_column(overflow="fold")  # a word longer than the line is folded, never cut
        for obj in objects:
            whole.add_row("•", _object_line(obj, None, bullet=False))
        if objects:
            lines.append(Padding(whole, (0, 0, 0, 2), expand=False))
    else:
        first = _pressing(objects)[:listed]
        chosen = [o for o in objects if o in first or o.status is Status.WAIVED]
        lines.extend(_indented(_object_line(o, options.width - 2)) for o in chosen)
    return Group(*lines)


def _indented(text: Text) -> Padding:
    return Padding(text, (0, 0, 0, 2), expand=False)


def _object_line(obj: ObjectResult, room: int | None, *, bullet: bool = True) -> Text:
    """The object on one line of ``room`` cells, cut at a word with … (None: whole, wrapped)."""
    line = Text("• " if bullet else "")
    name = printable(obj.id)
    if room is not None and cell_len(name) > room // 2:
        name = _elide_middle(name, room // 2)
    line.append(name, style="bold")
    line.append(f" {STATUS_WORD[obj.status]}", style=STATUS_STYLE[obj.status])
    if obj.message:  # the rule's plain words first; the raw reason only in the whole (--details) line
        line.append(f": {printable(obj.message)}")
        if room is None and obj.reason:
            line.append(f" ({printable(obj.reason)})", style="dim")
    elif obj.reason:
        line.append(f": {printable(obj.reason)}")
    if obj.context:
        shown = "; ".join(f"{key}: {printable(_context_value(value))}" for key, value in obj.context.items())
        line.append(f" [{shown}]", style="dim")
    if room is not None and cell_len(line.plain) > room:
        _cut_at_word(line, room)
    return line


def _elide_middle(name: str, room: int) -> str:
    """A long id (a distinguished name, a SYSVOL path) in ``room`` cells: its start and its end, which tell objects
    apart, joined by …, each cut at a separator where it holds one."""
    keep = room - 1
    head = set_cell_size(name, keep // 2)
    tail = name[len(name) - len(set_cell_size(name[::-1], keep - cell_len(head))) :]
    cut = max(head.rfind(sep) for sep in _SEPARATORS)
    if cut > 0:
        head = head[: cut + 1]
    starts = [i for i in (tail.find(sep) for sep in _SEPARATORS) if 0 <= i <= len(tail) // 2]
    if starts:
        tail = tail[min(starts) :]
    return f"{head}…{tail}"


def _cut_at_word(line: Text, room: int) -> None:
    """``line`` shortened to ``room`` cells, ending `` …`` after the last whole word that leaves room for it (mid-word
    only when the first word alone is longer than the line)."""
    plain = line.plain
    end = plain.rfind(" ", 0, len(plain))
    while end > 0 and cell_len(plain[:end]) > room - 2:
        end = plain.rfind(" ", 0, end)
    if end <= 0:
        end = len(set_cell_size(plain, room - 2))
    line.truncate(end)
    line.rstrip()
    line.append(" …")
    line.no_wrap = True


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
    for number, item in enumerate(view.fix_first[:FIX_FIRST_LISTED], start=1):
        line = Text(item.severity.value, style="bold")
        line.append(f" {item.sentence} ")
        line.append(f"({item.rule_id})", style="dim")
        items.add_row(f"{number}.", line)
    parts: list[Text | Table] = [Text("Fix first", style="bold underline"), items]
    more = len(view.fix_first) - FIX_FIRST_LISTED
    if more > 0:
        parts.append(Text(f"… and {more} more failing {'rule' if more == 1 else 'rules'}, below", style="italic"))
    return Group(*parts)
