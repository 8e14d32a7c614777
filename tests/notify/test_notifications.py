"""Email when a school gets worse, through a real SMTP server the suite starts (aiosmtpd): STARTTLS and implicit
TLS with the certificate checked, a login, a refused login, a server that is down, and no secret anywhere."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from factories import write_profile, write_rule, write_snapshot, write_yaml

PASSWORD = "Sm7p-s3cret-Pa55"  # the test server's password, asserted absent from every output
USER = "alerts"


@dataclass
class Inbox:
    """What the SMTP server received, and the logins it saw."""

    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        ok = data.login.decode() == USER and data.password.decode() == PASSWORD
        self.logins.append((data.login.decode(), ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailer:
    inbox: Inbox
    port: int
    security: str


@pytest.fixture(params=["starttls", "tls"])
def mailer(request: pytest.FixtureRequest, tls) -> Iterator[Mailer]:
    """A real SMTP server on loopback, its certificate signed by the suite's CA: STARTTLS required before a
    login, or TLS from the first byte."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)
    inbox, port = Inbox(), free_port()
    # With TLS from the first byte, aiosmtpd does not count the session as TLS for auth_require_tls (it knows only
    # STARTTLS): every byte of it is encrypted all the same.
    options: dict[str, Any] = {"ssl_context": context, "auth_require_tls": False} if request.param == "tls" else {
        "tls_context": context, "require_starttls": True, "auth_require_tls": True,
    }  # fmt: skip
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate, **options)
    controller.start()
    try:
        yield Mailer(inbox, port, request.param)
    finally:
        controller.stop()


@dataclass
class School:
    folder: Path
    rules: Path
    profile: Path

    def snapshot(self, name: str, failing: list[str], error: str | None = None) -> Path:
        users = [{"id": user, "enabled": True, "uac": 0x220} for user in failing]
        users.append({"id": "fine", "enabled": True, "uac": 0x200})
        errors = {"directory.users": error} if error else None
        return write_snapshot(self.folder / f"{name}.json", {"directory.users": users}, errors)

    def config(self, mailer: Mailer | None, *, port: int | None = None, ca: Path | None, **email: Any) -> Path:
        secret = self.folder / "smtp-password"
        secret.write_text(PASSWORD + "\n")
        secret.chmod(0o600)
        settings: dict[str, Any] = {
            "server": "127.0.0.1",
            "port": port or (mailer.port if mailer else free_port()),
            "security": mailer.security if mailer else "starttls",
            "user": USER,
            "password_file": str(secret),
            "from": "holyaudit@school.test",
            "to": ["it@support.test", "head@school.test"],
            **({"ca_file": str(ca)} if ca else {}),
            **email,
        }
        document = {"site": {"name": "Test School"}, "notify": {"email": settings}}
        return write_yaml(self.folder / "holyaudit.yaml", document)

    def scan(self, config: Path, snapshot: Path, *options: str) -> list[str]:
        return [
            "scan", "--config", str(config), "--rules", str(self.rules), "--profile", str(self.profile),
            "--snapshot", str(snapshot), "--history", str(self.folder / "history.sqlite3"),
            "--log-file", str(self.folder / "run.log"), *options,
        ]  # fmt: skip

    @property
    def log(self) -> str:
        return (self.folder / "run.log").read_text(encoding="utf-8")


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> School:
    monkeypatch.delenv("HOLYAUDIT_SMTP_PASSWORD", raising=False)
    rules = tmp_path / "rules"
    write_rule(
        rules,
        "test-password-required",
        title="Every enabled account needs a password",
        severity="high",
        facts="directory.users",
        parameters={},
        scope={"attr": "enabled", "op": "eq", "value": True},
        condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
        messages={"text": "may have an empty password"},
    )
    return School(tmp_path, rules, write_profile(tmp_path / "p.yaml"))


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def test_new_failures_are_emailed_once_each_with_the_counts_and_the_report(run_cli, school, mailer, tls):
    config = school.config(mailer, ca=tls.ca)
    first = run_cli(*school.scan(config, school.snapshot("one", ["a.one", "b.two"])))
    assert first.code == 1
    said = "notification sent to it@support.test, head@school.test: holyaudit: Test School: 2 objects newly failing"
    assert said in " ".join(first.err.split())
    (sent,) = mailer.inbox.messages
    assert sent["Subject"].strip() == "holyaudit: Test School: 2 objects newly failing at high severity or above"
    assert sent["To"] == "it@support.test, head@school.test"
    text = body(sent)
    assert text.startswith("Test School: non-compliant (exit 1), as of 2026-11-20 16:30 GMT, profile test.\n")
    assert "Objects failing: 2 (0 critical, 2 high, 0 medium, 0 low)" in text
    assert "- high: Every enabled account needs a password: a.one (may have an empty password)" in text
    assert "- high: Every enabled account needs a password: b.two (may have an empty password)" in text
    (report,) = list(sent.iter_attachments())
    assert report.get_filename() == "test-school-2026-11-20.html"
    assert "<h1>Test School</h1>" in report.get_content()
    assert mailer.inbox.logins == [(USER, True)]

    # The same failures again: nothing new, no email.
    again = run_cli(*school.scan(config, school.snapshot("two", ["a.one", "b.two"])))
    assert again.code == 1
    assert len(mailer.inbox.messages) == 1
    # One more: only it is news.
    third = run_cli(*school.scan(config, school.snapshot("three", ["a.one", "b.two", "c.three"])))
    assert third.code == 1
    assert len(mailer.inbox.messages) == 2
    latest = body(mailer.inbox.messages[-1])
    assert "c.three" in latest
    assert "a.one" not in latest
    assert "notification sent to it@support.test, head@school.test" in school.log


