"""The config's ``notify`` section: when to send, and the SMTP server to send through."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from holyaudit.sections import Loc, Section, anchored, ca_file_problem
from holyaudit.status import Severity

_ADDRESS = r"^[^@\s<>,;]+@[^@\s<>,;]+$"


class EmailSettings(Section):
    """An SMTP server reached over TLS (STARTTLS or implicit), the certificate checked; the password never lives
    here: HOLYAUDIT_SMTP_PASSWORD, ``password_file`` or the keyring (service holyaudit, user = ``user``)."""

    server: str = Field(min_length=1, description="The SMTP server's host name (its certificate must name it).")
    port: int | None = Field(default=None, ge=1, le=65535, description="Default 587 for starttls, 465 for tls.")
    security: Literal["starttls", "tls"] = Field(
        default="starttls", description="starttls: upgrade a plain connection; tls: TLS from the first byte."
    )
    ca_file: Path | None = Field(default=None, description="CA bundle that signed the server's certificate.")
    user: str | None = Field(default=None, description="Log in as this user; no login when absent.")
    password_file: Path | None = Field(default=None, description="File holding the SMTP password (mode 0600).")
    sender: str = Field(alias="from", pattern=_ADDRESS, description="The From address.")
    to: list[str] = Field(min_length=1, description="Who receives the notifications.")
    timeout_seconds: float = Field(default=30, gt=0, le=300, description="Most seconds to wait for the server.")

    @model_validator(mode="after")
    def _addresses(self) -> EmailSettings:
        import re

        for address in self.to:
            if not re.fullmatch(_ADDRESS, address):
                raise ValueError(f"to: {address!r} is not an email address")
        if self.password_file is not None and self.user is None:
            raise ValueError("password_file is set but user is not: set the user to log in as")
        return self

    @property
    def port_or_default(self) -> int:
        return self.port or (465 if self.security == "tls" else 587)

    def relative_to(self, base: Path) -> EmailSettings:
        return self.model_copy(
            update={"ca_file": anchored(base, self.ca_file), "password_file": anchored(base, self.password_file)}
        )

    def problems(self) -> list[tuple[str, Loc]]:
        found: list[tuple[str, Loc]] = []
        if self.ca_file is not None and (problem := ca_file_problem(self.ca_file)):
            found.append((f"ca_file: {problem}", ("ca_file",)))
        return found


class NotifyWhen(Section):
    """What makes a run worth an email."""

    new_failures_at: Severity | None = Field(
        default=Severity.HIGH,
        description="Objects newly failing a rule of this severity or above (null: never for new failures).",
    )
    incomplete: bool = Field(default=True, description="The run could not check everything, and the last one could.")
    failed_to_run: bool = Field(default=True, description="The run stopped with an error before it was recorded.")


class NotifySettings(Section):
    """``notify``: one email per run, when ``when`` says so."""

    email: EmailSettings
    when: NotifyWhen = NotifyWhen()
    attach: Literal["html", "none"] = Field(default="html", description="Attach the HTML report, or nothing.")
    report_link: str | None = Field(
        default=None,
        pattern=r"^https://\S+$",
        description="A link to the report to put in the email, e.g. where reports are published; {site} and "
        "{date} are filled in.",
    )

    def relative_to(self, base: Path) -> NotifySettings:
        return self.model_copy(update={"email": self.email.relative_to(base)})

    def problems(self) -> list[tuple[str, Loc]]:
        return [(message, ("email", *loc)) for message, loc in self.email.problems()]
