"""Sending one email over SMTP with TLS, the server's certificate checked, logging in when the config says so."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from holyaudit.collectors.credentials import Secret, SecretSource, find_secret, guarded
from holyaudit.errors import HolyauditError
from holyaudit.notify.settings import EmailSettings

PASSWORD_ENV = "HOLYAUDIT_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a password


class NotifyError(HolyauditError):
    """The email could not be sent. The run's exit code stays what the audit said."""


def password_for(settings: EmailSettings) -> Secret | None:
    """The SMTP password from the same places as every holyaudit secret; None when the server needs no login."""
    if settings.user is None:
        return None
    purpose = f"the SMTP password {settings.user}"
    return find_secret(
        SecretSource(
            purpose, PASSWORD_ENV, settings.password_file, "notify.email.password_file", keyring_user=settings.user
        ),
        interactive=False,
    )


def _log_in(client: smtplib.SMTP, settings: EmailSettings, password: Secret) -> None:
    """AUTH PLAIN (or LOGIN where PLAIN is not offered): one mechanism, tried once, always inside TLS. smtplib's
    ``login`` would try each mechanism the server offers in turn after a refusal, so one wrong password would be
    sent two or three times, and count as as many failed attempts against a lockout."""
    client.ehlo_or_helo_if_needed()
    offered = str(client.esmtp_features.get("auth", "")).upper().split()
    client.user, client.password = settings.user or "", password.reveal()
    if "PLAIN" in offered:
        client.auth("PLAIN", client.auth_plain)
    elif "LOGIN" in offered:
        client.auth("LOGIN", client.auth_login, initial_response_ok=False)
    else:
        where = f"{settings.server}:{settings.port_or_default}"
        raise NotifyError(f"the SMTP server {where} offers no login holyaudit uses (AUTH PLAIN or LOGIN)")


def send(message: EmailMessage, settings: EmailSettings, password: Secret | None) -> None:
    """Send ``message``; NotifyError saying what failed, in words that hold no secret."""
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    where = f"{settings.server}:{settings.port_or_default}"
    try:
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.server, settings.port_or_default, timeout=settings.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(settings.server, settings.port_or_default, timeout=settings.timeout_seconds)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if password is not None and settings.user is not None:
                _log_in(client, settings, password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise NotifyError(f"the SMTP server {where} refused the login as {settings.user} ({exc.smtp_code})") from None
    except smtplib.SMTPNotSupportedError:
        raise NotifyError(
            f"the SMTP server {where} does not offer STARTTLS; set security: tls if it speaks TLS"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise NotifyError(f"the SMTP server {where} refused the recipients {', '.join(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        said = guarded(
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error),
            password,
        )
        raise NotifyError(f"the SMTP server {where} answered {exc.smtp_code}: {said}") from None
    except ssl.SSLCertVerificationError as exc:
        raise NotifyError(f"the SMTP server {where}'s certificate was not trusted: {exc.verify_message}") from None
    except (ssl.SSLError, smtplib.SMTPException) as exc:
        raise NotifyError(f"cannot send through the SMTP server {where}: {type(exc).__name__}") from None
    except TimeoutError:
        raise NotifyError(f"the SMTP server {where} did not answer within {settings.timeout_seconds:g} s") from None
    except OSError as exc:
        raise NotifyError(f"cannot reach the SMTP server {where}: {exc.strerror or type(exc).__name__}") from None
