"""The email itself: the site, the counts and the new failures in plain English, the report attached."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from holyaudit import __version__
from holyaudit.history.store import StoredResult
from holyaudit.models import AuditResult
from holyaudit.notify.settings import NotifySettings
from holyaudit.reporters.overview import count_rows, overview
from holyaudit.reporters.safe_text import printable

LISTED = 50
"""New failures listed in one email; the rest are counted, and the report has them all."""


def run_email(
    settings: NotifySettings,
    result: AuditResult,
    *,
    code: int,
    verdict: str,
    reasons: Sequence[str],
    new_failures: Sequence[StoredResult],
    run_id: str,
    report_html: str | None,
) -> EmailMessage:
    """The email for a recorded run: why it was sent, the counts, and what newly fails."""
    site = printable(result.site)
    when = result.as_of.astimezone(result.as_of.tzinfo)
    lines = [
        f"{site}: {verdict} (exit {code}), as of {when:%Y-%m-%d %H:%M %Z}, profile {printable(result.profile)}.",
        "",
        f"Sent because {'; '.join(reasons)}.",
        "",
        *(f"{label}: {value}" for label, value in count_rows(overview(result))),
    ]
    if new_failures:
        lines += ["", "New failures, most severe first:", *_failure_lines(result, new_failures)]
    lines += ["", *_where_the_report_is(settings, result, report_html), "", f"-- holyaudit {__version__}, run {run_id}"]
    message = _message(settings, f"{site}: {reasons[0]}" + (" and more" if len(reasons) > 1 else ""), lines)
    if report_html is not None and settings.attach == "html":
        message.add_attachment(
            report_html.encode("utf-8"), maintype="text", subtype="html", filename=_report_name(result)
        )
    return message


def failure_email(settings: NotifySettings, *, site: str, code: int, error: str, run_id: str) -> EmailMessage:
    """The email for a run that stopped before it was recorded: what stopped it."""
    shown = printable(site)
    lines = [
        f"{shown}: the holyaudit run failed (exit {code}) and recorded nothing.",
        "",
        f"What stopped it: {printable(error)}",
        "",
        "Nothing was audited by this run; the last recorded run's findings still stand.",
        "",
        f"-- holyaudit {__version__}, run {run_id}",
    ]
    return _message(settings, f"{shown}: the run failed (exit {code})", lines)


def _message(settings: NotifySettings, subject: str, lines: Sequence[str]) -> EmailMessage:
    message = EmailMessage()
    # A header is one line: a site name with a line break in it must not add headers of its own.
    message["Subject"] = re.sub(r"\s+", " ", f"holyaudit: {subject}")
    message["From"] = settings.email.sender
    message["To"] = ", ".join(settings.email.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.email.sender.rsplit("@", 1)[1])
    message.set_content("\n".join(lines) + "\n")
    return message


def _failure_lines(result: AuditResult, fresh: Sequence[StoredResult]) -> list[str]:
    titles = {f.rule_id: f.title for f in result.findings}
    plain = {
        (f.rule_id, o.id): o.message or o.reason or ""
        for f in result.findings
        for o in f.objects
        if (f.rule_id, o.id) in {r.key for r in fresh}
    }
    ordered = sorted(fresh, key=lambda r: (-r.severity.rank, r.rule_id, r.object_id))
    lines = [
        printable(f"- {r.severity.value}: {titles.get(r.rule_id, r.rule_id)}: {r.object_id}")
        + (f" ({printable(text)})" if (text := plain.get(r.key)) else "")
        for r in ordered[:LISTED]
    ]
    if len(ordered) > LISTED:
        lines.append(f"- and {len(ordered) - LISTED} more: the report lists them all")
    return lines


def _where_the_report_is(settings: NotifySettings, result: AuditResult, report_html: str | None) -> list[str]:
    found = []
    if settings.report_link:
        date = f"{result.as_of.astimezone(dt.UTC):%Y-%m-%d}"
        found.append(f"Report: {settings.report_link.replace('{site}', _slug(result.site)).replace('{date}', date)}")
    if report_html is not None and settings.attach == "html":
        found.append(f"The full report is attached: {_report_name(result)}")
    return found or ["Run 'holyaudit scan' or see the history for the full report."]


def _report_name(result: AuditResult) -> str:
    return f"{_slug(result.site)}-{result.as_of.astimezone(dt.UTC):%Y-%m-%d}.html"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "site"
