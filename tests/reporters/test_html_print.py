"""The HTML report as a governor meets it on a 1280 px screen and on A4 paper, laid out and measured by headless
Chromium over the DevTools protocol (``devtools.py``): what the first screen shows, that no table column is
squeezed on paper until it reads one word per line, and that no table row is cut across two printed pages.

On paper a page is laid out at the A4 width less its margins (the report's ``@page`` rule) with the ``print``
media rules applied; the DOM is measured there, as Chromium lays it out before it cuts it into pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import FLAGS, chromium, pdf_pages, png_size_and_colours, print_to_pdf
from devtools import A4_WIDTH_MM, MM, Browser, Page, browser
from sample_results import AS_OF, PASSWORDS, varied_result

from holyaudit.audit.workflow import AuditRequest, audit
from holyaudit.collectors.snapshot import demo_path
from holyaudit.models import AuditResult, Finding, ObjectResult, Severity, Status
from holyaudit.reporters.html import HtmlReporter
from holyaudit.reporters.interface import RenderOptions
from holyaudit.reporters.overview import count_rows, overall_text, overview

SCREEN_WIDTH, SCREEN_HEIGHT = 1280, 800
PAGE_MARGINS_MM = 12 + 12  # left and right, as the report's @page rule sets them
PRINTED_WIDTH = round((A4_WIDTH_MM - PAGE_MARGINS_MM) * MM)
MIN_CELL_MM = 10
"""No table cell on paper is narrower than this (its text, inside its padding): a column of numbers or badges
needs about this much, and anything narrower is a column squeezed by its neighbours."""
LONG_WORD = 24
"""A word up to this many characters is never broken across lines in a printed table; a longer one (an
identifier, a host name with its domain) may be, at any character, rather than push the table off the page."""

MEASURE_CELLS = """
(() => {
  const cells = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const style = getComputedStyle(cell);
    const width = cell.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const problems = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const words = [...node.data.matchAll(/[^\\s\\-–]+/g)];  // a line may break after a hyphen, as in prose
      const lines = new Set();
      for (const word of words) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        lines.add(Math.min(...tops));  // the line the word starts on
        // A regular expression is code, not a word: a browser may break it after any | or ) (Unicode line breaking).
        const code = /[\\^$|()\\[\\]]/.test(word[0]);
        if (tops.size > 1 && word[0].length <= LONG_WORD && !code) problems.push("word broken: " + word[0]);
      }
      if (words.length >= 3 && lines.size >= words.length) problems.push("one word per line: " + node.data.trim());
    }
    const table = cell.closest("table");
    cells.push([table.className || table.closest("section").id, cell.cellIndex, width, problems]);
  }
  return cells;
})()
""".replace("LONG_WORD", str(LONG_WORD))


@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[Browser]:
    with browser(chromium(), FLAGS, tmp_path / "profile") as started:
        yield started
    assert started.console == [], "the page logged something: a script error or a blocked fetch"


@pytest.fixture
def demo_page(run_cli, tmp_path: Path) -> Path:
    target = tmp_path / "demo.html"
    assert run_cli("scan", "--demo", "--format", "html", "--output", str(target)).code == 1
    return target


def on_paper(chrome: Browser, page: Path) -> Page:
    """``page`` laid out as Chromium prints it on A4."""
    tab = chrome.new_page()
    tab.send("Emulation.setScrollbarsHidden", hidden=True)
    tab.media("print")
    tab.viewport(PRINTED_WIDTH, 1000)
    tab.load(page)
    # Nothing is wider than the page, so Chromium prints it at its own size rather than shrinking it to fit.
    assert tab.evaluate("[document.documentElement.clientWidth, document.documentElement.scrollWidth]") == [
        PRINTED_WIDTH,
        PRINTED_WIDTH,
    ]
    return tab


def squeezed(tab: Page) -> list[str]:
    """Each table cell narrower than MIN_CELL_MM, reading one word per line, or breaking a word that fits."""
    found = []
    for table, column, width, problems in tab.evaluate(MEASURE_CELLS):
        if width < MIN_CELL_MM * MM:
            problems = [f"{width / MM:.1f} mm wide", *problems]
        found.extend(f"{table} column {column + 1}: {problem}" for problem in problems)
    return found


def test_the_demo_on_a_1280_px_screen_opens_with_the_school_its_verdict_and_what_to_fix_first(
    chrome: Browser, demo_page: Path, tmp_path: Path
):
    tab = chrome.new_page()
    tab.send("Emulation.setScrollbarsHidden", hidden=True)  # so the page has the screen's whole width
    tab.viewport(SCREEN_WIDTH, SCREEN_HEIGHT)
    tab.load(demo_page)
    first_screen = tab.screenshot()
    (tmp_path / "first-screen.png").write_bytes(first_screen)
    width, height, colours = png_size_and_colours(first_screen)
    assert (width, height) == (SCREEN_WIDTH, SCREEN_HEIGHT)
    assert colours > 50, "the screenshot is (nearly) blank"
    # What is on the first screen, whole and not covered: the element drawn at its centre is itself.
    seen = tab.evaluate(
        """[...document.querySelectorAll("h1, .verdict, table.headline tr, #fix-first h2, #fix-first li")].map(e => {
             const box = e.getBoundingClientRect();
             const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
             return [e.innerText.trim().split("\\n")[0], box.bottom <= innerHeight && e.contains(top)];
           })"""
    )
    # The demo's own counts, as the reports work them out (they grow as rules are added).
    view = overview(audit(AuditRequest(snapshot=demo_path())).result)
    assert [text for text, whole in seen if whole] == [
        "Holywell Primary School (demo)",
        f"Overall: non-compliant · {overall_text(view)}",
        *(f"{label}\t{value}" for label, value in count_rows(view)),
        "Fix first",
        *[text for text, _ in seen[6:11]],
    ]
    assert seen[6][0].startswith("critical Leavers' accounts are disabled within 7 days of leaving: 3 accounts fail.")
    # The whole page at 1280 px, for a person to look at: drawn to its full height.
    whole_page = tab.screenshot(whole_page=True)
    (tmp_path / "whole-page.png").write_bytes(whole_page)
    height = tab.evaluate("document.documentElement.scrollHeight")
    assert png_size_and_colours(whole_page)[:2] == (SCREEN_WIDTH, height)


def test_the_measure_sees_a_squeezed_column(chrome: Browser, tmp_path: Path):
    """Without this, a check that finds no squeezed cell might be measuring nothing."""
    control = tmp_path / "control.html"
    control.write_text(
        '<table class="objects" style="width: 100%; overflow-wrap: anywhere"><tr><td style="width: 20px">could not be '
        "read: connection refused</td><td>ok</td></tr><tr><td>password_not_required</td><td>x</td></tr></table>"
    )
    assert squeezed(on_paper(chrome, control)) == [
        "objects column 1: 5.3 mm wide",
        *(f"objects column 1: word broken: {word}" for word in ("could", "not", "read:", "connection", "refused")),
        "objects column 1: one word per line: could not be read: connection refused",
        "objects column 1: 5.3 mm wide",
        "objects column 1: word broken: password_not_required",
    ]


def test_no_printed_table_column_of_the_demo_is_squeezed(chrome: Browser, demo_page: Path):
    assert squeezed(on_paper(chrome, demo_page)) == []


def test_no_printed_table_column_is_squeezed_by_long_names_waivers_or_an_expected_column(
    chrome: Browser, run_cli, long_names: list[str], tmp_path: Path
):
    report = tmp_path / "long.html"
    assert run_cli(*long_names, "--format", "html", "--output", str(report)).code == 1
    assert squeezed(on_paper(chrome, report)) == []
    varied = tmp_path / "varied.html"
    page = HtmlReporter().render(varied_result(), RenderOptions())
    assert '<table class="waivers">' in page
    assert "<th>Expected</th>" in page
    varied.write_text(page, encoding="utf-8")
    assert squeezed(on_paper(chrome, varied)) == []


def tall_rows(count: int) -> AuditResult:
    """One rule whose failing objects each fill a tall row, marked at its top and its bottom."""
    objects = [
        ObjectResult(
            id=f"row-{n:02}-top",
            kind="user",
            status=Status.FAIL,
            observed={"description": " ".join(["a long description"] * 12)},
            expected="a description a person can read",
            reason=" ".join(["this account's description runs on"] * 20) + f" row-{n:02}-bottom",
        )
        for n in range(count)
    ]
    finding = Finding(
        rule_id="test-tall-rows",
        title="Accounts carry short descriptions",
        status=Status.FAIL,
        severity=Severity.LOW,
        clause=PASSWORDS,
        tags=[],
        message=f"{count} of {count} users fail",
        remediation="Shorten them.",
        objects=objects,
    )
    return AuditResult(
        as_of=AS_OF, timezone="Europe/London", profile="test", site="Tall Rows School", sources=[], findings=[finding]
    )


def pages_of_rows(pages: list[str], count: int) -> list[tuple[int, int]]:
    """For each row, the printed pages its top and its bottom are on."""

    def page_of(marker: str) -> int:
        (number,) = [n for n, text in enumerate(pages, start=1) if re.search(rf"\b{marker}\b", text)]
        return number

    return [(page_of(f"row-{n:02}-top"), page_of(f"row-{n:02}-bottom")) for n in range(count)]


def test_table_rows_are_kept_whole_on_paper(chrome: Browser, tmp_path: Path):
    count = 24
    page = tmp_path / "tall.html"
    page.write_text(HtmlReporter().render(tall_rows(count), RenderOptions()), encoding="utf-8")
    tab = on_paper(chrome, page)
    assert set(tab.evaluate("[...document.querySelectorAll('tr')].map(r => getComputedStyle(r).breakInside)")) == {
        "avoid"
    }
    printed = pages_of_rows(pdf_pages(print_to_pdf(page, tmp_path)), count)
    assert printed[-1][1] > printed[0][0] + 2, "the rows fill several pages"
    assert [(top, bottom) for top, bottom in printed if top != bottom] == []
    # The same page without the rule that keeps rows whole: some row is cut, so the check above can fail.
    loose = tmp_path / "loose" / "tall.html"
    loose.parent.mkdir()
    text = page.read_text(encoding="utf-8")
    assert "  tr, " in text
    loose.write_text(text.replace("  tr, ", "  "), encoding="utf-8")
    cut = pages_of_rows(pdf_pages(print_to_pdf(loose, loose.parent)), count)
    assert [(top, bottom) for top, bottom in cut if top != bottom] != []
