"""The fleet overview as a table, JSON, CSV, and one self-contained HTML page whose columns sort on a click.

The page carries its one script inline, allowed by its hash in the page's Content-Security-Policy and nothing
else; every value from the history or a config is escaped text, never markup. ``#sort=<column>`` (``-<column>``
for descending) in the page's address sorts it as it opens, so a link can point at the worst schools first.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
from pathlib import Path

from holyaudit.fleet.formats import OverviewFormat
from holyaudit.fleet.overview import SEVERITIES, FleetOverview, SchoolRow, relative_link
from holyaudit.reporters.csv import BOM, neutralise
from holyaudit.reporters.safe_text import printable


def render(overview: FleetOverview, fmt: OverviewFormat, *, page: Path | None = None, width: int = 120) -> str:
    """The overview in ``fmt``; ``page`` is where an HTML page will be written, so its links are relative to it."""
    if fmt is OverviewFormat.JSON:
        return json.dumps(overview.as_json(), indent=2, ensure_ascii=True) + "\n"
    if fmt is OverviewFormat.CSV:
        return _csv(overview)
    if fmt is OverviewFormat.HTML:
        return _html(overview, page)
    return _table(overview, width)


def _when(row: SchoolRow) -> str:
    return row.last_run_at.strftime("%Y-%m-%d %H:%M") if row.last_run_at else "never"


def _maybe(value: int | None) -> str:
    return "?" if value is None else str(value)


def _failing(row: SchoolRow) -> str:
    return " / ".join(str(row.failing.get(severity, 0)) for severity in SEVERITIES)


def _table(overview: FleetOverview, width: int) -> str:
    from rich.console import Console

    from holyaudit.cli.console import simple_table

    table = simple_table(title=f"Fleet overview as of {overview.as_of:%Y-%m-%d %H:%M} UTC")
    columns = ("school", "last run", "exit", "failing crit/high/med/low", "not checked", "new", "resolved")
    for column in (*columns, f"waivers ≤{30}d", "stale"):
        table.add_column(column, justify="left" if column in ("school", "last run") else "right")
    for row in overview.schools:
        table.add_row(
            printable(row.site or row.id),
            _when(row),
            _maybe(row.last_exit_code) if row.last_exit_code is not None else "-",
            _failing(row),
            f"{row.not_checked}" + (f" ({row.rules_not_checked} rules)" if row.rules_not_checked else ""),
            _maybe(row.new) if row.new is not None else "-",
            _maybe(row.resolved) if row.resolved is not None else "-",
            _maybe(row.waivers_expiring),
            f"stale ({overview.stale_days}d)" if row.stale else "",
        )
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False, markup=False, emoji=False).print(table)
    problems = [f"{printable(row.id)}: {row.problem}" for row in overview.schools if row.problem]
    return buffer.getvalue() + "".join(f"  {line}\n" for line in problems)


CSV_HEADER = (
    "id",
    "site",
    "last_run_at",
    "last_exit_code",
    *(f"failing_{severity.value}" for severity in SEVERITIES),
    "not_checked",
    "rules_not_checked",
    "new",
    "resolved",
    "waivers_expiring",
    "last_success_at",
    "stale",
    "report",
    "problem",
)


def _csv(overview: FleetOverview) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in overview.schools:
        data = row.as_json()
        cells = [
            data["id"],
            data["site"],
            data["last_run_at"],
            data["last_exit_code"],
            *(data["failing"][severity.value] for severity in SEVERITIES),
            data["not_checked"],
            data["rules_not_checked"],
            data["new"],
            data["resolved"],
            data["waivers_expiring"],
            data["last_success_at"],
            "yes" if row.stale else "no",
            data["report"],
            data["problem"],
        ]
        writer.writerow([neutralise(printable("" if cell is None else cell)) for cell in cells])
    return buffer.getvalue()


SORT_SCRIPT = """\
(function () {
  var table = document.getElementById("schools");
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  function key(row, index) {
    var cell = row.cells[index];
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent : value;
  }
  function sortBy(index, descending) {
    var numeric = heads[index].getAttribute("data-type") === "number";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index), y = key(b, index);
      var order = numeric ? Number(x) - Number(y) : (x < y ? -1 : x > y ? 1 : 0);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    for (var i = 0; i < heads.length; i++) {
      heads[i].setAttribute("aria-sort", i === index ? (descending ? "descending" : "ascending") : "none");
    }
  }
  for (var i = 0; i < heads.length; i++) {
    (function (index) {
      var button = heads[index].querySelector("button");
      button.addEventListener("click", function () {
        sortBy(index, heads[index].getAttribute("aria-sort") === "ascending");
      });
    })(i);
  }
  var wanted = /^#sort=(-?)([a-z-]+)$/.exec(window.location.hash);
  if (wanted) {
    for (var j = 0; j < heads.length; j++) {
      if (heads[j].getAttribute("data-column") === wanted[2]) { sortBy(j, wanted[1] === "-"); }
    }
  }
})();
"""

STYLE = """\
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 0.35rem 0.6rem; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
th button { font: inherit; font-weight: bold; background: none; border: none; cursor: pointer; padding: 0; }
tr.stale td { background: #fff4e5; }
.code-1 { color: #a40000; } .code-4 { color: #8a5a00; } .code-3, .code-5, .code-70 { color: #6a1b9a; }
p.problem { color: #6a1b9a; }
"""

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'sha256-{style}'; script-src 'sha256-{script}'; base-uri 'none'; form-action 'none'"
)


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def content_security_policy() -> str:
    return CONTENT_SECURITY_POLICY.format(style=_hash(STYLE), script=_hash(SORT_SCRIPT))


_COLUMNS = (
    ("school", "School", "text"),
    ("last-run", "Last run", "text"),
    ("exit", "Exit code", "number"),
    ("critical", "Critical", "number"),
    ("high", "High", "number"),
    ("medium", "Medium", "number"),
    ("low", "Low", "number"),
    ("not-checked", "Not checked", "number"),
    ("new", "New", "number"),
    ("resolved", "Resolved", "number"),
    ("waivers", "Waivers ≤30 days", "number"),
    ("stale", "Stale", "number"),
)


def _cell(text: str, sort: str | int | None = None, css: str = "") -> str:
    attrs = f' data-sort="{html.escape(str(sort), quote=True)}"' if sort is not None else ""
    attrs += f' class="{css}"' if css else ""
    return f"<td{attrs}>{html.escape(printable(text))}</td>"


def _html_row(row: SchoolRow, page: Path | None) -> str:
    name = html.escape(printable(row.site or row.id))
    if row.report is not None:
        name = f'<a href="{html.escape(relative_link(row.report, page), quote=True)}">{name}</a>'
    cells = [
        f'<td data-sort="{html.escape(printable(row.site or row.id), quote=True)}">{name}</td>',
        _cell(_when(row), row.last_run_at.isoformat() if row.last_run_at else ""),
        _cell(
            "-" if row.last_exit_code is None else str(row.last_exit_code),
            row.last_exit_code or -1,
            f"code-{row.last_exit_code}" if row.last_exit_code else "",
        ),
        *(_cell(str(row.failing.get(severity, 0)), row.failing.get(severity, 0)) for severity in SEVERITIES),
        _cell(str(row.not_checked), row.not_checked),
        _cell("-" if row.new is None else str(row.new), -1 if row.new is None else row.new),
        _cell("-" if row.resolved is None else str(row.resolved), -1 if row.resolved is None else row.resolved),
        _cell(_maybe(row.waivers_expiring), -1 if row.waivers_expiring is None else row.waivers_expiring),
        _cell("stale" if row.stale else "", 1 if row.stale else 0),
    ]
    css = ' class="stale"' if row.stale else ""
    return f"<tr{css}>{''.join(cells)}</tr>"


def _html(overview: FleetOverview, page: Path | None) -> str:
    title = f"Fleet overview, {overview.as_of:%Y-%m-%d %H:%M} UTC"
    heads = "".join(
        f'<th data-column="{key}" data-type="{kind}" aria-sort="none"><button type="button">{html.escape(label)}'
        "</button></th>"
        for key, label, kind in _COLUMNS
    )
    rows = "\n".join(_html_row(row, page) for row in overview.schools)
    problems = "".join(
        f'<p class="problem">{html.escape(printable(row.site or row.id))}: {html.escape(printable(row.problem))}</p>'
        for row in overview.schools
        if row.problem
    )
    stale = sum(1 for row in overview.schools if row.stale)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(content_security_policy(), quote=True)}">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<p>{len(overview.schools)} schools; {stale} with no successful run (exit 0 or 1) in the last "
        f"{overview.stale_days} days. Failing objects are counted under their most severe rule. "
        "Click a column's name to sort by it.</p>\n"
        f'<table id="schools">\n<thead><tr>{heads}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n'
        f"{problems}\n<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n"
    )
