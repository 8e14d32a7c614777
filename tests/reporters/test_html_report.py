"""The HTML report's markup: self-contained, escaped, clause by clause, with a trend chart when history exists.

test_html_browser.py loads the same pages in Chromium.
"""

from __future__ import annotations

import re

from html_dom import REPORT_TAGS, parse
from sample_results import (
    AS_OF,
    ESCAPE,
    HOSTILE,
    RTL,
    SCRIPT,
    hostile_result,
    sample_result,
    varied_result,
    weekly_trend,
)

from holyaudit.models import Status
from holyaudit.reporters.html import CONTENT_SECURITY_POLICY, HtmlReporter
from holyaudit.reporters.interface import RenderOptions, TrendPoint


def render(result=None, **options) -> str:
    return HtmlReporter().render(result or sample_result(), RenderOptions(**options))


def test_content_security_policy_forbids_script_and_fetches_and_comes_before_any_data():
    page = render(hostile_result())
    assert CONTENT_SECURITY_POLICY == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    meta = '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;; style-src &#x27;'
    assert page.index(meta) < page.index("<title>")


def test_page_is_self_contained_with_no_script_and_nothing_to_fetch():
    dom = parse(render(hostile_result(), trend=weekly_trend(4)))
    assert dom.tags() <= REPORT_TAGS  # so no script, img, iframe, object, embed or link
    assert [(tag, name) for tag, name, _ in dom.attributes() if name in ("src", "srcset", "xmlns", "action")] == []
    assert {value for _, name, value in dom.attributes() if name == "href"} == {"#clause-1"}
    assert [name for _, name, _ in dom.attributes() if name.startswith("on")] == []
    page = render(hostile_result())
    assert "url(" not in page
    assert "@import" not in page


def test_hostile_values_appear_as_text_with_control_and_bidi_characters_visible():
    page = render(hostile_result())
    dom = parse(page)
    assert dom.title == f"School {SCRIPT} report\\u202egnp.exe: data security compliance, 2026-11-20"
    for value in HOSTILE:
        shown = {ESCAPE: "evil\\x1b[2Jwipe", RTL: "report\\u202egnp.exe"}.get(value, value)
        assert f"display_name is {shown}" in dom.text
    assert "\x1b" not in page
    assert "\u202e" not in page
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=&quot;document.title=&#x27;PWNED&#x27;&quot;&gt;" in page


def test_clauses_in_section_order_quote_the_policy_and_roll_up_their_rules():
    page = render()
    dom = parse(page)
    headings = [t for t in dom.texts if t.startswith(" §")]
    assert headings == [" §8 Infrastructure", " §10 Passwords", " §10 Zombie accounts"]
    assert '<blockquote class="policy">Passwords must contain a minimum of six characters</blockquote>' in page
    assert page.count('<blockquote class="policy">') == 3  # two rules quote the same words: quoted once
    assert (
        '<tr><td><a href="#clause-2">§10 Passwords</a></td><td><span class="badge s-fail">FAIL</span></td>'
        "<td>1 FAIL, 1 PASS</td></tr>"
    ) in page


def test_rule_lists_every_object_but_the_passes_with_reason_observed_expected_and_context():
    page = render()
    # Every object is expected to meet the same: said once, above the table, which has no Expected column.
    assert (
        '<p class="expected">Expected of each: <span class="value">uac has all bits clear of 0x20</span></p>\n'
        '<table class="objects"><colgroup><col class="c-object"><col class="c-status"><col class="c-reason">'
        '<col class="c-observed"></colgroup><thead><tr><th>Object</th><th>Status</th><th>Reason</th><th>Observed</th>'
        "</tr></thead>"
    ) in page
    assert (
        '<tr><td><strong>a.one</strong> <span class="kind">user</span><ul class="kv"><li>name: Al</li></ul></td>'
        '<td><span class="badge s-fail">FAIL</span></td>'
        '<td class="reason">uac is 0x220; expected uac has all bits clear of 0x20</td>'
        '<td><ul class="kv"><li><code>enabled</code> <span class="value">true</span></li>'
        '<li><code>uac</code> <span class="value">544</span></li></ul></td></tr>'
    ) in page
    assert '<span class="badge s-waived">WAIVED</span>' in page
    assert "<strong>fine</strong>" not in page
    assert '<p class="passes">1 object passes.</p>' in page
    assert (
        '<div class="remediation"><h4>Remediation</h4><p>Run <code>Set-ADUser -PasswordNotRequired $false</code> '
        "for each account.</p></div>"
    ) in page


def test_objects_expected_to_meet_different_things_keep_an_expected_column():
    page = HtmlReporter().render(varied_result(), RenderOptions())
    assert "Expected of each" not in page.split('id="clause-2"')[1].split("</article>")[0]
    assert (
        '<col class="c-observed"><col class="c-expected"></colgroup><thead><tr><th>Object</th><th>Status</th>'
        "<th>Reason</th><th>Observed</th><th>Expected</th></tr></thead>"
    ) in page
    assert '<td class="value">uac has all bits clear of 0x220, as a staff account&#x27;s should</td></tr>' in page