def test_a_run_that_becomes_incomplete_is_emailed(run_cli, school, mailer, tls):
    config = school.config(mailer, ca=tls.ca, **{})
    assert run_cli(*school.scan(config, school.snapshot("one", []))).code == 0
    assert mailer.inbox.messages == []
    broken = school.snapshot("two", [], error="cannot reach the DC")
    assert run_cli(*school.scan(config, broken)).code == 4
    (sent,) = mailer.inbox.messages
    assert sent["Subject"].strip() == "holyaudit: Test School: it could not check everything; the last run could"
    assert "Test School: incomplete: some checks could not be made (exit 4)" in body(sent)


def test_a_refused_login_leaves_the_exit_code_and_is_shown_and_logged(run_cli, school, mailer, tls, monkeypatch):
    monkeypatch.setenv("HOLYAUDIT_SMTP_PASSWORD", "wrong-password")
    config = school.config(mailer, ca=tls.ca)
    result = run_cli(*school.scan(config, school.snapshot("one", ["a.one"])))
    assert result.code == 1, "the audit's exit code, whatever became of the email"
    expected = (
        f"notification not sent to it@support.test, head@school.test: the SMTP server 127.0.0.1:{mailer.port} "
        f"refused the login as {USER} (535)"
    )
    assert f"warning: {expected}" in " ".join(result.err.split())
    assert expected in school.log
    assert mailer.inbox.messages == []
    assert mailer.inbox.logins == [(USER, False)]
    assert "wrong-password" not in result.out + result.err + school.log


def test_a_server_that_is_down_leaves_the_exit_code(run_cli, school, tls):
    port = free_port()  # nothing listens there
    config = school.config(None, port=port, ca=tls.ca)
    result = run_cli(*school.scan(config, school.snapshot("one", ["a.one"])))
    assert result.code == 1
    assert (
        f"notification not sent to it@support.test, head@school.test: cannot reach the SMTP server 127.0.0.1:{port}: "
        "Connection refused"
    ) in " ".join(result.err.split())


def test_an_untrusted_certificate_is_refused(run_cli, school, mailer):
    config = school.config(mailer, ca=None)  # the system's CAs: they never signed the test server's certificate
    result = run_cli(*school.scan(config, school.snapshot("one", ["a.one"])))
    assert result.code == 1
    assert f"the SMTP server 127.0.0.1:{mailer.port}'s certificate was not trusted" in " ".join(result.err.split())
    assert mailer.inbox.messages == []
    assert mailer.inbox.logins == [], "no password was sent to a server that could not be trusted"


def test_a_run_that_fails_is_emailed_and_keeps_its_exit_code(run_cli, school, mailer, tls):
    config = school.config(mailer, ca=tls.ca)
    result = run_cli(*school.scan(config, school.snapshot("one", ["a.one"]), "--output", "/dev/full"))
    assert result.code == 2
    (sent,) = mailer.inbox.messages
    assert sent["Subject"].strip() == "holyaudit: Test School: the run failed (exit 2)"
    assert "What stopped it: cannot write /dev/full" in body(sent)


def test_no_secret_reaches_the_message_the_log_or_the_output(run_cli, school, mailer, tls):
    config = school.config(mailer, ca=tls.ca)
    result = run_cli(*school.scan(config, school.snapshot("one", ["a.one"])))
    (sent,) = mailer.inbox.messages
    assert mailer.inbox.logins == [(USER, True)]
    for text in (sent.as_string(), school.log, result.out, result.err, (school.folder / "holyaudit.yaml").read_text()):
        assert PASSWORD not in text


def test_without_a_notify_section_nothing_is_sent(run_cli, school, mailer, tls):
    config = write_yaml(school.folder / "plain.yaml", {"site": {"name": "Test School"}})
    assert run_cli(*school.scan(config, school.snapshot("one", ["a.one"]))).code == 1
    assert mailer.inbox.messages == []


@pytest.mark.parametrize(
    ("email_settings", "message"),
    [
        ({"to": ["not an address"]}, "to: 'not an address' is not an email address"),
        ({"security": "none"}, "security"),
        ({"ca_file": "missing.pem"}, "ca_file: file"),
    ],
)
def test_a_broken_notify_section_is_refused_at_its_line(run_cli, school, tls, email_settings, message):
    config = school.config(None, ca=tls.ca, **email_settings)
    result = run_cli(*school.scan(config, school.snapshot("one", ["a.one"])))
    assert result.code == 3
    assert f"{config}:" in result.err
    assert message in result.err
