"""After a run: decide, compose and send its one email; a failure to send never changes the run's exit code."""

from __future__ import annotations

from email.message import EmailMessage

from holyaudit.audit.sources import Listener
from holyaudit.errors import ExitCode, HolyauditError
from holyaudit.models import AuditResult
from holyaudit.notify.decide import Changes, counted, reasons
from holyaudit.notify.message import failure_email, run_email
from holyaudit.notify.settings import NotifySettings
from holyaudit.notify.smtp import NotifyError, password_for, send
from holyaudit.reporters.interface import RenderOptions, TrendPoint


def notify_run(
    settings: NotifySettings,
    result: AuditResult,
    *,
    code: ExitCode,
    verdict: str,
    changes: Changes,
    run_id: str,
    trend: tuple[TrendPoint, ...],
    listener: Listener,
) -> str | None:
    """Send the run's email if ``settings.when`` asks for it; the line saying what happened, or None."""
    why = reasons(settings.when, code, changes)
    if not why:
        return None
    report = None
    if settings.attach == "html":
        from holyaudit.reporters.html import HtmlReporter

        report = HtmlReporter().render(result, RenderOptions(trend=trend))
    fresh = counted(settings.when, changes)
    message = run_email(
        settings, result, code=int(code), verdict=verdict, reasons=why, new_failures=fresh, run_id=run_id,
        report_html=report,
    )  # fmt: skip
    return _sent(settings, message, listener)


def notify_failure(
    settings: NotifySettings, *, site: str, error: BaseException, run_id: str, listener: Listener
) -> str | None:
    """Send the email for a run that stopped with ``error``, if ``settings.when`` asks for it."""
    if not settings.when.failed_to_run:
        return None
    if isinstance(error, HolyauditError):
        code, words = int(error.exit_code), str(error)
    else:  # its text could hold anything, a secret included: its type says enough
        code, words = int(ExitCode.INTERNAL), f"internal error: {type(error).__name__}"
    return _sent(settings, failure_email(settings, site=site, code=code, error=words, run_id=run_id), listener)


def _sent(settings: NotifySettings, message: EmailMessage, listener: Listener) -> str:
    recipients = ", ".join(settings.email.to)
    try:
        send(message, settings.email, password_for(settings.email))
    except (NotifyError, HolyauditError) as exc:
        line = f"notification not sent to {recipients}: {exc}"
        listener.warn(line)
        listener.log(line)
        return line
    line = f"notification sent to {recipients}: {message['Subject']}"
    listener.said(line)
    listener.log(line)
    return line
