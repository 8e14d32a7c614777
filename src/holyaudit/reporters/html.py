"""The HTML report for governors: one self-contained page, clause by clause, that prints well as a PDF.

Every value from the data goes through ``_text``: control and bidi characters are made visible, then every
markup character is escaped. The page carries no script and fetches nothing; its Content-Security-Policy
forbids both, so even an escaping mistake could not run script or call out.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections import Counter

from holyaudit import __version__
from holyaudit.models import AuditResult, Finding, ObjectResult, Status, WaiverNotice, WaiverState
from holyaudit.reporters.common import (
    COUNT_ORDER,
    STATUS_WORD,
    attribution,
    by_clause,
    counts_text,
    offending,
    roll_up,
    value_text,
    verdict,
)
from holyaudit.reporters.interface import RenderOptions, Reporter, TrendPoint
from holyaudit.reporters.overview import FIX_FIRST_SHOWN, Overview, count_rows, overall_text, overview
from holyaudit.reporters.safe_text import printable

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)

_KEY = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.ERROR: "error",
    Status.WAIVED: "waived",
    Status.NOT_APPLICABLE: "na",
}
"""Per status, the class suffix: s- colours a badge, b- a border, f- an SVG shape."""
STATUS_MEANING = {
    Status.FAIL: "checked and not compliant",
    Status.ERROR: "could not be checked; never counted as a pass",
    Status.WAIVED: "a documented exception applies",
    Status.NOT_APPLICABLE: "nothing the rule covers was in scope",
    Status.PASS: "checked and compliant",
}

_STYLE = """
:root { --fail: #b00020; --error: #6a1b9a; --waived: #00695c; --na: #5f6368; --pass: #1b5e20; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1a1a1a;
       max-width: 72rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
.subtitle { font-size: 1.1rem; margin: 0 0 .4rem; }
table.headline { width: auto; }
table.headline th { background: none; padding-left: 0; }
ol.fix-first li { margin: .3rem 0; overflow-wrap: anywhere; }
.sev-critical { background: #7f0000; } .sev-high { background: var(--fail); } .sev-medium { background: #e65100; }
.sev-low { background: var(--na); }
h2 { font-size: 1.3rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.08rem; margin: .2rem 0; }
h4 { font-size: .95rem; margin: .8rem 0 .2rem; }
.meta, .note, .rule-meta, .passes, footer { color: #555; }
.verdict { font-size: 1.15rem; padding: .6rem .9rem; border-left: 6px solid #999; background: #f6f6f6; }
.badge { display: inline-block; min-width: 3.6em; padding: .05rem .4rem; border-radius: 3px; color: #fff;
         font-size: .8rem; font-weight: 700; text-align: center; vertical-align: .1em; }
.s-fail { background: var(--fail); } .s-error { background: var(--error); } .s-waived { background: var(--waived); }
.s-na { background: var(--na); } .s-pass { background: var(--pass); }
.f-fail { fill: var(--fail); } .f-error { fill: var(--error); } .f-waived { fill: var(--waived); }
.f-na { fill: var(--na); } .f-pass { fill: var(--pass); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #e0e0e0; }
th { background: #f2f2f2; }
table.counts, table.clauses { width: auto; min-width: 28rem; }
blockquote.policy { margin: 1rem 0 .6rem; padding: .5rem .9rem; border-left: 4px solid #9e9e9e;
                    background: #fafafa; font-style: italic; white-space: pre-wrap; }
.rule { border: 1px solid #ddd; border-left-width: 5px; border-radius: 4px; padding: .6rem .9rem; margin: .8rem 0; }
.b-fail { border-left-color: var(--fail); } .b-error { border-left-color: var(--error); }
.b-waived { border-left-color: var(--waived); } .b-na { border-left-color: var(--na); }
.b-pass { border-left-color: var(--pass); }
.rule-meta code, td code { font-size: .85rem; }
table.objects { table-layout: fixed; }  /* the columns' widths below, whatever their longest word */
table.objects td { overflow-wrap: anywhere; }
col.c-object { width: 28%; } col.c-status { width: 6.5em; } col.c-reason { width: 30%; }
table.objects:has(col.c-expected) col.c-object { width: 20%; }
table.objects:has(col.c-expected) col.c-reason { width: 28%; }
table.objects:has(col.c-expected) col.c-observed { width: 22%; }
.expected { margin: .3rem 0; }
table.waivers { table-layout: fixed; }
table.waivers td { overflow-wrap: anywhere; }
col.c-waived { width: 25%; } col.c-state { width: 25%; } col.c-approved { width: 22%; }
ul.kv { list-style: none; margin: 0; padding: 0; }
.kind { color: #666; font-size: .8rem; }
.value, .reason, .remediation p { overflow-wrap: anywhere; }
.remediation p { white-space: pre-wrap; margin: 0; }
.legend span { margin-right: 1rem; white-space: nowrap; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -.05rem; }
svg text { font: 11px system-ui, Arial, sans-serif; fill: #333; }
svg .axis { stroke: #888; stroke-width: 1; }
footer { margin-top: 2.5rem; border-top: 1px solid #ddd; padding-top: .5rem; font-size: .85rem; }
svg { max-width: 100%; height: auto; }  /* the chart scales down to a narrow window or the printed page */
@media print {
  /* Sizes in rem follow the printed text, not the screen's 16px: headings, badges and tables keep their
     proportions and the governors' page fits its A4 page unscaled. */
  html { font-size: 10pt; }
  body { font-size: 10pt; max-width: none; margin: 0; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  h2, h3, h4 { break-after: avoid; }
  tr, blockquote, svg, .verdict, .rule > h3 { break-inside: avoid; }
  thead { display: table-header-group; }
  section.clause { break-before: page; }
  #clauses { break-after: page; }  /* the first page is the governors': the technical detail follows */
  header, #fix-first, #clauses { font-size: 9.5pt; }
  #fix-first li { margin: .15rem 0; }
  th { white-space: nowrap; }
  table { font-size: 8.5pt; }  /* not .9rem: on paper that is larger than the text around it */
  .rule-meta code, td code { font-size: .9em; }
  .badge { font-size: 7pt; vertical-align: baseline; }  /* on the line's baseline: read in its place */
  table.counts :is(th, td), table.clauses :is(th, td) { min-width: 12mm; }
  table.clauses :is(th, td) { padding-block: .15rem; }  /* one row per clause: every clause fits the first page */
}
"""


def _text(value: object) -> str:
    """A value from the data as HTML text: control and bidi characters made visible, markup characters escaped."""
    return html.escape(printable(value), quote=True)


def _lines(text: str) -> str:
    """Multi-line text (a clause, a remediation) with its line breaks kept and `code` spans shown as code."""
    out = []
    for line in text.strip().splitlines():
        pieces = line.split("`")
        if len(pieces) % 2 == 0:  # an unpaired backtick: show the line as it is
            pieces = [line]
        out.append("".join(f"<code>{_text(p)}</code>" if i % 2 else _text(p) for i, p in enumerate(pieces)))
    return "\n".join(out)


def _badge(status: Status) -> str:
    return f'<span class="badge s-{_KEY[status]}">{STATUS_WORD[status]}</span>'


def _local(moment: dt.datetime, result: AuditResult) -> dt.datetime:
    """A moment in the site's time zone, the one the audit judged in."""
    return moment.astimezone(result.as_of.tzinfo)


def _when(moment: dt.datetime, result: AuditResult) -> str:
    return f"{_local(moment, result):%Y-%m-%d %H:%M %Z}"


class HtmlReporter(Reporter):
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        groups = by_clause(result.findings)
        view = overview(result)
        parts = [
            _head(result),
            _header(result, view),
            _fix_first(view),
            _summary(view, groups),
            _trend(options.trend, result)
            if options.trend
            else '<p class="note">No trend chart: no earlier runs were recorded for this report.</p>\n',
            *(_clause(index, key, findings) for index, (key, findings) in enumerate(groups, start=1)),
            _waivers(result.waivers) if result.waivers is not None else "",
            _sources(result),
            f"<footer>Generated by holyaudit {_text(__version__)} from the profile {_text(result.profile)}, "
            f"as of {_text(_when(result.as_of, result))}. Statuses and exit codes are explained in the "
            "holyaudit README.</footer>\n</body>\n</html>\n",
        ]
        return "".join(parts)


def _head(result: AuditResult) -> str:
    title = f"{printable(result.site)}: data security compliance, {result.as_of:%Y-%m-%d}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY, quote=True)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="holyaudit {_text(__version__)}">\n'
        f"<title>{html.escape(title, quote=True)}</title>\n<style>{_STYLE}</style>\n"
        f"<style>{_page_style(result)}</style>\n</head>\n<body>\n"
    )


def _page_style(result: AuditResult) -> str:
    """Printed pages headed with the school and the as-of date, and numbered (CSS page margin boxes)."""
    school, date = _css_string(printable(result.site)), _css_string(f"as of {_when(result.as_of, result)}")
    return (
        "\n@page { size: A4; margin: 16mm 12mm 14mm;\n"
        f"  @top-left {{ content: {school}; font: 9pt system-ui, Arial, sans-serif; color: #555; }}\n"
        f"  @top-right {{ content: {date}; font: 9pt system-ui, Arial, sans-serif; color: #555; }}\n"
        '  @bottom-right { content: "page " counter(page) " of " counter(pages); font: 9pt system-ui, Arial, '
        "sans-serif; color: #555; }\n}\n"
    )


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but letters, digits and spaces as a hex escape, so nothing
    from the data can end the string, the rule or the style element."""
    return '"' + "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in text) + '"'


def _header(result: AuditResult, view: Overview) -> str:
    overall = verdict(result)
    status = {"non-compliant": Status.FAIL, "incomplete": Status.ERROR}.get(overall, Status.PASS)
    counts = "".join(f"<tr><th>{label}</th><td>{_text(value)}</td></tr>\n" for label, value in count_rows(view))
    quoted = attribution(result)
    framework = f'<p class="meta">{_text(quoted)}</p>\n' if quoted else ""
    return (
        f'<header>\n<h1>{_text(result.site)}</h1>\n<p class="subtitle">Data security compliance report</p>\n'
        f'<p class="meta">Profile <strong>{_text(result.profile)}</strong> · as of '
        f"{_text(_when(result.as_of, result))} ({_text(result.timezone)}) · holyaudit {_text(__version__)}</p>\n"
        f"{framework}"
        f'<p class="verdict b-{_KEY[status]}">Overall: <strong>{overall}</strong> · {_text(overall_text(view))}</p>\n'
        f'<table class="headline"><tbody>\n{counts}</tbody></table>\n</header>\n'
    )


def _fix_first(view: Overview) -> str:
    if not view.fix_first:
        return ""
    items = "".join(
        f'<li><span class="badge sev-{item.severity.value}">{item.severity.value}</span> {_lines(item.sentence)} '
        f'<span class="kind">{_text(item.rule_id)}</span></li>\n'
        for item in view.fix_first[:FIX_FIRST_SHOWN]
    )
    more = len(view.fix_first) - FIX_FIRST_SHOWN
    rest = (
        f'<p class="note">… and {more} more failing {"rule" if more == 1 else "rules"}, in the sections below.</p>\n'
        if more > 0
        else ""
    )
    return f'<section id="fix-first">\n<h2>Fix first</h2>\n<ol class="fix-first">\n{items}</ol>\n{rest}</section>\n'


def _summary(view: Overview, groups: list[tuple[tuple[str, str], list[Finding]]]) -> str:
    # Objects as well as rules: a rule that fails is FAIL even where some of its objects could not be checked,
    # and those objects must not disappear behind "ERROR 0".
    rows = "".join(
        f"<tr><td>{_badge(s)}</td><td>{view.rules[s]}</td><td>{view.objects[s]}</td><td>{STATUS_MEANING[s]}</td></tr>\n"
        for s in COUNT_ORDER
    )
    clause_rows = "".join(
        f'<tr><td><a href="#clause-{index}">§{_text(section)} {_text(heading)}</a></td>'
        f"<td>{_badge(roll_up(f.status for f in findings))}</td>"
        f"<td>{counts_text(Counter(f.status for f in findings))}</td></tr>\n"
        for index, ((section, heading), findings) in enumerate(groups, start=1)
    )
    return (
        '<section id="clauses">\n<h2>Policy clauses</h2>\n'
        '<table class="clauses"><thead><tr><th>Policy clause</th><th>Status</th><th>Rules</th></tr></thead>\n'
        f"<tbody>\n{clause_rows}</tbody></table>\n</section>\n"
        '<section id="summary">\n<h2>Rules and objects by status</h2>\n'
        '<table class="counts"><thead><tr><th>Status</th><th>Rules</th><th>Objects</th><th>Meaning</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody></table>\n</section>\n"
    )


def _clause(index: int, key: tuple[str, str], findings: list[Finding]) -> str:
    section, heading = key
    status = roll_up(f.status for f in findings)
    parts = [
        f'<section class="clause" id="clause-{index}">\n<h2>{_badge(status)} §{_text(section)} {_text(heading)}</h2>\n'
    ]
    wordings = list(dict.fromkeys((f.clause.text, f.clause.source) for f in findings))  # each once, in rule order
    for wording, source in wordings:
        cite = f' cite="{_text(source)}"' if source else ""
        parts.append(f'<blockquote class="policy"{cite}>{_lines(wording)}</blockquote>\n')
        if source:
            parts.append(f'<p class="source">Source: <a href="{_text(source)}">{_text(source)}</a></p>\n')
        parts.extend(_rule(f) for f in findings if (f.clause.text, f.clause.source) == (wording, source))
    parts.append("</section>\n")
    return "".join(parts)


def _rule(finding: Finding) -> str:
    tags = f" · tags: {_text(', '.join(finding.tags))}" if finding.tags else ""
    parts = [
        f'<article class="rule b-{_KEY[finding.status]}">\n'
        f"<h3>{_badge(finding.status)} {_text(finding.title)}</h3>\n"
        f'<p class="rule-meta">Rule <code>{_text(finding.rule_id)}</code> · severity '
        f"<strong>{finding.severity.value}</strong>{tags}</p>\n"
    ]
    shown = offending(finding)
    said = (shown[0].message or shown[0].reason) if len(shown) == 1 else None
    if not (said and said in finding.message):  # a single object's words are given once, in its row
        parts.append(f'<p class="message">{_text(finding.message)}</p>\n')
    if shown:
        # What each object is expected to meet is usually the rule's one condition: said once, above the table,
        # it leaves the table's width to the objects (a column repeating it squeezed the others on paper).
        expected = {o.expected for o in shown}
        shared = expected.pop() if len(expected) == 1 else None
        if shared is not None:
            parts.append(f'<p class="expected">Expected of each: <span class="value">{_text(shared)}</span></p>\n')
        columns = _OBJECT_COLUMNS if shared is not None else (*_OBJECT_COLUMNS, ("expected", "Expected"))
        parts.append(
            '<table class="objects"><colgroup>'
            + "".join(f'<col class="c-{key}">' for key, _ in columns)
            + "</colgroup><thead><tr>"
            + "".join(f"<th>{heading}</th>" for _, heading in columns)
            + "</tr></thead>\n<tbody>\n"
        )
        parts.extend(_object_row(o, with_expected=shared is None) for o in shown)
        parts.append("</tbody></table>\n")
    passes = len(finding.objects) - len(shown)
    if passes:
        parts.append(f'<p class="passes">{passes} {"object passes" if passes == 1 else "objects pass"}.</p>\n')
    if finding.status in (Status.FAIL, Status.ERROR):
        parts.append(f'<div class="remediation"><h4>Remediation</h4><p>{_lines(finding.remediation)}</p></div>\n')
    parts.append("</article>\n")
    return "".join(parts)


def _reason(obj: ObjectResult) -> str:
    """The rule's plain words first, when it gives them, with the raw reason under them for the technician."""
    if not obj.message:
        return _text(obj.reason or "")
    return f'{_text(obj.message)}<div class="kind">{_text(obj.reason or "")}</div>'


_OBJECT_COLUMNS = (("object", "Object"), ("status", "Status"), ("reason", "Reason"), ("observed", "Observed"))
"""The objects table's columns, by class (each column's width is set in the style) and heading."""


def _object_row(obj: ObjectResult, *, with_expected: bool) -> str:
    context = "".join(f"<li>{_text(key)}: {_text(value_text(value))}</li>" for key, value in obj.context.items())
    context_list = f'<ul class="kv">{context}</ul>' if context else ""
    observed = "".join(
        f'<li><code>{_text(key)}</code> <span class="value">{_text(value_text(value))}</span></li>'
        for key, value in obj.observed.items()
    )
    return (
        f'<tr><td><strong>{_text(obj.id)}</strong> <span class="kind">{_text(obj.kind)}</span>'
        f"{context_list}</td>"
        f"<td>{_badge(obj.status)}</td>"
        f'<td class="reason">{_reason(obj)}</td>'
        f'<td><ul class="kv">{observed}</ul></td>'
        + (f'<td class="value">{_text(obj.expected)}</td>' if with_expected else "")
        + "</tr>\n"
    )


_WAIVER_KEY = {
    WaiverState.APPLIED: "waived",
    WaiverState.EXPIRING_SOON: "error",
    WaiverState.EXPIRED: "fail",
    WaiverState.UNMATCHED: "na",
}
"""Per waiver state, the status colour its badge borrows."""


def _waivers(notices: list[WaiverNotice]) -> str:
    # Four columns, each pairing what is read together, so that on A4 none is squeezed to a word per line.
    rows = "".join(
        f"<tr><td><code>{_text(n.rule_id)}</code>"
        f'<div class="value">objects waived: {_text(", ".join(n.objects_waived) or "none")}</div></td>'
        f'<td><span class="badge s-{_WAIVER_KEY[n.state]}">{n.state.value.replace("_", " ")}</span>'
        f'<div class="reason">{_text(n.message)} <span class="kind">{_text(n.where)}</span></div></td>'
        f'<td class="reason">{_text(n.justification)}</td>'
        f'<td class="reason">{_text(n.approved_by)}<div>until {n.expires}</div></td></tr>\n'
        for n in notices
    )
    body = (
        '<table class="waivers"><colgroup><col class="c-waived"><col class="c-state"><col class="c-why">'
        '<col class="c-approved"></colgroup><thead><tr><th>Rule and objects</th><th>State</th><th>Justification</th>'
        f"<th>Approved</th></tr></thead>\n<tbody>\n{rows}</tbody></table>\n"
        if notices
        else "<p>The waivers file has none.</p>\n"
    )
    return (
        '<section id="waivers">\n<h2>Waivers</h2>\n<p>Approved exceptions: a waived object failed and is '
        "shown as WAIVED until the waiver expires. A check that could not be made is never waived.</p>\n"
        f"{body}</section>\n"
    )


def _sources(result: AuditResult) -> str:
    rows = "".join(
        f"<tr><td>{_text(s.name)}</td><td>{_text(s.source)}</td><td>{_text(_when(s.collected_at, result))}</td>"
        + (
            f'<td>{_badge(Status.ERROR)} not collected: <span class="reason">{_text(s.error)}</span></td>'
            if s.error
            else "<td>collected</td>"
        )
        + "</tr>\n"
        for s in result.sources
    )
    return (
        '<section id="sources">\n<h2>Sources</h2>\n<p>Where the facts came from. A fact set that could not be '
        "collected makes the rules that read it ERROR, never PASS.</p>\n"
        "<table><thead><tr><th>Fact set</th><th>Source</th><th>Collected</th><th>Outcome</th></tr></thead>\n"
        f"<tbody>\n{rows}</tbody></table>\n</section>\n"
    )


_CHART_WIDTH, _CHART_HEIGHT = 720, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 14, 40


def _trend(points: tuple[TrendPoint, ...], result: AuditResult) -> str:
    """Object results per status in each run, as stacked bars (passes at the bottom, failures on top): fixing some
    of a rule's objects moves the chart, where rules per status would not move until the last one was fixed."""
    runs = sorted(points, key=lambda p: p.run_at)
    scale = max(1, *(sum(p.counts.values()) for p in runs))
    plot_width, plot_height = _CHART_WIDTH - _LEFT - _RIGHT, _CHART_HEIGHT - _TOP - _BOTTOM
    slot = plot_width / len(runs)
    bar = min(slot * 0.7, 48)
    base = _TOP + plot_height
    label_every = math.ceil(len(runs) / 6)  # at most six date labels, counted back from the latest run
    shapes = []
    for index, point in enumerate(runs):
        x = _LEFT + index * slot + (slot - bar) / 2
        rects, top = [], float(base)
        for status in reversed(COUNT_ORDER):
            height = point.counts.get(status, 0) / scale * plot_height
            if height:
                top -= height
                rects.append(
                    f'<rect class="f-{_KEY[status]}" x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                    f'height="{height:.1f}"/>'
                )
        title = f"{_when(point.run_at, result)}: {counts_text(point.counts) or 'no objects'}"
        shapes.append(f"<g><title>{_text(title)}</title>{''.join(rects)}</g>")
        if (len(runs) - 1 - index) % label_every == 0:
            shapes.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{_local(point.run_at, result):%d %b %Y %H:%M}</text>"
            )
    axes = (
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}"/>'
        f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{_CHART_WIDTH - _RIGHT}" y2="{base}"/>'
        f'<text x="{_LEFT - 6}" y="{base + 4}" text-anchor="end">0</text>'
        f'<text x="{_LEFT - 6}" y="{_TOP + 4}" text-anchor="end">{scale}</text>'
    )
    legend = "".join(f'<span><i class="s-{_KEY[s]}"></i>{STATUS_WORD[s]}</span>' for s in COUNT_ORDER)
    first, last = _local(runs[0].run_at, result), _local(runs[-1].run_at, result)
    span = f"{last:%d %b %Y}" if first.date() == last.date() else f"{first:%d %b %Y} to {last:%d %b %Y}"
    count = "1 run" if len(runs) == 1 else f"{len(runs)} runs"
    return (
        '<section id="trend">\n<h2>Compliance trend</h2>\n'
        f"<p>Objects by status in {count}, {span} (an object judged by several rules counts once for each).</p>\n"
        f'<svg role="img" aria-label="Objects by status per run" width="{_CHART_WIDTH}" height="{_CHART_HEIGHT}" '
        f'viewBox="0 0 {_CHART_WIDTH} {_CHART_HEIGHT}">{axes}{"".join(shapes)}</svg>\n'
        f'<p class="legend">{legend}</p>\n</section>\n'
    )
