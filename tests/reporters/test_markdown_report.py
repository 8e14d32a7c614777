"""The Markdown summary: exact text for tickets and e-mail, and data that renders only as text.

Rendering uses markdown-it-py (CommonMark with GitHub's tables; installed with rich), with raw HTML enabled so
that any HTML the escaping let through would show up as HTML.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from sample_results import HOSTILE, IMG, LINK, PIPE, SCRIPT, hostile_result, sample_result

from holyaudit.reporters.interface import RenderOptions
from holyaudit.reporters.markdown import MarkdownReporter, md

SAMPLE = """\
# St Hild's C of E Primary

Data security compliance: **non-compliant** · profile holywell · as of 2026-11-20 16:30 GMT (Europe/London) · \
holyaudit 0.1.0

**Objects failing:** 2 (0 critical, 2 high, 0 medium, 0 low)\\
**Could not be checked:** 1 rule whose facts were not collected\\
**Rules passing:** 1 of 4\\
**Overall:** 4 rules: 1 FAIL, 1 ERROR, 1 N/A, 1 PASS; objects: 2 FAIL, 1 WAIVED, 2 PASS

Not collected: endpoints.hosts (connection refused on port 5986)

## Fix first

1. **high** Every enabled account needs a password: 2 accounts fail. First step: Run \\`Set-ADUser \
-PasswordNotRequired \\$false\\` for each account. (test-password-required)

## Rules by policy clause

| Status | Severity | Rule | Clause | Result |
|---|---|---|---|---|
| ERROR | medium | test-antivirus | §8 Infrastructure | endpoints.hosts was not collected: connection refused |
| FAIL | high | test-password-required | §10 Passwords | 2 of 4 users fail, 1 waived, 1 pass |
| PASS | high | test-min-length | §10 Passwords | school.test: min\\_pwd\\_length ≥ 6 |
| N/A | low | test-leavers | §10 Zombie accounts | no users in scope |

## What needs action

### FAIL test-password-required: Every enabled account needs a password

- **a.one** FAIL: uac is 0x220; expected uac has all bits clear of 0x20 (name: Al)
- **b.two** FAIL: uac is 0x220; expected uac has all bits clear of 0x20
- **kiosk** WAIVED: waived until 2026-12-31: exam-room kiosk (approved by J. Head)
"""


def render_html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(markdown)


def test_markdown_summary_gives_verdict_counts_rules_by_clause_and_what_needs_action(monkeypatch):
    monkeypatch.setattr("holyaudit.reporters.markdown.__version__", "0.1.0")
    assert MarkdownReporter().render(sample_result(), RenderOptions()) == SAMPLE


def test_markdown_lists_five_offenders_then_says_how_many_more_unless_details():
    short = MarkdownReporter().render(hostile_result(), RenderOptions())
    assert short.count("\n- **") == 5, "the offenders (the counts above are a paragraph, not a list)"
    assert short.endswith("\n- … and 3 more (use --details to list all)\n")
    detailed = MarkdownReporter().render(hostile_result(), RenderOptions(details=True))
    assert detailed.count("\n- **") == 8
    assert "more (use --details" not in detailed


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        (SCRIPT, "\\<script\\>document.title='PWNED'\\</script\\>"),
        (IMG, '"\\>\\<img src=x onerror="document.title=\'PWNED\'"\\>'),
        (LINK, "\\[click\\](javascript:alert(1)) !\\[x\\](http://evil.example/x.png) \\<http://evil.example\\>"),
        (PIPE, "a\\|b"),
        (
            "*bold* _em_ `code` ~~gone~~ &amp; $x$ back\\slash",
            "\\*bold\\* \\_em\\_ \\`code\\` \\~\\~gone\\~\\~ \\&amp; \\$x\\$ back\\\\slash",
        ),
        ("line\nbreak", "line\\\\x0abreak"),
    ],
)
def test_md_escapes_every_character_that_starts_inline_markup(value, escaped):
    assert md(value) == escaped


def test_hostile_values_render_as_text_with_no_link_image_html_or_extra_cell():
    html = render_html(MarkdownReporter().render(hostile_result(), RenderOptions(details=True)))
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    allowed = {"h1", "h2", "h3", "p", "br", "strong", "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li"}
    assert tags <= allowed
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.DOTALL):
        assert row.count("<td") + row.count("<th") == 5
    for value in HOSTILE[:6]:  # the rest hold control characters, shown as escapes
        assert value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in html