def test_waivers_are_listed_in_four_columns_with_their_state_and_expiry():
    page = HtmlReporter().render(varied_result(), RenderOptions())
    assert (
        "<thead><tr><th>Rule and objects</th><th>State</th><th>Justification</th><th>Approved</th></tr></thead>\n"
        '<tbody>\n<tr><td><code>test-password-required</code><div class="value">objects waived: kiosk</div></td>'
        '<td><span class="badge s-error">expiring soon</span><div class="reason">waived kiosk; expires in 41 days '
        '(2026-12-31) <span class="kind">waivers.yaml:3</span></div></td><td class="reason">The exam-room kiosk signs '
        'in automatically during exams; replaced in the spring term</td><td class="reason">Head teacher, by email'
        "<div>until 2026-12-31</div></td></tr>"
    ) in page
    assert '<div class="value">objects waived: none</div>' in page


def test_summary_counts_rules_per_status_and_sources_show_what_was_not_collected():
    page = render()
    assert (
        '<p class="verdict b-fail">Overall: <strong>non-compliant</strong> · 4 rules: 1 FAIL, 1 ERROR, 1 N/A, '
        "1 PASS; objects: 2 FAIL, 1 WAIVED, 2 PASS</p>" in page
    )
    assert '<tr><td><span class="badge s-waived">WAIVED</span></td><td>0</td><td>1</td>' in page
    assert (
        "<tr><td>endpoints.hosts</td><td>winrm</td><td>2026-11-20 16:30 GMT</td>"
        '<td><span class="badge s-error">ERROR</span> not collected: '
        '<span class="reason">connection refused on port 5986</span></td></tr>'
    ) in page


def test_print_stylesheet_keeps_colours_and_starts_each_clause_on_a_new_page():
    page = render()
    media = page[page.index("@media print") :]
    assert "print-color-adjust: exact" in media
    assert "section.clause { break-before: page; }" in media


def test_without_history_the_trend_chart_is_left_out_with_a_note():
    page = render()
    assert "<svg" not in page
    assert '<p class="note">No trend chart: no earlier runs were recorded for this report.</p>' in page


def test_trend_chart_stacks_each_runs_counts_oldest_first():
    points = weekly_trend(3)
    page = render(trend=(points[2], points[0], points[1]))  # any order: drawn by time
    dom = parse(page)
    titles = [t for t in dom.texts if re.match(r"2026-11-\d\d 16:30 GMT: ", t)]
    assert titles == [
        "2026-11-06 16:30 GMT: 3 FAIL, 1 PASS",
        "2026-11-13 16:30 GMT: 2 FAIL, 2 PASS",
        "2026-11-20 16:30 GMT: 1 FAIL, 3 PASS",
    ]
    rects = [e.attrs for e in dom.elements if e.tag == "rect"]
    assert [(r["class"], r["height"]) for r in rects] == [
        ("f-pass", "51.5"),
        ("f-fail", "154.5"),
        ("f-pass", "103.0"),
        ("f-fail", "103.0"),
        ("f-pass", "154.5"),
        ("f-fail", "51.5"),
    ]
    assert (
        "<p>Objects by status in 3 runs, 06 Nov 2026 to 20 Nov 2026 (an object judged by several rules counts once "
        "for each).</p>"
    ) in page
    assert '<p class="note">No trend chart' not in page


def test_trend_labels_at_most_six_evenly_spaced_runs_by_date_and_time_always_including_the_latest():
    page = render(trend=weekly_trend(20))
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', page)
    assert labels == [f"{day} 2026 16:30" for day in ("31 Jul", "28 Aug", "25 Sep", "23 Oct", "20 Nov")]
    assert len(re.findall(r"<g><title>", page)) == 20


def test_trend_runs_with_missing_statuses_and_no_objects_still_draw():
    points = (TrendPoint(run_at=AS_OF, counts={}), TrendPoint(run_at=AS_OF, counts={Status.ERROR: 2}))
    dom = parse(render(trend=points))
    assert [t for t in dom.texts if t.startswith("2026-11-20 16:30 GMT: ")] == [
        "2026-11-20 16:30 GMT: no objects",
        "2026-11-20 16:30 GMT: 2 ERROR",
    ]
    assert [e.attrs["class"] for e in dom.elements if e.tag == "rect"] == ["f-error"]
    assert "<p>Objects by status in 2 runs, 20 Nov 2026 (an object" in render(trend=points)


def test_printed_pages_are_headed_with_the_school_as_a_css_string_nothing_can_end():
    page = render(hostile_result())
    style = page.split("<style>")[2].split("</style>")[0]
    assert (
        '@top-left { content: "School \\3c script\\3e document\\2e title\\3d \\27 PWNED\\27 \\3c \\2f script\\3e  '
        'report\\5c u202egnp\\2e exe";'
    ) in style
    assert '@top-right { content: "as of 2026\\2d 11\\2d 20 16\\3a 30 GMT";' in style
    assert "<" not in style
