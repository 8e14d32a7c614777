"""The HTML report in a real browser: headless Chromium loads it with no console message, runs no script from
the data, fetches nothing, and draws it (the screenshot is kept in the test's tmp_path).

Chromium is driven from the command line, with no extra Python packages: ``--dump-dom`` prints the DOM after
the page has loaded, ``--screenshot`` draws it, and ``--enable-logging=stderr`` copies every console message,
script error and Content-Security-Policy violation to stderr as an ``INFO:CONSOLE`` line.
"""

from __future__ import annotations

import html
import subprocess
from pathlib import Path

import pytest
from chromium import (
    FLAGS,
    HEIGHT,
    WIDTH,
    chromium,
    page_images,
    pdf_pages,
    png_size_and_colours,
    print_to_pdf,
    run_chromium,
)
from html_dom import REPORT_TAGS, Dom, parse
from sample_results import ESCAPE, HOSTILE, RTL, SCRIPT, hostile_result, weekly_trend

from holyaudit.reporters.html import CONTENT_SECURITY_POLICY, HtmlReporter
from holyaudit.reporters.interface import RenderOptions


def loaded_dom(page: Path, work: Path) -> Dom:
    return parse(run_chromium(page, work, "--dump-dom"))


def assert_no_markup_from_data(dom: Dom) -> None:
    assert dom.tags() <= REPORT_TAGS  # so no script, img, iframe, object, embed or link
    assert [
        (tag, name) for tag, name, _ in dom.attributes() if name.startswith("on") or name in ("src", "srcset")
    ] == []
    assert {value for _, name, value in dom.attributes() if name == "href"} <= {f"#clause-{n}" for n in range(1, 100)}


@pytest.fixture
def hostile_page(tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    page.write_text(HtmlReporter().render(hostile_result(), RenderOptions(trend=weekly_trend(8))), encoding="utf-8")
    return page


def test_the_harness_sees_a_script_run_and_its_console_message(tmp_path):
    """Without this, a check that finds no PWNED title and no console line might be checking nothing."""
    page = tmp_path / "control.html"
    page.write_text("<title>safe</title><script>document.title='PWNED'; console.error('ran')</script>")
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert parse(done.stdout).title == "PWNED"
    assert [line for line in done.stderr.splitlines() if ":CONSOLE" in line and '"ran"' in line]


def test_hostile_values_render_as_text_and_no_script_from_the_data_runs(hostile_page, tmp_path):
    dom = loaded_dom(hostile_page, tmp_path)
    assert dom.title == f"School {SCRIPT} report\\u202egnp.exe: data security compliance, 2026-11-20"
    assert_no_markup_from_data(dom)
    shown = {ESCAPE: "evil\\x1b[2Jwipe", RTL: "report\\u202egnp.exe"}
    for value in HOSTILE:
        assert f"display_name is {shown.get(value, value)}" in dom.text


def test_escaping_alone_keeps_the_data_inert_without_the_content_security_policy(hostile_page, tmp_path):
    """The policy is the second line of defence: with it removed, the escaping must still hold on its own."""
    page = hostile_page.read_text(encoding="utf-8")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">'
    assert meta in page
    unguarded = tmp_path / "unguarded.html"
    unguarded.write_text(page.replace(meta, ""), encoding="utf-8")
    dom = loaded_dom(unguarded, tmp_path)
    assert dom.title == f"School {SCRIPT} report\\u202egnp.exe: data security compliance, 2026-11-20"
    assert_no_markup_from_data(dom)


def test_the_report_draws_a_full_page_screenshot(hostile_page, tmp_path):
    screenshot = tmp_path / "report.png"
    run_chromium(hostile_page, tmp_path, f"--screenshot={screenshot}", f"--window-size={WIDTH},{HEIGHT}")
    png = screenshot.read_bytes()
    width, height, colours = png_size_and_colours(png)
    assert (width, height) == (WIDTH, HEIGHT)
    assert colours > 50, "the screenshot is (nearly) blank"
    assert len(png) > 50_000


def test_the_demo_report_from_the_cli_loads_cleanly(run_cli, tmp_path):
    target = tmp_path / "demo.html"
    assert run_cli("scan", "--demo", "--format", "html", "--output", str(target)).code == 1
    dom = loaded_dom(target, tmp_path)
    assert dom.title == "Holywell Primary School (demo): data security compliance, 2026-11-20"
    assert_no_markup_from_data(dom)
    # What the page opens with, as the browser has it: the school, the counts, then what to fix first.
    body = dom.texts[dom.texts.index(dom.title) + 1 : dom.texts.index("Policy clauses")]
    opening = " ".join(t.strip() for t in body if t.strip())
    assert opening.startswith(
        "Holywell Primary School (demo) Data security compliance report Profile holywell · as of "
        "2026-11-20 16:30 GMT (Europe/London) · holyaudit 0.1.0 Overall: non-compliant · 42 rules: 41 FAIL, 1 PASS; "
        "objects: 67 FAIL, 32 ERROR, 32 N/A, 145 PASS Objects failing 67 (7 critical, 35 high, 23 medium, 2 low) "
        "Could not be checked 32 objects (31 machines, 1 account) Rules passing 1 of 42 Fix first critical "
        "Leavers' accounts are disabled within 7 days of leaving: 3 accounts fail. First step: Disable the "
        "account now with Disable-ADAccount -Identity <sAMAccountName> , move it to the leavers' OU,"
    )
    assert "<script>alert('x')</script>" in dom.text  # a display name in the demo directory


def test_the_printed_demo_opens_with_a_governors_page_and_heads_every_page_with_the_school(run_cli, tmp_path):
    target = tmp_path / "demo.html"
    assert run_cli("scan", "--demo", "--format", "html", "--output", str(target)).code == 1
    pdf = print_to_pdf(target, tmp_path)
    pages = pdf_pages(pdf)
    assert len(pages) > 2
    # Drawn by poppler: every page is A4 (210 x 297 mm is 414 x 585 pixels at 50 dpi), and none is blank.
    drawn = [png_size_and_colours(png) for png in page_images(pdf, tmp_path, dpi=50)]
    assert [(width, height) for width, height, _ in drawn] == [(414, 585)] * len(pages)
    assert min(colours for _, _, colours in drawn) > 50
    first = pages[0]
    for text in (
        "Holywell Primary School (demo) Data security compliance report",
        "Overall: non-compliant",
        "Objects failing 67 (7 critical, 35 high, 23 medium, 2 low)",
        "Could not be checked 32 objects (31 machines, 1 account)",
        "Rules passing 1 of 42",
        "Fix first 1. critical Leavers' accounts are disabled within 7 days of leaving: 3 accounts fail.",
        "… and 36 more failing rules, in the sections below.",
        "Policy clauses Policy clause Status Rules §6 Disposal of Redundant ICT Equipment Policy FAIL 1 FAIL "
        "§8 Infrastructure FAIL 1 FAIL §10 Password security FAIL 6 FAIL §10 Passwords FAIL 12 FAIL, 1 PASS "
        "§10 Zombie accounts FAIL 3 FAIL §11 Personal or sensitive information FAIL 2 FAIL §12 Remote access FAIL 1 "
        "FAIL §14 Portable & mobile ICT equipment FAIL 7 FAIL §14 School ICT equipment FAIL 5 FAIL §15 Servers FAIL 2 "
        "FAIL §16 Systems and access FAIL 1 FAIL",
    ):
        assert text in first
    assert first.endswith(f"page 1 of {len(pages)}"), "the governors' part fits the first page"
    assert "Rules and objects by status" in pages[1], "the technical detail starts on the next page"
    for number, text in enumerate(pages, start=1):
        assert text.startswith("Holywell Primary School (demo) "), number
        assert "as of 2026-11-20 16:30 GMT" in text, number
        assert text.endswith(f"page {number} of {len(pages)}"), number
